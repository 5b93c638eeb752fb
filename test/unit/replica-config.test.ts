import { EventEmitter } from 'node:events';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_REPLICA_MAX_LAG_MS, loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/client.js';
import {
  emptyReplicaCounts, LagMonitor, parseLsn, readDatabaseFor, REPLICA_BUDGET_WITHOUT_DEADLINE_MS, replicaBudgetMs, replicaFailure,
  StatementRouter, type MonitorPool, type Replica, type ReplicaCondition, type ReplicaState,
} from '../../src/db/replica.js';
import { explainStartupFailure } from '../../src/startup-errors.js';
import type { Db } from '../../src/db/client.js';
import type { Role } from '../../policies/purposes.js';

/**
 * §11 read replica (src/db/replica.ts) as pure functions: its settings, the routing rule RR1 viewer by viewer, and
 * which failures of the replica send a statement to the primary, the routing of each statement, and the lag monitor
 * over fake connections. test/integration/replica.test.ts runs it on a real standby.
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
      counts: emptyReplicaCounts(),
      state: () => ({ condition, lagMs: condition === 'unavailable' ? null : 5, maxLagMs: 1000, reason: null, foreign: false }),
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
      { ...emptyReplicaCounts(), replica: 1 },
      { ...emptyReplicaCounts(), primaryLagging: 1 },
      { ...emptyReplicaCounts(), primaryUnavailable: 1 },
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
  /** an ErrorResponse of the server, as pg builds it (a DatabaseError always carries the severity) */
  const serverError = (code: string, severity = 'ERROR') => Object.assign(new pg.DatabaseError(`error ${code}`, 0, 'error'), { code, severity });
  /** a Node system error (errno, syscall, a code of capital letters) */
  const systemError = (code: string) => Object.assign(new Error(`write ${code}`), { code, errno: -1, syscall: 'write' });

  it('RR1: the replica declining one statement — a recovery conflict, its statement budget, too many connections, this process\'s pool full, no answer in time', () => {
    for (const code of ['40001', '40P01', '57014', '53300']) expect(replicaFailure(serverError(code)), code).toBe('declined');
    expect(replicaFailure(new Error('timeout exceeded when trying to connect'))).toBe('declined');
    expect(replicaFailure(new Error('Query read timeout'))).toBe('declined');
  });

  it('RR1: the replica gone — a connection exception, a server shutting down or starting, the database missing', () => {
    for (const code of ['08006', '08001', '08P01', '57P01', '57P02', '57P03', '3D000']) expect(replicaFailure(serverError(code, 'FATAL')), code).toBe('lost');
    expect(replicaFailure(new Error('Connection terminated unexpectedly'))).toBe('lost');
    expect(replicaFailure(new Error('Connection terminated due to connection timeout'))).toBe('lost');
  });

  it('RR1: Node\'s system errors are connection losses, including the five-letter codes that look like SQLSTATEs (EPIPE, EPERM, EBADF)', () => {
    for (const code of ['EPIPE', 'EPERM', 'EBADF', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']) expect(replicaFailure(systemError(code)), code).toBe('lost');
  });

  it('RR1: not the statement\'s own errors, never a write the replica refused (25006)', () => {
    for (const code of ['25006', '42883', '22P02', '23505', '42501']) expect(replicaFailure(serverError(code)), code).toBe('statement');
    expect(replicaFailure('not an error')).toBe('statement');
  });

  it('RR1: a replica statement\'s budget leaves it a third of the request\'s deadline on the primary', () => {
    expect(replicaBudgetMs(10_000)).toBe(3_333);
    expect(replicaBudgetMs(2)).toBe(1);
    expect(replicaBudgetMs(0)).toBe(REPLICA_BUDGET_WITHOUT_DEADLINE_MS);
  });
});

describe('RR1 per statement: StatementRouter', () => {
  const answer = (from: string) => ({ rows: [{ from }] }) as unknown as pg.QueryResult;
  function routerWith(condition: () => ReplicaCondition, requestTimeoutMs = 10_000) {
    const marked: unknown[] = [];
    const counts = emptyReplicaCounts();
    const monitor = {
      state: (): ReplicaState => ({ condition: condition(), lagMs: 0, maxLagMs: 1000, reason: null, foreign: false }),
      markUnavailable: (error: unknown) => void marked.push(error),
    };
    const onPrimary = async () => answer('primary');
    return { router: new StatementRouter(monitor, counts, onPrimary, requestTimeoutMs), counts, marked };
  }
  const rowsOf = (result: pg.QueryResult) => result.rows;

  it('RR1: a request that started caught up sends its later statements to the primary once the replica is past the bound', async () => {
    let condition: ReplicaCondition = 'caught_up';
    const { router, counts } = routerWith(() => condition);
    let replicaStatements = 0;
    const onReplica = async () => {
      replicaStatements += 1;
      return answer('replica');
    };
    expect(rowsOf(await router.run('SELECT 1', [], onReplica))).toEqual([{ from: 'replica' }]);
    condition = 'lagging';
    expect(rowsOf(await router.run('SELECT 2', [], onReplica))).toEqual([{ from: 'primary' }]);
    condition = 'unavailable';
    expect(rowsOf(await router.run('SELECT 3', [], onReplica))).toEqual([{ from: 'primary' }]);
    expect(replicaStatements).toBe(1);
    expect(counts).toMatchObject({ redirectedToPrimary: 2, retriedOnPrimary: 0 });
  });

  it('RR1: a system error (EPIPE) runs on the primary and marks the replica unavailable; a full replica pool runs on the primary and does not', async () => {
    const { router, counts, marked } = routerWith(() => 'caught_up');
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
    expect(rowsOf(await router.run('SELECT 1', [], () => Promise.reject(epipe)))).toEqual([{ from: 'primary' }]);
    expect(marked).toEqual([epipe]);
    const full = new Error('timeout exceeded when trying to connect');
    expect(rowsOf(await router.run('SELECT 1', [], () => Promise.reject(full)))).toEqual([{ from: 'primary' }]);
    expect(marked).toEqual([epipe]);
    expect(counts.retriedOnPrimary).toBe(2);
  });

  it('RR1: the statement\'s own error reaches the caller, not retried', async () => {
    const { router, counts, marked } = routerWith(() => 'caught_up');
    const own = Object.assign(new pg.DatabaseError('division by zero', 0, 'error'), { code: '22012', severity: 'ERROR' });
    await expect(router.run('SELECT 1/0', [], () => Promise.reject(own))).rejects.toBe(own);
    expect(counts.retriedOnPrimary).toBe(0);
    expect(marked).toEqual([]);
  });

  it('H2: no retry on the primary once the request\'s deadline has certainly passed (REQUEST_TIMEOUT_MS since the statement was sent)', async () => {
    const { router, counts } = routerWith(() => 'caught_up', 30);
    const late = () => new Promise<pg.QueryResult>((_, reject) => setTimeout(() => reject(new Error('Query read timeout')), 40));
    await expect(router.run('SELECT 1', [], late)).rejects.toThrow('Query read timeout');
    expect(counts.retriedOnPrimary).toBe(0);
  });
});

