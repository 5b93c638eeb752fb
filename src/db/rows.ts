import type { Db } from './client.js';
import type { SQL } from 'drizzle-orm';

/** Runs a raw statement through drizzle (so it is logged and counted like every other) and returns its rows. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** Timestamps from raw statements arrive as PostgreSQL text ('2026-01-31 09:00:00.5+08') or Date: → Date. */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value).replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`unparseable timestamp from the database`);
  return date;
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** `date` columns → 'YYYY-MM-DD'. */
export function toDateString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}
