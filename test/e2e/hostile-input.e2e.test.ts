import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase, type TestDatabaseKind } from '../support/db.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { loadConfig } from '../../src/config/config.js';
import { queryRows } from '../../src/db/rows.js';

/**
 * SPEC §10.4 and §11 against hostile input: small documents that would cost exponential time, characters
 * PostgreSQL or hashing cannot take, more bad values than graphql-js reports, JSON nested without bound, and
 * "Did you mean …?" suggestions in production. Each is a clear client error (400, a code and a reason), never
 * a masked 500, a blocked event loop or a half-written batch.
 */
const SUBMIT = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids errors { index reason message } } }`;
const DECIDED = '2026-01-05T09:00:00+08:00';

function codes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((e) => e.extensions?.code);
}

function reasons(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((e) => e.extensions?.reason);
}

/** n fragments, each spreading the next twice: 2^n expansions of the last one in about 40·n bytes. */
function doublingFragments(n: number): string {
  const fragments = Array.from({ length: n }, (_, i) =>
    i < n - 1 ? `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Query { catalog { code name } }`);
  return [`query Doubling { ...F0 }`, ...fragments].join('\n');
}

/** A JSON value nested `depth` levels deep: {"a":{"a":…{"a":1}…}}, as JSON text (JSON.stringify recurses). */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** The same as a GraphQL object literal. */
function nestedLiteral(depth: number): string {
  return `${'{ a: '.repeat(depth)}1${' }'.repeat(depth)}`;
}

/** A raw POST (for bodies the test client does not produce). */
async function rawPost(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as GraphQLResponse['body'] };
}

describe.each(testDatabaseKinds())('§10.4 / §11 hostile input on %s', (kind: TestDatabaseKind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let department: string;
  let enterprise: { id: number; code: string };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database, { limits: loadConfig({}).limits });
    department = await createOrganization(database.db, 'DEPARTMENT');
    enterprise = await createSubject(database.db, department, 'ENTERPRISE', { name: '恶意输入测试有限公司' });
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  async function recordsWithRefPrefix(prefix: string): Promise<number> {
    const rows = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM records WHERE source_ref LIKE ${`${prefix}%`}`);
    return Number(rows[0].n);
  }

  function record(sourceRef: string, overrides: Record<string, unknown> = {}) {
    return { subjectCode: enterprise.code, type: 'license', sourceRef, title: '许可', decidedAt: DECIDED, ...overrides };
  }

  describe('§11 query limits against doubling fragments', () => {
    it('§11: 22 and 30 fragments each spreading the next twice → QUERY_TOO_COMPLEX (400) at once; the server keeps answering', async () => {
      for (const n of [22, 30]) {
        const document = doublingFragments(n);
        expect(document.length).toBeLessThan(1300);
        const started = performance.now();
        const response = await gw.request(document);
        const elapsed = performance.now() - started;
        expect(response.status, `${n} fragments`).toBe(400);
        expect(codes(response), `${n} fragments`).toEqual(['QUERY_TOO_COMPLEX']);
        expect(response.body.data).toBeUndefined();
        // over HTTP on a busy CI machine; the unit test holds the measurement itself to 100 ms
        expect(elapsed, `${n} fragments`).toBeLessThan(1000);
      }
      const after = await gw.request(`{ me { role } }`);
      expect(after.body.data).toEqual({ me: { role: 'public' } });
    });

    it('§11: the same fragments under the limits are admitted and answered', async () => {
      const response = await gw.request(doublingFragments(4));
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.catalog.length).toBeGreaterThan(0);
    });
  });

  describe('§10.4 characters PostgreSQL and hashing cannot take → BAD_USER_INPUT, INVALID_CHARACTER', () => {
    it('§10.4: a NUL in a variable, anywhere in a batch, is refused before execution; nothing of the batch is written', async () => {
      const prefix = 'nul-batch-';
      for (const bad of [record(`${prefix}1`, { title: 'a\u0000b' }), record(`${prefix}2`, { details: { note: 'x\u0000' } }), record(`${prefix}3`, { details: { 'k\u0000': 1 } })]) {
        const response = await gw.request(SUBMIT, { token: tokens.department(department), variables: { records: [record(`${prefix}ok`), bad] } });
        expect(response.status).toBe(400);
        expect(codes(response)).toEqual(['BAD_USER_INPUT']);
        expect(reasons(response)).toEqual(['INVALID_CHARACTER']);
        expect(response.body.data).toBeUndefined();
        expect(response.body.errors?.[0]?.message).toMatch(/NUL|surrogate/);
      }
      expect(await recordsWithRefPrefix(prefix)).toBe(0);
    });

    it('§10.4: an unpaired surrogate in a variable is refused (JSON.stringify writes it as \\ud800)', async () => {
      for (const title of ['\ud800', 'x\udc00y', '尾\udbff']) {
        const response = await gw.request(SUBMIT, { token: tokens.department(department), variables: { records: [record('surrogate-1', { title })] } });
        expect(response.status, JSON.stringify(title)).toBe(400);
        expect(codes(response)).toEqual(['BAD_USER_INPUT']);
        expect(reasons(response)).toEqual(['INVALID_CHARACTER']);
      }
      // a paired surrogate (a character outside the BMP) is fine
      const emoji = await gw.request(SUBMIT, { token: tokens.department(department), variables: { records: [record('surrogate-ok', { title: '许可 𠀀 😀' })] } });
      expect(emoji.body.errors).toBeUndefined();
      expect(emoji.body.data.submitRecords.accepted).toBe(1);
      expect(await recordsWithRefPrefix('surrogate-1')).toBe(0);
    });

    it('§10.4: a NUL written as \\u0000 in a string literal of the query text is refused; so is one in operationName', async () => {
      const literal = await gw.request(`mutation { submitRecords(records: [{ subjectCode: "${enterprise.code}", type: "license", sourceRef: "nul-literal", title: "a\\u0000b", decidedAt: "${DECIDED}" }]) { accepted } }`, {
        token: tokens.department(department),
      });
      expect(literal.status).toBe(400);
      expect(codes(literal)).toEqual(['BAD_USER_INPUT']);
      expect(reasons(literal)).toEqual(['INVALID_CHARACTER']);
      const inJsonLiteral = await gw.request(`mutation { submitRecords(records: [{ subjectCode: "${enterprise.code}", type: "license", sourceRef: "nul-literal", title: "t", decidedAt: "${DECIDED}", details: { note: "\\u{0}" } }]) { accepted } }`, {
        token: tokens.department(department),
      });
      expect(reasons(inJsonLiteral)).toEqual(['INVALID_CHARACTER']);
      expect(await recordsWithRefPrefix('nul-literal')).toBe(0);

      const name = await rawPost(gw.url, JSON.stringify({ query: `query A { me { role } }`, operationName: 'A\u0000' }));
      expect(name.status).toBe(400);
      expect(name.body.errors?.map((e) => e.extensions?.reason)).toEqual(['INVALID_CHARACTER']);
    });

    it('§10.4: an unpaired surrogate escaped in the query text is a parse error (400), never a 500', async () => {
      const response = await gw.request(`{ subject(code: "\\uD800") { code } }`);
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
    });

    it('§10.4: GET with a NUL in the query string or in its variables is refused the same way', async () => {
      const query = encodeURIComponent(`query($c: String!) { subject(code: $c) { code } }`);
      for (const search of [`query=${encodeURIComponent('{ me { role } }\u0000')}`, `query=${query}&variables=${encodeURIComponent(JSON.stringify({ c: 'x\u0000' }))}`]) {
        const response = await fetch(`${gw.url}?${search}`, { headers: { 'apollo-require-preflight': '1' } });
        expect(response.status, search).toBe(400);
        const body = (await response.json()) as GraphQLResponse['body'];
        expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
        expect(body.errors?.map((e) => e.extensions?.reason)).toEqual(['INVALID_CHARACTER']);
      }
    });
  });

  describe('§10.4 more bad values than graphql-js reports → BAD_USER_INPUT, TOO_MANY_ERRORS', () => {
    it('§10.4: 60 invalid DateTimes in one variable → 400, every error BAD_USER_INPUT, the last TOO_MANY_ERRORS; nothing written', async () => {
      const records = Array.from({ length: 60 }, (_, i) => record(`too-many-${i}`, { decidedAt: 'yesterday' }));
      const response = await gw.request(SUBMIT, { token: tokens.department(department), variables: { records } });
      expect(response.status).toBe(400);
      expect(response.body.data).toBeUndefined();
      expect(new Set(codes(response))).toEqual(new Set(['BAD_USER_INPUT']));
      expect(reasons(response)).toContain('TOO_MANY_ERRORS');
      const last = response.body.errors!.at(-1)!;
      expect(last.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ERRORS' });
      expect(last.message).toMatch(/too many/i);
      expect(await recordsWithRefPrefix('too-many-')).toBe(0);
    });
  });

  describe('§10.4 JSON nested without bound → BAD_USER_INPUT, INVALID_JSON', () => {
    it('§10.4: details 5,000 levels deep (a variable) → 400 INVALID_JSON naming the limit; nothing written', async () => {
      const records = JSON.stringify([record('deep-json-1', { details: '$DETAILS' })]).replace('"$DETAILS"', nestedJson(5000));
      const response = await rawPost(gw.url, `{"query":${JSON.stringify(SUBMIT)},"variables":{"records":${records}}}`, { authorization: `Bearer ${tokens.department(department)}` });
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(reasons(response)).toEqual(['INVALID_JSON']);
      expect(response.body.errors?.[0]?.message).toMatch(/32/);
      expect(await recordsWithRefPrefix('deep-json-')).toBe(0);
    });

    it('§10.4: details deeper than 32 as a literal → 400 INVALID_JSON; 32 levels are admitted', async () => {
      const literal = (ref: string, depth: number) => `mutation { submitRecords(records: [{ subjectCode: "${enterprise.code}", type: "license", sourceRef: "${ref}", title: "t", decidedAt: "${DECIDED}", details: ${nestedLiteral(depth)} }]) { accepted errors { reason } } }`;
      for (const depth of [33, 1000]) {
        const response = await gw.request(literal(`deep-literal-${depth}`, depth), { token: tokens.department(department) });
        expect(response.status, String(depth)).toBe(400);
        expect(codes(response), String(depth)).toEqual(['BAD_USER_INPUT']);
        expect(reasons(response), String(depth)).toEqual(['INVALID_JSON']);
      }
      expect(await recordsWithRefPrefix('deep-literal-')).toBe(0);
      const admitted = await gw.request(literal('ok-literal-32', 32), { token: tokens.department(department) });
      expect(admitted.body.errors).toBeUndefined();
      expect(admitted.body.data.submitRecords.accepted).toBe(1);
      const variable = await gw.request(SUBMIT, { token: tokens.department(department), variables: { records: [record('ok-variable-32', { details: JSON.parse(nestedJson(32)) })] } });
      expect(variable.body.errors).toBeUndefined();
      expect(variable.body.data.submitRecords.accepted).toBe(1);
    });

    it('§10.4: details larger than the size limit → 400 INVALID_JSON', async () => {
      const response = await gw.request(SUBMIT, { token: tokens.department(department), variables: { records: [record('big-json-1', { details: { text: 'x'.repeat(70_000) } })] } });
      expect(response.status).toBe(400);
      expect(reasons(response)).toEqual(['INVALID_JSON']);
      expect(response.body.errors?.[0]?.message).toMatch(/65,536|64 KiB/);
      expect(await recordsWithRefPrefix('big-json-')).toBe(0);
    });
  });

  describe('§11 no "Did you mean" suggestions in production', () => {
    let production: TestGateway;
    let development: TestGateway;

    beforeAll(async () => {
      production = await startTestGateway(database, { production: true });
      development = await startTestGateway(database);
    });

    afterAll(async () => {
      await production?.close();
      await development?.close();
    });

    const SUBJECT = `query($c: String!, $p: PurposeInput) { subject(code: $c, purpose: $p) { code } }`;

    it('§11: an enum value or input field typo in a variable → BAD_USER_INPUT without a suggestion in production', async () => {
      for (const p of [{ kind: 'LICENSIN', reference: 'R-1' }, { kinds: 'LICENSING', reference: 'R-1' }]) {
        const variables = { c: enterprise.code, p };
        const response = await production.request(SUBJECT, { token: tokens.department(department), variables });
        expect(response.status, JSON.stringify(p)).toBe(400);
        expect(codes(response).length).toBeGreaterThan(0);
        expect(new Set(codes(response))).toEqual(new Set(['BAD_USER_INPUT']));
        expect(JSON.stringify(response.body)).not.toMatch(/Did you mean|LICENSING"\?/);
        // outside production the suggestion helps the developer
        const dev = await development.request(SUBJECT, { token: tokens.department(department), variables });
        expect(JSON.stringify(dev.body)).toMatch(/Did you mean/);
      }
    });

    it('§11: the same typos as literals → GRAPHQL_VALIDATION_FAILED without a suggestion in production', async () => {
      for (const purpose of ['{ kind: LICENSIN, reference: "R-1" }', '{ kinds: LICENSING, reference: "R-1" }']) {
        const query = `query($c: String!) { subject(code: $c, purpose: ${purpose}) { code } }`;
        const response = await production.request(query, { token: tokens.department(department), variables: { c: enterprise.code } });
        expect(response.status, purpose).toBe(400);
        expect(new Set(codes(response))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
        expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/);
      }
    });

    it('§11: 60 bad enum values in production → TOO_MANY_ERRORS, and none of the 50 messages suggests a value', async () => {
      const subjects = Array.from({ length: 60 }, () => ({ code: '91110000600037341L', kind: 'ENTERPRIS', name: 'x' }));
      const response = await production.request(`mutation($s: [SubjectInput!]!) { registerSubjects(subjects: $s) { accepted } }`, {
        token: tokens.department(department), variables: { s: subjects },
      });
      expect(response.status).toBe(400);
      expect(new Set(codes(response))).toEqual(new Set(['BAD_USER_INPUT']));
      expect(reasons(response).at(-1)).toBe('TOO_MANY_ERRORS');
      expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/);
    });
  });
});
