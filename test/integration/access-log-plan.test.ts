import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { eventsPageSql, type AccessLogQuery } from '../../src/modules/access-log/access-log.repository.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';

/**
 * Issue 18 point 3 (groundwork), L4: an auditor's page of the access log is read along an index of migration 0003,
 * from the cursor, and stops at the page size — never by reading every event of the time range and sorting them.
 * The plan is asked with sorting discouraged (`enable_sort = off`): a statement whose ORDER BY no index matches still
 * needs a Sort node then, one that matches has none. With a bare `ORDER BY at DESC, sequence DESC` (NULLS FIRST,
 * which no index has) this test fails.
 */
describe.each(testDatabaseKinds())('L4: access-log pages follow an index on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.close();
  });

  async function planNodes(statement: SQL): Promise<string[]> {
    return database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_sort = off`);
      const [row] = await queryRows<Record<string, unknown>>(tx as never, sql`EXPLAIN (FORMAT JSON) ${statement}`);
      const plan = row['QUERY PLAN'];
      const parsed = typeof plan === 'string' ? JSON.parse(plan) : plan;
      const types: string[] = [];
      const walk = (node: Record<string, unknown>) => {
        types.push(String(node['Node Type']));
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
      };
      walk((parsed as { Plan: Record<string, unknown> }[])[0].Plan);
      return types;
    });
  }

  const week: AccessLogQuery = {
    from: new Date('2026-05-25T00:00:00Z'), to: new Date('2026-06-01T00:00:00Z'), orgCode: null, actor: null, subjectCode: null,
    view: null, purposeKind: null, after: null, limit: 20,
  };

  it('L4: the first page of a week, and the next page after a cursor, need no sort', async () => {
    expect(await planNodes(eventsPageSql(week))).not.toContain('Sort');
    expect(await planNodes(eventsPageSql({ ...week, after: { at: '2026-05-30T00:00:00.000Z', sequence: 12345 } }))).not.toContain('Sort');
  });

  it('L4: filtered by organisation, subject, view or purpose, a page needs no sort either', async () => {
    for (const filter of [{ orgCode: 'SG-MARKET' }, { subjectCode: '91440203MA4UQ8R2XK' }, { view: 'DEPARTMENT' }, { purposeKind: 'LICENSING' }]) {
      expect(await planNodes(eventsPageSql({ ...week, ...filter })), JSON.stringify(filter)).not.toContain('Sort');
    }
  });

  it('L4: the check can fail — the same page ordered NULLS FIRST (no index has it) needs a sort', async () => {
    const statement = sql`SELECT e.* FROM access_events e WHERE e.at >= ${week.from!.toISOString()}::timestamptz
      ORDER BY e.at DESC, e.sequence DESC LIMIT 21`;
    expect(await planNodes(statement)).toContain('Sort');
  });
});
