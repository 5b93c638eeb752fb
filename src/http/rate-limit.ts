/**
 * Per-viewer token buckets (SPEC §11: ≥ 20 requests/s per viewer with bursts of 100 by default; 0 = off).
 * Process-local by design: each gateway process limits what it serves; buckets idle for a minute are dropped.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(private readonly perSecond: number, private readonly burst: number) {}

  /** Takes one token; returns 0 when allowed, else the milliseconds until a token is available. */
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
