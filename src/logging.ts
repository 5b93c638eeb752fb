/** Structured one-line JSON logs. Callers pass only safe fields: never tokens, secrets or variables. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

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

export function createLogger(stream: { write(line: string): unknown } = process.stderr, quiet = false): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (quiet) return;
    stream.write(`${JSON.stringify({ level, at: new Date().toISOString(), message, ...serialise(fields) })}\n`);
  };
  return { info: (m, f) => write('info', m, f), error: (m, f) => write('error', m, f) };
}
