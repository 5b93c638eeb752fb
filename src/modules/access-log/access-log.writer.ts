import type { Db } from '../../db/client.js';
import { DEFAULT_ACCESS_LOG_FOLDS } from '../../config/config.js';
import { appendEvents, type NewAccessEvent } from './access-log.repository.js';

/**
 * Writes access events with group commit: while one append is in flight, the events of other requests wait
 * and go together in the next single call. Every caller still waits for its own events to be stored (fail
 * closed, SPEC L2): when a group's append fails, nothing of it is kept and each request of the group is appended
 * alone, so only a request whose own events cannot be stored is refused.
 */
export const MAX_EVENTS_PER_APPEND = 2000;

interface Pending {
  events: NewAccessEvent[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** What an operator watches (SPEC O2, O3): each append's latency, and failures. */
export interface AppendObserver {
  appended(seconds: number, events: number): void;
  failed(): void;
  /** events a request's folded reads stored (issue 18), and the sequences of those its response did not place exactly */
  folded?(events: number, unmatched: readonly number[], requestId: string): void;
  /** a folded read's statement failed (its request is answered by Apollo, which appends as usual) */
  foldFailed?(): void;
}

/**
 * Issue 18: how many reads may store their own events at once — the append folded into the read statement
 * (subjectsService.subject) — unless ACCESS_LOG_FOLDS sets another number for the process. Each such read is a commit of
 * its own, while group commit stores the events of many requests in one: folding every read cut the gateway's saturated
 * throughput to 0.67–0.74 × raw+log (bench/RESULTS.md 4j). So a read folds only while this writer is idle, and no more
 * than this many at once.
 */
export const MAX_FOLDS_IN_FLIGHT = DEFAULT_ACCESS_LOG_FOLDS;

export class AccessLogWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private folds = 0;
  private foldingStopped = false;
  private idle: (() => void)[] = [];
  /** the last append failed and none has succeeded since (O3: the access log does not accept appends) */
  failing = false;
  observer: AppendObserver | null = null;

  /** maxFolds: reads that may fold at once (ACCESS_LOG_FOLDS; 0: none, every event goes through group commit) */
  constructor(private readonly db: Db, private readonly maxFolds = MAX_FOLDS_IN_FLIGHT) {}

  /** events waiting for the next append */
  get queueDepth(): number {
    return this.queue.reduce((sum, pending) => sum + pending.events.length, 0);
  }

  /**
   * Resolves when nothing is queued or being appended, and no read is storing its own event (O4: flushed before the
   * pool closes — a request cut off by the shutdown's grace period may still be in its folded read).
   */
  drained(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** O4: from now on every event goes through `append` (and so through drained()): no read folds any more. */
  stopFolding(): void {
    this.foldingStopped = true;
  }

  private isIdle(): boolean {
    return !this.flushing && this.queue.length === 0 && this.folds === 0;
  }

  private wakeDrained(): void {
    if (this.isIdle()) for (const resolve of this.idle.splice(0)) resolve();
  }

  /**
   * A read may store its own event now — nothing is being appended or waiting, the last append did not fail, and fewer
   * than `maxFolds` reads do so already: returns the release to call when its statement has ended, or null (the
   * read then registers its disclosure and its event goes through `append` with the others). While the log refuses
   * appends (`failing`) no read folds: a failed fold costs its request a second execution by Apollo (whose append
   * fails too), and the writer's own next append (or readiness's probe append) is what finds out that the log is back.
   * One request's events refused alone (a group retried request by request) set `failing` too, so folding pauses until
   * the next append succeeds. After stopFolding (shutdown) none folds.
   */
  claimFold(): (() => void) | null {
    if (this.foldingStopped || this.failing || this.flushing || this.queue.length > 0 || this.folds >= this.maxFolds) return null;
    this.folds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.folds -= 1;
      this.wakeDrained();
    };
  }

  append(events: NewAccessEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch: Pending[] = [];
        let size = 0;
        while (this.queue.length && (batch.length === 0 || size + this.queue[0].events.length <= MAX_EVENTS_PER_APPEND)) {
          const next = this.queue.shift()!;
          batch.push(next);
          size += next.events.length;
        }
        const started = process.hrtime.bigint();
        try {
          await appendEvents(this.db, batch.flatMap((p) => p.events));
          this.failing = false;
          this.observer?.appended(Number(process.hrtime.bigint() - started) / 1e9, size);
          for (const pending of batch) pending.resolve();
        } catch (error) {
          // L2 is per request: one request's events that cannot be stored must not withhold its neighbours'
          // answers, so a failed group is retried request by request (a database that is away fails them all)
          if (batch.length === 1) this.settleAlone(batch[0], error);
          else for (const pending of batch) await this.appendAlone(pending);
        }
      }
    } finally {
      this.flushing = false;
      this.wakeDrained();
    }
  }

  private async appendAlone(pending: Pending): Promise<void> {
    try {
      await appendEvents(this.db, pending.events);
      this.failing = false;
      pending.resolve();
    } catch (error) {
      this.settleAlone(pending, error);
    }
  }

  private settleAlone(pending: Pending, error: unknown): void {
    this.failing = true;
    this.observer?.failed();
    pending.reject(error);
  }
}
