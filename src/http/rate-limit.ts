import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/rows.js';

/**
 * Per-viewer token buckets (SPEC §11: ≥ 20 requests/s per viewer with bursts of 100 by default; 0 = off). Two
 * stores (RATE_LIMIT_STORE): `memory`, each process limits what it serves (N processes admit up to N times the
 * rate); `postgres`, one bucket per key in the database that every process shares (migration 0010), taken
 * atomically under a row lock — one small statement per request.
 */
export interface Limiter {
  /** Takes one token; 0 when allowed, else the milliseconds until a token is available. */
  take(key: string, nowMs: number): number | Promise<number>;
}

export class RateLimiter implements Limiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(private readonly perSecond: number, private readonly burst: number) {}

  take(key: string, nowMs: number): number {
    if (this.perSecond <= 0) return 0;
    this.sweep(nowMs);
    const capacity = Math.max(this.burst, 1);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * this.perSecond);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 60_000) return;
    this.lastSweep = nowMs;
    for (const [key, bucket] of this.buckets) if (nowMs - bucket.at > 60_000) this.buckets.delete(key);
  }
}

/**
 * Buckets in PostgreSQL, shared by every process of a deployment. If the database cannot answer, the request is
 * let through: it fails on its own anyway if it needs the database (and its access events, L2).
 */
export class SharedRateLimiter implements Limiter {
  private lastSweep = 0;

  constructor(private readonly db: Db, private readonly perSecond: number, private readonly burst: number) {}

  async take(key: string, nowMs: number): Promise<number> {
    if (this.perSecond <= 0) return 0;
    try {
      if (nowMs - this.lastSweep > 60_000) {
        this.lastSweep = nowMs;
        await queryRows(this.db, sql`DELETE FROM rate_limit_buckets WHERE at < ${new Date(nowMs - 60_000).toISOString()}::timestamptz`);
      }
      const [row] = await queryRows<{ wait: number }>(this.db, sql`
        SELECT take_rate_token(${key}, ${this.perSecond}::float8, ${Math.max(this.burst, 1)}::float8, ${new Date(nowMs).toISOString()}::timestamptz) AS wait`);
      return Number(row?.wait ?? 0);
    } catch {
      return 0;
    }
  }
}
