import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { createRecord, type RecordOverrides } from './factories.js';
import type { TestGateway } from './gateway.js';
import { post, type HttpResult } from './access-log-e2e.js';

/**
 * Helpers of the credit-check e2e suite (test/e2e/credit-check.e2e.test.ts, SPEC §7 C1–C3): the GraphQL
 * documents, a client for `creditCheck` / `creditCheckReceipt` that keeps the request id, and readers of the
 * hits of an answer.
 */

export const SCENARIOS = ['LICENSING', 'PROCUREMENT', 'BIDDING', 'SUBSIDY', 'QUALIFICATION', 'HIRING', 'HONORS'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** C2: the scenarios in which `serious-dishonesty-list` and `dishonest-debtor` restrict by default. */
export const LIST_RESTRICTED_SCENARIOS: Scenario[] = ['PROCUREMENT', 'BIDDING', 'SUBSIDY', 'HONORS', 'LICENSING'];

export const MEASURE_FIELDS = 'code name nameZh kind effect triggerTypes triggerSeverities triggerGrades scenarios legalBasis description';

export const MEASURES_QUERY = `query Measures { measures { ${MEASURE_FIELDS} } }`;

export const HIT_RECORD_FIELDS = `id type category nature severity title summary decisionNumber decidedAt validFrom validUntil
  publicUntil legalBasis amount grade group details disclosure status disputed redactions { field reason } version
  source { code name kind }`;

const HIT = `measure { ${MEASURE_FIELDS} } record { ${HIT_RECORD_FIELDS} }`;

export const CHECK_FIELDS = `checkId checkedAt scenario verdict purpose { kind reference }
  subject { code kind name status registeredAt address legalRepresentative legalRepresentativeId codeFlagged view
    redactions { field reason } }
  restrictions { ${HIT} } warnings { ${HIT} } incentives { ${HIT} }`;

export const CHECK_QUERY = `query Check($code: String!, $scenario: Scenario!, $purpose: PurposeInput!) {
  creditCheck(code: $code, scenario: $scenario, purpose: $purpose) { ${CHECK_FIELDS} }
}`;

export const RECEIPT_QUERY = `query Receipt($checkId: ID!) {
  creditCheckReceipt(checkId: $checkId) { ${CHECK_FIELDS} }
}`;

/** Only what the statement-count test needs, plus each hit's source organisation (a loader). */
export const LEAN_CHECK_QUERY = `query LeanCheck($code: String!, $scenario: Scenario!, $purpose: PurposeInput!) {
  creditCheck(code: $code, scenario: $scenario, purpose: $purpose) {
    checkId checkedAt verdict subject { code view }
    restrictions { measure { code effect } record { id type source { code name } } }
    warnings { measure { code effect } record { id type source { code name } } }
    incentives { measure { code effect } record { id type source { code name } } }
  }
}`;

export interface PurposeArg {
  kind: string;
  reference: string;
}

export interface MeasureNode {
  code: string;
  name: string;
  nameZh: string;
  kind: 'INCENTIVE' | 'PUNISHMENT';
  effect: 'RESTRICT' | 'WARN' | 'INCENTIVE';
  triggerTypes: string[];
  triggerSeverities: string[] | null;
  triggerGrades: string[] | null;
  scenarios: string[];
  legalBasis: string;
  description: string | null;
}

export interface HitNode {
  measure: MeasureNode;
  record: { id: string; type: string; status: string; disclosure: string; grade: string | null; severity: string | null; [field: string]: unknown };
}

export interface CheckNode {
  checkId: string;
  checkedAt: string;
  scenario: string;
  verdict: 'RESTRICT' | 'WARN' | 'CLEAR';
  purpose: PurposeArg;
  subject: Record<string, unknown>;
  restrictions: HitNode[];
  warnings: HitNode[];
  incentives: HitNode[];
}

export function runCheck(gw: TestGateway, token: string | undefined, code: string, scenario: string, purpose: PurposeArg, query = CHECK_QUERY): Promise<HttpResult> {
  return post(gw, query, { token, variables: { code, scenario, purpose } });
}

export function runReceipt(gw: TestGateway, token: string | undefined, checkId: string, query = RECEIPT_QUERY): Promise<HttpResult> {
  return post(gw, query, { token, variables: { checkId } });
}

export const checkOf = (response: HttpResult): CheckNode => response.body.data.creditCheck as CheckNode;

/** The record ids of a list of hits, sorted (a record may appear once per measure it triggers). */
export function hitRecordIds(hits: readonly HitNode[]): string[] {
  return [...new Set(hits.map((hit) => hit.record.id))].sort();
}

/** The ids of every record that triggered anything in an answer (restrictions, warnings, incentives), sorted. */
export function triggeringRecordIds(check: CheckNode): string[] {
  return hitRecordIds([...check.restrictions, ...check.warnings, ...check.incentives]);
}

export function expectNoErrors(response: HttpResult): void {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  expect(response.status).toBe(200);
}

export function expectRefused(response: HttpResult, code: string, reason?: string): void {
  expect(response.body.errors?.length ?? 0, JSON.stringify(response.body)).toBeGreaterThan(0);
  expect(response.body.errors![0].extensions?.code, JSON.stringify(response.body.errors)).toBe(code);
  if (reason) expect(response.body.errors![0].extensions?.reason, JSON.stringify(response.body.errors)).toBe(reason);
  // nothing disclosed: no data at all, or (for a nullable root field) the field itself null
  const data = (response.body.data ?? null) as Record<string, unknown> | null;
  if (data !== null) for (const value of Object.values(data)) expect(value, JSON.stringify(response.body)).toBeNull();
}

/** Files a record straight into the table (factories) and returns its id. */
export function file(db: Db, subject: { id: number }, sourceOrg: string, overrides: RecordOverrides = {}): Promise<string> {
  return createRecord(db, subject, sourceOrg, overrides);
}

async function countWhere(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const result = (await db.execute(query)) as unknown as { rows: { n: number | string }[] };
  return Number(result.rows[0].n);
}

export const storedChecksAbout = (db: Db, subjectCode: string) =>
  countWhere(db, sql`SELECT count(*)::int AS n FROM credit_checks WHERE subject_code = ${subjectCode}`);

export const eventsAbout = (db: Db, subjectCode: string) =>
  countWhere(db, sql`SELECT count(*)::int AS n FROM access_events WHERE subject_code = ${subjectCode}`);
