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

/**
 * A logger writing to `stream` (stderr by default). `quiet` (tests) or level `silent` writes nothing. Each entry
 * is one JSON line: `level` (a word), `at` (ISO instant), `message`, then the fields.
 */
export function createLogger(stream: { write(line: string): unknown } = process.stderr, quiet = false, level: LogLevel = 'info'): Logger {
  if (quiet || level === 'silent') return SILENT;
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
