import { expect } from 'vitest';
import type { GraphQLResponse, TestGateway } from './gateway.js';

/**
 * Helpers of the objections e2e suite (test/e2e/objections.e2e.test.ts, SPEC §8 R1 and R2): the GraphQL
 * documents of objections, their state history and the record fields they change, and small clients.
 */

export const CASE_EVENT_FIELDS = `sequence at caseKind caseId recordId subjectCode action outcome actor role organization { code }`;

export const OBJECTION_FIELDS = `id recordId subjectCode source { code } reason status outcome note recordVersion correctedVersion
  filedAt dueAt overdue resolvedAt redactions { field reason } history { ${CASE_EVENT_FIELDS} }`;

export const FILE_OBJECTION = `mutation File($recordId: ID!, $reason: String!) {
  fileObjection(recordId: $recordId, reason: $reason) { ${OBJECTION_FIELDS} }
}`;

export const RESOLVE_OBJECTION = `mutation Resolve($id: ID!, $outcome: ObjectionOutcome!, $note: String!, $correction: RecordCorrectionInput) {
  resolveObjection(id: $id, outcome: $outcome, note: $note, correction: $correction) { ${OBJECTION_FIELDS} }
}`;

const CONNECTION = (field: string, fields: string) => `query List($first: Int, $after: String) {
  ${field}(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${fields} } }
  }
}`;

export const OVERDUE_OBJECTIONS = CONNECTION('overdueObjections', OBJECTION_FIELDS);
export const OBJECTIONS_TO_RESOLVE = CONNECTION('objectionsToResolve', OBJECTION_FIELDS);

export const CASE_EVENTS = `query Events($filter: CaseEventFilter, $first: Int, $after: String) {
  caseEvents(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${CASE_EVENT_FIELDS} } }
  }
}`;

export const DISPUTE_FIELDS = 'status outcome statement note filedAt resolvedAt redactions { field reason }';

/** A subject with its records as the viewer sees them (flag, dispute, history) and `objections` (self only). */
export const DISPUTED_SUBJECT = `query Disputed($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) {
    code view redactions { field reason }
    records(first: 100) {
      totalCount
      edges { node { id title version status disputed redactions { field reason } dispute { ${DISPUTE_FIELDS} }
        history { version changedFields snapshot } } }
    }
    objections { ${OBJECTION_FIELDS} }
  }
}`;

const HIT_FIELDS = `record { id disputed redactions { field reason } dispute { ${DISPUTE_FIELDS} } }`;
const CHECK_FIELDS = `checkId verdict warnings { ${HIT_FIELDS} } restrictions { ${HIT_FIELDS} }`;

/** A department's credit check (SPEC §7) with the dispute of each hit's record. */
export const CHECK_DISPUTES = `query Check($code: String!, $scenario: Scenario!, $purpose: PurposeInput!) {
  creditCheck(code: $code, scenario: $scenario, purpose: $purpose) { ${CHECK_FIELDS} }
}`;

/** The stored answer of a check (C1). */
export const RECEIPT_DISPUTES = `query Receipt($checkId: ID!) { creditCheckReceipt(checkId: $checkId) { ${CHECK_FIELDS} } }`;

export const SUBMIT_RECORDS = `mutation Submit($records: [RecordInput!]!) {
  submitRecords(records: $records) { accepted ids errors { index reason message } }
}`;

export interface CaseEventNode {
  sequence: number;
  at: string;
  caseKind: string;
  caseId: string;
  recordId: string;
  subjectCode: string;
  action: string;
  outcome: string | null;
  actor: string | null;
  role: string;
  organization: { code: string } | null;
}

export interface ObjectionNode {
  id: string;
  recordId: string;
  subjectCode: string;
  source: { code: string };
  reason: string | null;
  status: 'PENDING' | 'RESOLVED';
  outcome: 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED' | null;
  note: string | null;
  recordVersion: number;
  correctedVersion: number | null;
  filedAt: string;
  dueAt: string;
  overdue: boolean;
  resolvedAt: string | null;
  redactions: { field: string; reason: string }[];
  history: CaseEventNode[];
}

export interface DisputedRecordNode {
  id: string;
  title: string;
  version: number;
  status: string;
  disputed: boolean;
  redactions: { field: string; reason: string }[];
  dispute: {
    status: string; outcome: string | null; statement: string | null; note: string | null; filedAt: string; resolvedAt: string | null;
    redactions: { field: string; reason: string }[];
  } | null;
  history: { version: number; changedFields: string[]; snapshot: Record<string, unknown> }[] | null;
}

export interface DisputedSubject {
  code: string;
  view: string;
  redactions: { field: string; reason: string }[];
  records: DisputedRecordNode[];
  objections: ObjectionNode[] | null;
}

export interface Correction {
  title?: string;
  summary?: string;
  validFrom?: string | null;
  validUntil?: string | null;
  [field: string]: unknown;
}

export function requestFileObjection(gw: TestGateway, token: string | undefined, recordId: string, reason: string): Promise<GraphQLResponse> {
  return gw.request(FILE_OBJECTION, { token, variables: { recordId, reason } });
}

export function requestResolveObjection(
  gw: TestGateway, token: string | undefined, id: string, outcome: string, note: string, correction?: Correction,
): Promise<GraphQLResponse> {
  return gw.request(RESOLVE_OBJECTION, { token, variables: { id, outcome, note, ...(correction ? { correction } : {}) } });
}

/** The subject as `token` sees it (no errors expected); null when the subject is not found for that viewer. */
export async function disputedSubject(
  gw: TestGateway, code: string, token?: string, purpose?: { kind: string; reference: string },
): Promise<DisputedSubject | null> {
  const response = await gw.request(DISPUTED_SUBJECT, { token, variables: { code, purpose } });
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  const subject = response.body.data.subject;
  if (!subject) return null;
  return { ...subject, records: subject.records.edges.map((e: { node: DisputedRecordNode }) => e.node) };
}

/** One record of a subject view; undefined when the view does not list it. */
export function recordIn(subject: DisputedSubject | null, id: string): DisputedRecordNode | undefined {
  return subject?.records.find((r) => r.id === id);
}

/** Every node of a connection query, following `after` until the last page. */
export async function allNodes<T>(gw: TestGateway, query: string, field: string, token: string, variables: Record<string, unknown> = {}): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < 50; page += 1) {
    const response = await gw.request(query, { token, variables: { ...variables, first: 100, after } });
    expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
    const connection = response.body.data[field];
    nodes.push(...connection.edges.map((e: { node: T }) => e.node));
    if (!connection.pageInfo.hasNextPage) return nodes;
    after = connection.pageInfo.endCursor;
  }
  throw new Error(`${field}: more than 50 pages`);
}
