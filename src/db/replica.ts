import { performance } from 'node:perf_hooks';
import type { Pool, QueryResult } from 'pg';
import type { Viewer } from '../../policies/viewer.js';
import type { Logger } from '../logging.js';
import type { Database, Db } from './client.js';

/**
 * The read replica (SPEC §11 "reads can go to replicas"; README "Read replica"): a PostgreSQL streaming standby
 * (DATABASE_REPLICA_URL) that serves part of the reads while the primary (DATABASE_URL) keeps every write.
 *
 * RR1 — the routing rule: a request reads the replica only when its answer can depend neither on the caller's own
 * writes nor on grants, and only while the replica is known to be at most REPLICA_MAX_LAG_MS behind the primary.
 * That is the public (no token — API callers and the public website, whose pages call this /graphql without one):
 * it cannot write, holds no grants, and sees only what is public, which the replica shows at most the bound late.
 * The request is routed once, when its context is made (readDatabaseFor), and each of its statements is checked
 * again when it is sent (StatementRouter): a statement sent while the replica is not caught up runs on the primary.
 * RR2 — every token holder reads the primary: departments (they file records and read them back: read-your-writes),
 * agencies (their grants are read on every request — A4: a revoked grant stops access at the next request),
 * subjects (their grants, objections and repair applications), auditors, admins and peer platforms. Every write —
 * filings, grants, cases, the access log of every request, replica-served ones included, the rate limiter's shared
 * buckets — goes to the primary: only `ctx.db` of a public request is the replica's, and the replica is read-only.
 *
 * How far behind it is (LagMonitor): every check the monitor reads the primary's pg_current_wal_flush_lsn() and
 * records it with the (monotonic) time it sent the query, then reads the replica's pg_last_wal_replay_lsn(). A
 * transaction acknowledged before that time has its commit record flushed at or below that LSN (synchronous_commit
 * on, the default), so a replica that has replayed up to it shows every such commit: the replica's state is at
 * least as new as the primary's at the time of the newest sample it has replayed. Staleness = now − that time —
 * it grows by itself between checks, so a monitor that stops hearing from the replica turns it "lagging" without
 * being told. (pg_last_xact_replay_timestamp() alone is wrong: on an idle primary nothing commits, and a caught-up
 * replica would look ever older.) Unreachable, erroring, not in recovery (promoted), or a standby of another
 * cluster (its pg_control_system().system_identifier is not the primary's) → "unavailable". Either way public
 * statements read the primary.
 *
 * A statement that fails on the replica for the replica's reasons (replicaFailure: a recovery conflict, its
 * statement budget spent, this process's replica pool full, a connection lost or refused, a server shutting down)
 * runs again on the primary, unless its request's deadline has certainly passed; a lost replica is marked
 * unavailable until the next successful check.
 */

export interface ReplicaOptions {
  /** the standby (DATABASE_REPLICA_URL) */
  url: string;
  /** serve from it only while it is at most this far behind (REPLICA_MAX_LAG_MS) */
  maxLagMs: number;
  /** how often the monitor checks (default: a quarter of maxLagMs, between 10 and 250 ms) */
  checkIntervalMs?: number;
}

export type ReplicaCondition = 'caught_up' | 'lagging' | 'unavailable';

export interface ReplicaState {
  condition: ReplicaCondition;
  /** now − the time of the newest primary WAL position the replica has replayed; null while unavailable or unknown */
  lagMs: number | null;
  maxLagMs: number;
  /** why it is unavailable (the last error, "not a standby", "another cluster"); null otherwise */
  reason: string | null;
  /** its system identifier differs from the primary's: a standby (or copy) of another cluster, never read */
  foreign: boolean;
}

/** Cumulative counts, read by the metrics (O2). */
export interface ReplicaCounts {
  /** public requests read from the replica */
  replica: number;
  /** public requests read from the primary because the replica was behind / unavailable */
  primaryLagging: number;
  primaryUnavailable: number;
  /** statements of replica-routed requests sent to the primary because, when sent, the replica was not caught up */
  redirectedToPrimary: number;
  /** statements the replica failed (recovery conflict, timeout, full pool, lost connection) that ran again on the primary */
  retriedOnPrimary: number;
}

