import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { MIGRATIONS_FOLDER } from './migrate.js';
import { queryRows } from './rows.js';

/** How many migrations the code ships (drizzle-kit's journal). */
export async function shippedMigrations(folder = MIGRATIONS_FOLDER): Promise<number> {
  const journal = JSON.parse(await readFile(path.join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

/** How many of them the database has applied (drizzle's own bookkeeping table); 0 when it has none. */
export async function appliedMigrations(database: Database): Promise<number> {
  try {
    const [row] = await queryRows<{ applied: number }>(database.db, sql`SELECT count(*)::int AS applied FROM drizzle.__drizzle_migrations`);
    return Number(row?.applied ?? 0);
  } catch {
    return 0;
  }
}
