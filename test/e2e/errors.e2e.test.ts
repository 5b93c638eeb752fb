import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase, type TestDatabaseKind } from '../support/db.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { loadConfig } from '../../src/config/config.js';
import { queryRows } from '../../src/db/rows.js';

/**
 * SPEC §10.4 (error codes) and §11 (hardening) over HTTP: request errors, query limits, rate limits, masked
 * internal errors, scalar input, batching.
 */
const PURPOSE = { kind: 'LICENSING', reference: 'E2E-ERR-1' };

function codes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((e) => e.extensions?.code);
}

/** A raw POST (for bodies the test client does not produce, and for response headers). */
async function rawPost(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
}

/** Nothing of the database or the code leaks: no SQL, no stack frames, no table or column names. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\bSELECT\b|\bFROM\b|\bINSERT\b|\bWHERE\b/i);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\bat file:|node_modules|\.ts:\d+|stacktrace/i);
  expect(text).not.toMatch(/catalog_types|professional_groups|organizations\b|records\b.*relation|relation "|does not exist|PGlite|postgres|pool/i);
}

/** Searching organisations at depth 8: searchSubjects → edges → node → records → edges → node → source → code. */
function deepSearch(innerFirst: number, extraAliases: number): string {
  const aliases = Array.from({ length: extraAliases }, (_, i) => `k${i}: catalog { code }`).join('\n  ');
  return `query Deep($q: String!, $p: PurposeInput) {
  found: searchSubjects(query: $q, purpose: $p, first: 100) {
    totalCount
    edges { node { code name view
      records(first: ${innerFirst}) { totalCount edges { node { id type title source { code name } } } } } }
  }
  ${aliases}
}`;
}

