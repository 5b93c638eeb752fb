import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { generateResidentId, generateUscc } from '../../src/domain/identifiers.js';
import { createRecord, type RecordOverrides } from './factories.js';
import type { GraphQLResponse, TestGateway } from './gateway.js';
import { mulberry32 } from './random.js';

/**
 * Shared helpers of the disclosure and pagination e2e suites (test/e2e/disclosure-*.e2e.test.ts,
 * test/e2e/pagination.e2e.test.ts): the GraphQL documents they send, record placement with values that can be
 * searched for in a response body, and assertions on `errors[].extensions`.
 */

/** The instant every suite evaluates windows at unless a test moves the clock: 2026-06-01 12:00 in Shanghai. */
export const NOW = new Date('2026-06-01T04:00:00Z');
export const at = (iso: string) => new Date(iso);

export const LICENSING = { kind: 'LICENSING', reference: '韶市监许〔2026〕17号' };
export const CREDIT_REPORT = { kind: 'CREDIT_REPORT', reference: 'CR-2026-0042' };

export const SUBJECT_FIELDS = `code kind name status registeredAt address legalRepresentative legalRepresentativeId
  codeFlagged view redactions { field reason }`;
export const RECORD_FIELDS = `id type category nature severity title decidedAt validFrom validUntil publicUntil details
  disclosure status redactions { field reason } history { version } source { code }`;

export const SUBJECT_QUERY = `query Subject($code: String!, $purpose: PurposeInput, $categories: [RecordCategory!],
    $types: [String!], $first: Int, $after: String) {
  subject(code: $code, purpose: $purpose) {
    ${SUBJECT_FIELDS}
    records(categories: $categories, types: $types, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${RECORD_FIELDS} } }
    }
    qualifications { id group details }
  }
}`;

export const SEARCH_QUERY = `query Search($query: String!, $kind: SubjectKind, $professionalGroup: String,
    $purpose: PurposeInput, $first: Int, $after: String) {
  searchSubjects(query: $query, kind: $kind, professionalGroup: $professionalGroup, purpose: $purpose, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { ${SUBJECT_FIELDS} records(first: 100) { totalCount edges { node { id title details } } } } }
  }
}`;

export interface Purpose {
  kind: string;
  reference: string;
}

export interface LookupOptions {
  token?: string;
  purpose?: Purpose | Record<string, unknown>;
  categories?: string[];
  types?: string[];
  first?: number;
  after?: string;
}

export function lookup(gw: TestGateway, code: string, options: LookupOptions = {}): Promise<GraphQLResponse> {
  const { token, ...variables } = options;
  return gw.request(SUBJECT_QUERY, { token, variables: { code, ...variables } });
}

export interface SearchOptions {
  token?: string;
  kind?: string;
  professionalGroup?: string;
  purpose?: Purpose;
  first?: number;
  after?: string;
}

export function search(gw: TestGateway, query: string, options: SearchOptions = {}): Promise<GraphQLResponse> {
  const { token, ...variables } = options;
  return gw.request(SEARCH_QUERY, { token, variables: { query, ...variables } });
}

export interface PlacedRecord {
  id: string;
  title: string;
  /** `details.internalNote`: a value that must never reach a viewer who may not see the details */
  note: string;
}

/** A record at an exact position (factories.createRecord) with a unique title and details note. */
export async function placeRecord(db: Db, subject: { id: number }, sourceOrg: string, overrides: RecordOverrides = {}): Promise<PlacedRecord> {
  const tag = randomUUID().slice(0, 8);
  const title = overrides.title ?? `${overrides.type ?? 'license'} ${tag}`;
  const note = `internal-note-${tag}`;
  const id = await createRecord(db, subject, sourceOrg, {
    ...overrides,
    title,
    details: overrides.details ?? { internalNote: note, caseOfficer: 'officer-7' },
  });
  return { id, title, note };
}

// ------------------------------------------------------------------------------------------------------------
// codes nobody registered

const unknownRand = mulberry32(0x5eed_c0de);

export function unknownOrganizationCode(): string {
  return generateUscc(unknownRand, '91');
}

export function unknownResidentId(birthDate = '1985-07-09'): string {
  return generateResidentId(unknownRand, birthDate, '110105');
}

/** A valid resident identity number whose check character is `X` (for the I3 lower-case `x` lookups). */
export function residentIdEndingInX(birthDate = '1979-11-23'): string {
  for (let i = 0; i < 10_000; i += 1) {
    const code = generateResidentId(unknownRand, birthDate, '440203');
    if (code.endsWith('X')) return code;
  }
  throw new Error('no X-ending resident id found');
}

// ------------------------------------------------------------------------------------------------------------
// assertions

export function expectNoErrors(response: GraphQLResponse): void {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  expect(response.status).toBe(200);
}

export function expectBadUserInput(response: GraphQLResponse, reason?: string): void {
  expect(response.body.errors?.length ?? 0, JSON.stringify(response.body)).toBeGreaterThan(0);
  const extensions = response.body.errors![0].extensions ?? {};
  expect(extensions.code).toBe('BAD_USER_INPUT');
  if (reason) expect(extensions.reason).toBe(reason);
}

/** Values that must not appear anywhere in a response (hidden titles, notes, identity numbers …). */
export function expectAbsent(response: GraphQLResponse, ...values: string[]): void {
  const text = JSON.stringify(response.body);
  for (const value of values) expect(text, `response reveals ${value}`).not.toContain(value);
}

export function recordIdsOf(response: GraphQLResponse): string[] {
  return response.body.data.subject.records.edges.map((edge: { node: { id: string } }) => edge.node.id);
}

export function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/** The 18-character identity number masked per SPEC §4.4 (first 4 and last 4 kept, 10 `*`). */
export function maskedId(code: string): string {
  return `${code.slice(0, 4)}${'*'.repeat(10)}${code.slice(-4)}`;
}

let birthDays = 0;

/**
 * A birth date no other individual of this process was given: the factories' resident numbers differ only in a
 * 3-digit sequence for one birth date, so many individuals born the same day collide on the unique code.
 */
export function distinctBirthDate(): string {
  birthDays += 1;
  return new Date(Date.UTC(1955, 0, 1) + birthDays * 86_400_000 * 3).toISOString().slice(0, 10);
}

export function uniqueToken(prefix = 'Q'): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 8)}`;
}
