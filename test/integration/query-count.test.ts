import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject } from '../support/factories.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC §11 Performance: one query per kind of data per request (dataloader), never one per record. The number
 * of SQL statements a request runs must not grow with the number of records or results.
 */
const SUBJECT_QUERY = `query($code: String!, $p: PurposeInput) {
  subject(code: $code, purpose: $p) {
    code name view redactions { field reason }
    records(first: 100) { totalCount edges { cursor node { id type publicUntil details source { code name } history { version } } } }
    qualifications { id group source { code } }
  }
}`;

const SEARCH_QUERY = `query($q: String!, $p: PurposeInput) {
  searchSubjects(query: $q, purpose: $p, first: 20) {
    totalCount
    edges { node { code name view records(first: 5) { totalCount edges { node { id source { code } history { version } } } } qualifications { id } } }
  }
}`;

describe.each(testDatabaseKinds())('query count on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let department: string;
  let small: { code: string };
  let large: { code: string };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database);
    department = await createOrganization(database.db, 'DEPARTMENT');
    const other = await createOrganization(database.db, 'DEPARTMENT');
    small = await createSubject(database.db, department, 'ENTERPRISE', { name: '计数小型有限公司' });
    large = await createSubject(database.db, department, 'ENTERPRISE', { name: '计数大型有限公司' });
    const types = ['license', 'penalty', 'honor', 'tax-rating', 'commitment'];
    for (let i = 0; i < 10; i += 1) {
      await createRecord(database.db, small as never, i % 2 ? department : other, { type: types[i % types.length], decidedAt: new Date(Date.UTC(2026, 0, 1 + i)) });
    }
    for (let i = 0; i < 100; i += 1) {
      await createRecord(database.db, large as never, i % 2 ? department : other, { type: types[i % types.length], decidedAt: new Date(Date.UTC(2025, 6, 1 + i)) });
    }
    // 25 searchable organisations with records of their own
    for (let i = 0; i < 25; i += 1) {
      const subject = await createSubject(database.db, department, 'ENTERPRISE', { name: `计数搜索${String(i).padStart(2, '0')}有限公司` });
      for (let j = 0; j < 4; j += 1) await createRecord(database.db, subject, other, { type: types[j], decidedAt: new Date(Date.UTC(2026, 1, 1 + j)) });
    }
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  async function statementsFor(query: string, variables: Record<string, unknown>, token?: string): Promise<number> {
    database.resetStatements();
    const response = await gw.request(query, { token, variables });
    expect(response.body.errors).toBeUndefined();
    return database.statements.length;
  }

  it('§11: `subject` with 100 records runs the same fixed number of statements as with 10 (public view)', async () => {
    const withTen = await statementsFor(SUBJECT_QUERY, { code: small.code });
    const withHundred = await statementsFor(SUBJECT_QUERY, { code: large.code });
    expect(withHundred).toBe(withTen);
    // subject, records page + total + source organisations, qualifications, access-log append (no history for the public)
    expect(withHundred).toBeLessThanOrEqual(3);
  });

  it('§11: `subject` with 100 records runs a fixed number of statements in the department view (token check included)', async () => {
    const token = tokens.department(department);
    const p = { kind: 'LICENSING', reference: 'QC-1' };
    const withTen = await statementsFor(SUBJECT_QUERY, { code: small.code, p }, token);
    const withHundred = await statementsFor(SUBJECT_QUERY, { code: large.code, p }, token);
    expect(withHundred).toBe(withTen);
    // + the token's organisation check and the version history the department may see
    expect(withHundred).toBeLessThanOrEqual(6);
  });

  it('§11, issue 18: the subject, its first records page and its access event are ONE statement (the append folded into the read)', async () => {
    const query = `query($code: String!) { subject(code: $code) { code records(first: 5) { totalCount edges { node { id source { code } } } } } }`;
    expect(await statementsFor(query, { code: large.code })).toBe(1);
    expect(database.statements[0]).toMatch(/WITH subj AS/);
    expect(database.statements[0]).toMatch(/append_access_events/);
  });

  it('§11: a response that places no record reads the subject and its page in ONE statement, plus the access-log append', async () => {
    const query = `query($code: String!) { subject(code: $code) { code records(first: 5) { totalCount } } }`;
    expect(await statementsFor(query, { code: large.code })).toBe(2);
    const statements = database.statements.filter((s) => !/append_access_events/.test(s));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/WITH subj AS/);
  });

  it('§11: the read-ahead page answers exactly as the records field alone would (every argument shape, cursor included)', async () => {
    const p = { kind: 'LICENSING', reference: 'QC-2' };
    const token = tokens.department(department);
    const shapes = [
      { first: 7 }, { first: 3, types: ['penalty', 'honor'] }, { first: 4, categories: ['ADMINISTRATIVE'] },
    ];
    for (const args of shapes) {
      const fields = `totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id type details source { code } } }`;
      // one occurrence: read ahead; two occurrences with different arguments: no read-ahead, each its own page
      const ahead = await gw.request(`query($code: String!, $p: PurposeInput, $a: Int, $t: [String!], $c: [RecordCategory!]) {
        subject(code: $code, purpose: $p) { records(first: $a, types: $t, categories: $c) { ${fields} } } }`,
      { token, variables: { code: large.code, p, a: args.first, t: args.types ?? null, c: args.categories ?? null } });
      const separate = await gw.request(`query($code: String!, $p: PurposeInput, $a: Int, $t: [String!], $c: [RecordCategory!]) {
        subject(code: $code, purpose: $p) { records(first: $a, types: $t, categories: $c) { ${fields} } other: records(first: 1) { totalCount } } }`,
      { token, variables: { code: large.code, p, a: args.first, t: args.types ?? null, c: args.categories ?? null } });
      expect(ahead.body.errors).toBeUndefined();
      expect(ahead.body.data.subject.records.edges.length).toBe(args.first);
      expect(ahead.body.data.subject.records).toEqual(separate.body.data.subject.records);
      // the next page, from the read-ahead page's cursor
      const after = ahead.body.data.subject.records.pageInfo.endCursor;
      const next = await gw.request(`query($code: String!, $p: PurposeInput, $after: String) {
        subject(code: $code, purpose: $p) { records(first: 2, after: $after) { edges { node { id } } } } }`, { token, variables: { code: large.code, p, after } });
      expect(next.body.errors).toBeUndefined();
      expect(next.body.data.subject.records.edges).toHaveLength(2);
    }
  });

  it('§10.3: invalid records arguments are still reported at `records` when the subject reads ahead (FIRST_TOO_LARGE, INVALID_CURSOR)', async () => {
    for (const [args, reason] of [['first: 101', 'FIRST_TOO_LARGE'], ['after: "not-a-cursor"', 'INVALID_CURSOR']] as const) {
      const response = await gw.request(`query($code: String!) { subject(code: $code) { code records(${args}) { totalCount } } }`, { variables: { code: large.code } });
      // (records is non-null, so the error nulls the subject, exactly as without the read-ahead)
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors?.[0]).toMatchObject({ path: ['subject', 'records'], extensions: { code: 'BAD_USER_INPUT', reason } });
    }
  });

  it('§11: `searchSubjects` with 20 results (each with records, sources, history, qualifications) runs a fixed number of statements', async () => {
    const twenty = await statementsFor(SEARCH_QUERY, { q: '计数搜索' });
    const response = await gw.request(SEARCH_QUERY, { variables: { q: '计数搜索' } });
    expect(response.body.data.searchSubjects.edges).toHaveLength(20);
    const two = await statementsFor(SEARCH_QUERY, { q: '计数搜索0' });
    expect(twenty).toBe(two);
    // search page + total, records of all 20 with their sources, qualifications, one access-log append for all 20 events
    expect(twenty).toBeLessThanOrEqual(4);
  });

  it('§11: a request shape compiles to the same statement texts whatever the subject, page size or instant — values are bound, not rendered', async () => {
    const token = tokens.department(department);
    const p = { kind: 'LICENSING', reference: 'QC-2' };
    const texts = async (variables: Record<string, unknown>, first: number) => {
      database.resetStatements();
      const response = await gw.request(SUBJECT_QUERY.replace('records(first: 100)', `records(first: ${first})`), { token, variables });
      expect(response.body.errors).toBeUndefined();
      return [...database.statements];
    };
    const first = await texts({ code: small.code, p }, 100);
    gw.clock.now = new Date(gw.clock.now.getTime() + 60_000);
    const second = await texts({ code: large.code, p: { ...p, reference: 'QC-3' } }, 7);
    expect(second).toEqual(first);
    // the request's instant, subject code and ids travel as parameters: no statement text carries them
    for (const text of second) {
      expect(text).not.toContain(large.code);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });
});

