import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery, GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { documentParseOptions, queryLimitsRule, tokenLimitRefusal } from '../../src/graphql/limits.js';
import { loadConfig, type LimitsConfig } from '../../src/config/config.js';

/**
 * SPEC §11 limits on a document's size and shape: tokens (checked by graphql-js's parser), directives (counted
 * where fragments are spread, which GraphQL Armor's max-directives does not), depth and aliases (GraphQL Armor)
 * and cost (ours, with a variable page size counted as 100). The defaults admit the §11 floor, the IDE's
 * introspection and every allow-listed document.
 */
const DEFAULTS = loadConfig({}).limits;

/** Parsing as Apollo does with `parseOptions`; a refusal formatted as Apollo hands it to formatError. */
function parseUnder(source: string, limits: LimitsConfig = DEFAULTS) {
  try {
    return { document: parse(source, documentParseOptions(limits)), refusal: null };
  } catch (error) {
    const message = (error as GraphQLError).message;
    return { document: null, refusal: tokenLimitRefusal({ message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }), message };
  }
}

/** `n` root fields `me { role }`: 4 tokens each, 2 for the braces around them. */
const meTimes = (n: number) => `{ ${'me { role } '.repeat(n)}}`;

/** Deep($q, $p): searchSubjects(first: 100) → records(first: inner) at depth 8, with `extra` aliased root fields. */
function deepSearch(inner: number | string, extra: number): string {
  const aliases = Array.from({ length: extra }, (_, i) => `k${i}: catalog { code }`).join(' ');
  return `query Deep($q: String!, $p: PurposeInput${inner === '$n' ? ', $n: Int' : ''}) {
    found: searchSubjects(query: $q, purpose: $p, first: 100) { totalCount edges { node { code name view
      records(first: ${inner}) { totalCount edges { node { id type title source { code name } } } } } } }
    ${aliases}
  }`;
}

/** 15 aliased §10.3 lookups, each with records(first: 100): the largest §11 floor document (645 tokens). */
const FIFTEEN_LOOKUPS = `query Many($c: String!, $p: PurposeInput) { ${Array.from({ length: 15 }, (_, i) =>
  `s${i}: subject(code: $c, purpose: $p) { code view records(first: 100) { totalCount edges { cursor node { id type title details source { code name } } } } }`).join('\n')} }`;

