import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.js';

/** The statements of a migration file (e.g. `0003_access_log.sql`), split at drizzle's breakpoints as it runs them. */
export async function migrationStatements(file: string): Promise<string[]> {
  return (await readFile(path.join(MIGRATIONS_FOLDER, file), 'utf8')).split('--> statement-breakpoint');
}

/**
 * A function as an earlier migration created it, under another name (`CREATE OR REPLACE FUNCTION <as>(…)`), to run
 * beside the one a later migration replaced it with (the access-log canonical text of 0003 against 0015's).
 */
export async function migrationFunction(file: string, name: string, as: string): Promise<string> {
  const head = new RegExp(`CREATE (OR REPLACE )?FUNCTION ${name}\\(`);
  const statement = (await migrationStatements(file)).find((s) => head.test(s));
  if (!statement) throw new Error(`${file} creates no function ${name}`);
  return statement.replace(head, `CREATE OR REPLACE FUNCTION ${as}(`);
}
