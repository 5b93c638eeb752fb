import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { explainStartupFailure } from '../../src/startup-errors.js';
import { claimsOf, parseTtl } from '../../src/auth/token-request.js';
import { devSecretFile } from '../../src/config/dev-secret.js';

/** SPEC §13 settings (O1–O4, O7) and the one-line start-up failures, as pure functions. */
describe('O1–O4 settings', () => {
  it('O1, O2, O4: LOG_LEVEL, METRICS_PORT, METRICS_TOKEN and SHUTDOWN_GRACE_MS have safe defaults and refuse bad values', () => {
    expect(loadConfig({})).toMatchObject({ logLevel: 'info', metricsPort: 0, metricsToken: null, shutdownGraceMs: 10_000, host: '127.0.0.1' });
    expect(loadConfig({ LOG_LEVEL: 'warn', METRICS_PORT: '9464', METRICS_TOKEN: 'a-long-enough-token', SHUTDOWN_GRACE_MS: '2500', HOST: '0.0.0.0' }))
      .toMatchObject({ logLevel: 'warn', metricsPort: 9464, metricsToken: 'a-long-enough-token', shutdownGraceMs: 2500, host: '0.0.0.0' });
    expect(() => loadConfig({ LOG_LEVEL: 'chatty' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/at least 16/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '-1' })).toThrow(ConfigError);
    expect(loadConfig({})).toMatchObject({ trustProxy: false, migrateOnStart: true });
    expect(loadConfig({ TRUST_PROXY: '1', MIGRATE_ON_START: '0' })).toMatchObject({ trustProxy: true, migrateOnStart: false });
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY must be 1 or 0/);
  });

  it('O7: the development secret is kept beside the embedded database (or in ./.data with PostgreSQL), never for an in-memory one', () => {
    expect(devSecretFile({ databaseUrl: undefined, pgliteDir: './.data' })).toMatch(/\.data\/dev-jwt-secret$/);
    expect(devSecretFile({ databaseUrl: undefined, pgliteDir: 'memory://' })).toBeNull();
    expect(devSecretFile({ databaseUrl: 'postgres://x@h/db', pgliteDir: 'memory://' })).toMatch(/\.data\/dev-jwt-secret$/);
  });
});

describe('O7: one line for each start-up failure', () => {
  const wrapped = (code: string, message = 'boom') => Object.assign(new Error('Failed query: CREATE SCHEMA IF NOT EXISTS "drizzle"\nparams: '), {
    cause: Object.assign(new Error(message), { code }),
  });
  const url = 'postgres://app:s3cret@db.example:6543/credit';

  it('O7: a missing database, a refused connection, a bad login, a port in use, a bad setting', () => {
    expect(explainStartupFailure(wrapped('3D000'), { databaseUrl: url })).toBe('database "credit" does not exist on db.example:6543: create it (createdb credit) or fix DATABASE_URL');
    expect(explainStartupFailure(wrapped('ECONNREFUSED'), { databaseUrl: url })).toBe('cannot reach PostgreSQL at db.example:6543 (connection refused): is it running? check DATABASE_URL');
    expect(explainStartupFailure(wrapped('28P01'), { databaseUrl: url })).toMatch(/refused the login for database "credit"/);
    expect(explainStartupFailure(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), { port: 4000 }))
      .toBe('port 4000 is already in use on 127.0.0.1: stop the other process or set PORT to a free port');
    expect(explainStartupFailure(new ConfigError('PORT must be a non-negative integer'), {})).toBe('configuration error: PORT must be a non-negative integer');
  });

  it('O7: no password, no SQL and no stack reach the line; an unknown failure is still one line', () => {
    for (const error of [wrapped('3D000'), wrapped('XX000', 'something odd\n    at frame'), new Error('Failed query: SELECT secret\nparams: 1')]) {
      const line = explainStartupFailure(error, { databaseUrl: url });
      expect(line.split('\n')).toHaveLength(1);
      expect(line).not.toContain('s3cret');
      expect(line).not.toContain('CREATE SCHEMA');
      expect(line).not.toContain('SELECT secret');
    }
  });
});

describe('O7: npm run token', () => {
  it('O7: claims per role — an organisation for organisation roles, a subject code for the subject; lifetimes like 30m, 8h, 7d', () => {
    expect(claimsOf({ role: 'auditor', org: ' audit-sg ', ttl: '1h' })).toEqual({ role: 'auditor', org: 'AUDIT-SG', sub: 'auditor-cli' });
    expect(claimsOf({ role: 'subject', subject: '11010519491231002x', ttl: '1h' })).toMatchObject({ role: 'subject', subject: '11010519491231002X' });
    expect(() => claimsOf({ role: 'root', org: 'X', ttl: '1h' })).toThrow(/--role must be one of/);
    expect(() => claimsOf({ role: 'department', ttl: '1h' })).toThrow(/--org CODE is required/);
    expect(() => claimsOf({ role: 'department', org: 'X', subject: 'Y', ttl: '1h' })).toThrow(/only for role subject/);
    expect([parseTtl('30m'), parseTtl('8h'), parseTtl('7d'), parseTtl('45s')]).toEqual([1800, 28_800, 604_800, 45]);
    for (const bad of ['1y', '0s', 'h', '400d']) expect(() => parseTtl(bad)).toThrow(ConfigError);
  });
});
