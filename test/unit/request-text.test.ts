import { describe, expect, it } from 'vitest';
import { findInvalidText, invalidRequestText } from '../../src/http/request-text.js';

/**
 * SPEC §10.4: a NUL (PostgreSQL refuses it in text and jsonb) or an unpaired UTF-16 surrogate (no UTF-8 form) anywhere
 * in a request — query text, its string literals, variables, operationName, extensions — is a client error
 * (BAD_USER_INPUT, INVALID_CHARACTER) found before anything runs.
 */
const QUERY = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted } }`;

function reasonOf(request: unknown): string | null {
  const error = invalidRequestText(request);
  if (error) expect(error.extensions.code).toBe('BAD_USER_INPUT');
  return error?.extensions.reason ?? null;
}

describe('§10.4 INVALID_CHARACTER: a POST body', () => {
  it('§10.4: ordinary text passes — Chinese, characters outside the BMP (paired surrogates), escapes, empty strings', () => {
    expect(reasonOf({ query: QUERY, variables: { records: [{ title: '行政许可 𠀀 😀', summary: '', note: 'tab\tnewline\n' }] }, operationName: null })).toBeNull();
    expect(reasonOf({})).toBeNull();
    expect(reasonOf({ query: '{ me { role } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } })).toBeNull();
  });

  it('§10.4: a NUL in a variable value, at any depth, is refused and its place named', () => {
    const error = invalidRequestText({ query: QUERY, variables: { records: [{ title: 'ok' }, { title: 'a\u0000b' }] } });
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_CHARACTER' });
    expect(error?.message).toContain('variables.records[1].title');
    expect(error?.message).not.toContain('\u0000');
    expect(reasonOf({ query: QUERY, variables: { records: [{ details: { list: [1, { deep: ['\u0000'] }] } }] } })).toBe('INVALID_CHARACTER');
  });

  it('§10.4: a NUL or lone surrogate in an object key is refused, and the message does not repeat the key', () => {
    const error = invalidRequestText({ query: QUERY, variables: { records: [{ details: { 'k\u0000': 1 } }] } });
    expect(error?.extensions.reason).toBe('INVALID_CHARACTER');
    expect(error?.message).toContain('a key of variables.records[0].details');
    expect(reasonOf({ query: QUERY, variables: { '\udc00': 1 } })).toBe('INVALID_CHARACTER');
  });

  it('§10.4: unpaired surrogates (high alone, low alone, high at the end, reversed pair) are refused', () => {
    for (const text of ['\ud800', 'x\udc00y', '尾\udbff', '\udc00\ud800']) {
      expect(reasonOf({ query: QUERY, variables: { records: [{ title: text }] } }), JSON.stringify(text)).toBe('INVALID_CHARACTER');
    }
    expect(reasonOf({ query: QUERY, variables: { records: [{ title: '\ud83d\ude00' }] } })).toBeNull();
  });

  it('§10.4: the query text, operationName and extensions are checked too', () => {
    expect(reasonOf({ query: '{ me { role } }\u0000' })).toBe('INVALID_CHARACTER');
    expect(reasonOf({ query: '{ me { role } }', operationName: 'A\ud800' })).toBe('INVALID_CHARACTER');
    expect(reasonOf({ query: '{ me { role } }', extensions: { trace: ['\u0000'] } })).toBe('INVALID_CHARACTER');
  });

  it('§10.4: a string literal escape that decodes to NUL (\\u0000, \\u{0}) is refused, also in a variable default', () => {
    expect(reasonOf({ query: '{ subject(code: "a\\u0000") { code } }' })).toBe('INVALID_CHARACTER');
    expect(reasonOf({ query: '{ subject(code: "a\\u{0}") { code } }' })).toBe('INVALID_CHARACTER');
    expect(reasonOf({ query: 'query($c: String = "\\u0000") { subject(code: $c) { code } }' })).toBe('INVALID_CHARACTER');
    expect(invalidRequestText({ query: '{ subject(code: "\\u0000") { code } }' })?.message).toContain('string literal');
  });

  it('§10.4: text that only looks like a NUL escape passes: an escaped backslash, a comment, a block string', () => {
    expect(reasonOf({ query: '{ subject(code: "a\\\\u0000") { code } }' })).toBeNull();
    expect(reasonOf({ query: '# \\u0000 in a comment\n{ me { role } }' })).toBeNull();
    expect(reasonOf({ query: '{ subject(code: """\\u0000""") { code } }' })).toBeNull();
  });

  it('§10.4: a document that does not parse is left to Apollo (GRAPHQL_PARSE_FAILED), not refused here', () => {
    expect(reasonOf({ query: '{ subject(code: "\\u0000" { code } }' })).toBeNull();
  });

  it('§10.4: a variable nested 100,000 levels deep is walked without overflowing the stack', () => {
    const depth = 100_000;
    const deep = (leaf: string) => JSON.parse(`${'{"a":['.repeat(depth)}${JSON.stringify(leaf)}${']}'.repeat(depth)}`);
    expect(reasonOf({ query: QUERY, variables: { records: [{ details: deep('fine') }] } })).toBeNull();
    const error = invalidRequestText({ query: QUERY, variables: { records: [{ details: deep('\u0000') }] } });
    expect(error?.extensions.reason).toBe('INVALID_CHARACTER');
    expect(error!.message.length).toBeLessThan(500);
  });

  it('§10.4: a batch (an array body) or a bare string is checked as well', () => {
    expect(reasonOf([{ query: '{ me { role } }' }, { query: '{ me { role } }', variables: { x: '\u0000' } }])).toBe('INVALID_CHARACTER');
    expect(reasonOf('\u0000')).toBe('INVALID_CHARACTER');
    expect(reasonOf(null)).toBeNull();
  });
});

describe('§10.4 INVALID_CHARACTER: a GET query string', () => {
  const search = (params: Record<string, string>) => new URLSearchParams(params);

  it('§10.4: a NUL in the query (%00) or operationName is refused', () => {
    expect(reasonOf(new URLSearchParams('query=%7B%20me%20%7B%20role%20%7D%20%7D%00'))).toBe('INVALID_CHARACTER');
    expect(reasonOf(search({ query: '{ me { role } }', operationName: '\u0000' }))).toBe('INVALID_CHARACTER');
  });

  it('§10.4: variables and extensions are read as JSON, so \\u0000 and \\ud800 escapes in them are refused', () => {
    expect(reasonOf(search({ query: QUERY, variables: '{"c":"x\\u0000"}' }))).toBe('INVALID_CHARACTER');
    expect(reasonOf(search({ query: QUERY, variables: '{"c":"\\ud800"}' }))).toBe('INVALID_CHARACTER');
    expect(reasonOf(search({ query: QUERY, extensions: '{"x":["\\u0000"]}' }))).toBe('INVALID_CHARACTER');
  });

  it('§10.4: an ordinary GET passes; malformed variables JSON is left to Apollo', () => {
    expect(reasonOf(search({ query: '{ me { role } }', variables: '{"c":"行政许可"}' }))).toBeNull();
    expect(reasonOf(search({ query: '{ me { role } }', variables: '{not json' }))).toBeNull();
  });
});

describe('findInvalidText', () => {
  it('names the first offending place with names, indexes and quoted keys', () => {
    expect(findInvalidText({ variables: { 'odd key': [0, '\u0000'] } })).toBe('variables["odd key"][1]');
    expect(findInvalidText('\u0000')).toBe('the request');
    expect(findInvalidText({ a: [1, 2, { b: 'fine' }] })).toBeNull();
  });
});
