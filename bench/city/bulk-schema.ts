import type pg from 'pg';

/**
 * Bulk-load plumbing: the secondary indexes, unique constraints and foreign keys of the loaded tables are captured
 * (pg_indexes.indexdef, pg_get_constraintdef), dropped before COPY and recreated exactly afterwards; primary keys
 * stay. The recreated definitions are compared with the captured ones.
 */
export interface CapturedIndex {
  table: string;
  name: string;
  definition: string;
  /** the unique constraint this index backs, if any */
  constraint: string | null;
}

export interface CapturedForeignKey {
  table: string;
  name: string;
  definition: string;
}

export interface CapturedSchema {
  indexes: CapturedIndex[];
  foreignKeys: CapturedForeignKey[];
}

// subject_name_grams too: the postings (migration 0014) are written by the statement trigger of the subjects' COPY,
// 10.5M at a million subjects, faster into a table without its index, which is built once afterwards
const LOADED_TABLES = ['subjects', 'subject_name_grams', 'records', 'access_events'];

export async function captureSchema(client: pg.Client): Promise<CapturedSchema> {
  const indexes = await client.query<{ table: string; name: string; definition: string; constraint: string | null; contype: string | null }>(`
    SELECT ix.tablename AS table, ix.indexname AS name, ix.indexdef AS definition, c.conname AS constraint, c.contype
    FROM pg_indexes ix
    JOIN pg_class i ON i.relname = ix.indexname AND i.relnamespace = 'public'::regnamespace
    LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.contype IN ('p', 'u', 'x') AND c.conrelid = (quote_ident(ix.tablename))::regclass
    WHERE ix.schemaname = 'public' AND ix.tablename = ANY($1)
    ORDER BY ix.tablename, ix.indexname`, [LOADED_TABLES]);
  const foreignKeys = await client.query<CapturedForeignKey>(`
    SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint
    WHERE contype = 'f' AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))
    ORDER BY conrelid::regclass::text, conname`, [LOADED_TABLES]);
  return {
    indexes: indexes.rows.filter((r) => r.contype !== 'p').map(({ table, name, definition, constraint }) => ({ table, name, definition, constraint })),
    foreignKeys: foreignKeys.rows,
  };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function dropSchema(client: pg.Client, schema: CapturedSchema): Promise<void> {
  for (const fk of schema.foreignKeys) await client.query(`ALTER TABLE ${ident(fk.table)} DROP CONSTRAINT ${ident(fk.name)}`);
  for (const index of schema.indexes) {
    if (index.constraint) await client.query(`ALTER TABLE ${ident(index.table)} DROP CONSTRAINT ${ident(index.constraint)}`);
    else await client.query(`DROP INDEX ${ident(index.name)}`);
  }
}

/** The statements that rebuild one captured index (and its unique constraint). A partitioned index is rebuilt on every partition. */
export function indexStatements(index: CapturedIndex): string[] {
  const create = index.definition.replace(' ON ONLY ', ' ON ');
  if (!index.constraint) return [create];
  return [create, `ALTER TABLE ${ident(index.table)} ADD CONSTRAINT ${ident(index.constraint)} UNIQUE USING INDEX ${ident(index.name)}`];
}

export const foreignKeyStatement = (fk: CapturedForeignKey): string =>
  `ALTER TABLE ${ident(fk.table)} ADD CONSTRAINT ${ident(fk.name)} ${fk.definition}`;

/** Differences between what was captured and what the database holds now (empty when recreated exactly). */
export async function compareSchema(client: pg.Client, before: CapturedSchema): Promise<string[]> {
  const after = await captureSchema(client);
  const key = (i: CapturedIndex) => `${i.table} ${i.name} ${i.definition} ${i.constraint ?? ''}`;
  const fkKey = (f: CapturedForeignKey) => `${f.table} ${f.name} ${f.definition}`;
  const problems: string[] = [];
  const afterIndexes = new Set(after.indexes.map(key));
  for (const index of before.indexes) if (!afterIndexes.has(key(index))) problems.push(`index not recreated as before: ${key(index)}`);
  const beforeIndexes = new Set(before.indexes.map(key));
  for (const index of after.indexes) if (!beforeIndexes.has(key(index))) problems.push(`unexpected index: ${key(index)}`);
  const afterKeys = new Set(after.foreignKeys.map(fkKey));
  for (const fk of before.foreignKeys) if (!afterKeys.has(fkKey(fk))) problems.push(`foreign key not recreated as before: ${fkKey(fk)}`);
  return problems;
}
