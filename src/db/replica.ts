import { performance } from 'node:perf_hooks';
import type { Pool, PoolConfig, QueryResult } from 'pg';
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
 * replica would look ever older.) Unreachable, erroring or not in recovery (promoted) → "unavailable". Either way
 * public requests read the primary, never an error for the caller.
 *
 * A statement that fails on the replica because the replica went away or cancelled it (a recovery conflict of hot
 * standby, 40001/40P01; a connection lost or refused; a server shutting down) runs again on the primary
 * (ReplicaPool), and a lost connection marks the replica unavailable until the next successful check.
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
  /** why it is unavailable (the last error, "not a standby"); null otherwise */
  reason: string | null;
}

/** Cumulative counts, read by the metrics (O2). */
export interface ReplicaCounts {
  /** public requests read from the replica */
  replica: number;
  /** public requests read from the primary because the replica was behind / unavailable */
  primaryLagging: number;
  primaryUnavailable: number;
  /** statements the replica failed (recovery conflict, lost connection) that ran again on the primary */
  retriedOnPrimary: number;
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

const RETRY_ON_PRIMARY_STATES = new Set([
  '40001', // serialization_failure: "canceling statement due to conflict with recovery" (hot standby)
  '40P01', // deadlock_detected: a buffer-pin recovery conflict
  '57P01', '57P02', '57P03', // the standby shutting down, crashed, or starting up
  '53300', // too_many_connections
  '3D000', // the database does not exist (yet) on the standby
]);

/**
 * Whether a statement the replica failed should run on the primary instead: the replica's own trouble (a recovery
 * conflict, a connection exception of class 08, a server going away, a driver-level connection failure without a
 * SQLSTATE) — not the statement's (its syntax or data), not the request's deadline (57014), and never an attempt to
 * write (25006: a write routed to the replica is a bug to surface, not to hide).
 */
export function failedBecauseOfReplica(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || RETRY_ON_PRIMARY_STATES.has(code);
  return error instanceof Error; // ECONNREFUSED, ECONNRESET, "Connection terminated unexpectedly", connect timeouts
}

/** Whether the replica itself is gone (as opposed to one statement cancelled). */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || code.startsWith('57P') || code === '3D000';
  return true;
}

interface Sample {
  lsn: bigint;
  at: number;
}

/**
 * Measures how far the replica is behind (see the file's comment). Two connections of its own (one to each server),
 * so that a busy pool never delays a check — a delayed check would only make the replica look older, but the
 * replica is wanted most when the pool is busiest.
 */
class LagMonitor {
  private samples: Sample[] = [];
  /** performance.now() of the newest primary sample the replica has replayed; -Infinity = none known */
  private freshAt = -Infinity;
  private available = false;
  private reason: string | null = 'not checked yet';
  private lastCondition: ReplicaCondition | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  readonly listeners = new Set<(state: ReplicaState) => void>();

  constructor(
    private readonly primary: Pool,
    private readonly replica: Pool,
    readonly maxLagMs: number,
    private readonly intervalMs: number,
  ) {
    // a dead idle connection means the server went away (a restart may come back showing an older state): forget
    // what was known until a check succeeds
    replica.on('error', (error) => this.markUnavailable(error));
  }

  state(now = performance.now()): ReplicaState {
    if (!this.available) return { condition: 'unavailable', lagMs: null, maxLagMs: this.maxLagMs, reason: this.reason };
    const lagMs = Number.isFinite(this.freshAt) ? Math.max(0, now - this.freshAt) : null;
    const condition = lagMs !== null && lagMs <= this.maxLagMs ? 'caught_up' : 'lagging';
    return { condition, lagMs, maxLagMs: this.maxLagMs, reason: null };
  }

  markUnavailable(error: unknown): void {
    this.available = false;
    this.freshAt = -Infinity;
    this.reason = error instanceof Error ? error.message : String(error);
    this.announce();
  }

