import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase, type TestDatabaseKind } from '../support/db.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging.js';
import { sha256Hex } from '../../src/http/trusted-documents.js';

/**
 * SPEC §11 over HTTP: a document over the token limit (MAX_QUERY_TOKENS) is refused by the parser, before
 * validation; one over the directive limit (MAX_QUERY_DIRECTIVES) in validation. Both answer like the depth,
 * alias and cost limits: HTTP 400, QUERY_TOO_COMPLEX, a clear message, no suggestion, no stack, no data; the
 * request line names the code. The defaults still admit the §11 floor, also as an allow-listed document (H1).
 */
const PURPOSE = { kind: 'LICENSING', reference: 'E2E-LIMITS-1' };

function codes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((e) => e.extensions?.code);
}

/** `n` root fields `me { role }` (4 tokens each) and `extra` more tokens: 2 + 4n + extra tokens in all. */
const meTimes = (n: number, extra = 0) => `{ ${'me { role } '.repeat(n)}${'__typename '.repeat(extra)}}`;

/** `n` directives, each on a field of its own. */
const withDirectives = (n: number) => `{ ${'me @include(if: true) { role } '.repeat(n)}}`;

/** The §11 floor: searchSubjects(first: 100) → records(first: 100) at depth 8, and 14 more aliased root fields. */
const FLOOR = `query Floor($q: String!, $p: PurposeInput) {
  found: searchSubjects(query: $q, purpose: $p, first: 100) { totalCount edges { node { code name view
    records(first: 100) { totalCount edges { node { id type title source { code name } } } } } } }
  ${Array.from({ length: 14 }, (_, i) => `k${i}: catalog { code }`).join(' ')}
}`;

