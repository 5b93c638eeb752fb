import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryCached, queryRows } from '../../src/db/rows.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';

/**
 * Issue 18: on PostgreSQL, src/db/rows.ts reads hot statements as node-postgres array rows and builds the row objects
 * itself. End to end, through `queryRows` (unnamed) and `queryCached` (a named prepared statement, run twice so the
 * second reads the cached builder), rows must be what drizzle's own `execute` returns for the same statement: the same
 * own keys in the same order (integer-like labels first, as in any object), the same values as parsed by the same
 * type table, a repeated label keeping its last value, `__proto__` an own property.
 */
const STATEMENT = `SELECT 1::int AS "10", 'two' AS "2", 3::bigint AS id, NULL::text AS "__proto__", 'last' AS "__proto__",
  'first' AS dup, 'second' AS dup, '{"a":[1,2]}'::jsonb AS details, '2026-01-31 09:00:00.5+08'::timestamptz AS at,
  '2026-01-31'::date AS day, '{1.5,2}'::numeric[] AS amounts, 'quote " backslash \\ line
break' AS "odd ""label"" \\", true AS flag
  FROM generate_series(1, 3) AS g(i)`;

const shape = (rows: Record<string, unknown>[]) => rows.map((row) => ({
  keys: Reflect.ownKeys(row),
  values: Reflect.ownKeys(row).map((key) => row[key as string]),
  plainPrototype: Object.getPrototypeOf(row) === Object.prototype,
}));

describe.each(testDatabaseKinds())('rows.ts rows equal drizzle\'s rows (issue 18) on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db.close();
  });

  it('queryRows and queryCached (twice, a named statement) return drizzle\'s rows, key for key', async () => {
    const theirs = (await db.db.execute(sql.raw(STATEMENT))) as unknown as { rows: Record<string, unknown>[] };
    const expected = shape(theirs.rows);
    expect(expected).toHaveLength(3);
    expect(expected[0].keys).toContain('__proto__');
    expect(shape(await queryRows(db.db, sql.raw(STATEMENT)))).toEqual(expected);
    for (let run = 0; run < 2; run++) {
      expect(shape(await queryCached(db.db, 'row-objects-test', () => sql.raw(STATEMENT), {}))).toEqual(expected);
    }
  });
});
