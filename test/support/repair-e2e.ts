import { expect } from 'vitest';
import type { GraphQLResponse, TestGateway } from './gateway.js';
import { CASE_EVENT_FIELDS, type CaseEventNode } from './objections-e2e.js';

export { CASE_EVENT_FIELDS, type CaseEventNode };

/**
 * Helpers of the repair e2e suite (test/e2e/repair.e2e.test.ts, SPEC §8 R3 and issue 8 point 4): the GraphQL
 * documents of repair applications and their history, and small clients for them.
 */

export const REPAIR_FIELDS = `id recordId subjectCode source { code } commitment evidence status reason appliedAt decidedAt
  redactions { field reason } history { ${CASE_EVENT_FIELDS} }`;

export const APPLY_MUTATION = `mutation Apply($recordId: ID!, $commitment: String!, $evidence: String!) {
  applyForRepair(recordId: $recordId, commitment: $commitment, evidence: $evidence) { ${REPAIR_FIELDS} }
}`;

export const DECIDE_MUTATION = `mutation Decide($id: ID!, $approve: Boolean!, $reason: String!) {
  decideRepair(id: $id, approve: $approve, reason: $reason) { ${REPAIR_FIELDS} }
}`;

export const TO_DECIDE_QUERY = `query ToDecide($first: Int, $after: String) {
  repairApplicationsToDecide(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${REPAIR_FIELDS} } }
  }
}`;

/** The subject's own file: its repair applications, and every record with status, version and history. */
export const OWN_FILE_QUERY = `query Own($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) {
    code view
    repairApplications { ${REPAIR_FIELDS} }
    records(first: 100) {
      totalCount
      edges { node { id type status version disputed history { version replacedAt changedFields snapshot } } }
    }
  }
}`;

export const CASE_EVENTS_QUERY = `query Events($filter: CaseEventFilter, $first: Int, $after: String) {
  caseEvents(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${CASE_EVENT_FIELDS} } }
  }
}`;

export const WITHDRAW_MUTATION = `mutation Withdraw($id: ID!, $reason: String!) {
  withdrawRecord(id: $id, reason: $reason) { id status }
}`;

export const FILE_OBJECTION_MUTATION = `mutation Object($recordId: ID!, $reason: String!) {
  fileObjection(recordId: $recordId, reason: $reason) { id status }
}`;


export interface RepairNode {
  id: string;
  recordId: string;
  subjectCode: string;
  source: { code: string };
  commitment: string | null;
  evidence: string | null;
  status: 'PENDING' | 'APPROVED' | 'REJECTED';
  reason: string | null;
  appliedAt: string;
  decidedAt: string | null;
  redactions: { field: string; reason: string }[];
  history: CaseEventNode[];
}

export interface OwnRecordNode {
  id: string;
  type: string;
  status: string;
  version: number;
  disputed: boolean;
  history: { version: number; replacedAt: string; changedFields: string[]; snapshot: Record<string, unknown> }[] | null;
}

export const COMMITMENT = '本单位承诺依法诚信经营，不再发生同类违法行为。';
export const EVIDENCE = '罚款缴纳凭证（票据号 0012345）及整改报告。';

export function apply(
  gw: TestGateway, token: string | undefined, recordId: string, commitment = COMMITMENT, evidence = EVIDENCE,
): Promise<GraphQLResponse> {
  return gw.request(APPLY_MUTATION, { token, variables: { recordId, commitment, evidence } });
}

export function decide(gw: TestGateway, token: string | undefined, id: string, approve: boolean, reason: string): Promise<GraphQLResponse> {
  return gw.request(DECIDE_MUTATION, { token, variables: { id, approve, reason } });
}

export function toDecide(gw: TestGateway, token: string | undefined, variables: { first?: number; after?: string } = {}): Promise<GraphQLResponse> {
  return gw.request(TO_DECIDE_QUERY, { token, variables });
}

export function caseEvents(
  gw: TestGateway, token: string | undefined, filter: Record<string, unknown>, variables: { first?: number; after?: string } = {},
): Promise<GraphQLResponse> {
  return gw.request(CASE_EVENTS_QUERY, { token, variables: { filter, ...variables } });
}

/** The error of a refused call: its code and, for BAD_USER_INPUT, its reason; the root field carries no data. */
export function expectError(response: GraphQLResponse, field: string, code: string, reason?: string): void {
  expect(response.body.errors?.length ?? 0, JSON.stringify(response.body)).toBeGreaterThan(0);
  const extensions = response.body.errors![0].extensions ?? {};
  expect(extensions.code, JSON.stringify(response.body.errors)).toBe(code);
  if (reason) expect(extensions.reason, JSON.stringify(response.body.errors)).toBe(reason);
  expect(response.body.data?.[field] ?? null, JSON.stringify(response.body.data)).toBeNull();
}

/** The history of a case reduced to what point 4 asks for: action, role, organisation, instant, actor. */
export function steps(history: readonly CaseEventNode[]): { action: string; role: string; org: string | null; at: string; actor: string | null }[] {
  return history.map((e) => ({ action: e.action, role: e.role, org: e.organization?.code ?? null, at: e.at, actor: e.actor }));
}
