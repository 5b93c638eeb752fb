import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { appendEvents, eventsPageSql, type AccessLogQuery, type NewAccessEvent } from '../../src/modules/access-log/access-log.repository.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { explainPrepared } from '../support/prepared-plans.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject } from '../support/factories.js';
import { tokens } from '../support/tokens.js';

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

  /** the plan's node types, planned as the gateway runs the statement (test/support/prepared-plans.ts), sorting discouraged */
  async function planNodes(statement: SQL): Promise<string[]> {
    const plan = await database.db.transaction((tx) => explainPrepared(tx as never, statement, {}, { settings: ['enable_sort = off'] }));
    return plan.nodes.map((node) => node.type);
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

  /** every index a plan reads, by name (partition indexes are named after their columns) */
  async function planIndexes(statement: SQL): Promise<string[]> {
    const plan = await database.db.transaction((tx) => explainPrepared(tx as never, statement, {}));
    return plan.nodes.flatMap((node) => (node.index ? [node.index] : []));
  }

  it('L4 (migration 0016): pages filtered by organisation, actor or purpose read that field\'s partial index; the chain head reads the primary key', async () => {
    // a log like the city's: mostly public events (no organisation, actor or purpose), some departments'
    const events: NewAccessEvent[] = Array.from({ length: 3000 }, (_, i) => {
      const official = i % 6 === 0;
      return {
        at: new Date(Date.UTC(2026, 4, 20) + i * 60_000).toISOString(), requestId: `plan-${i}`, role: official ? 'department' : 'public',
        actor: official ? `officer-${i % 50}` : null, orgCode: official ? `SG-DEPT-${i % 7}` : null, view: official ? 'DEPARTMENT' : 'PUBLIC',
        purposeKind: official ? (i % 12 === 0 ? 'LICENSING' : 'INSPECTION') : null, purposeReference: official ? `REF-${i}` : null,
        grantId: null, subjectCode: `91440203MA4UQ${String(i % 400).padStart(5, '0')}`, recordIds: [], operationName: 'subject',
      };
    });
    for (let i = 0; i < events.length; i += 500) await appendEvents(database.db, events.slice(i, i + 500));
    await database.db.execute(sql`ANALYZE access_events`);
    const cases: [Partial<AccessLogQuery>, RegExp][] = [
      [{ orgCode: 'SG-DEPT-3' }, /org_code/],
      [{ actor: 'officer-12' }, /actor/],
      [{ purposeKind: 'LICENSING' }, /purpose_kind/],
    ];
    for (const [filter, index] of cases) {
      const names = await planIndexes(eventsPageSql({ ...week, from: null, to: null, ...filter }));
      expect(names.some((name) => index.test(name)), `${JSON.stringify(filter)}: ${names.join(', ')}`).toBe(true);
    }
    const head = await planIndexes(sql`SELECT e.sequence, e.hash FROM access_events e ORDER BY e.sequence DESC LIMIT 1`);
    expect(head.length).toBeGreaterThan(0);
    expect(head.every((name) => /pkey/.test(name)), head.join(', ')).toBe(true);
    // public events are in none of the three partial indexes
    const partial = await queryRows<{ name: string; predicate: string | null }>(database.db, sql`
      SELECT c.relname AS name, pg_get_expr(i.indpred, i.indrelid) AS predicate FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname IN ('access_events_org_at', 'access_events_actor_at', 'access_events_purpose_at') ORDER BY c.relname`);
    expect(partial.map((p) => [p.name, p.predicate])).toEqual([
      ['access_events_actor_at', '(actor IS NOT NULL)'],
      ['access_events_org_at', '(org_code IS NOT NULL)'],
      ['access_events_purpose_at', '(purpose_kind IS NOT NULL)'],
    ]);
  });

  it('L4: the check can fail — the same page ordered NULLS FIRST (no index has it) needs a sort', async () => {
    const statement = sql`SELECT e.* FROM access_events e WHERE e.at >= ${week.from!.toISOString()}::timestamptz
      ORDER BY e.at DESC, e.sequence DESC LIMIT 21`;
    expect(await planNodes(statement)).toContain('Sort');
  });
});

/**
 * Issue 18 point 3, L4/L5: the range of an auditor's page, or a subject's receipts, is counted only when the
 * response selects `totalCount` — an auditor paging a week of ~275,000 events asks for the total once, on the first
 * page, and must not pay for counting it again on every next page.
 */
describe.each(testDatabaseKinds())('L4: totalCount of the access log is counted only when selected, on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let audit: string;
  let subject: { code: string };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database);
    audit = await createOrganization(database.db, 'AUDIT_OFFICE');
    const department = await createOrganization(database.db, 'DEPARTMENT');
    subject = await createSubject(database.db, department, 'ENTERPRISE', { name: '计数审计有限公司' });
    // a few events to count: the subject's own department lookups
    for (let i = 0; i < 3; i += 1) {
      const answer = await gw.request(`query($c: String!) { subject(code: $c, purpose: { kind: LICENSING, reference: "L-${i}" }) { code } }`, { variables: { c: subject.code }, token: tokens.department(department) });
      expect(answer.body.errors).toBeUndefined();
    }
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const counts = () => database.statements.filter((s) => /count\(\*\)/i.test(s) && /access_events/.test(s));

  it('L4: accessLog without totalCount runs no count; with it, the count is exact', async () => {
    database.resetStatements();
    const pageOnly = await gw.request('{ accessLog(first: 2) { edges { node { sequence } } pageInfo { hasNextPage } } }', { variables: {}, token: tokens.auditor(audit) });
    expect(pageOnly.body.errors).toBeUndefined();
    expect((pageOnly.body.data as { accessLog: { edges: unknown[] } }).accessLog.edges).toHaveLength(2);
    expect(counts()).toHaveLength(0);

    database.resetStatements();
    const counted = await gw.request('{ accessLog(first: 2) { totalCount edges { node { sequence } } } }', { variables: {}, token: tokens.auditor(audit) });
    expect(counted.body.errors).toBeUndefined();
    expect(counts()).toHaveLength(1);
    const [row] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM access_events`);
    // the call's own event (L4) is written before the page is read, so it is counted too
    expect((counted.body.data as { accessLog: { totalCount: number } }).accessLog.totalCount).toBe(row.n);
  });

  it('L5: accessReceipts without totalCount runs no count; with it, the count is exact', async () => {
    const query = (fields: string) => `query($c: String!) { subject(code: $c) { accessReceipts(first: 1) { ${fields} edges { node { at } } } } }`;
    database.resetStatements();
    const pageOnly = await gw.request(query(''), { variables: { c: subject.code }, token: tokens.subject(subject.code) });
    expect(pageOnly.body.errors).toBeUndefined();
    expect(counts()).toHaveLength(0);
    database.resetStatements();
    const counted = await gw.request(query('totalCount'), { variables: { c: subject.code }, token: tokens.subject(subject.code) });
    expect(counted.body.errors).toBeUndefined();
    expect(counts()).toHaveLength(1);
    expect((counted.body.data as { subject: { accessReceipts: { totalCount: number } } }).subject.accessReceipts.totalCount).toBe(3);
  });
});
