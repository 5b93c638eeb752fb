/** Structured one-line JSON logs. Callers pass only safe fields: never tokens, secrets or variables. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function serialise(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v]));
}

export function createLogger(stream: { write(line: string): unknown } = process.stderr, quiet = false): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (quiet) return;
    stream.write(`${JSON.stringify({ level, at: new Date().toISOString(), message, ...serialise(fields) })}\n`);
  };
  return { info: (m, f) => write('info', m, f), error: (m, f) => write('error', m, f) };
}
