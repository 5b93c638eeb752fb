import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { CREDIT_REPORT, LICENSING, NOW, SEARCH_QUERY, SUBJECT_QUERY, uniqueToken } from '../support/disclosure-e2e.js';
import { comparedReadsCast, requestEvents, withAppendsRefused } from '../support/read-fixture.js';
import { createLogger } from '../../src/logging.js';
import { SHIPPED_MANIFEST } from '../../src/web/manifest.js';
import { configurePretenuring, pretenuring } from '../../src/v8-heap.js';

/**
 * Issue 18, point 4: known reads (subject, searchSubjects, publicNotices) run compiled (src/graphql/compiled.ts).
 * Proven here against Apollo's interpreter on the same database at the same instant: for every document, caller
 * and variables below, the compiled gateway answers byte for byte what a gateway without compiled execution answers
 * (status, content type, body), writes the same access events (L1), and says in its request line which path
 * answered. Answers with an error, other root fields, mutations and other media types are Apollo's, once.
 */

interface Exchange {
  status: number;
  contentType: string | null;
  text: string;
  requestId: string;
}

const manifest = JSON.parse(readFileSync(SHIPPED_MANIFEST, 'utf8')) as { operations: { id: string; name: string }[] };
const persisted = (name: string) => ({ persistedQuery: { version: 1, sha256Hash: manifest.operations.find((o) => o.name === name)!.id } });

/** Fragments, inline fragments, aliases, __typename and nested connections in one read. */
const SHAPES_QUERY = `query Shapes($code: String!, $purpose: PurposeInput) {
  a: subject(code: $code, purpose: $purpose) { ...Head records(first: 2) { ...Page } }
  b: subject(code: $code, purpose: $purpose) {
    __typename code
    ... on Subject { view newest: records(first: 1) { edges { node { id __typename source { code name } } } } }
    penalties: records(categories: [ADMINISTRATIVE]) { totalCount edges { node { id severity disputed redactions { field reason } } } }
  }
  c: subject(code: $code, purpose: $purpose) { ...Head }
}
fragment Head on Subject { code kind name view redactions { field reason } }
fragment Page on CreditRecordConnection { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title details history { version snapshot redactions { field } } } } }`;

/** What graphql-jit 0.8.9 answers differently from Apollo (src/graphql/compiled.ts): Apollo must answer these. */
const DIRECTIVES_QUERY = `query Directives($code: String!, $withRecords: Boolean!) {
  a: subject(code: $code) { ...F @include(if: $withRecords) }
  b: subject(code: $code) { ...F }
}
fragment F on Subject { code name records(first: 2) { edges { node { id } } } }`;
/** Two aliased paths graphql-jit joins into one name (a_r_x / x_a_r): the first page's records must still be logged. */
const COLLIDING_ALIASES = `query Colliding($one: String!, $two: String!) {
  a: subject(code: $one) { r_x: records { edges { node { id } } } }
  x_a: subject(code: $two) { r: records { totalCount } }
}`;

const PAGING_ONLY = `query PagingOnly($q: String!) { searchSubjects(query: $q, first: 0) { pageInfo { hasNextPage } } }`;
const NOTICES = `query Notices($types: [String!]!) { publicNotices(types: $types, first: 5) { totalCount edges { node { subject { code name } record { id title } } } } }`;
const CATALOG = `query Catalog { catalog { code } }`;