  /** One check: a primary sample, then the replica's replay position. Never throws. */
  async check(): Promise<void> {
    const sentAt = performance.now();
    try {
      const { rows } = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn');
      this.samples.push({ lsn: parseLsn(rows[0].lsn), at: sentAt });
    } catch {
      // no sample: the primary's own trouble; what the replica has replayed only grows older
    }
    try {
      const { rows } = await this.replica.query<{ recovering: boolean; lsn: string | null }>(
        'SELECT pg_is_in_recovery() AS recovering, pg_last_wal_replay_lsn()::text AS lsn',
      );
      if (!rows[0].recovering || rows[0].lsn === null) {
        this.markUnavailable('not a standby (pg_is_in_recovery() is false): promoted, or not a replica of DATABASE_URL');
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
      // older samples are of no more use once a newer one is replayed; and beyond twice the bound none matters
      const horizon = performance.now() - 2 * this.maxLagMs - 4 * this.intervalMs;
      this.samples = this.samples.filter((sample, i) => i >= Math.max(newest, 0) && (sample.at >= horizon || i === this.samples.length - 1));
      this.available = true;
      this.reason = null;
      this.announce();
    } catch (error) {
      this.markUnavailable(error);
    }
  }

  private announce(): void {
    const state = this.state();
    if (state.condition === this.lastCondition) return;
    this.lastCondition = state.condition;
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
  /** the pool settings of the primary's pool (size, session options, timeouts): the replica's pool gets the same */
  pool: PoolConfig;
  /** runs a statement on the primary's pool: where a statement the replica failed is run again */
  onPrimary(config: unknown, values: unknown): Promise<QueryResult>;
  /** drizzle over a pg pool (client.ts), so that the replica's statements are logged and counted like the primary's */
  drizzleOver(pool: Pool): Db;
}

/** Opens the replica's pool and its monitor, and waits for one check (so that a caught-up replica serves at once). */
export async function openReplica(options: OpenReplicaOptions): Promise<Replica> {
  const { default: pg } = await import('pg');
  const counts: ReplicaCounts = { replica: 0, primaryLagging: 0, primaryUnavailable: 0, retriedOnPrimary: 0 };
  let monitor: LagMonitor | null = null;

  /** A pool of replica connections whose failed statements run again on the primary. */
  class ReplicaPool extends pg.Pool {
    // drizzle calls query(config, values) and awaits it; callback forms pass through untouched
    query(...args: unknown[]): any {
      const [config, values, callback] = args;
      if (typeof values === 'function' || typeof callback === 'function') return (pg.Pool.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
      return (pg.Pool.prototype.query as (...a: unknown[]) => Promise<QueryResult>).call(this, config, values).catch((error: unknown) => {
        if (!failedBecauseOfReplica(error)) throw error;
        if (connectionLost(error)) monitor?.markUnavailable(error);
        counts.retriedOnPrimary += 1;
        return options.onPrimary(config, values);
      });
    }
  }

  const checkIntervalMs = options.checkIntervalMs ?? Math.min(250, Math.max(10, Math.floor(options.maxLagMs / 4)));
  const pool = new ReplicaPool({ ...options.pool, connectionString: options.url });
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
  monitor = new LagMonitor(primaryProbe, replicaProbe, options.maxLagMs, checkIntervalMs);
  const watched = monitor;
  // a replica connection lost under a request: unavailable now, not at the next check
  pool.on('error', (error) => watched.markUnavailable(error));
  await watched.check();
  watched.start();
  const db = options.drizzleOver(pool);
  return {
    db,
    counts,
    state: () => watched.state(),
    onChange(listener) {
      watched.listeners.add(listener);
      return () => void watched.listeners.delete(listener);
    },
    async close() {
      watched.stop();
      await Promise.all([pool.end(), primaryProbe.end(), replicaProbe.end()].map((p) => p.catch(() => undefined)));
    },
  };
}

/** Start-up and every change of condition, in the log (O1): where the public's reads go now, and why. */
export function logReplicaChanges(replica: Replica, logger: Pick<Logger, 'info' | 'warn'>): () => void {
  const say = (state: ReplicaState, first: boolean) => {
    const fields = { condition: state.condition, lagMs: state.lagMs === null ? undefined : Math.round(state.lagMs), maxLagMs: state.maxLagMs, reason: state.reason ?? undefined };
    if (state.condition === 'caught_up') logger.info(`read replica ${first ? 'configured: ' : ''}caught up: public reads go to it`, fields);
    else logger.warn(`read replica ${first ? 'configured but ' : ''}${state.condition === 'lagging' ? `more than ${state.maxLagMs} ms behind` : 'unavailable'}: public reads go to the primary`, fields);
  };
  say(replica.state(), true);
  return replica.onChange((state) => say(state, false));
}
