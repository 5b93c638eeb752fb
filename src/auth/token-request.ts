import { readFile } from 'node:fs/promises';
import jwt from 'jsonwebtoken';
import { ConfigError, loadConfig } from '../config/config.js';
import { devSecretFile, readDevSecret } from '../config/dev-secret.js';
import { TOKEN_ROLES } from './tokens.js';

/**
 * What `npm run token` (SPEC O7, src/auth/token-cli.ts) needs: the claims of a request, its lifetime, and the
 * configured key — JWT_SECRET (HS256), the development secret kept in the data
 * directory, or, with JWT_PUBLIC_KEY, the matching private key given with --key (RS256 or ES256, from the key).
 * JWT_ISSUER and JWT_AUDIENCE are set as claims when configured. Bad input throws ConfigError with one line.
 */
const TTL = /^(\d+)(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

export function parseTtl(text: string): number {
  const match = TTL.exec(text.trim());
  if (!match) throw new ConfigError(`--ttl '${text}' is not a duration such as 30m, 8h or 7d`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (seconds < 1 || seconds > 366 * 86_400) throw new ConfigError('--ttl must be between 1s and 366d');
  return seconds;
}

export interface TokenRequest {
  role: string;
  org?: string;
  subject?: string;
  sub?: string;
  ttl: string;
}

export function claimsOf(request: TokenRequest): Record<string, string> {
  if (!(TOKEN_ROLES as readonly string[]).includes(request.role)) throw new ConfigError(`--role must be one of ${TOKEN_ROLES.join(', ')}`);
  if (request.role === 'subject') {
    if (!request.subject) throw new ConfigError('--subject CODE is required for role subject');
    return { role: 'subject', subject: request.subject.trim().toUpperCase(), sub: request.sub ?? `subject-${request.subject}` };
  }
  if (!request.org) throw new ConfigError(`--org CODE is required for role ${request.role}`);
  if (request.subject) throw new ConfigError('--subject is only for role subject');
  return { role: request.role, org: request.org.trim().toUpperCase(), sub: request.sub ?? `${request.role}-cli` };
}

export async function signingKey(keyFile: string | undefined): Promise<{ key: string; algorithm: jwt.Algorithm }> {
  const config = loadConfig();
  if (config.jwt.publicKey) {
    if (!keyFile) throw new ConfigError('JWT_PUBLIC_KEY is set: pass the matching private key with --key FILE (tokens normally come from your identity provider)');
    const key = await readFile(keyFile, 'utf8');
    return { key, algorithm: /BEGIN (EC|PRIVATE) KEY/.test(key) && key.includes('EC') ? 'ES256' : 'RS256' };
  }
  if (!config.jwt.generated && config.jwt.secret) return { key: config.jwt.secret, algorithm: 'HS256' };
  const file = devSecretFile(config);
  const secret = file ? await readDevSecret(file) : null;
  if (!secret) throw new ConfigError('no signing key: set JWT_SECRET, or start the gateway once (npm start) to create the development secret');
  return { key: secret, algorithm: 'HS256' };
}