describe.each(testDatabaseKinds())('compiled execution on %s', (kind) => {
  let database: TestDatabase;
  let compiledGw: TestGateway;
  let apolloGw: TestGateway;
  let lines: string[];
  let deptA: string;
  let deptB: string;
  let agency: string;
  let auditOffice: string;
  let enterprise: SubjectFixture;
  let person: SubjectFixture;
  let searchTerm: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    lines = [];
    compiledGw = await startTestGateway(database, {
      now: NOW, compiledExecution: 'first-sight', site: false, trustedDocumentsFile: SHIPPED_MANIFEST,
      logger: createLogger({ write: (line: string) => lines.push(line) }),
    });
    apolloGw = await startTestGateway(database, { now: NOW, compiledExecution: 'off', trustedDocumentsFile: SHIPPED_MANIFEST });
    auditOffice = await createOrganization(database.db, 'AUDIT_OFFICE');
    searchTerm = uniqueToken('编译');
    ({ deptA, deptB, agency, enterprise, person } = await comparedReadsCast(database.db, apolloGw, `${searchTerm}建材有限公司`));
    await createSubject(database.db, deptA, 'ENTERPRISE', { name: `${searchTerm}物流有限公司` });
  });

  afterAll(async () => {
    await compiledGw?.close();
    await apolloGw?.close();
    await database?.close();
  });

  async function send(gw: TestGateway, body: Record<string, unknown>, token?: string, accept?: string): Promise<Exchange> {
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text(), requestId: response.headers.get('x-request-id')! };
  }

  /** The access events of one request, compared as sets (support/read-fixture.ts). */
  const eventsOf = (requestId: string) => requestEvents(database.db, requestId, { asSets: true });

  /** Whether the compiled gateway's request line for this request says it answered compiled. */
  async function answeredCompiled(requestId: string): Promise<boolean> {
    for (let tries = 0; tries < 50; tries++) {
      const line = lines.map((l) => JSON.parse(l) as { message: string; requestId?: string; compiled?: boolean })
        .find((l) => l.message === 'request' && l.requestId === requestId);
      if (line) return line.compiled === true;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no request line for ${requestId}`);
  }

  /** Sends the same request to both gateways; they must answer and log alike. Returns the compiled side's answer. */
  async function expectAlike(label: string, body: Record<string, unknown>, token?: string, accept?: string) {
    const compiled = await send(compiledGw, body, token, accept);
    const apollo = await send(apolloGw, body, token, accept);
    expect(compiled.status, label).toBe(apollo.status);
    expect(compiled.contentType, label).toBe(apollo.contentType);
    expect(compiled.text, label).toBe(apollo.text);
    expect(await eventsOf(compiled.requestId), label).toEqual(await eventsOf(apollo.requestId));
    return { ...compiled, json: JSON.parse(compiled.text) as { data?: any; errors?: { extensions?: { code?: string } }[] }, compiled: await answeredCompiled(compiled.requestId) };
  }

  const callers = () => [
    { who: 'public', token: undefined, purpose: undefined },
    { who: 'own department with a purpose', token: tokens.department(deptA), purpose: LICENSING },
    { who: 'another department with a purpose', token: tokens.department(deptB), purpose: LICENSING },
    { who: 'a department without a purpose', token: tokens.department(deptA), purpose: undefined },
    { who: 'an agency under its grant', token: tokens.agency(agency), purpose: CREDIT_REPORT },
    { who: 'an agency without a purpose', token: tokens.agency(agency), purpose: undefined },
    { who: 'the subject itself', token: tokens.subject(enterprise.code), purpose: undefined },
    { who: 'another subject', token: tokens.subject(person.code), purpose: undefined },
    { who: 'an auditor', token: tokens.auditor(auditOffice), purpose: undefined },
    { who: 'an admin', token: tokens.admin(), purpose: undefined },
  ];

  it('§4–§5, L1: a subject lookup answers every viewer as Apollo does — the same bytes, the same access events — and compiled', async () => {
    let compiledAnswers = 0;
    for (const { who, token, purpose } of callers()) {
      for (const code of [enterprise.code, person.code]) {
        const first = await expectAlike(`${who}: subject ${code}`, { query: SUBJECT_QUERY, variables: { code, purpose, first: 2 } }, token);
        if (first.json.errors) {
          expect(first.compiled, `${who}: an answer with errors is Apollo's`).toBe(false);
          continue;
        }
        expect(first.compiled, `${who}: subject ${code}`).toBe(true);
        compiledAnswers += 1;
        const after = first.json.data.subject?.records.pageInfo.endCursor;
        if (after) await expectAlike(`${who}: next page of ${code}`, { query: SUBJECT_QUERY, variables: { code, purpose, first: 2, after } }, token);
        const shapes = await expectAlike(`${who}: shapes of ${code}`, { query: SHAPES_QUERY, operationName: 'Shapes', variables: { code, purpose } }, token);
        expect(shapes.compiled, `${who}: shapes of ${code}`).toBe(true);
      }
    }
    // the public, every department and agency, the subject itself and the administrator read at least one file
    expect(compiledAnswers).toBeGreaterThanOrEqual(10);
  });

  it('P4, G3, L1: searches (with and without totalCount, by page and paging only) and notices answer as Apollo does', async () => {
    let compiledSearches = 0;
    for (const { who, token, purpose } of callers()) {
      const notices = await expectAlike(`${who}: notices`, { query: NOTICES, variables: { types: ['penalty', 'license'] } }, token);
      expect(notices.compiled, `${who}: notices`).toBe(true);
      const page = await expectAlike(`${who}: search`, { query: SEARCH_QUERY, variables: { query: searchTerm, purpose, first: 1 } }, token);
      if (page.json.errors) continue;
      expect(page.compiled, who).toBe(true);
      compiledSearches += 1;
      const after = page.json.data.searchSubjects.pageInfo.endCursor;
      if (after) await expectAlike(`${who}: search page 2`, { query: SEARCH_QUERY, variables: { query: searchTerm, purpose, first: 1, after } }, token);
      const only = await expectAlike(`${who}: paging only`, { query: PAGING_ONLY, variables: { q: searchTerm } }, token);
      expect(only.compiled, who).toBe(true);
    }
    // the public, every department, the agency, both subjects, the auditor and the admin may search (P4, G3)
    expect(compiledSearches).toBeGreaterThanOrEqual(8);
  });

  it('WEB1: the website\'s five trusted documents are compiled at start and answer as Apollo does', async () => {
    const site: [string, Record<string, unknown>][] = [
      ['HomeNotices', { first: 3 }],
      ['ListPage', { types: ['penalty'], first: 2 }],
      ['SearchSubjects', { query: searchTerm, first: 1 }],
      ['SubjectPage', { code: enterprise.code, first: 2 }],
      ['SubjectRecords', { code: enterprise.code, types: ['license'], first: 1 }],
    ];
    for (const [operationName, variables] of site) {
      const answer = await expectAlike(operationName, { operationName, variables, extensions: persisted(operationName) }, undefined, 'application/json');
      expect(answer.json.errors, operationName).toBeUndefined();
      expect(answer.compiled, operationName).toBe(true);
    }
  });

  it('L1: an answer with an error is run again by Apollo and logged once — as Apollo alone answers and logs it', async () => {
    const partial = `query Partial($good: String!, $bad: String!) { good: subject(code: $good) { code records { edges { node { id } } } } bad: subject(code: $bad) { code } }`;
    const mixed = await expectAlike('one valid and one invalid code', { query: partial, variables: { good: enterprise.code, bad: '91440200INVALID00X' } });
    expect(mixed.json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(mixed.compiled).toBe(false);
    // the valid half disclosed its subject: one event for it, not two
    expect((await eventsOf(mixed.requestId)).filter((e) => e.subject === enterprise.code)).toHaveLength(1);
    for (const [label, body, token] of [
      ['a purpose the role may not state', { query: SUBJECT_QUERY, variables: { code: enterprise.code, purpose: { kind: 'NOPE', reference: 'x' } } }, tokens.department(deptA)],
      ['a variable of the wrong type', { query: SUBJECT_QUERY, variables: { code: 42 } }, undefined],
      ['a missing variable', { query: SUBJECT_QUERY, variables: {} }, undefined],
      ['an unknown operation name', { query: SUBJECT_QUERY, operationName: 'Other', variables: { code: enterprise.code } }, undefined],
      ['a search too short', { query: SEARCH_QUERY, variables: { query: '编' } }, undefined],
    ] as const) {
      const answer = await expectAlike(label, body as Record<string, unknown>, token);
      expect(answer.json.errors?.length, label).toBeGreaterThan(0);
      expect(answer.compiled, label).toBe(false);
    }
  });

  it('L1: what graphql-jit would answer differently (directives on a fragment spread twice, aliases it joins into one name) is Apollo\'s, and logged as Apollo logs it', async () => {
    for (const withRecords of [true, false]) {
      const answer = await expectAlike(`directives, withRecords ${withRecords}`, { query: DIRECTIVES_QUERY, variables: { code: enterprise.code, withRecords } });
      expect(answer.compiled).toBe(false);
      expect(answer.json.data.b.name).toBeTruthy();
    }
    const colliding = await expectAlike('colliding aliases', { query: COLLIDING_ALIASES, variables: { one: enterprise.code, two: person.code } });
    expect(colliding.compiled).toBe(false);
    const shown = colliding.json.data.a.r_x.edges.map((e: { node: { id: string } }) => e.node.id).sort().join(',');
    expect(shown.length).toBeGreaterThan(0);
    expect((await eventsOf(colliding.requestId)).find((e) => e.subject === enterprise.code)?.records).toBe(shown);
  });

  it('only plain reads of subject, searchSubjects and publicNotices in JSON are compiled; the rest is Apollo\'s', async () => {
    const catalog = await expectAlike('another root field', { query: CATALOG });
    expect(catalog.compiled).toBe(false);
    const graphqlResponse = await expectAlike('another media type', { query: SUBJECT_QUERY, variables: { code: enterprise.code } }, undefined, 'application/graphql-response+json');
    expect(graphqlResponse.contentType).toContain('application/graphql-response+json');
    expect(graphqlResponse.compiled).toBe(false);
    const extension = await expectAlike('an extension', { query: SUBJECT_QUERY, variables: { code: enterprise.code }, extensions: { tracing: true } });
    expect(extension.compiled).toBe(false);
    const mutationLike = `mutation M($code: String!) { withdrawRecord(id: $code) { id } }`;
    const mutation = await expectAlike('a mutation (refused to the public)', { query: mutationLike, variables: { code: '00000000-0000-0000-0000-000000000000' } });
    expect(mutation.compiled).toBe(false);
    const forbidden = await expectAlike('a root field the role may not select', { query: `{ subject(code: "${enterprise.code}") { code } accessLog(first: 1) { totalCount } }` }, tokens.department(deptA));
    expect(forbidden.compiled).toBe(false);
  });

  it('issue 18: a gateway runs with V8\'s allocation-site pretenuring off unless V8_PRETENURING=on (src/v8-heap.ts)', async () => {
    // createGateway sets it (main.ts earlier, before migrations): a record row is never born in the old generation
    expect(pretenuring()).toBe('off');
    const withDefault = await startTestGateway(database, { now: NOW, site: false, v8Pretenuring: 'on' });
    try {
      expect(pretenuring()).toBe('on');
    } finally {
      await withDefault.close();
      configurePretenuring('off'); // this worker's other tests as the gateways above started them
    }
  });

  it('L2: when its events cannot be stored, a compiled answer is withheld — 503 AUDIT_UNAVAILABLE, no data, nothing stored', async () => {
    const body = { query: SUBJECT_QUERY, variables: { code: enterprise.code } };
    await send(compiledGw, body); // known and compiled
    const answer = await withAppendsRefused(database.db, () => send(compiledGw, body));
    expect(answer.status).toBe(503);
    const json = JSON.parse(answer.text) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(json.data).toBeUndefined();
    expect(json.errors.map((e) => e.extensions.code)).toEqual(['AUDIT_UNAVAILABLE']);
    expect(answer.text).not.toContain(enterprise.name);
    expect(await eventsOf(answer.requestId)).toEqual([]);
    expect(await answeredCompiled(answer.requestId)).toBe(true);
  });
});