export function emptyReplicaCounts(): ReplicaCounts {
  return { replica: 0, primaryLagging: 0, primaryUnavailable: 0, redirectedToPrimary: 0, retriedOnPrimary: 0 };
}

export interface Replica {
  /** the replica's database handle (read-only statements only) */
  readonly db: Db;
  state(): ReplicaState;
  readonly counts: ReplicaCounts;
  /** called when the condition changes (at a check, or at once when a connection is lost); returns an unsubscribe */
  onChange(listener: (state: ReplicaState) => void): () => void;
  close(): Promise<void>;
}

/** RR1: the database a request reads — the replica for the public while it is caught up, else the primary. */
export function readDatabaseFor(database: Pick<Database, 'db' | 'replica'>, viewer: Viewer): Db {
  const replica = database.replica;
  if (!replica || viewer.role !== 'public') return database.db;
  const { condition } = replica.state();
  if (condition === 'caught_up') {
    replica.counts.replica += 1;
    return replica.db;
  }
  if (condition === 'lagging') replica.counts.primaryLagging += 1;
  else replica.counts.primaryUnavailable += 1;
  return database.db;
}

/** 'X/Y' (pg_lsn as text) → a comparable integer. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/** SQLSTATEs by which the replica declines one statement while staying up: run it on the primary. */
const DECLINED_BY_REPLICA = new Set([
  '40001', // serialization_failure: "canceling statement due to conflict with recovery" (hot standby)
  '40P01', // deadlock_detected: a buffer-pin recovery conflict
  '57014', // query_canceled: the replica's own statement_timeout (its statement budget, below the request's deadline)
  '53300', // too_many_connections
]);
/** pg-pool: no connection of this process's replica pool came free in time (the pool is full, the replica is not gone) */
const POOL_FULL = 'timeout exceeded when trying to connect';
/** pg: the replica did not answer within query_timeout (hung, or overloaded; the monitor judges which) */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * What a statement's failure on the replica says:
 * - 'statement': the statement's own error (its syntax or data; a write the read-only replica refused, 25006, is a
 *   bug to surface, not to hide) — thrown to the caller as the primary would throw it;
 * - 'declined': the replica could not run this one statement (a recovery conflict, its statement budget spent,
 *   too many connections, this process's replica pool full) — it runs on the primary, the replica stays in use;
 * - 'lost': the replica itself is gone (a connection refused, reset or cut, a server shutting down or starting, the
 *   database missing) — it runs on the primary, and the replica is unavailable until the next successful check.
 * Only a server's ErrorResponse (pg's DatabaseError, which always carries `severity`) has a SQLSTATE in `code`;
 * Node's system errors carry codes too (ECONNRESET, EPIPE, EPERM, EBADF …), and those are connection losses.
 */
export type ReplicaFailure = 'statement' | 'declined' | 'lost';

export function replicaFailure(error: unknown): ReplicaFailure {
  if (!(error instanceof Error)) return 'statement';
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof severity === 'string' && typeof code === 'string') {
    if (code.startsWith('08') || code.startsWith('57P') || code === '3D000') return 'lost';
    return DECLINED_BY_REPLICA.has(code) ? 'declined' : 'statement';
  }
  if (error.message === POOL_FULL || error.message === QUERY_READ_TIMEOUT) return 'declined';
  // a system error, "Connection terminated unexpectedly", "Connection terminated due to connection timeout" …
  return 'lost';
}

/** Without a request deadline (REQUEST_TIMEOUT_MS=0), how long a statement may wait for and run on the replica. */
export const REPLICA_BUDGET_WITHOUT_DEADLINE_MS = 30_000;

/**
 * How long one statement may wait for a replica connection, and then run on the replica (its connection timeout,
 * query_timeout and statement_timeout there), before it runs on the primary: a third of the request's deadline,
 * so that a hung or overloaded replica leaves a statement a third of it on the primary, at the worst.
 */
export function replicaBudgetMs(requestTimeoutMs: number): number {
  return requestTimeoutMs > 0 ? Math.max(1, Math.floor(requestTimeoutMs / 3)) : REPLICA_BUDGET_WITHOUT_DEADLINE_MS;
}

