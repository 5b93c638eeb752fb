import { beforeAll, describe, expect, it } from 'vitest';
import { parse, specifiedRules, validate, type GraphQLError, type GraphQLSchema } from 'graphql';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { queryLimitsRule } from '../../src/graphql/limits.js';
import { loadConfig, type LimitsConfig } from '../../src/config/config.js';

/**
 * SPEC §11 query limits through fragments: each fragment is measured once, so a small document whose fragments
 * spread each other twice (2^n expansions) is refused at once instead of blocking the event loop; and measuring
 * through fragments gives exactly the depth, alias count and cost of the same query written out.
 */
const DEFAULTS = loadConfig({}).limits;

/** n fragments, each spreading the next twice: 2^(n-1) expansions of the last one. */
function doublingFragments(n: number, on = 'Query', leaf = 'catalog { code name }'): string {
  const fragments = Array.from({ length: n }, (_, i) =>
    i < n - 1 ? `fragment F${i} on ${on} { ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on ${on} { ${leaf} }`);
  return [`query Doubling { ...F0 }`, ...fragments].join('\n');
}

describe('§11 query limits through fragments', () => {
  let schema: GraphQLSchema;

  beforeAll(async () => {
    schema = await buildGatewaySchema();
  });

  /**
   * Validation as Apollo runs it: graphql-js's rules and the limits rule, in one parallel visit (`totalMs`); and
   * the limits rule alone (`ms`), the part this file is about: graphql-js's own rules took 180 ms on the
   * 300-fragment document on a 2-CPU machine running the suite in parallel, the limits rule about 1 ms.
   */
  function check(source: string, limits: LimitsConfig = DEFAULTS): { errors: readonly GraphQLError[]; ms: number; totalMs: number } {
    const document = parse(source);
    let started = performance.now();
    const errors = validate(schema, document, [...specifiedRules, queryLimitsRule(limits)]);
    const totalMs = performance.now() - started;
    started = performance.now();
    validate(schema, document, [queryLimitsRule(limits)]);
    return { errors, ms: performance.now() - started, totalMs };
  }

  const limitCodes = (errors: readonly GraphQLError[]) => errors.map((e) => e.extensions.code);

  it('§11: 22 fragments, each spreading the next twice (under 1 KB), → QUERY_TOO_COMPLEX in under 100 ms', () => {
    const source = doublingFragments(22);
    expect(source.length).toBeLessThan(1000);
    const { errors, ms, totalMs } = check(source);
    expect(limitCodes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(ms).toBeLessThan(100);
    expect(totalMs).toBeLessThan(1000);
  });

  it('§11: 30 and 300 doubling fragments → QUERY_TOO_COMPLEX in under 100 ms each (2^29 and 2^299 expansions)', () => {
    for (const n of [30, 300]) {
      const { errors, ms, totalMs } = check(doublingFragments(n));
      expect(limitCodes(errors), `${n} fragments`).toEqual(['QUERY_TOO_COMPLEX']);
      expect(ms, `${n} fragments`).toBeLessThan(100);
      expect(totalMs, `${n} fragments, with graphql-js's rules`).toBeLessThan(1000);
    }
  });

  it('§11: doubling fragments refused by the alias limit too (aliases of a fragment spread n times count n times)', () => {
    const { errors, ms } = check(doublingFragments(25, 'Query', 'a: me { role }'));
    expect(limitCodes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors[0]!.message).toMatch(/aliases/);
    expect(ms).toBeLessThan(100);
  });

  it('§11: many small distinct fragments (100 side by side, a chain of 200) are admitted; the limits rule takes under 100 ms', () => {
    const siblings = Array.from({ length: 100 }, (_, i) => `S${i}`);
    const chain = 200;
    const source = [
      `query Many($c: String!) { subject(code: $c) { ${siblings.map((n) => `...${n}`).join(' ')} ...C0 } catalog { code } }`,
      ...siblings.map((n, i) => `fragment ${n} on Subject { code ${i % 2 ? 'name' : 'kind'} }`),
      ...Array.from({ length: chain }, (_, i) => `fragment C${i} on Subject { code ${i % 2 ? 'name' : 'kind'} ${i < chain - 1 ? `...C${i + 1}` : ''} }`),
    ].join('\n');
    const { errors, ms } = check(source);
    expect(errors).toEqual([]);
    expect(ms).toBeLessThan(2000); // graphql-js's own rules (overlapping fields) dominate here
    const document = parse(source);
    const started = performance.now();
    expect(validate(schema, document, [queryLimitsRule(DEFAULTS)])).toEqual([]);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('§11: a fragment spread 4 times with 10 aliases counts 40 (refused); 3 times counts 30 (admitted at the default 30)', () => {
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: me { role }`).join(' ');
    const document = (times: number) => `{ ${'...A '.repeat(times)}} fragment A on Query { ${aliases} }`;
    expect(limitCodes(check(document(4)).errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(check(document(3)).errors).toEqual([]);
  });

  it('§11: a fragment is measured once but judged where it is spread: too deep in one operation, fine in another', () => {
    const limits = { ...DEFAULTS, maxDepth: 5 };
    // Deep: subject → records → edges → node (4 levels) + source → code (2, through both fragments) = 6 > 5;
    // Shallow: organizations → code = 2. Deep comes first, so OrgLevels is measured while inside Deep.
    const source = `
      query Deep($c: String!) { subject(code: $c) { records { edges { node { ...Source } } } } }
      query Shallow { organizations { ...OrgLevels } }
      fragment Source on CreditRecord { source { ...OrgLevels } }
      fragment OrgLevels on Organization { code name }`;
    const { errors } = check(source, limits);
    expect(limitCodes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors[0]!.message).toMatch(/deep.*\b5\b|\b5\b.*deep/);
    const shallowOnly = check(`query Shallow { organizations { ...OrgLevels } } fragment OrgLevels on Organization { code name }`, limits);
    expect(shallowOnly.errors).toEqual([]);
  });

  /** The smallest maxCost that admits `source`, by bisection. */
  function costOf(source: string): number {
    let low = 1;
    let high = 1e12;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (check(source, { ...DEFAULTS, maxCost: mid }).errors.length) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  it('§11: cost through fragments equals the cost of the same query written out (pages multiply, spreads add)', () => {
    const withFragments = `query($q: String!) {
      searchSubjects(query: $q, first: 100) { totalCount edges { node { ...Subject } } }
      ...Root ...Root
    }
    fragment Subject on Subject { code records(first: 50) { edges { node { ...Record } } } qualifications { ...Record } }
    fragment Record on CreditRecord { id title source { code } }
    fragment Root on Query { catalog { code } }`;
    const writtenOut = `query($q: String!) {
      searchSubjects(query: $q, first: 100) { totalCount edges { node {
        code records(first: 50) { edges { node { id title source { code } } } } qualifications { id title source { code } } } } }
      catalog { code } catalog { code }
    }`;
    expect(check(withFragments).errors).toEqual([]);
    expect(costOf(withFragments)).toBe(costOf(writtenOut));
    // searchSubjects 1 + 100 × (totalCount 1 + edges 1 + node 1 + code 1
    //   + records (1 + 50 × (edges 1 + node 1 + id 1 + title 1 + source 2)) + qualifications (1 + 4)) + catalog 2 × 2
    expect(costOf(writtenOut)).toBe(1 + 100 * (1 + 1 + 1 + 1 + (1 + 50 * (1 + 1 + 1 + 1 + 2)) + (1 + 4)) + 2 * 2);
  });

  it('§11: the default limits still admit a §10.3 operation at first: 100, depth 8 and 15 aliases, through fragments', () => {
    const aliases = Array.from({ length: 14 }, (_, i) => `k${i}: catalog { code }`).join(' ');
    const source = `query Deep($q: String!, $p: PurposeInput) {
      found: searchSubjects(query: $q, purpose: $p, first: 100) { totalCount edges { node { ...SubjectRecords } } }
      ${aliases}
    }
    fragment SubjectRecords on Subject { code name view records(first: 100) { totalCount edges { node { ...RecordSource } } } }
    fragment RecordSource on CreditRecord { id type title source { code name } }`;
    expect(check(source).errors).toEqual([]);
  });
});