describe.each(testDatabaseKinds())('compiled execution, second sight and trusted only, on %s', (kind) => {
  let database: TestDatabase;
  let repeatedGw: TestGateway;
  let trustedGw: TestGateway;
  let lines: string[];
  let trustedLines: string[];
  let subject: SubjectFixture;
  let dept: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    lines = [];
    trustedLines = [];
    repeatedGw = await startTestGateway(database, { compiledExecution: 'second-sight', logger: createLogger({ write: (line: string) => lines.push(line) }) });
    trustedGw = await startTestGateway(database, {
      compiledExecution: 'trusted', trustedDocumentsFile: SHIPPED_MANIFEST, logger: createLogger({ write: (line: string) => trustedLines.push(line) }),
    });
    dept = await createOrganization(database.db, 'DEPARTMENT');
    subject = await createSubject(database.db, dept, 'ENTERPRISE');
  });

  afterAll(async () => {
    await repeatedGw?.close();
    await trustedGw?.close();
    await database?.close();
  });

  const compiledFlags = (of: string[]) => of.map((l) => JSON.parse(l) as { message: string; compiled?: boolean }).filter((l) => l.message === 'request').map((l) => l.compiled === true);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('COMPILED_EXECUTION=repeated: a document is compiled at its second request; a new document every time never makes the gateway compile', async () => {
    lines.length = 0;
    for (let i = 0; i < 3; i++) expect((await repeatedGw.request(`query One($code: String!) { subject(code: $code) { code name } }`, { variables: { code: subject.code } })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await repeatedGw.request(`query Fresh${i}($code: String!) { subject(code: $code) { code name } }`, { variables: { code: subject.code } })).status).toBe(200);
    await settle();
    expect(compiledFlags(lines)).toEqual([false, true, true, false, false, false]);
  });

  it('COMPILED_EXECUTION=trusted (the default): the manifest\'s documents run compiled from their first request, no other document ever', async () => {
    trustedLines.length = 0;
    for (let i = 0; i < 3; i++) expect((await trustedGw.request(SUBJECT_QUERY, { variables: { code: subject.code } })).status).toBe(200);
    const response = await fetch(trustedGw.url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operationName: 'SubjectPage', variables: { code: subject.code, first: 2 }, extensions: persisted('SubjectPage') }),
    });
    expect(response.status).toBe(200);
    await settle();
    expect(compiledFlags(trustedLines)).toEqual([false, false, false, true]);
  });

  it.skipIf(kind !== 'postgres')('H2: a compiled read waiting past its deadline answers 503 DEADLINE_EXCEEDED at the deadline, and the next one is served compiled', async () => {
    const timed = await openDatabase({ url: database.url!, statementTimeoutMs: 400, poolSize: 2 });
    const slowLines: string[] = [];
    const slow = await startTestGateway({ ...database, ...timed } as TestDatabase, {
      requestTimeoutMs: 400, compiledExecution: 'first-sight', logger: createLogger({ write: (line: string) => slowLines.push(line) }),
    });
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE subjects IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const waited = await slow.request(SUBJECT_QUERY, { variables: { code: subject.code } });
      const elapsed = performance.now() - started;
      await locker.query('COMMIT');
      expect(waited.status).toBe(503);
      expect(waited.body.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', reason: 'DEADLINE_EXCEEDED' });
      expect(waited.body.data ?? null).toBeNull();
      expect(elapsed).toBeLessThan(3_000);
      const next = await slow.request(SUBJECT_QUERY, { variables: { code: subject.code } });
      expect(next.status).toBe(200);
      expect(next.body.data.subject.code).toBe(subject.code);
      await settle();
      expect(compiledFlags(slowLines).at(-1)).toBe(true);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end().catch(() => undefined);
      await slow.close();
      await timed.close();
    }
  });

  it('§11: a document carrying graphql-jit\'s code marker in a literal is answered by Apollo, however often it is sent, and nothing of it runs', async () => {
    const marker = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d';
    const query = `{ subject(code: "${marker}1) && (globalThis.cqgHttpJit = 'ran'") { code } }`;
    lines.length = 0;
    for (let i = 0; i < 3; i++) {
      const answer = await repeatedGw.request(query, { token: tokens.department(dept) });
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    await settle();
    expect(compiledFlags(lines)).toEqual([false, false, false]);
    expect((globalThis as Record<string, unknown>).cqgHttpJit).toBeUndefined();
  });
});
