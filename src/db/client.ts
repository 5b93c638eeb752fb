import type { Logger } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.js';
import type { QueryConfig } from 'pg';
import type { Replica, ReplicaOptions } from './replica.js';

export type Schema = typeof schema;
/** One type for both drivers: every query in the product is written once against it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseOptions {
  /** a PostgreSQL URL; unset → embedded PGlite */
  url?: string;
  /** PGlite data directory; 'memory://' for an in-memory database */
  pgliteDir?: string;
  /** maximum pool size for PostgreSQL */
  poolSize?: number;
  /** H2: PostgreSQL's statement_timeout for every connection, in ms (0 or unset: none) */
  statementTimeoutMs?: number;
  logger?: Logger;
  /** a streaming standby that serves the public's reads while caught up (src/db/replica.ts); PostgreSQL only */
  replica?: ReplicaOptions | null;
}

export interface Database {
  db: Db;
  driver: 'pg' | 'pglite';
  /** true when the database answers a trivial query */
  ping(): Promise<boolean>;
  /** pg's pool counts (SPEC O2); null for the embedded database */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  /** the read replica (DATABASE_REPLICA_URL), when configured; its pool is closed by close() */
  replica?: Replica | null;
  close(): Promise<void>;
}

/**
 * Session settings of every gateway connection to PostgreSQL:
 * - jit off: the gateway runs short OLTP statements, for which JIT compilation (on by default, triggered by cost
 *   estimates at city scale) costs tens to hundreds of milliseconds and saves nothing;
 * - generic plans: hot-path statements are prepared once per connection (src/db/rows.ts queryCached) and their
 *   plans do not depend on the bound values (subject ids, the instant, a page size); under the default `auto`
 *   mode PostgreSQL kept re-planning the ~9 kB disclosure statements on every execution (bench/RESULTS.md).
 */
export const SESSION_OPTIONS = '-c jit=off -c plan_cache_mode=force_generic_plan';

async function answers(query: () => Promise<unknown>): Promise<boolean> {
  try {
    await query();
    return true;
  } catch {
    return false;
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.replica && !options.url) throw new Error('a read replica needs PostgreSQL as the primary (DATABASE_URL), not the embedded database');
  if (options.url) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    // timestamps and dates come back as strings in their wire format only where asked; bigint ids are safe numbers
    const timeout = options.statementTimeoutMs ? ` -c statement_timeout=${Math.floor(options.statementTimeoutMs)}` : '';
    // H2: with a deadline, work that waits for a pooled connection gives up a second after it (its caller has had
    // DEADLINE_EXCEEDED by then — the second keeps that answer first, whatever the timers' order), so work nobody
    // waits for does not pile up behind an exhausted pool, and a readiness probe does not wait behind that pile
    const poolConfig = {
      max: options.poolSize ?? 10,
      options: `${SESSION_OPTIONS}${timeout}`,
      connectionTimeoutMillis: options.statementTimeoutMs ? Math.floor(options.statementTimeoutMs) + 1_000 : 0,
    };
    const pool = new pg.Pool({ ...poolConfig, connectionString: options.url });
    // No database fault may end the process. pg emits 'error' on a client whose connection dies (the server
    // restarted, pg_terminate_backend, a network cut); with no listener Node throws it as an "Unhandled 'error'
    // event". The pool listens on idle clients only, so every client gets a listener of its own when the pool
    // creates it: a checked-out client (inside a transaction, waiting on a lock) dies quietly too — its pending
    // query rejects (the request answers a masked INTERNAL_SERVER_ERROR), and the pool discards it on release
    // (it is no longer queryable) and connects a new one for the next request.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
    const db = drizzle(pool, { schema, logger: options.logger }) as unknown as Db;
    // the replica's pool has the same size and session settings, and a statement budget of its own under the
    // deadline (replicaBudgetMs); a statement it fails, or sent while it is behind, runs on this pool
    let replica: Replica | null = null;
    if (options.replica) {
      const { openReplica } = await import('./replica.js');
      try {
        replica = await openReplica({
          ...options.replica,
          primaryUrl: options.url,
          poolSize: poolConfig.max,
          sessionOptions: SESSION_OPTIONS,
          requestTimeoutMs: options.statementTimeoutMs ? Math.floor(options.statementTimeoutMs) : 0,
          onPrimary: (config, values) => pool.query(config as QueryConfig, values as unknown[]),
          drizzleOver: (replicaPool) => drizzle(replicaPool, { schema, logger: options.logger }) as unknown as Db,
        });
      } catch (error) {
        await pool.end();
        throw error;
      }
    }
    return {
      db,
      driver: 'pg',
      replica,
      ping: () => answers(() => pool.query('SELECT 1')),
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      async close() {
        await replica?.close();
        await pool.end();
      },
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle } = await import('drizzle-orm/pglite');
  const dir = options.pgliteDir ?? './.data';
  const client = new PGlite({ dataDir: dir, extensions: { pg_trgm } });
  await client.waitReady;
  const db = drizzle(client, { schema, logger: options.logger }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    ping: () => answers(() => client.query('SELECT 1')),
    poolStats: () => null,
    close: () => client.close(),
  };
}
