import type { GraphQLResponse, TestGateway } from '../support/gateway.js';
import { tokenFor as signedToken } from '../support/tokens.js';
import type { Viewer } from './model.js';

/**
 * Requests as a viewer. Tokens are checked against the machine's time (the gateway's movable clock only decides
 * what the request sees), so they are signed as every other suite signs them.
 */
const tokens = new Map<string, string>();
export function tokenFor(viewer: Pick<Viewer, 'role' | 'org' | 'subjectCode'>): string | undefined {
  if (viewer.role === 'public') return undefined;
  const key = `${viewer.role} ${viewer.org} ${viewer.subjectCode}`;
  let token = tokens.get(key);
  if (!token) {
    token = viewer.role === 'subject'
      ? signedToken({ sub: 'model-user', role: 'subject', subject: viewer.subjectCode! })
      : signedToken({ sub: 'model-officer', role: viewer.role, org: viewer.org! });
    tokens.set(key, token);
  }
  return token;
}

export const asDepartment = (org: string) => ({ role: 'department' as const, org, subjectCode: null });
export const asSubject = (code: string) => ({ role: 'subject' as const, org: null, subjectCode: code });
export const asAdmin = { role: 'admin' as const, org: 'PLATFORM', subjectCode: null };
export const asAuditor = (org: string) => ({ role: 'auditor' as const, org, subjectCode: null });

export async function requestAs(
  gw: TestGateway, viewer: Pick<Viewer, 'role' | 'org' | 'subjectCode'>, query: string, variables: Record<string, unknown> = {},
): Promise<GraphQLResponse> {
  return gw.request(query, { token: tokenFor(viewer), variables });
}

/** A write the world needs: any error is a failure of the write path, reported with the call. */
export class WriteFailure extends Error {}

export async function mustWrite(
  gw: TestGateway, viewer: Pick<Viewer, 'role' | 'org' | 'subjectCode'>, query: string, variables: Record<string, unknown>, what: string,
): Promise<Record<string, any>> {
  const response = await requestAs(gw, viewer, query, variables);
  if (response.body.errors?.length || !response.body.data) {
    throw new WriteFailure(`write: ${what} failed: ${JSON.stringify(response.body.errors ?? response.body)}`);
  }
  return response.body.data;
}

// ------------------------------------------------------------------------------------------------------------
// documents

const RECORD_NODE = `id type category nature severity title summary decisionNumber decidedAt validFrom validUntil publicUntil
  legalBasis amount grade group details disclosure status disputed version source { code } redactions { field reason }
  history { version snapshot redactions { field reason } } dispute { status outcome statement note redactions { field reason } }`;

const SUBJECT_NODE = 'code kind name status registeredAt address legalRepresentative legalRepresentativeId view redactions { field reason }';

export const SUBJECT_QUERY = `query ModelSubject($code: String!, $purpose: PurposeInput, $categories: [RecordCategory!], $types: [String!],
    $first: Int = 100, $after: String) {
  subject(code: $code, purpose: $purpose) {
    ${SUBJECT_NODE}
    records(first: $first, after: $after, categories: $categories, types: $types) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${RECORD_NODE} } }
    }
  }
}`;

const HIT = 'measure { code } record { id }';
export const CHECK_QUERY = `query ModelCheck($code: String!, $scenario: Scenario!, $purpose: PurposeInput!) {
  creditCheck(code: $code, scenario: $scenario, purpose: $purpose) {
    verdict subject { code view } restrictions { ${HIT} } warnings { ${HIT} } incentives { ${HIT} }
  }
}`;

export const MEASURES_QUERY = 'query ModelMeasures { measures { code effect triggerTypes triggerSeverities triggerGrades scenarios } }';

export const SEARCH_QUERY = `query ModelSearch($query: String!, $purpose: PurposeInput) {
  searchSubjects(query: $query, purpose: $purpose, first: 100) {
    totalCount edges { node { ${SUBJECT_NODE} records(first: 100) { totalCount edges { node { id } } } } }
  }
}`;

export const ACCESS_LOG_QUERY = `query ModelLog($filter: AccessLogFilter, $first: Int, $after: String) {
  accessLog(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { operationName subjectCode view purpose { kind } grantId organization { code } recordIds } }
  }
}`;

export const CATALOG_QUERY = `query ModelCatalog { catalog { code category nature loosestDisclosure publicityRule generalPublicPeriod
  seriousPublicPeriod defaultPublicPeriod maxPublicPeriod publicForIndividuals repairable requiresGroup } }`;

export const REGISTER_SUBJECTS = `mutation ModelRegister($subjects: [SubjectInput!]!) {
  registerSubjects(subjects: $subjects) { accepted ids errors { index reason message } }
}`;

export const SUBMIT_RECORDS = `mutation ModelSubmit($records: [RecordInput!]!) {
  submitRecords(records: $records) { accepted ids errors { index reason message } }
}`;

export const GRANT = `mutation ModelGrant($input: GrantInput!) { grantAuthorization(input: $input) { id active } }`;
export const REVOKE = `mutation ModelRevoke($id: ID!) { revokeAuthorization(id: $id) { id revokedAt } }`;
export const FILE_OBJECTION = `mutation ModelObject($recordId: ID!, $reason: String!) { fileObjection(recordId: $recordId, reason: $reason) { id status } }`;
export const RESOLVE_OBJECTION = `mutation ModelResolve($id: ID!, $outcome: ObjectionOutcome!, $note: String!, $correction: RecordCorrectionInput) {
  resolveObjection(id: $id, outcome: $outcome, note: $note, correction: $correction) { id status outcome }
}`;
export const APPLY_REPAIR = `mutation ModelApply($recordId: ID!, $commitment: String!, $evidence: String!) {
  applyForRepair(recordId: $recordId, commitment: $commitment, evidence: $evidence) { id status }
}`;
export const DECIDE_REPAIR = `mutation ModelDecide($id: ID!, $approve: Boolean!, $reason: String!) {
  decideRepair(id: $id, approve: $approve, reason: $reason) { id status }
}`;
export const SUSPEND = `mutation ModelSuspend($code: String!) { setOrganizationStatus(code: $code, status: SUSPENDED) { code status } }`;
export const WITHDRAW = `mutation ModelWithdraw($id: ID!, $reason: String!) { withdrawRecord(id: $id, reason: $reason) { id status } }`;
