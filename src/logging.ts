import pino, { type DestinationStream, type Level } from 'pino';

/**
 * Structured one-line JSON logs (SPEC O1) through pino. Callers pass only safe fields: never tokens, secrets,
 * variables or subject data. An Error in the fields is reduced to what may be logged (describeError).
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = Extract<Level, 'debug' | 'info' | 'warn' | 'error'> | 'silent';

/**
 * An error as it may appear in a log: never the statement's parameters (drizzle puts them, with subject codes
 * and identity numbers, into its message) — only the driver's own message and SQLSTATE, and the call sites.
 */
export function describeError(error: Error): Record<string, unknown> {
  const cause = error.cause instanceof Error ? (error.cause as Error & { code?: string }) : null;
  const fromQuery = error.message.startsWith('Failed query:');
  const message = fromQuery ? `query failed: ${cause?.message ?? 'unknown cause'}` : error.message;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 8).map((line) => line.trim());
  return { name: error.name, message, ...(cause?.code ? { sqlState: cause.code } : {}), frames };
}

function serialise(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? describeError(v) : v]));
}

const SILENT: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

const destinations = new Map<number, pino.DestinationStream & { flushSync(): void }>();

/**
 * PIPE_BUF on Linux: a write of at most this many bytes to a pipe is atomic, so the lines of several processes
 * sharing one stderr pipe (GATEWAY_PROCESSES) never interleave within a line.
 */
const ATOMIC_PIPE_WRITE = 4096;

/**
 * Lines are written in batches of at least this many bytes (about ten request lines), or every LOG_FLUSH_MS,
 * whichever comes first. Below it (ATOMIC_PIPE_WRITE): sonic-boom needs the minimum under its largest write.
 */
export const LOG_BATCH_BYTES = 3072;
/** how long a line may wait in the buffer of a quiet server */
export const LOG_FLUSH_MS = 200;

/**
 * Issue 18: the log lines of a file descriptor (2 = stderr) written asynchronously by pino's own destination
 * (sonic-boom), off the request's path. Before, every request line was a synchronous write(2) on stderr (a pipe is
 * written synchronously by Node), which cost the gateway ~10 % of its throughput under load.
 *
 * Lines are batched: a write goes out once LOG_BATCH_BYTES have gathered, or at the next tick of LOG_FLUSH_MS. With
 * a write per line (no minimum), a gateway at a steady few hundred requests a second — not saturated, so lines do
 * not pile up behind a write in flight — paid a libuv thread-pool write and its wake-ups for every line: measured
 * alone, 138 µs of CPU per line against 84 µs batched (bench/RESULTS.md section 4h). Each write holds whole lines
 * only, at most ATOMIC_PIPE_WRITE bytes. A graceful stop writes every line (flushLogs); on any other exit that runs
 * Node's exit handlers, what is buffered is written synchronously — a batch already being written by the thread pool
 * at that moment may land after it, or not at all if the process is gone first. A process killed outright (SIGKILL,
 * the OOM killer) loses what is buffered: normally its last LOG_FLUSH_MS or LOG_BATCH_BYTES of lines, more if the
 * reader of its stderr has fallen behind. Request logs are operational (O1); the access log, the record of who saw
 * what, is in PostgreSQL and is stored before each answer (L2).
 */
export function logDestination(fd: number): DestinationStream {
  let destination = destinations.get(fd);
  if (!destination) {
    const created = pino.destination({ dest: fd, sync: false, maxWrite: ATOMIC_PIPE_WRITE, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
    destinations.set(fd, created);
    process.once('exit', () => {
      try {
        created.flushSync();
      } catch {
        // nothing was queued, or the descriptor is gone: nothing more can be written
      }
    });
    destination = created;
  }
  return destination;
}

/** how long a graceful exit waits for its log lines (a reader of stderr that stopped reading must not hold it) */
export const FLUSH_TIMEOUT_MS = 2000;

/**
 * Writes every line logged so far and closes the destinations, then resolves (or after FLUSH_TIMEOUT_MS): the last
 * step of a graceful exit — nothing may be logged after it. Ending, unlike sonic-boom's `flush`, writes what is
 * buffered below LOG_BATCH_BYTES too and waits for a write already in progress.
 */
export async function flushLogs(): Promise<void> {
  await Promise.all([...destinations].map(([fd, destination]) => new Promise<void>((resolve) => {
    const stream = destination as unknown as NodeJS.EventEmitter & { end(): void };
    // not unref'd: the stop's exit code comes after this resolves, so the wait must keep the process alive
    const timer = setTimeout(done, FLUSH_TIMEOUT_MS);
    function done() {
      clearTimeout(timer);
      destinations.delete(fd);
      resolve();
    }
    try {
      stream.once('close', done);
      stream.once('error', done);
      stream.end();
    } catch {
      done(); // already ended or destroyed
    }
  })));
}

/**
 * A logger writing to `stream` (stderr, asynchronously, by default). `quiet` (tests) or level `silent` writes
 * nothing. Each entry is one JSON line: `level` (a word), `at` (ISO instant), `message`, then the fields.
 */
export function createLogger(stream: { write(line: string): unknown } = process.stderr, quiet = false, level: LogLevel = 'info'): Logger {
  if (quiet || level === 'silent') return SILENT;
  if (stream === process.stderr) stream = logDestination(2);
  const log = pino({
    level,
    base: undefined,
    messageKey: 'message',
    timestamp: () => `,"at":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  }, stream as DestinationStream);
  return {
    info: (message, fields) => log.info(serialise(fields), message),
    warn: (message, fields) => log.warn(serialise(fields), message),
    error: (message, fields) => log.error(serialise(fields), message),
  };
}
