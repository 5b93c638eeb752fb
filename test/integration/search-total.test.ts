import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject } from '../support/factories.js';

/**
 * Issue 18 point 2, P4: searchSubjects counts its matches (totalCount) only when the response asks for it — a common
 * query (科技) matches a large share of a city's subjects, and the public website does not show the number. Checked
 * on the SQL the request runs: the count is the part that counts the subjects holding every piece of the query (GIN
 * index, `@>`), and the total is exact when asked, directly or through a fragment.
 */
describe.each(testDatabaseKinds())('P4: totalCount only when selected on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  const MATCHES = 23;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database);
    const department = await createOrganization(database.db, 'DEPARTMENT');
    for (let i = 0; i < MATCHES; i += 1) {
      await createSubject(database.db, department, i % 2 ? 'ENTERPRISE' : 'SOCIAL_ORGANIZATION', { name: `韶关市计总${String(i).padStart(2, '0')}科技有限公司` });
    }
    await createSubject(database.db, department, 'ENTERPRISE', { name: '韶关市另一家有限公司' });
    // individuals are never found by the public (P4), so never counted either
    await createSubject(database.db, department, 'INDIVIDUAL', { name: '计总' });
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  async function search(selection: string, extra = ''): Promise<{ data: any; statements: string[] }> {
    database.resetStatements();
    const response = await gw.request(`query($q: String!) { searchSubjects(query: $q, first: 5) { ${selection} } } ${extra}`, { variables: { q: '计总' } });
    expect(response.body.errors).toBeUndefined();
    return { data: response.body.data.searchSubjects, statements: database.statements.filter((s) => s.includes('subject_name_grams')) };
  }

  // the count is the part that selects count(*) of subjects (the page's own GIN branch, §11, only pages)
  const counts = (statements: string[]) => statements.some((s) => s.includes('count(*) FROM subjects'));

  it('P4: a page without totalCount runs the search without counting', async () => {
    const { data, statements } = await search('edges { node { code name } } pageInfo { hasNextPage endCursor }');
    expect(data.edges).toHaveLength(5);
    expect(data.pageInfo.hasNextPage).toBe(true);
    expect(statements).toHaveLength(1);
    expect(counts(statements)).toBe(false);
  });

  it('P4: with totalCount the same request counts every visible match exactly', async () => {
    const { data, statements } = await search('totalCount edges { node { code } }');
    expect(data.totalCount).toBe(MATCHES);
    expect(data.edges).toHaveLength(5);
    expect(statements).toHaveLength(1);
    expect(counts(statements)).toBe(true);
  });

  it('P4: totalCount asked through a fragment is counted too, and alone it needs no page', async () => {
    const viaFragment = await search('...Counted', 'fragment Counted on SubjectConnection { totalCount }');
    expect(viaFragment.data.totalCount).toBe(MATCHES);
    expect(counts(viaFragment.statements)).toBe(true);
  });

  it('P4: the count covers the matches of every page, and the pages without it still end where it says', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      database.resetStatements();
      const response = await gw.request(`query($q: String!, $after: String) { searchSubjects(query: $q, first: 5, after: $after) {
        edges { node { code } } pageInfo { hasNextPage endCursor } } }`, { variables: { q: '计总', after } });
      expect(response.body.errors).toBeUndefined();
      expect(counts(database.statements)).toBe(false);
      const connection = response.body.data.searchSubjects;
      seen.push(...connection.edges.map((e: { node: { code: string } }) => e.node.code));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(MATCHES);
    expect(seen).toHaveLength(MATCHES);
  });
});