/**
 * RR1 per statement: the replica's pool sends each statement through here. A statement sent while the replica is
 * not caught up (more than the bound behind by now, or unavailable) runs on the primary, even within a request that
 * was routed to the replica; one the replica fails for its own reasons (replicaFailure) runs again on the primary.
 * The request's deadline is not known here, only that it falls at most REQUEST_TIMEOUT_MS after the statement was
 * sent: past that the caller has had DEADLINE_EXCEEDED, and the failure is thrown instead of retried.
 */
export class StatementRouter {
  constructor(
    private readonly monitor: Pick<LagMonitor, 'state' | 'markUnavailable'>,
    readonly counts: ReplicaCounts,
    private readonly onPrimary: (config: unknown, values: unknown) => Promise<QueryResult>,
    private readonly requestTimeoutMs: number,
  ) {}

  async run(config: unknown, values: unknown, onReplica: () => Promise<QueryResult>): Promise<QueryResult> {
    if (this.monitor.state().condition !== 'caught_up') {
      this.counts.redirectedToPrimary += 1;
      return this.onPrimary(config, values);
    }
    const sentAt = performance.now();
    try {
      return await onReplica();
    } catch (error) {
      const failure = replicaFailure(error);
      if (failure === 'statement') throw error;
      if (failure === 'lost') this.monitor.markUnavailable(error);
      if (this.requestTimeoutMs > 0 && performance.now() - sentAt >= this.requestTimeoutMs) throw error;
      this.counts.retriedOnPrimary += 1;
      return this.onPrimary(config, values);
    }
  }
}

interface Sample {
  lsn: bigint;
  at: number;
}

/** The pieces of a pg pool the monitor uses (a fake one in the unit tests). */
export type MonitorPool = Pick<Pool, 'query' | 'on'>;

const PRIMARY_SAMPLE = 'SELECT pg_current_wal_flush_lsn()::text AS lsn';
const REPLICA_POSITION = 'SELECT pg_is_in_recovery() AS recovering, pg_last_wal_replay_lsn()::text AS lsn';
/** the cluster's identity, from initdb, kept by every physical standby made from it (pg_basebackup) */
const SYSTEM_IDENTIFIER = 'SELECT system_identifier::text AS id FROM pg_control_system()';

async function systemIdentifier(pool: MonitorPool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(SYSTEM_IDENTIFIER);
  return rows[0].id;
}

/**
 * Measures how far the replica is behind (see the file's comment). Two connections of its own (one to each server),
 * so that a busy pool never delays a check — a delayed check would only make the replica look older, but the
 * replica is wanted most when the pool is busiest. It reads both servers' system identifiers whenever one of its
 * connections is (re)made, and counts a replica whose identifier differs from the primary's as unavailable.
 */
export class LagMonitor {
  private samples: Sample[] = [];
  /** now() of the newest primary sample the replica has replayed; -Infinity = none known */
  private freshAt = -Infinity;
  private available = false;
  private reason: string | null = 'not checked yet';
  /** the system identifiers read on the monitor's current connections; null: to be read (again) */
  private primaryId: string | null = null;
  private replicaId: string | null = null;
  private foreign = false;
  private announced: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  readonly listeners = new Set<(state: ReplicaState) => void>();

  constructor(
    private readonly primary: MonitorPool,
    private readonly replica: MonitorPool,
    readonly maxLagMs: number,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    // a new connection may reach another server (a failover, a DNS change): read its identifier again
    primary.on('connect', () => {
      this.primaryId = null;
    });
    replica.on('connect', () => {
      this.replicaId = null;
    });
    // a dead idle connection means the server went away (a restart may come back showing an older state): forget
    // what was known until a check succeeds
    replica.on('error', (error) => this.markUnavailable(error));
  }

  state(now = this.now()): ReplicaState {
    if (!this.available) return { condition: 'unavailable', lagMs: null, maxLagMs: this.maxLagMs, reason: this.reason, foreign: this.foreign };
    const lagMs = Number.isFinite(this.freshAt) ? Math.max(0, now - this.freshAt) : null;
    const condition = lagMs !== null && lagMs <= this.maxLagMs ? 'caught_up' : 'lagging';
    return { condition, lagMs, maxLagMs: this.maxLagMs, reason: null, foreign: false };
  }

