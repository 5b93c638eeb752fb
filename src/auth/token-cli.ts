import jwt from 'jsonwebtoken';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { claimsOf, parseTtl, signingKey } from './token-request.js';

/** `npm run token -- --role ROLE --org CODE [--subject CODE] [--sub ID] [--ttl 1h] [--key private.pem]` (SPEC O7). */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' }, org: { type: 'string' }, subject: { type: 'string' }, sub: { type: 'string' },
      ttl: { type: 'string', default: '1h' }, key: { type: 'string' },
    },
    strict: true,
  });
  if (!values.role) throw new ConfigError('usage: npm run token -- --role ROLE --org CODE [--subject CODE] [--sub ID] [--ttl 1h] [--key private.pem]');
  const claims = claimsOf({ role: values.role, org: values.org, subject: values.subject, sub: values.sub, ttl: values.ttl! });
  const expiresIn = parseTtl(values.ttl!);
  const { key, algorithm } = await signingKey(values.key);
  const config = loadConfig();
  const token = jwt.sign(claims, key, {
    algorithm, expiresIn,
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
});
