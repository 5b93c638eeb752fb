/**
 * Issue 7 comparator (b): the GraphQL documents PostGraphile answers for S1–S3, the request headers that pick
 * its database role, and `normalize*` functions reducing an answer to a shape that can be compared with the
 * gateway's (the gateway's documents and normalizers are here too, so a probe compares like with like).
 *
 * Field names are PostGraphile v4's defaults over the gateway's tables: `subjectByCode` (unique code),
 * `recordsBySubjectId` (records.subject_id → subjects.id), `organizationBySourceOrg` (records.source_org →
 * organizations.code), `publicUntil` (the computed column public.records_public_until), `allSubjects` with
 * postgraphile-plugin-connection-filter's `filter`.
 */

export interface SubjectAnswer {
  code: string;
  totalCount: number;
  /** the page's record ids, in the answer's order */
  recordIds: string[];
  /** the page's source organisation codes, record by record */
  sourceCodes: string[];
}

export interface SearchAnswer {
  totalCount: number;
  codes: string[];
}

const RECORD_FIELDS = `id type category nature severity title summary decisionNumber decidedAt validFrom validUntil publicUntil
  disclosure status`;
const SUBJECT_FIELDS = 'code kind name status registeredAt address legalRepresentative';

/** S1: public subject by code with its 20 newest visible records (decided_at DESC, id DESC), total, sources. */
export const S1_QUERY = `query S1($code: String!) { subjectByCode(code: $code) { ${SUBJECT_FIELDS}
  recordsBySubjectId(first: 20, orderBy: [DECIDED_AT_DESC, ID_DESC]) { totalCount
    edges { node { ${RECORD_FIELDS} organizationBySourceOrg { code name } } } } } }`;

/** S2: the same as a department (role from headers), with `details` and the subject's department-only fields. */
export const S2_QUERY = `query S2($code: String!) { subjectByCode(code: $code) { ${SUBJECT_FIELDS} legalRepresentativeId
  recordsBySubjectId(first: 20, orderBy: [DECIDED_AT_DESC, ID_DESC]) { totalCount
    edges { node { ${RECORD_FIELDS} details organizationBySourceOrg { code name } } } } } }`;

/**
 * S3: public search — organisations (never INDIVIDUAL) whose name contains the term, case-insensitively,
 * ordered like the gateway's searchSubjects (name, then code, both in C collation: the database's collation
 * must be C for NAME_ASC to agree — setup.ts warns otherwise). The gateway also matches a term equal to a
 * subject code; benchmark terms are name fragments, so that branch never matches there.
 */
export const S3_QUERY = `query S3($term: String!) { allSubjects(first: 20, orderBy: [NAME_ASC, CODE_ASC],
  filter: { name: { includesInsensitive: $term }, kind: { notEqualTo: "INDIVIDUAL" } }) { totalCount
    nodes { ${SUBJECT_FIELDS} } } }`;

/** the department of S2 (the gateway's token names the same organisation) */
export const BENCH_DEPARTMENT = 'BENCH-DEPT';

export const S1_HEADERS: Record<string, string> = {};
export const S3_HEADERS: Record<string, string> = {};
export function s2Headers(org: string = BENCH_DEPARTMENT): Record<string, string> {
  return { 'x-bench-role': 'department', 'x-bench-org': org };
}

export const s1Body = (code: string): string => JSON.stringify({ query: S1_QUERY, variables: { code } });
export const s2Body = (code: string): string => JSON.stringify({ query: S2_QUERY, variables: { code } });
export const s3Body = (term: string): string => JSON.stringify({ query: S3_QUERY, variables: { term } });

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string }[];
}

function dataOf(body: unknown, who: string): Record<string, unknown> {
  const b = body as GraphQLBody;
  if (b?.errors?.length) throw new Error(`${who}: GraphQL errors: ${b.errors.map((e) => e.message).join('; ')}`);
  if (!b?.data) throw new Error(`${who}: no data in ${JSON.stringify(body).slice(0, 300)}`);
  return b.data;
}

