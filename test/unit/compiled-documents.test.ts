import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { parse } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { COMPILED_ROOT_FIELDS, createCompiledExecution, jitRefusal, MAX_COMPILED_DOCUMENTS } from '../../src/graphql/compiled.js';
import { ConfigError, loadConfig as loadGatewayConfig } from '../../src/config/config.js';
import { createRequestContext } from '../../src/context/request-context.js';
import { loadConfig } from '../../src/config/config.js';
import { PUBLIC_VIEWER } from '../../policies/viewer.js';
import type { Db } from '../../src/db/client.js';

/**
 * Issue 18: what compiled execution (src/graphql/compiled.ts) takes on, decided before any resolver runs — these
 * requests never reach the database (the context's database refuses every statement). Its answers are proven
 * against Apollo's in test/e2e/compiled-execution.e2e.test.ts.
 */
const limits = loadConfig({}).limits;
let touched = 0;
const noDatabase = new Proxy({}, { get: () => { touched += 1; throw new Error('no statement may run'); } }) as unknown as Db;
const context = () => createRequestContext({ db: noDatabase, viewer: PUBLIC_VIEWER, now: new Date('2026-06-01T00:00:00Z') });

describe('compiled execution: what it takes on', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildGatewaySchema();
  });

  it('compiles reads of subject, searchSubjects and publicNotices only: the three read-only root fields', () => {
    expect([...COMPILED_ROOT_FIELDS].sort()).toEqual(['publicNotices', 'searchSubjects', 'subject']);
  });

  it('§11: what a process keeps compiled is bounded (MAX_COMPILED_DOCUMENTS, least recently used forgotten first)', () => {
    const compiled = createCompiledExecution(schema, limits, { mode: 'repeated', compileAtSighting: 1 });
    for (let i = 0; i < MAX_COMPILED_DOCUMENTS + 100; i++) void compiled.execute(context(), { body: { query: `query Q${i}($code: String!) { subject(code: $code) { code name } }`, variables: {} }, accept: undefined });
    expect(compiled.size).toBe(MAX_COMPILED_DOCUMENTS);
    // trusted documents are kept besides, for the life of the process
    for (let i = 0; i < 3; i++) compiled.prepare(`query Q${i}($code: String!) { subject(code: $code) { code name } }`, `Q${i}`);
    expect(compiled.size).toBe(MAX_COMPILED_DOCUMENTS + 6); // each by its name and without it (one operation each)
  });

  it('leaves to Apollo, without running anything, what it must not answer', async () => {
    const compiled = createCompiledExecution(schema, limits, { mode: 'repeated', compileAtSighting: 1 });
    const subject = 'query S($code: String!) { subject(code: $code) { code } }';
    const refused: [string, unknown, string | undefined][] = [
      ['not a JSON object', 'query', undefined],
      ['a query that is not a string', { query: 42 }, undefined],
      ['variables that are not an object', { query: subject, variables: '{"code":"x"}' }, undefined],
      ['an operation name that is not a string', { query: subject, operationName: 7 }, undefined],
      ['an extension', { query: subject, variables: { code: 'x' }, extensions: { persistedQuery: { version: 1 } } }, undefined],
      ['an unknown body field', { query: subject, variables: { code: 'x' }, id: 'abc' }, undefined],
      ['an accept header Apollo negotiates', { query: subject, variables: { code: 'x' } }, 'application/graphql-response+json'],
      ['a mutation', { query: 'mutation { signCheckpoint { accessSequence } }' }, undefined],
      ['another root field', { query: '{ catalog { code } }' }, undefined],
      ['introspection', { query: '{ __schema { queryType { name } } }' }, undefined],
      ['a root __typename beside subject', { query: '{ __typename subject(code: "x") { code } }' }, undefined],
      ['a document that does not parse', { query: '{ subject(code: "x") { code }' }, undefined],
      ['a document that does not validate', { query: '{ subject(code: "x") { nope } }' }, undefined],
      ['an operation name the document does not hold', { query: subject, operationName: 'Other', variables: { code: 'x' } }, undefined],
    ];
    for (const [label, body, accept] of refused) {
      expect(await compiled.execute(context(), { body, accept }), label).toBeNull();
    }
    expect(touched, 'no resolver ran').toBe(0);
    // and the database is reached when a request does qualify (so the count above could fail)
    expect(await compiled.execute(context(), { body: { query: subject, variables: { code: '91440200MA4UQ8R2XK' } }, accept: 'application/json' })).toBeNull();
    expect(touched).toBeGreaterThan(0);
  });

  it('§11: a document over a query limit (here depth 2) is never compiled: Apollo refuses it QUERY_TOO_COMPLEX', async () => {
    const compiled = createCompiledExecution(schema, { ...limits, maxDepth: 2 }, { mode: 'repeated', compileAtSighting: 1 });
    const deep = '{ subject(code: "x") { records { edges { node { id } } } } }';
    expect(await compiled.execute(context(), { body: { query: deep }, accept: undefined })).toBeNull();
    expect(compiled.size).toBe(1); // remembered as Apollo's, so it is not parsed again
  });

  it('COMPILED_EXECUTION=trusted (the default) compiles the trusted documents only, however often another is sent', async () => {
    expect(loadGatewayConfig({}).compiledExecution).toBe('trusted');
    expect(() => loadGatewayConfig({ COMPILED_EXECUTION: '1' })).toThrow(ConfigError);
    const compiled = createCompiledExecution(schema, limits);
    const subject = 'query S($code: String!) { subject(code: $code) { code } }';
    compiled.prepare(subject, 'S');
    for (let i = 0; i < 3; i++) expect(await compiled.execute(context(), { body: { query: '{ subject(code: "x") { code } }' }, accept: undefined })).toBeNull();
    const before = touched;
    // the trusted one runs (and reaches the database), with or without its operation name
    await compiled.execute(context(), { body: { query: subject, variables: { code: '91440200MA4UQ8R2XK' } }, accept: undefined });
    expect(touched).toBeGreaterThan(before);
    const named = touched;
    await compiled.execute(context(), { body: { query: subject, operationName: 'S', variables: { code: '91440200MA4UQ8R2XK' } }, accept: undefined });
    expect(touched).toBeGreaterThan(named);
  });
});