describe.each(testDatabaseKinds())('§11 document limits over HTTP on %s', (kind: TestDatabaseKind) => {
  let database: TestDatabase;
  let defaults: TestGateway;
  let small: TestGateway;
  let lines: string[];
  let dir: string;
  let department: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    lines = [];
    defaults = await startTestGateway(database, { limits: loadConfig({}).limits, logger: createLogger({ write: (line: string) => lines.push(line) }) });
    small = await startTestGateway(database, { limits: { maxTokens: 60, maxDirectives: 3 } });
    department = await createOrganization(database.db, 'DEPARTMENT');
    const enterprise = await createSubject(database.db, department, 'ENTERPRISE', { name: '文档限额测试有限公司' });
    await createRecord(database.db, enterprise, department, { type: 'license' });
    dir = await mkdtemp(path.join(tmpdir(), 'cqg-limits-'));
  });

  afterAll(async () => {
    await defaults?.close();
    await small?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function expectRefused(response: GraphQLResponse, message: RegExp): void {
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors![0]!.message).toMatch(message);
    expect(response.body.data).toBeUndefined();
    const text = JSON.stringify(response.body);
    expect(text).not.toMatch(/Did you mean|stacktrace|node_modules|Syntax Error/);
  }

  it('§11: a document over MAX_QUERY_TOKENS is refused before validation with QUERY_TOO_COMPLEX (400): no "Did you mean", no stack', async () => {
    // within the limit, the misspelt field reaches validation and gets its suggestion (not production)
    const misspelt = await small.request(`{ me { rol } }`);
    expect(codes(misspelt)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(misspelt.body.errors![0]!.message).toMatch(/Did you mean/);
    // over it, the parser stops first: one refusal, nothing from validation
    expectRefused(await small.request(`{ me { rol } ${'__typename '.repeat(60)}}`), /^The document holds more than 60 tokens, the limit\.$/);
  });

  it('§11: the default MAX_QUERY_TOKENS admits 5000 tokens and refuses 5001; comments count apart against the same limit', async () => {
    // 625 operations of 8 tokens (graphql-js gives up validating 1249 copies of one field, so not meTimes(1249, 2))
    const operations = Array.from({ length: 625 }, (_, i) => `query Q${i} { me { role } }`).join('\n');
    const atLimit = await fetch(defaults.url, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: operations, operationName: 'Q624' }),
    });
    expect(atLimit.status).toBe(200);
    expect(await atLimit.json()).toEqual({ data: { me: { role: 'public' } } });
    expectRefused(await defaults.request(meTimes(1249, 3)), /more than 5000 tokens/);
    expectRefused(await defaults.request(`${'# a comment\n'.repeat(5001)}{ me { role } }`), /more than 5000 comments/);
  });

  it('§11: the request line of a refused document names QUERY_TOO_COMPLEX and status 400', async () => {
    lines.length = 0;
    await defaults.request(meTimes(1249, 3));
    const requestLines = lines.map((line) => JSON.parse(line) as { status?: number; errors?: string[] }).filter((l) => l.status !== undefined);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ status: 400, errors: ['QUERY_TOO_COMPLEX'] });
  });

  it('§11: a document with 50 directives runs; with 51, or 51 spreads of one fragment each with a directive, → QUERY_TOO_COMPLEX', async () => {
    const fifty = await defaults.request(withDirectives(50));
    expect(fifty.status).toBe(200);
    expect(fifty.body.data.me).toEqual({ role: 'public' });
    expectRefused(await defaults.request(withDirectives(51)), /^The query uses more than 50 directives, the limit\.$/);
    expectRefused(await defaults.request(`{ ${'...Me @include(if: true) '.repeat(51)}} fragment Me on Query { me { role } }`), /more than 50 directives/);
    expect((await small.request(withDirectives(3))).status).toBe(200);
    expectRefused(await small.request(withDirectives(4)), /more than 3 directives/);
  });

  it('§11: 30 fragments each spreading the next twice, ending in a directive, → QUERY_TOO_COMPLEX within a second; the server keeps answering', async () => {
    const fragments = Array.from({ length: 30 }, (_, i) =>
      i < 29 ? `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Query { me @include(if: true) { role } }`);
    const started = performance.now();
    const response = await defaults.request([`query Doubling { ...F0 }`, ...fragments].join('\n'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect((await defaults.request(`{ me { role } }`)).body.data).toEqual({ me: { role: 'public' } });
  });

  it('§11: the default limits admit the §11 floor (first: 100, depth 8, 15 aliased root fields)', async () => {
    const response = await defaults.request(FLOOR, { token: tokens.department(department), variables: { q: '文档限额测试', p: PURPOSE } });
    expect(codes(response)).toEqual([]);
    expect(Object.keys(response.body.data)).toHaveLength(15);
    expect(response.body.data.found.edges[0].node.records.edges[0].node.source.code).toBe(department);
  });

  it('H1 with §11: an allow-listed §11-floor document runs by its hash under the default limits; a public document over the token limit is refused PERSISTED_ONLY before it is parsed', async () => {
    const manifest = path.join(dir, 'trusted-documents.json');
    await writeFile(manifest, JSON.stringify({
      format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex(FLOOR), name: 'Floor', type: 'query', body: FLOOR }],
    }));
    const production = await startTestGateway(database, { production: true, trustedDocuments: 'public', trustedDocumentsFile: manifest, limits: loadConfig({}).limits });
    try {
      const post = (body: unknown, token?: string) => fetch(production.url, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() as GraphQLResponse['body'] }));
      const byHash = await post({ variables: { q: '文档限额测试', p: PURPOSE }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(FLOOR) } } }, tokens.department(department));
      expect(byHash.status).toBe(200);
      expect(byHash.body.errors).toBeUndefined();
      expect(Object.keys(byHash.body.data)).toHaveLength(15);
      const publicFloor = await post({ variables: { q: '文档限额测试' }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(FLOOR) } } });
      expect(publicFloor.status).toBe(200);
      expect(publicFloor.body.errors).toBeUndefined();
      const overLimit = await post({ query: meTimes(1249, 3) });
      expect(overLimit.status).toBe(403);
      expect(overLimit.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', reason: 'PERSISTED_ONLY' });
    } finally {
      await production.close();
    }
  });
});
