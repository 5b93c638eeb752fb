import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_REPLICA_MAX_LAG_MS, loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/client.js';
import { failedBecauseOfReplica, parseLsn, readDatabaseFor, type Replica, type ReplicaCondition } from '../../src/db/replica.js';
import { explainStartupFailure } from '../../src/startup-errors.js';
import type { Db } from '../../src/db/client.js';
import type { Role } from '../../policies/purposes.js';

/**
 * §11 read replica (src/db/replica.ts) as pure functions: its settings, the routing rule RR1 viewer by viewer, and
 * which failures of the replica send a statement to the primary. test/integration/replica.test.ts runs it on a real
 * standby.
 */
describe('DATABASE_REPLICA_URL and REPLICA_MAX_LAG_MS', () => {
  const primary = 'postgres://gateway@db:5432/credit';

  it('no replica unless DATABASE_REPLICA_URL is set; the bound defaults to 1000 ms', () => {
    expect(loadConfig({ DATABASE_URL: primary }).replica).toBeNull();
    expect(loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URL: 'postgres://gateway@replica:5432/credit' }).replica)
      .toEqual({ url: 'postgres://gateway@replica:5432/credit', maxLagMs: DEFAULT_REPLICA_MAX_LAG_MS });
    expect(loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URL: 'postgresql://r/credit', REPLICA_MAX_LAG_MS: '2500' }).replica?.maxLagMs).toBe(2500);
  });

  it('refuses a replica without a PostgreSQL primary (PGlite), a URL that is not postgres://, and a bound under 10 ms', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://r/credit' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://r/credit' })).toThrow(/DATABASE_REPLICA_URL needs DATABASE_URL/);
    expect(explainStartupFailure(captured(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://r/credit' })), {}))
      .toMatch(/^configuration error: DATABASE_REPLICA_URL needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URL: 'mysql://r/credit' })).toThrow(/postgres:\/\/ URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URL: 'postgres://r/credit', REPLICA_MAX_LAG_MS: '5' })).toThrow(/at least 10/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URL: 'postgres://r/credit', REPLICA_MAX_LAG_MS: 'soon' })).toThrow(ConfigError);
  });

  it('the embedded database refuses a replica too (not only the configuration)', async () => {
    await expect(openDatabase({ pgliteDir: 'memory://', replica: { url: 'postgres://r/credit', maxLagMs: 1000 } })).rejects.toThrow(/needs PostgreSQL/);
  });
});

function captured(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('RR1: which viewers read the replica', () => {
  const primaryDb = { name: 'primary' } as unknown as Db;
  const replicaDb = { name: 'replica' } as unknown as Db;
  function databaseWith(condition: ReplicaCondition) {
    const replica = {
      db: replicaDb,
      counts: { replica: 0, primaryLagging: 0, primaryUnavailable: 0, retriedOnPrimary: 0 },
      state: () => ({ condition, lagMs: condition === 'unavailable' ? null : 5, maxLagMs: 1000, reason: null }),
    } as unknown as Replica;
    return { db: primaryDb, replica };
  }
  const viewer = (role: Role) => ({ role, actor: role === 'public' ? null : 'someone', orgCode: 'ORG', subjectCode: null });

  it('RR1: the public reads the replica only while it is caught up, and each request is counted where it read', () => {
    const caughtUp = databaseWith('caught_up');
    expect(readDatabaseFor(caughtUp, viewer('public'))).toBe(replicaDb);
    const lagging = databaseWith('lagging');
    expect(readDatabaseFor(lagging, viewer('public'))).toBe(primaryDb);
    const gone = databaseWith('unavailable');
    expect(readDatabaseFor(gone, viewer('public'))).toBe(primaryDb);
    expect([caughtUp.replica.counts, lagging.replica.counts, gone.replica.counts]).toEqual([
      { replica: 1, primaryLagging: 0, primaryUnavailable: 0, retriedOnPrimary: 0 },
      { replica: 0, primaryLagging: 1, primaryUnavailable: 0, retriedOnPrimary: 0 },
      { replica: 0, primaryLagging: 0, primaryUnavailable: 1, retriedOnPrimary: 0 },
    ]);
    expect(readDatabaseFor({ db: primaryDb }, viewer('public'))).toBe(primaryDb);
  });

  it.each(['department', 'agency', 'subject', 'auditor', 'admin', 'exchange'] as Role[])(
    'RR2 / A4: a %s (a token holder) reads the primary, even with the replica caught up', (role) => {
      const database = databaseWith('caught_up');
      expect(readDatabaseFor(database, viewer(role))).toBe(primaryDb);
      expect(database.replica.counts.replica).toBe(0);
    },
  );
});

describe('RR1: which failures of the replica send a statement to the primary', () => {
  const pgError = (code: string) => Object.assign(new Error(`error ${code}`), { code });

  it('the replica\'s own trouble: a recovery conflict, a lost or refused connection, a server shutting down or starting', () => {
    for (const code of ['40001', '40P01', '08006', '08001', '57P01', '57P02', '57P03', '53300', '3D000']) expect(failedBecauseOfReplica(pgError(code)), code).toBe(true);
    expect(failedBecauseOfReplica(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(failedBecauseOfReplica(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('not the statement\'s own errors, not the deadline (57014), never a write the replica refused (25006)', () => {
    for (const code of ['57014', '25006', '42883', '22P02', '23505', '42501']) expect(failedBecauseOfReplica(pgError(code)), code).toBe(false);
  });

  it('WAL positions compare as numbers', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
  });
});