/**
 * graphql-jit 0.8.9 writes literal arguments into the code it generates (JSON.stringify) and then replaces
 * `"__MAGIC_DATE__<uuid>…"` with `new Date(…)`: a string literal holding that public marker becomes code. Found in
 * this issue; the guard (`jitRefusal`) keeps every such document away from the compiler.
 */
describe('compiled execution: graphql-jit\'s marker in a string value', () => {
  const MARKER = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d';
  const payload = (flag: string) => `${MARKER}1) && (globalThis.${flag} = 'ran'`;
  const flags = globalThis as Record<string, unknown>;
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildGatewaySchema();
  });

  it('why: graphql-jit compiling such a literal runs it as code (when this fails, the library is fixed)', async () => {
    const compiled = compileQuery(schema, parse(`{ subject(code: "${payload('cqgJitUnguarded')}") { code } }`));
    expect(isCompiledQuery(compiled)).toBe(true);
    if (isCompiledQuery(compiled)) await Promise.resolve(compiled.query(undefined, context(), {})).catch(() => undefined);
    expect(flags.cqgJitUnguarded).toBe('ran');
  });

  it('§11: no document with the marker in any string value is compiled, trusted or repeated — nothing of it runs', async () => {
    const documents = [
      `{ subject(code: "${payload('cqgJit1')}") { code } }`,
      `{ subject(code: "\\u005F\\u005FMAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d1) && (globalThis.cqgJit2 = 'ran'") { code } }`,
      `{ publicNotices(types: ["license", "${payload('cqgJit3')}"]) { totalCount } }`,
      `{ subject(code: """${payload('cqgJit4')}""") { code } }`,
      `query V($code: String = "${payload('cqgJit5')}") { subject(code: $code) { code } }`,
      `{ searchSubjects(query: "${payload('cqgJit6')}") { totalCount } }`,
    ];
    for (const [i, query] of documents.entries()) {
      expect(jitRefusal(parse(query)), query).toMatch(/marker/);
      const repeated = createCompiledExecution(schema, limits, { mode: 'repeated', compileAtSighting: 1 });
      expect(await repeated.execute(context(), { body: { query }, accept: undefined }), query).toBeNull();
      const trusted = createCompiledExecution(schema, limits);
      trusted.prepare(query, null);
      expect(await trusted.execute(context(), { body: { query }, accept: undefined }), query).toBeNull();
      expect(flags[`cqgJit${i + 1}`], query).toBeUndefined();
    }
    expect(jitRefusal(parse('{ subject(code: "MAGIC_DATE") { code } }'))).toBeNull();
  });
});
