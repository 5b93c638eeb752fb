import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError, type JwtConfig } from '../../src/config/config.js';
import { viewerFromAuthorization } from '../../src/auth/tokens.js';
import { UnauthenticatedError } from '../../src/errors/app-errors.js';

const NOW = new Date();
const orgs = async (code: string) => (code === 'SG-MARKET' ? { kind: 'DEPARTMENT', status: 'ACTIVE' } : null);
const exp = () => Math.floor(Date.now() / 1000) + 600;

function keyConfig(publicKey: string): JwtConfig {
  return { secret: null, publicKey, issuer: 'credit-office', audience: 'gateway', generated: false };
}

describe('§10.2 pinned algorithms with JWT_PUBLIC_KEY', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const claims = { sub: 'officer-1', role: 'department', org: 'SG-MARKET', exp: exp(), iss: 'credit-office', aud: 'gateway' };

  it('§10.2: an RS256 token signed by the configured key is accepted', async () => {
    const token = jwt.sign(claims, rsa.privateKey, { algorithm: 'RS256' });
    const viewer = await viewerFromAuthorization(`Bearer ${token}`, keyConfig(rsaPem), orgs, NOW);
    expect(viewer).toEqual({ role: 'department', actor: 'officer-1', orgCode: 'SG-MARKET', subjectCode: null });
  });

  it('§10.2: an ES256 token signed by the configured key is accepted', async () => {
    const token = jwt.sign(claims, ec.privateKey, { algorithm: 'ES256' });
    await expect(viewerFromAuthorization(`Bearer ${token}`, keyConfig(ecPem), orgs, NOW)).resolves.toMatchObject({ role: 'department' });
  });

  it('§10.2: HS256 signed with the public key text (algorithm confusion) is refused', async () => {
    const token = jwt.sign(claims, rsaPem, { algorithm: 'HS256' });
    await expect(viewerFromAuthorization(`Bearer ${token}`, keyConfig(rsaPem), orgs, NOW)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('§10.2: JWT_ISSUER and JWT_AUDIENCE are checked when set', async () => {
    const wrongIssuer = jwt.sign({ ...claims, iss: 'someone-else' }, rsa.privateKey, { algorithm: 'RS256' });
    const wrongAudience = jwt.sign({ ...claims, aud: 'other' }, rsa.privateKey, { algorithm: 'RS256' });
    await expect(viewerFromAuthorization(`Bearer ${wrongIssuer}`, keyConfig(rsaPem), orgs, NOW)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(viewerFromAuthorization(`Bearer ${wrongAudience}`, keyConfig(rsaPem), orgs, NOW)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('§10.2: a token from another key pair is refused', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign(claims, other.privateKey, { algorithm: 'RS256' });
    await expect(viewerFromAuthorization(`Bearer ${token}`, keyConfig(rsaPem), orgs, NOW)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('§10.1 configuration', () => {
  it('§10.1: in production the server refuses to start without a key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
  });

  it('§10.1: outside production a development secret is generated and flagged for demo tokens', () => {
    const config = loadConfig({});
    expect(config.jwt.generated).toBe(true);
    expect(config.jwt.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('§10.1: defaults — port 4000, PGlite under ./.data, demo seed on with the embedded database and off with DATABASE_URL', () => {
    expect(loadConfig({})).toMatchObject({ port: 4000, pgliteDir: './.data', seedDemo: true, databaseUrl: undefined });
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' }).seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', SEED_DEMO: '1' }).seedDemo).toBe(true);
    expect(loadConfig({ SEED_DEMO: '0' }).seedDemo).toBe(false);
  });

  it('§11: default limits admit depth 8 and 15 aliases and 20 requests/s with bursts of 100', () => {
    const { limits } = loadConfig({});
    expect(limits.maxDepth).toBeGreaterThanOrEqual(8);
    expect(limits.maxAliases).toBeGreaterThanOrEqual(15);
    expect(limits.ratePerSecond).toBeGreaterThanOrEqual(20);
    expect(limits.rateBurst).toBeGreaterThanOrEqual(100);
  });

  it('§10.1: a configured secret is used as given, and both kinds of key at once are refused', () => {
    expect(loadConfig({ JWT_SECRET: 's3cret' }).jwt).toMatchObject({ secret: 's3cret', generated: false });
    expect(() => loadConfig({ JWT_SECRET: 's', JWT_PUBLIC_KEY: 'pem' })).toThrow(ConfigError);
  });
});
