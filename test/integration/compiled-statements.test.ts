import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledStatementStats, queryCached } from '../../src/db/rows.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';

/**
 * Issue 7 / SPEC §11: hot statements are compiled once per shape key and bound per request (src/db/rows.ts).
 * The cache must answer with the values of each call, and must not keep keys that carry large rule values (an
 * agency's scope names every granting subject), so that its memory stays bounded.
 */
describe.each(testDatabaseKinds())('compiled statements on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.close();
  });

  const statement = () => sql`SELECT ${sql.placeholder('n')}::int + 1 AS next, cardinality(${sql.placeholder('codes')}::text[]) AS codes`;

  it('§11: one compiled statement answers with the values bound at each call', async () => {
    const first = await queryCached<{ next: number; codes: number }>(database.db, 'test-compiled-values', statement, { n: 1, codes: ['A'] });
    const second = await queryCached<{ next: number; codes: number }>(database.db, 'test-compiled-values', statement, { n: 41, codes: ['A', 'B', 'C'] });
    expect([Number(first[0].next), Number(first[0].codes)]).toEqual([2, 1]);
    expect([Number(second[0].next), Number(second[0].codes)]).toEqual([42, 3]);
  });

  it('§11: a statement whose key is too long to keep is served but never stored', async () => {
    const longKey = `test-compiled-long ${'91440200MA4UXXXX0X|ADMINISTRATIVE,'.repeat(2_000)}`;
    const before = compiledStatementStats();
    const rows = await queryCached<{ next: number }>(database.db, longKey, statement, { n: 6, codes: [] });
    expect(Number(rows[0].next)).toBe(7);
    const after = compiledStatementStats();
    expect(after.longestKey).toBeLessThan(longKey.length);
    expect(after.entries).toBeLessThanOrEqual(before.entries);
  });
});