  /** how many primary samples are kept (bounded by the time horizon, whatever the replica does) */
  get sampleCount(): number {
    return this.samples.length;
  }

  markUnavailable(error: unknown): void {
    this.available = false;
    this.freshAt = -Infinity;
    this.reason = error instanceof Error ? error.message : String(error);
    this.announce();
  }

  /** Beyond twice the bound (and a few checks) no sample matters: the replica is lagging either way. */
  private horizon(): number {
    return this.now() - 2 * this.maxLagMs - 4 * this.intervalMs;
  }

  /** A primary sample; older ones past the horizon go now, also while the replica is down (no check prunes then). */
  private addSample(sample: Sample): void {
    const horizon = this.horizon();
    let stale = 0;
    while (stale < this.samples.length && this.samples[stale].at < horizon) stale += 1;
    if (stale > 0) this.samples.splice(0, stale);
    this.samples.push(sample);
  }

  /** Why the replica cannot be trusted as the primary's standby, or null when the identifiers match. */
  private identityRefusal(): string | null {
    if (this.primaryId === null) return 'the primary\'s system identifier could not be read: the replica is not verified as its standby';
    this.foreign = this.replicaId !== this.primaryId;
    return this.foreign
      ? `not a standby of DATABASE_URL: its system identifier ${this.replicaId} is not the primary's ${this.primaryId} (a copy of another cluster)`
      : null;
  }

  /** One check: a primary sample, then the replica's replay position. Never throws. */
  async check(): Promise<void> {
    const sentAt = this.now();
    try {
      const { rows } = await this.primary.query<{ lsn: string }>(PRIMARY_SAMPLE);
      this.addSample({ lsn: parseLsn(rows[0].lsn), at: sentAt });
      this.primaryId ??= await systemIdentifier(this.primary);
    } catch {
      // no sample: the primary's own trouble; what the replica has replayed only grows older
    }
    try {
      const { rows } = await this.replica.query<{ recovering: boolean; lsn: string | null }>(REPLICA_POSITION);
      if (!rows[0].recovering || rows[0].lsn === null) {
        this.markUnavailable('not a standby (pg_is_in_recovery() is false): promoted, or not a replica of DATABASE_URL');
        return;
      }
      this.replicaId ??= await systemIdentifier(this.replica);
      const refusal = this.identityRefusal();
      if (refusal) {
        this.markUnavailable(refusal);
        return;
      }
      const replayed = parseLsn(rows[0].lsn);
      // the newest sample the replica has replayed; computed afresh each check (never assumed to only move forward)
      let newest = -1;
      for (let i = this.samples.length - 1; i >= 0; i -= 1) {
        if (this.samples[i].lsn <= replayed) {
          newest = i;
          break;
        }
      }
      this.freshAt = newest >= 0 ? this.samples[newest].at : -Infinity;
      // older samples are of no more use once a newer one is replayed
      if (newest > 0) this.samples.splice(0, newest);
      this.available = true;
      this.reason = null;
      this.announce();
    } catch (error) {
      this.markUnavailable(error);
    }
  }