interface PgRecordNode {
  id: string;
  organizationBySourceOrg: { code: string; name: string } | null;
}

interface PgSubject {
  code: string;
  recordsBySubjectId: { totalCount: number; edges: { node: PgRecordNode }[] };
}

/** S1 and S2 answers of PostGraphile; null when no visible subject has the code. */
export function normalizeSubject(body: unknown): SubjectAnswer | null {
  const subject = dataOf(body, 'postgraphile').subjectByCode as PgSubject | null;
  if (!subject) return null;
  const nodes = subject.recordsBySubjectId.edges.map((e) => e.node);
  return {
    code: subject.code,
    totalCount: subject.recordsBySubjectId.totalCount,
    recordIds: nodes.map((n) => n.id),
    sourceCodes: nodes.map((n) => n.organizationBySourceOrg?.code ?? '<none>'),
  };
}
export const normalizeS1 = normalizeSubject;
export const normalizeS2 = normalizeSubject;

export function normalizeS3(body: unknown): SearchAnswer {
  const connection = dataOf(body, 'postgraphile').allSubjects as { totalCount: number; nodes: { code: string }[] };
  return { totalCount: connection.totalCount, codes: connection.nodes.map((n) => n.code) };
}

// ---- the gateway's side of the same scenarios ----

const GATEWAY_RECORD_FIELDS = `id type category nature severity title summary decisionNumber decidedAt validFrom validUntil publicUntil
  disclosure status source { code name }`;

export const GATEWAY_S1_QUERY = `query S1($code: String!) { subject(code: $code) { ${SUBJECT_FIELDS} view
  records(first: 20) { totalCount edges { node { ${GATEWAY_RECORD_FIELDS} } } } } }`;

/** S2 at the gateway: a department token (role department, org) and a purpose. */
export const GATEWAY_S2_QUERY = `query S2($code: String!, $purpose: PurposeInput!) { subject(code: $code, purpose: $purpose) {
  ${SUBJECT_FIELDS} legalRepresentativeId view records(first: 20) { totalCount edges { node { ${GATEWAY_RECORD_FIELDS} details } } } } }`;
export const GATEWAY_S2_PURPOSE = { kind: 'LICENSING', reference: 'BENCH-1' };

export const GATEWAY_S3_QUERY = `query S3($term: String!) { searchSubjects(query: $term, first: 20) { totalCount
  edges { node { ${SUBJECT_FIELDS} } } } }`;

export const gatewayS1Body = (code: string): string => JSON.stringify({ query: GATEWAY_S1_QUERY, variables: { code } });
export const gatewayS2Body = (code: string): string =>
  JSON.stringify({ query: GATEWAY_S2_QUERY, variables: { code, purpose: GATEWAY_S2_PURPOSE } });
export const gatewayS3Body = (term: string): string => JSON.stringify({ query: GATEWAY_S3_QUERY, variables: { term } });

interface GatewaySubject {
  code: string;
  records: { totalCount: number; edges: { node: { id: string; source: { code: string } | null } }[] };
}

/** The gateway's S1/S2 answer; `code` is the code as shown (masked for a public individual, §4.4). */
export function normalizeGatewaySubject(body: unknown): SubjectAnswer | null {
  const subject = dataOf(body, 'gateway').subject as GatewaySubject | null;
  if (!subject) return null;
  const nodes = subject.records.edges.map((e) => e.node);
  return {
    code: subject.code,
    totalCount: subject.records.totalCount,
    recordIds: nodes.map((n) => n.id),
    sourceCodes: nodes.map((n) => n.source?.code ?? '<none>'),
  };
}

export function normalizeGatewayS3(body: unknown): SearchAnswer {
  const connection = dataOf(body, 'gateway').searchSubjects as { totalCount: number; edges: { node: { code: string } }[] };
  return { totalCount: connection.totalCount, codes: connection.edges.map((e) => e.node.code) };
}