/** A fake pg pool for the monitor: answers by statement, and emits 'connect' and 'error' as pg's pool does. */
class FakePool extends EventEmitter {
  answers: Record<string, () => unknown> = {};
  async query(text: string) {
    const key = Object.keys(this.answers).find((k) => text.includes(k));
    if (!key) throw new Error(`unexpected statement ${text}`);
    return { rows: [this.answers[key]()] };
  }
}

describe('the lag monitor (LagMonitor)', () => {
  function monitorOver(maxLagMs = 100, intervalMs = 25) {
    let now = 0;
    const primary = new FakePool();
    const replica = new FakePool();
    let primaryLsn = 0x1000;
    primary.answers = { pg_current_wal_flush_lsn: () => ({ lsn: `0/${(primaryLsn += 0x10).toString(16)}` }), pg_control_system: () => ({ id: '7000000000000000001' }) };
    replica.answers = { pg_is_in_recovery: () => ({ recovering: true, lsn: `0/${primaryLsn.toString(16)}` }), pg_control_system: () => ({ id: '7000000000000000001' }) };
    const monitor = new LagMonitor(primary as unknown as MonitorPool, replica as unknown as MonitorPool, maxLagMs, intervalMs, () => now);
    return { monitor, primary, replica, advance: (ms: number) => void (now += ms) };
  }

  it('RR1: keeps its primary samples to the time horizon while the replica is down (no unbounded growth)', async () => {
    const { monitor, replica, advance } = monitorOver(100, 25);
    await monitor.check();
    expect(monitor.state().condition).toBe('caught_up');
    replica.answers = { pg_is_in_recovery: () => { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }); } };
    for (let i = 0; i < 1_000; i += 1) {
      advance(25);
      await monitor.check();
    }
    expect(monitor.state().condition).toBe('unavailable');
    // horizon: 2 × 100 ms + 4 × 25 ms = 300 ms of samples, one every 25 ms
    expect(monitor.sampleCount).toBeLessThanOrEqual(13);
  });

  it('RR1: keeps them to the horizon while the replica is promoted (answers, but is no standby)', async () => {
    const { monitor, replica, advance } = monitorOver(100, 25);
    replica.answers = { pg_is_in_recovery: () => ({ recovering: false, lsn: null }), pg_control_system: () => ({ id: '7000000000000000001' }) };
    for (let i = 0; i < 1_000; i += 1) {
      advance(25);
      await monitor.check();
    }
    expect(monitor.state()).toMatchObject({ condition: 'unavailable', reason: expect.stringMatching(/not a standby/) });
    expect(monitor.sampleCount).toBeLessThanOrEqual(13);
  });

  it('RR1: a standby of another cluster (its system identifier is not the primary\'s) is unavailable, said once; trusted again after a reconnect to the right one', async () => {
    const { monitor, replica, advance } = monitorOver();
    const heard: ReplicaState[] = [];
    monitor.listeners.add((state) => heard.push(state));
    replica.answers.pg_control_system = () => ({ id: '7999999999999999999' });
    await monitor.check();
    advance(25);
    await monitor.check();
    expect(monitor.state()).toMatchObject({ condition: 'unavailable', foreign: true, reason: expect.stringMatching(/7999999999999999999 is not the primary's 7000000000000000001/) });
    expect(heard.map((s) => [s.condition, s.foreign])).toEqual([['unavailable', true]]);
    // the identifier is read once per connection, not at every check
    replica.answers.pg_control_system = () => ({ id: '7000000000000000001' });
    advance(25);
    await monitor.check();
    expect(monitor.state().foreign).toBe(true);
    replica.emit('connect');
    advance(25);
    await monitor.check();
    expect(monitor.state()).toMatchObject({ condition: 'caught_up', foreign: false, reason: null });
    expect(heard.map((s) => [s.condition, s.foreign])).toEqual([['unavailable', true], ['caught_up', false]]);
  });

  it('RR1: a replica whose primary\'s identifier cannot be read is not trusted', async () => {
    const { monitor, primary } = monitorOver();
    primary.answers.pg_control_system = () => { throw new Error('Query read timeout'); };
    await monitor.check();
    expect(monitor.state()).toMatchObject({ condition: 'unavailable', foreign: false, reason: expect.stringMatching(/primary's system identifier could not be read/) });
  });

  it('WAL positions compare as numbers', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
  });
});