describe.each(testDatabaseKinds())('§10.4 / §11 errors on %s', (kind: TestDatabaseKind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let department: string;
  let enterprise: { id: number; code: string };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database);
    department = await createOrganization(database.db, 'DEPARTMENT');
    enterprise = await createSubject(database.db, department, 'ENTERPRISE', { name: '错误测试有限公司' });
    await createRecord(database.db, enterprise, department, { type: 'license' });
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  describe('§10.4 request errors', () => {
    it('§10.4: a syntax error → GRAPHQL_PARSE_FAILED, no data', async () => {
      const response = await gw.request(`{ me { role }`);
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(response.body.data).toBeUndefined();
    });

    it('§10.4: an unknown field, argument or enum value → GRAPHQL_VALIDATION_FAILED, no data', async () => {
      for (const query of [`{ me { rolez } }`, `{ catalog(first: 3) { code } }`, `{ organizations(kind: BANK) { code } }`, `{ subject { code } }`]) {
        const response = await gw.request(query);
        expect(response.status, query).toBe(400);
        expect(codes(response).length, query).toBeGreaterThan(0);
        expect(new Set(codes(response)), query).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
        expect(response.body.data, query).toBeUndefined();
      }
    });

    it('§10.4: BAD_USER_INPUT carries extensions.reason (INVALID_CODE, PURPOSE_NOT_ALLOWED, FIRST_TOO_LARGE, INVALID_CURSOR)', async () => {
      const invalidCode = await gw.request(`{ subject(code: "91110000600037341N") { code } }`);
      expect(invalidCode.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CODE' });
      expect(invalidCode.body.data).toEqual({ subject: null });

      const wrongPurpose = await gw.request(`query($c: String!) { subject(code: $c, purpose: { kind: LENDING, reference: "X-1" }) { code } }`, {
        token: tokens.department(department), variables: { c: enterprise.code },
      });
      expect(wrongPurpose.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PURPOSE_NOT_ALLOWED' });
      expect(wrongPurpose.body.data).toEqual({ subject: null });

      const tooMany = await gw.request(`{ searchSubjects(query: "错误测试", first: 101) { totalCount } }`);
      expect(tooMany.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FIRST_TOO_LARGE' });
      expect(tooMany.body.data).toBeNull();

      const badCursor = await gw.request(`query($c: String!) { subject(code: $c) { records(after: "not a cursor!") { totalCount } } }`, { variables: { c: enterprise.code } });
      expect(badCursor.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
    });

    it('§10.4: an invalid DateTime variable → BAD_USER_INPUT, nothing written', async () => {
      const submit = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted } }`;
      for (const decidedAt of ['2026-13-01T00:00:00Z', '2026-01-32T10:00:00+08:00', 'yesterday', '2026-01-05T09:00:00', '2026-01-05', 1767574800000]) {
        const response = await gw.request(submit, {
          token: tokens.department(department),
          variables: { records: [{ subjectCode: enterprise.code, type: 'license', sourceRef: `bad-date-${String(decidedAt)}`, title: 't', decidedAt }] },
        });
        expect(codes(response), String(decidedAt)).toEqual(['BAD_USER_INPUT']);
        expect(response.body.data ?? null).toBeNull();
      }
      const rows = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM records WHERE source_ref LIKE 'bad-date-%'`);
      expect(Number(rows[0].n)).toBe(0);
    });

    it('§10.4: a DateTime naming a day that does not exist (30 February) → BAD_USER_INPUT, not rolled over to March', async () => {
      const subject = await createSubject(database.db, department, 'ENTERPRISE', { name: '日期滚动测试有限公司' });
      const response = await gw.request(`mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids } }`, {
        token: tokens.department(department),
        variables: { records: [{ subjectCode: subject.code, type: 'license', sourceRef: 'feb-30', title: 't', decidedAt: '2026-02-30T10:00:00+08:00' }] },
      });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.data ?? null).toBeNull();
      const rows = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM records WHERE subject_id = ${subject.id}`);
      expect(Number(rows[0].n)).toBe(0);
    });

    it('§10.4: an invalid Date variable → BAD_USER_INPUT', async () => {
      const register = `mutation($subjects: [SubjectInput!]!) { registerSubjects(subjects: $subjects) { accepted } }`;
      for (const registeredAt of ['2026-02-30', '2026/01/01', '2026-1-5', '2026-01-05T00:00:00Z']) {
        const response = await gw.request(register, {
          token: tokens.department(department),
          variables: { subjects: [{ code: '91110000600037341L', kind: 'ENTERPRISE', name: '日期测试', registeredAt }] },
        });
        expect(codes(response), registeredAt).toEqual(['BAD_USER_INPUT']);
        expect(response.body.data ?? null).toBeNull();
      }
    });

    it('§10.4: an invalid DateTime or Date literal in the query text → BAD_USER_INPUT', async () => {
      const dateTime = await gw.request(`mutation { submitRecords(records: [{ subjectCode: "${enterprise.code}", type: "license", sourceRef: "lit-1", title: "t", decidedAt: "2026-13-01T00:00:00Z" }]) { accepted } }`, {
        token: tokens.department(department),
      });
      expect(codes(dateTime)).toEqual(['BAD_USER_INPUT']);
      expect(dateTime.body.data ?? null).toBeNull();
      const date = await gw.request(`mutation { registerSubjects(subjects: [{ code: "91110000600037341L", kind: ENTERPRISE, name: "x", registeredAt: "2026-02-30" }]) { accepted } }`, {
        token: tokens.department(department),
      });
      expect(codes(date)).toEqual(['BAD_USER_INPUT']);
      expect(date.body.data ?? null).toBeNull();
    });

    it('§11: batched HTTP requests (a JSON array body) are refused; neither operation runs', async () => {
      const batch = JSON.stringify([
        { query: `{ me { role } }` },
        { query: `mutation { registerOrganization(input: { code: "BATCHED-ORG", name: "x", kind: AGENCY }) { code } }` },
      ]);
      const response = await rawPost(gw.url, batch, { authorization: `Bearer ${tokens.admin()}` });
      expect(response.status).toBe(400);
      expect(Array.isArray(response.json)).toBe(false);
      expect(response.json?.data).toBeUndefined();
      expect(response.json?.errors?.length).toBeGreaterThan(0);
      const orgs = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM organizations WHERE code = 'BATCHED-ORG'`);
      expect(Number(orgs[0].n)).toBe(0);
    });
  });

  describe('§11 query limits', () => {
    let small: TestGateway;
    let lowCost: TestGateway;
    let defaults: TestGateway;

    beforeAll(async () => {
      small = await startTestGateway(database, { limits: { maxDepth: 3, maxAliases: 2 } });
      lowCost = await startTestGateway(database, { limits: { maxCost: 1000 } });
      defaults = await startTestGateway(database, { limits: loadConfig({}).limits });
    });

    afterAll(async () => {
      await small?.close();
      await lowCost?.close();
      await defaults?.close();
    });

    it('§11: a query deeper than maxDepth → QUERY_TOO_COMPLEX before any resolver runs (fields, fragments, inline fragments)', async () => {
      const admitted = await small.request(`{ me { organization { code } } }`, { token: tokens.department(department) });
      expect(admitted.body.errors).toBeUndefined();
      expect(admitted.body.data.me.organization.code).toBe(department);
      for (const query of [
        `query($c: String!) { subject(code: $c) { records { edges { node { id } } } } }`,
        `query($c: String!) { ...F } fragment F on Query { subject(code: $c) { records { totalCount pageInfo { hasNextPage } } } }`,
        `query($c: String!) { subject(code: $c) { ... on Subject { records { edges { cursor } } } } }`,
      ]) {
        const response = await small.request(query, { variables: { c: enterprise.code } });
        expect(response.status, query).toBe(400);
        expect(codes(response), query).toEqual(['QUERY_TOO_COMPLEX']);
        expect(response.body.data, query).toBeUndefined();
      }
      // refused before resolvers: an invalid code is not even looked at
      const refused = await small.request(`{ subject(code: "bad") { records { edges { node { id } } } } }`);
      expect(codes(refused)).toEqual(['QUERY_TOO_COMPLEX']);
    });

    it('§11: more aliases than maxAliases → QUERY_TOO_COMPLEX', async () => {
      expect((await small.request(`{ a: me { role } b: me { role } }`)).body.data).toEqual({ a: { role: 'public' }, b: { role: 'public' } });
      const response = await small.request(`{ a: me { role } b: me { role } c: me { role } }`);
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(response.body.data).toBeUndefined();
      const throughFragments = await small.request(`{ ...A ...B } fragment A on Query { a: me { role } b: me { role } } fragment B on Query { c: catalog { code } }`);
      expect(codes(throughFragments)).toEqual(['QUERY_TOO_COMPLEX']);
    });

    it('§11: a query above maxCost → QUERY_TOO_COMPLEX', async () => {
      const response = await lowCost.request(`{ searchSubjects(query: "错误测试", first: 100) { edges { node { code name records(first: 10) { totalCount } } } } }`);
      expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(response.body.data).toBeUndefined();
      const cheap = await lowCost.request(`{ searchSubjects(query: "错误测试", first: 5) { edges { node { code } } } }`);
      expect(cheap.body.errors).toBeUndefined();
      expect(cheap.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([enterprise.code]);
    });

    it('§11: the default limits refuse more than 30 aliases', async () => {
      const query = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { role }`).join(' ')} }`;
      expect((await defaults.request(query(30))).body.errors).toBeUndefined();
      expect(codes(await defaults.request(query(31)))).toEqual(['QUERY_TOO_COMPLEX']);
    });

    it('§11: the default limits admit 15 aliased §10.3 lookups, each with records(first: 100)', async () => {
      const lookups = Array.from({ length: 15 }, (_, i) =>
        `s${i}: subject(code: $c, purpose: $p) { code view records(first: 100) { totalCount edges { cursor node { id type title details source { code name } } } } }`).join('\n');
      const response = await defaults.request(`query Many($c: String!, $p: PurposeInput) { ${lookups} }`, {
        token: tokens.department(department), variables: { c: enterprise.code, p: PURPOSE },
      });
      expect(response.body.errors).toBeUndefined();
      expect(Object.keys(response.body.data)).toHaveLength(15);
      expect(response.body.data.s14).toMatchObject({ code: enterprise.code, view: 'DEPARTMENT' });
      expect(response.body.data.s14.records.totalCount).toBeGreaterThanOrEqual(1);
      expect(response.body.data.s14.records).toEqual(response.body.data.s0.records);
    });

    it('§11: the default limits admit a §10.3 operation at depth 8 with 15 aliases (searchSubjects first: 100, records first: 20)', async () => {
      const response = await defaults.request(deepSearch(20, 14), { token: tokens.department(department), variables: { q: '错误测试', p: PURPOSE } });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.found.edges[0].node.records.edges[0].node.source.code).toBe(department);
      expect(Object.keys(response.body.data)).toHaveLength(15);
    });

    it('§11: the default limits admit a §10.3 operation with first: 100, depth 8 and 15 aliases (searchSubjects first: 100 → records first: 100)', async () => {
      const response = await defaults.request(deepSearch(100, 14), { token: tokens.department(department), variables: { q: '错误测试', p: PURPOSE } });
      expect(codes(response)).toEqual([]);
      expect(response.body.data.found.edges[0].node.records.edges[0].node.source.code).toBe(department);
      expect(Object.keys(response.body.data)).toHaveLength(15);
    });
  });

  describe('§11 rate limits', () => {
    let limited: TestGateway;

    beforeAll(async () => {
      limited = await startTestGateway(database, { limits: { ratePerSecond: 1, rateBurst: 2 } });
    });

    afterAll(async () => {
      await limited?.close();
    });

    it('§11: with 1 request/s and bursts of 2, the 3rd quick request of one viewer gets HTTP 429 RATE_LIMITED; another viewer still passes', async () => {
      const officer = tokens.department(department, 'officer-rate-1');
      for (let i = 0; i < 2; i += 1) {
        const ok = await limited.request(`{ me { actor } }`, { token: officer });
        expect(ok.status).toBe(200);
        expect(ok.body.data.me.actor).toBe('officer-rate-1');
      }
      const third = await rawPost(limited.url, JSON.stringify({ query: `{ me { actor } }` }), { authorization: `Bearer ${officer}` });
      expect(third.status).toBe(429);
      expect(third.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(third.json).not.toHaveProperty('data');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      const colleague = await limited.request(`{ me { actor } }`, { token: tokens.department(department, 'officer-rate-2') });
      expect(colleague.status).toBe(200);
      expect(colleague.body.data.me.actor).toBe('officer-rate-2');
      const anonymous = await limited.request(`{ me { role } }`);
      expect(anonymous.status).toBe(200);
      expect(anonymous.body.data.me.role).toBe('public');
    });

    it('§11: a rate-limited mutation is not executed', async () => {
      const admin = tokens.admin('admin-rate');
      await limited.request(`{ me { role } }`, { token: admin });
      await limited.request(`{ me { role } }`, { token: admin });
      const response = await limited.request(`mutation { registerOrganization(input: { code: "RATE-LIMITED-ORG", name: "x", kind: AGENCY }) { code } }`, { token: admin });
      expect(response.status).toBe(429);
      expect(codes(response)).toEqual(['RATE_LIMITED']);
      const orgs = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM organizations WHERE code = 'RATE-LIMITED-ORG'`);
      expect(Number(orgs[0].n)).toBe(0);
    });

    it('§11: the defaults allow a burst of 100 requests of one viewer', async () => {
      const defaults = await startTestGateway(database, { limits: loadConfig({}).limits });
      try {
        const token = tokens.department(department, 'officer-burst');
        const responses = await Promise.all(Array.from({ length: 100 }, () => defaults.request(`{ me { role } }`, { token })));
        expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
      } finally {
        await defaults.close();
      }
    });
  });

  describe('§10.4 internal errors never leak', () => {
    it('§10.4: a failing statement (a dropped table) → INTERNAL_SERVER_ERROR with no SQL, stack or table names', async () => {
      const scratch = await openTestDatabase(kind);
      const scratchGw = await startTestGateway(scratch);
      try {
        const org = await createOrganization(scratch.db, 'DEPARTMENT');
        const subject = await createSubject(scratch.db, org, 'ENTERPRISE', { name: '内部错误有限公司' });
        await createRecord(scratch.db, subject, org, { type: 'license' });
        await scratch.db.execute(sql`DROP TABLE professional_groups`);
        await scratch.db.execute(sql`DROP TABLE catalog_types CASCADE`);

        const responses = [
          await scratchGw.request(`{ professionalGroups { code } }`),
          await scratchGw.request(`query($c: String!) { subject(code: $c) { code records { edges { node { id source { code } } } } } }`, { variables: { c: subject.code } }),
          await scratchGw.request(`mutation($r: [RecordInput!]!) { submitRecords(records: $r) { accepted } }`, {
            token: tokens.department(org),
            variables: { r: [{ subjectCode: subject.code, type: 'license', sourceRef: 'x', title: 't', decidedAt: '2026-01-05T09:00:00+08:00' }] },
          }),
        ];
        for (const response of responses) {
          expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
          expect(response.body.errors?.[0]?.message).toBe('Internal server error.');
          expect(Object.keys(response.body.errors?.[0]?.extensions ?? {})).toEqual(['code']);
          expectNoLeak(JSON.stringify(response.body));
        }
        expect(responses[1].body.data).toEqual({ subject: null });
        expect(responses[2].body.data).toBeNull();
      } finally {
        await scratchGw.close();
        await scratch.close();
      }
    });

    it('§10.4, O3: a closed database connection → INTERNAL_SERVER_ERROR with nothing leaked; /readyz is no longer 200 while /healthz (liveness) still is', async () => {
      const scratch = await openTestDatabase(kind);
      const scratchGw = await startTestGateway(scratch);
      try {
        const org = await createOrganization(scratch.db, 'DEPARTMENT');
        expect((await scratchGw.request(`{ catalog { code } }`)).body.data.catalog).toHaveLength(17);
        await scratch.close();

        const anonymous = await scratchGw.request(`{ catalog { code } }`);
        expect(codes(anonymous)).toEqual(['INTERNAL_SERVER_ERROR']);
        expect(anonymous.body.data ?? null).toBeNull();
        expectNoLeak(JSON.stringify(anonymous.body));

        // the token check itself needs the database: still masked, never downgraded to public
        const withToken = await scratchGw.request(`{ me { role } }`, { token: tokens.department(org) });
        expect(withToken.status).toBe(500);
        expect(codes(withToken)).toEqual(['INTERNAL_SERVER_ERROR']);
        expect(withToken.body.data ?? null).toBeNull();
        expectNoLeak(JSON.stringify(withToken.body));

        const ready = await fetch(scratchGw.url.replace(/\/graphql$/, '/readyz'));
        expect(ready.status).toBe(503);
        const readiness = await ready.text();
        expectNoLeak(readiness);
        expect(JSON.parse(readiness)).toMatchObject({ status: 'not ready', checks: { database: false } });
        const live = await fetch(scratchGw.url.replace(/\/graphql$/, '/healthz'));
        expect(live.status).toBe(200);
      } finally {
        await scratchGw.close();
      }
    });
  });

  describe('§11 production hardening', () => {
    let production: TestGateway;

    beforeAll(async () => {
      production = await startTestGateway(database, { production: true });
    });

    afterAll(async () => {
      await production?.close();
    });

    it('§11: no field suggestions for the public in production', async () => {
      const response = await production.request(`{ mee { role } subjekt(code: "x") { code } }`);
      expect(codes(response).length).toBeGreaterThan(0);
      expect(new Set(codes(response))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
      expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/i);
    });

    const REFUSALS = ['GRAPHQL_VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'];

    it('§11: introspection is off for the public in production', async () => {
      for (const query of [`{ __schema { queryType { name } types { name } } }`, `{ t: __type(name: "Subject") { fields { name } } }`]) {
        const response = await production.request(query);
        expect(JSON.stringify(response.body.data ?? null), query).not.toMatch(/queryType|fields|"types"/);
        expect(codes(response).length, query).toBeGreaterThan(0);
        expect(REFUSALS, query).toContain(codes(response)[0]);
      }
    });

    it('§11: introspection stays off for the public in production when wrapped in a fragment', async () => {
      for (const query of [
        `{ ...F } fragment F on Query { __schema { types { name } } }`,
        `{ ... on Query { __schema { types { name } } } }`,
        `{ me { role } ... on Query { __type(name: "Subject") { fields { name } } } }`,
      ]) {
        const response = await production.request(query);
        expect(JSON.stringify(response.body.data ?? null), query).not.toMatch(/"types"|"fields"/);
        expect(REFUSALS, query).toContain(codes(response)[0]);
      }
    });

    it('§11: outside production the schema can be introspected (tooling)', async () => {
      const response = await gw.request(`{ __schema { queryType { name } } }`);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.__schema.queryType.name).toBe('Query');
    });
  });
});
