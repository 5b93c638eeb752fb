import { ConfigError } from './config/config.js';
import { CheckpointKeyError } from './modules/access-log/checkpoints.js';

/**
 * SPEC O7: start-up fails with one clear line for a bad setting, a missing or unreachable database, a port in use
 * — never a stack trace or a driver's "Failed query: CREATE SCHEMA …". The URL's password is never printed.
 */
interface Coded {
  code?: string;
  message?: string;
  cause?: unknown;
  address?: string;
  port?: number;
}

/** The error and its causes, outermost first (drizzle wraps the driver's error as `cause`). */
function chain(error: unknown): Coded[] {
  const found: Coded[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && found.length < 5) {
    found.push(current as Coded);
    current = (current as Coded).cause;
  }
  return found;
}

function describeUrl(databaseUrl: string | undefined): { where: string; name: string } {
  try {
    const url = new URL(databaseUrl ?? '');
    return { where: `${url.hostname}:${url.port || '5432'}`, name: decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default)' };
  } catch {
    return { where: 'DATABASE_URL', name: '(unknown)' };
  }
}

export function explainStartupFailure(error: unknown, context: { databaseUrl?: string; port?: number; host?: string }): string {
  if (error instanceof ConfigError || error instanceof CheckpointKeyError) return `configuration error: ${error.message}`;
  const causes = chain(error);
  const code = causes.map((c) => c.code).find((c) => typeof c === 'string');
  const { where, name } = describeUrl(context.databaseUrl);
  switch (code) {
    case 'EADDRINUSE':
      return `port ${context.port} is already in use on ${context.host ?? '127.0.0.1'}: stop the other process or set PORT to a free port`;
    case 'EACCES':
      return `not allowed to listen on port ${context.port}: use a port above 1023 (PORT)`;
    case '3D000':
      return `database "${name}" does not exist on ${where}: create it (createdb ${name}) or fix DATABASE_URL`;
    case 'ECONNREFUSED':
      return `cannot reach PostgreSQL at ${where} (connection refused): is it running? check DATABASE_URL`;
    case 'ENOTFOUND': case 'EAI_AGAIN':
      return `cannot resolve the PostgreSQL host in DATABASE_URL (${where})`;
    case '28P01': case '28000':
      return `PostgreSQL at ${where} refused the login for database "${name}": check the user and password in DATABASE_URL`;
    case '42501':
      return `the database role in DATABASE_URL lacks a privilege the migrations need (${where}/${name}): run migrations as the owner role`;
    default: {
      const innermost = causes[causes.length - 1];
      const message = String(innermost?.message ?? error).split('\n')[0].replace(/^Failed query: .*/, 'a database statement failed');
      return `failed to start: ${message}${code ? ` (${code})` : ''}`;
    }
  }
}