  private announce(): void {
    const state = this.state();
    const key = `${state.condition}${state.foreign ? ' foreign' : ''}`;
    if (key === this.announced) return;
    this.announced = key;
    for (const listener of this.listeners) listener(state);
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      await this.check();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.intervalMs);
      this.timer?.unref();
    };
    this.timer = setTimeout(() => void loop(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

export interface OpenReplicaOptions extends ReplicaOptions {
  /** the primary (DATABASE_URL): the monitor's sample connection */
  primaryUrl: string;
  /** DATABASE_POOL_SIZE: the replica's pool has as many connections as the primary's */
  poolSize: number;
  /** the gateway's session settings (client.ts SESSION_OPTIONS); the replica adds its own statement_timeout */
  sessionOptions: string;
  /** REQUEST_TIMEOUT_MS (0: none): sets the replica's statement budget (replicaBudgetMs) */
  requestTimeoutMs: number;
  /** runs a statement on the primary's pool: where a statement the replica failed is run again */
  onPrimary(config: unknown, values: unknown): Promise<QueryResult>;
  /** drizzle over a pg pool (client.ts), so that the replica's statements are logged and counted like the primary's */
  drizzleOver(pool: Pool): Db;
}

/** Opens the replica's pool and its monitor, and waits for one check (so that a caught-up replica serves at once). */
export async function openReplica(options: OpenReplicaOptions): Promise<Replica> {
  const { default: pg } = await import('pg');
  const counts = emptyReplicaCounts();
  let router: StatementRouter | null = null;

  /** A pool of replica connections whose statements go through the router (RR1 per statement, retries). */
  class ReplicaPool extends pg.Pool {
    // drizzle calls query(config, values) and awaits it; callback forms pass through untouched. Transactions
    // (connect()) are not routed: the public's requests open none, and the replica refuses writes anyway.
    query(...args: unknown[]): any {
      const [config, values, callback] = args;
      const direct = pg.Pool.prototype.query as (...a: unknown[]) => Promise<QueryResult>;
      if (typeof values === 'function' || typeof callback === 'function' || !router) return direct.apply(this, args);
      return router.run(config, values, () => direct.call(this, config, values));
    }
  }

  const checkIntervalMs = options.checkIntervalMs ?? Math.min(250, Math.max(10, Math.floor(options.maxLagMs / 4)));
  const budgetMs = replicaBudgetMs(options.requestTimeoutMs);
  const pool = new ReplicaPool({
    connectionString: options.url,
    max: options.poolSize,
    options: `${options.sessionOptions} -c statement_timeout=${budgetMs}`,
    // a full pool, a replica that does not answer: the statement goes to the primary after the budget (replicaFailure)
    connectionTimeoutMillis: budgetMs,
    query_timeout: budgetMs,
  });
  // as the primary's pool (client.ts): a dead connection must not end the process
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  // the monitor's own connections: never idle-closed, and no check waits long (a slow answer only ages the replica)
  const probe = (connectionString: string) => {
    const probePool = new pg.Pool({
      connectionString, max: 1, idleTimeoutMillis: 0, connectionTimeoutMillis: Math.max(1_000, options.maxLagMs),
      query_timeout: Math.max(1_000, options.maxLagMs),
    });
    probePool.on('connect', (client) => client.on('error', () => undefined));
    return probePool;
  };
  const primaryProbe = probe(options.primaryUrl);
  primaryProbe.on('error', () => undefined);
  const replicaProbe = probe(options.url);
  const monitor = new LagMonitor(primaryProbe, replicaProbe, options.maxLagMs, checkIntervalMs);
  router = new StatementRouter(monitor, counts, options.onPrimary, options.requestTimeoutMs);
  // a replica connection lost under a request: unavailable now, not at the next check
  pool.on('error', (error) => monitor.markUnavailable(error));
  await monitor.check();
  monitor.start();
  const db = options.drizzleOver(pool);
  return {
    db,
    counts,
    state: () => monitor.state(),
    onChange(listener) {
      monitor.listeners.add(listener);
      return () => void monitor.listeners.delete(listener);
    },
    async close() {
      monitor.stop();
      await Promise.all([pool.end(), primaryProbe.end(), replicaProbe.end()].map((p) => p.catch(() => undefined)));
    },
  };
}

/** Start-up and every change of condition, in the log (O1): where the public's reads go now, and why. */
export function logReplicaChanges(replica: Replica, logger: Pick<Logger, 'info' | 'warn'>): () => void {
  const say = (state: ReplicaState, first: boolean) => {
    const fields = { condition: state.condition, lagMs: state.lagMs === null ? undefined : Math.round(state.lagMs), maxLagMs: state.maxLagMs, reason: state.reason ?? undefined };
    if (state.condition === 'caught_up') logger.info(`read replica ${first ? 'configured: ' : ''}caught up: public reads go to it`, fields);
    else if (state.foreign) logger.warn('read replica is a standby of another cluster (its system identifier is not the primary\'s): public reads go to the primary', fields);
    else logger.warn(`read replica ${first ? 'configured but ' : ''}${state.condition === 'lagging' ? `more than ${state.maxLagMs} ms behind` : 'unavailable'}: public reads go to the primary`, fields);
  };
  say(replica.state(), true);
  return replica.onChange((state) => say(state, false));
}
