import { expect } from 'vitest';
import type { GraphQLResponse, TestGateway } from './gateway.js';

/**
 * Helpers of the grants e2e suite (test/e2e/grants.e2e.test.ts, SPEC §5 and A1–A4, D8): the GraphQL documents
 * of grants, a few instants, and assertions on the agency's view of a subject.
 */

export const GRANT_FIELDS = `id subjectCode agency { code kind status } categories purpose validFrom validUntil revokedAt
  active createdAt`;

export const GRANT_MUTATION = `mutation Grant($input: GrantInput!) {
  grantAuthorization(input: $input) { ${GRANT_FIELDS} }
}`;

export const REVOKE_MUTATION = `mutation Revoke($id: ID!) {
  revokeAuthorization(id: $id) { ${GRANT_FIELDS} }
}`;

export const MY_GRANTS_QUERY = `query Mine($first: Int, $after: String) {
  myGrants(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${GRANT_FIELDS} } }
  }
}`;

/** `Subject.grants` as the subject itself (or anyone else: then it must be null). */
export const SUBJECT_GRANTS_QUERY = `query Own($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) { code view grants { ${GRANT_FIELDS} } }
}`;

export const SET_STATUS_MUTATION = `mutation Status($code: String!, $status: OrganizationStatus!) {
  setOrganizationStatus(code: $code, status: $status) { code status }
}`;

export interface GrantInputVariables {
  agencyCode: string;
  categories: string[];
  purpose: string;
  validFrom?: string;
  validUntil: string;
}

export interface GrantNode {
  id: string;
  subjectCode: string;
  agency: { code: string; kind: string; status: string };
  categories: string[];
  purpose: string;
  validFrom: string;
  validUntil: string;
  revokedAt: string | null;
  active: boolean;
  createdAt: string;
}

export function requestGrant(gw: TestGateway, token: string | undefined, input: GrantInputVariables): Promise<GraphQLResponse> {
  return gw.request(GRANT_MUTATION, { token, variables: { input } });
}

export function requestRevoke(gw: TestGateway, token: string | undefined, id: string): Promise<GraphQLResponse> {
  return gw.request(REVOKE_MUTATION, { token, variables: { id } });
}

export function requestMyGrants(gw: TestGateway, token: string | undefined, variables: { first?: number; after?: string } = {}): Promise<GraphQLResponse> {
  return gw.request(MY_GRANTS_QUERY, { token, variables });
}

// ------------------------------------------------------------------------------------------------------------
// instants

export const plusMs = (instant: Date, ms: number): Date => new Date(instant.getTime() + ms);
export const plusDays = (instant: Date, days: number): Date => plusMs(instant, days * 86_400_000);
export const iso = (instant: Date): string => instant.toISOString();

// ------------------------------------------------------------------------------------------------------------
// assertions

/** A refused operation: the error code (and reason), and no data for the refused root field. */
export function expectRefused(response: GraphQLResponse, field: string, code: string, reason?: string): void {
  expect(response.body.errors?.length ?? 0, JSON.stringify(response.body)).toBeGreaterThan(0);
  const extensions = response.body.errors![0].extensions ?? {};
  expect(extensions.code, JSON.stringify(response.body.errors)).toBe(code);
  if (reason) expect(extensions.reason, JSON.stringify(response.body.errors)).toBe(reason);
  expect(response.body.data?.[field] ?? null, JSON.stringify(response.body.data)).toBeNull();
}

/** A response body with the `{ field: "records", reason }` fallback redaction of A1 removed. */
export function withoutRecordsRedaction(body: GraphQLResponse['body']): unknown {
  const copy = JSON.parse(JSON.stringify(body));
  if (copy.data?.subject) {
    copy.data.subject.redactions = copy.data.subject.redactions.filter((r: { field: string }) => r.field !== 'records');
  }
  return copy;
}

export interface RecordNode {
  id: string;
  details: unknown;
  history: unknown[] | null;
  redactions: { field: string; reason: string }[];
}

export function recordNodes(response: GraphQLResponse): RecordNode[] {
  return response.body.data.subject.records.edges.map((edge: { node: RecordNode }) => edge.node);
}

export function recordNode(response: GraphQLResponse, id: string): RecordNode {
  const node = recordNodes(response).find((n) => n.id === id);
  expect(node, `record ${id} in the response`).toBeDefined();
  return node!;
}