describe('§11 limits on tokens, directives, depth, aliases and cost', () => {
  let schema: GraphQLSchema;

  beforeAll(async () => {
    schema = await buildGatewaySchema();
  });

  /** Validation as Apollo runs it: graphql-js's rules and the limits rule in one parallel visit. */
  function check(source: string, limits: LimitsConfig = DEFAULTS) {
    const document = parse(source);
    const started = performance.now();
    const errors = validate(schema, document, [...specifiedRules, queryLimitsRule(limits)]);
    return { errors, codes: errors.map((e) => e.extensions.code), ms: performance.now() - started };
  }

  describe('tokens (MAX_QUERY_TOKENS, checked while parsing)', () => {
    it('§11: MAX_QUERY_TOKENS defaults to 5000, is read from the environment, and 0 turns it off', () => {
      expect(DEFAULTS.maxTokens).toBe(5000);
      expect(loadConfig({ MAX_QUERY_TOKENS: '800' }).limits.maxTokens).toBe(800);
      expect(() => loadConfig({ MAX_QUERY_TOKENS: 'many' })).toThrow(/MAX_QUERY_TOKENS/);
      expect(documentParseOptions({ ...DEFAULTS, maxTokens: 0 })).toEqual({});
      // a LimitsConfig built by hand without it gets the default
      const { maxTokens: _dropped, ...handBuilt } = DEFAULTS;
      expect(documentParseOptions(handBuilt)).toEqual({ maxLexicalTokens: 5000, maxComments: 5000 });
    });

    it('§11: a document over MAX_QUERY_TOKENS is refused by the parser (before validation) with QUERY_TOO_COMPLEX; at the limit it parses', () => {
      const limits = { ...DEFAULTS, maxTokens: 402 };
      expect(parseUnder(meTimes(100), limits).document).not.toBeNull(); // 402 tokens
      const over = parseUnder(meTimes(101), limits); // 406 tokens
      expect(over.document).toBeNull();
      expect(over.refusal).toEqual({ message: 'The document holds more than 402 tokens, the limit.', extensions: { code: 'QUERY_TOO_COMPLEX' } });
      // the default: 5000 tokens parse, 5001 do not
      expect(parseUnder(`{ ${'me { role } '.repeat(1249)}__typename __typename }`).document).not.toBeNull();
      expect(parseUnder(`{ ${'me { role } '.repeat(1249)}__typename __typename __typename }`).refusal?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(parseUnder(meTimes(100_000), { ...DEFAULTS, maxTokens: 0 }).document).not.toBeNull();
    });

    it('§11: comments, which the token count skips, are held to the same limit', () => {
      const commented = (n: number) => `${'# padding\n'.repeat(n)}{ me { role } }`;
      expect(parseUnder(commented(5000)).document).not.toBeNull();
      const over = parseUnder(commented(5001));
      expect(over.refusal).toEqual({ message: 'The document holds more than 5000 comments, the limit.', extensions: { code: 'QUERY_TOO_COMPLEX' } });
    });

    it("§11: graphql-js's wording of its token limit is the one tokenLimitRefusal knows; other parse errors stay GRAPHQL_PARSE_FAILED", () => {
      const over = parseUnder(meTimes(3), { ...DEFAULTS, maxTokens: 5 });
      expect(over.message).toMatch(/^Syntax Error: Document contains more tha[nt] 5 tokens\. Parsing aborted\.$/);
      expect(over.refusal?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      const broken = parseUnder('{ me { role }');
      expect(broken.document).toBeNull();
      expect(broken.refusal).toBeNull();
      expect(tokenLimitRefusal({ message: over.message!, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })).toBeNull();
    });
  });

  describe('directives (MAX_QUERY_DIRECTIVES)', () => {
    const onFields = (n: number) => `{ ${'me @include(if: true) { role } '.repeat(n)}}`;

    it('§11: MAX_QUERY_DIRECTIVES defaults to 50 and is read from the environment', () => {
      expect(DEFAULTS.maxDirectives).toBe(50);
      expect(loadConfig({ MAX_QUERY_DIRECTIVES: '7' }).limits.maxDirectives).toBe(7);
    });

    it('§11: a document with 50 directives is admitted; with 51 → QUERY_TOO_COMPLEX', () => {
      expect(check(onFields(50)).errors).toEqual([]);
      const refused = check(onFields(51));
      expect(refused.codes).toEqual(['QUERY_TOO_COMPLEX']);
      expect(refused.errors[0]!.message).toBe('The query uses more than 50 directives, the limit.');
      expect(check(onFields(60), { ...DEFAULTS, maxDirectives: 0 }).errors).toEqual([]);
    });

    it("§11: a fragment spread's directives count every time it is spread (Armor's max-directives counts them once), and so do the directives inside the fragment", () => {
      const spreads = (n: number) => `{ ${'...Me @include(if: true) '.repeat(n)}} fragment Me on Query { me { role } }`;
      expect(check(spreads(50)).errors).toEqual([]);
      expect(check(spreads(51)).codes).toEqual(['QUERY_TOO_COMPLEX']);
      // 26 spreads × (a directive inside the fragment + one on the spread) = 52
      const inside = (n: number) => `{ ${'...Me '.repeat(n)}} fragment Me on Query { me @skip(if: false) { role @include(if: true) } }`;
      expect(check(inside(25)).errors).toEqual([]);
      expect(check(inside(26)).codes).toEqual(['QUERY_TOO_COMPLEX']);
    });

    it('§11: 30 and 300 fragments each spreading the next twice, with a directive at the end → QUERY_TOO_COMPLEX; the limits take under 100 ms', () => {
      const limits = { ...DEFAULTS, maxCost: 0 };
      for (const n of [30, 300]) {
        const fragments = Array.from({ length: n }, (_, i) =>
          i < n - 1 ? `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Query { me @include(if: true) { role } }`);
        const source = [`query Doubling { ...F0 }`, ...fragments].join('\n');
        const { codes, errors } = check(source, limits);
        expect(codes, `${n} fragments`).toEqual(['QUERY_TOO_COMPLEX']);
        expect(errors[0]!.message).toMatch(/directives/);
        // the limits alone (depth and aliases by Armor, directives by ours): graphql-js's own rules vary with the machine's load
        const document = parse(source);
        const started = performance.now();
        expect(validate(schema, document, [queryLimitsRule(limits)])).toHaveLength(1);
        expect(performance.now() - started, `${n} fragments`).toBeLessThan(100);
      }
    });
  });

  describe('depth and aliases (GraphQL Armor) and cost (ours)', () => {
    it('§11: fragments add no level: the §11 floor at depth 8 passes a depth limit of 8 written out and through fragments', () => {
      const limits = { ...DEFAULTS, maxDepth: 8 };
      const throughFragments = `query Deep($q: String!) {
        searchSubjects(query: $q, first: 100) { edges { node { ...SubjectRecords } } }
      }
      fragment SubjectRecords on Subject { records(first: 100) { edges { ...RecordEdge } } }
      fragment RecordEdge on CreditRecordEdge { node { source { code } } }`;
      expect(check(deepSearch(100, 14), limits).errors).toEqual([]);
      expect(check(throughFragments, limits).errors).toEqual([]);
      expect(check(throughFragments, { ...DEFAULTS, maxDepth: 7 }).errors[0]!.message).toBe('The query is nested more than 7 levels deep, the limit.');
    });

    it('§11: every alias counts, aliases of __typename too', () => {
      const typenames = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __typename`).join(' ')} }`;
      expect(check(typenames(30)).errors).toEqual([]);
      const refused = check(typenames(31));
      expect(refused.codes).toEqual(['QUERY_TOO_COMPLEX']);
      expect(refused.errors[0]!.message).toBe('The query uses more than 30 aliases, the limit.');
    });

    it('§11: a page size given by a variable costs as first: 100 (GraphQL Armor would count it as 1)', () => {
      const limits = { ...DEFAULTS, maxCost: 50_000 };
      expect(check(deepSearch(100, 0), limits).codes).toEqual(['QUERY_TOO_COMPLEX']);
      expect(check(deepSearch('$n', 0), limits).codes).toEqual(['QUERY_TOO_COMPLEX']);
      expect(check(deepSearch(5, 0), limits).errors).toEqual([]);
    });

    it('§11: one error per operation, the first limit exceeded (depth, aliases, directives, cost)', () => {
      const everything = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me @include(if: true) { organization { code } }`).join(' ')} }`;
      const { errors } = check(everything, { ...DEFAULTS, maxDepth: 2, maxAliases: 30, maxDirectives: 10, maxCost: 10 });
      expect(errors.map((e) => e.message)).toEqual(['The query is nested more than 2 levels deep, the limit.']);
    });
  });

  describe('what the defaults admit', () => {
    it('§11: the default limits admit the §11 floor: §10.3 operations at first: 100, depth 8, 15 aliased root fields', () => {
      for (const source of [deepSearch(100, 14), deepSearch('$n', 14), FIFTEEN_LOOKUPS]) {
        expect(parseUnder(source).refusal).toBeNull();
        expect(check(source).errors).toEqual([]);
      }
    });

    it("§11: the default limits admit the IDE's introspection query", () => {
      const introspection = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
      expect(parseUnder(introspection).refusal).toBeNull();
      expect(check(introspection).errors).toEqual([]);
    });

    it('H1: every allow-listed document (schema/trusted-documents.json, the public website\'s) passes the default limits', () => {
      const file = fileURLToPath(new URL('../../schema/trusted-documents.json', import.meta.url));
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { operations: { name: string; body: string }[] };
      expect(Array.isArray(manifest.operations)).toBe(true);
      for (const { name, body } of manifest.operations) {
        expect(parseUnder(body).refusal, name).toBeNull();
        expect(check(body).errors, name).toEqual([]);
      }
    });
  });
});
