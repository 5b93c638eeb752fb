import { signToken, type TokenClaims } from '../src/auth/tokens.js';

/**
 * Issue 7 scenarios S1–S5, both sides: the gateway's GraphQL document + variables + headers, and the raw
 * baseline's route (bench/servers/raw.ts); `normalize` turns either answer into a shape that must be equal
 * between raw and gateway (the orchestrator's correctness probe). PostGraphile has its own documents.
 *
 *   const call = S1.gateway({ code });              // { method, path, headers, body }
 *   const answer = await send(gatewayOrigin, call); // { status, body }
 *   S1.normalize(answer.body)                       // { code, totalCount, recordIds, sourceCodes }
 *
 * Tokens: HS256 with JWT_SECRET (bench/servers/gateway.ts defaults to 'bench-secret'); a department token's
 * org must be a DEPARTMENT, an auditor's an AUDIT_OFFICE (src/auth/tokens.ts checks it on every request).
 */
export const BENCH_SECRET = process.env.JWT_SECRET ?? 'bench-secret';

const tokens = new Map<string, string>();
/** One token per (role, org), valid a day: signed once, reused across a run. */
export function benchToken(claims: TokenClaims): string {
  const key = JSON.stringify(claims);
  let token = tokens.get(key);
  if (!token) {
    token = signToken(claims, BENCH_SECRET, { expiresIn: 24 * 3600 });
    tokens.set(key, token);
  }
  return token;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  /** path + query string, relative to the server's origin */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Scenario<Input, Normalized> {
  id: 'S1' | 'S2' | 'S3' | 'S4' | 'S5';
  title: string;
  /** the page size of a load run (S5: rows per batch) */
  defaultFirst: number;
  gateway(input: Input, options?: { first?: number }): HttpCall;
  raw(input: Input, options?: { first?: number }): HttpCall;
  normalize(body: unknown): Normalized;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function graphql(query: string, variables: Record<string, unknown>, token?: string): HttpCall {
  return {
    method: 'POST',
    path: '/graphql',
    headers: token ? { ...JSON_HEADERS, authorization: `Bearer ${token}` } : JSON_HEADERS,
    body: JSON.stringify({ query, variables }),
  };
}

function get(path: string, params: Record<string, string | number | null | undefined>): HttpCall {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined) query.set(key, String(value));
  return { method: 'GET', path: `${path}?${query}`, headers: {} };
}

/** `body.data`, or throws with the answer's errors. */
function data(body: unknown): Record<string, any> {
  const answer = body as { data?: Record<string, any>; errors?: unknown };
  if (answer.errors || !answer.data) throw new Error(`not an answer: ${JSON.stringify(body).slice(0, 400)}`);
  return answer.data;
}

const RECORD_FIELDS = `id type category severity title summary decisionNumber decidedAt validFrom validUntil publicUntil disclosure
  status details source { code name }`;

export interface SubjectAnswer {
  code: string;
  totalCount: number;
  recordIds: string[];
  sourceCodes: string[];
}

function normalizeSubject(body: unknown): SubjectAnswer | null {
  const subject = data(body).subject;
  if (!subject) return null;
  const nodes = subject.records.edges.map((e: { node: { id: string; source: { code: string } } }) => e.node);
  return {
    code: subject.code,
    totalCount: subject.records.totalCount,
    recordIds: nodes.map((n: { id: string }) => n.id),
    sourceCodes: [...new Set<string>(nodes.map((n: { source: { code: string } }) => n.source.code))].sort(),
  };
}

/** S1: public `subject` by code with its newest visible records. */
export const S1: Scenario<{ code: string }, SubjectAnswer | null> = {
  id: 'S1',
  title: 'public subject by code with its 20 newest visible records',
  defaultFirst: 20,
  gateway: ({ code }, { first = 20 } = {}) => graphql(`query S1($code: String!, $first: Int) { subject(code: $code) {
    code kind name status address legalRepresentative view records(first: $first) { totalCount edges { node { ${RECORD_FIELDS} } } } } }`,
  { code, first }),
  raw: ({ code }, { first = 20 } = {}) => get('/subject', { code, first }),
  normalize: normalizeSubject,
};

export const BENCH_PURPOSE = { kind: 'LICENSING', reference: 'BENCH-1' } as const;

/** S2: a department (org = a DEPARTMENT code) with a purpose: records incl. details, source organisations. */
export const S2: Scenario<{ code: string; org: string }, SubjectAnswer | null> = {
  id: 'S2',
  title: 'department view with purpose (records with details, source organisations)',
  defaultFirst: 20,
  gateway: ({ code, org }, { first = 20 } = {}) => graphql(`query S2($code: String!, $purpose: PurposeInput!, $first: Int) {
    subject(code: $code, purpose: $purpose) { code kind name status address legalRepresentative legalRepresentativeId view
    records(first: $first) { totalCount edges { node { ${RECORD_FIELDS} } } } } }`,
  { code, purpose: BENCH_PURPOSE, first }, benchToken({ sub: 'bench-officer', role: 'department', org })),
  raw: ({ code, org }, { first = 20 } = {}) => get('/department-subject', { code, org, first }),
  normalize: normalizeSubject,
};

/**
 * S1's or S2's request for one subject code as one side takes it: raw's route or the gateway's GraphQL document (S2:
 * `org`, the department asking). The benchmarks that load S1 or S2 against both sides build their calls here.
 */
export function subjectCall(scenario: 'S1' | 'S2', side: 'gateway' | 'raw', code: string, org: string, options?: { first?: number }): HttpCall {
  if (scenario === 'S1') return side === 'raw' ? S1.raw({ code }, options) : S1.gateway({ code }, options);
  return side === 'raw' ? S2.raw({ code, org }, options) : S2.gateway({ code, org }, options);
}

export interface SearchAnswer {
  totalCount: number;
  codes: string[];
  hasNextPage: boolean;
}

/** S3: public `searchSubjects` pages (`after` = the previous page's endCursor; both sides use the gateway's cursors). */
export const S3: Scenario<{ q: string; after?: string | null }, SearchAnswer> = {
  id: 'S3',
  title: 'public searchSubjects pages',
  defaultFirst: 20,
  gateway: ({ q, after }, { first = 20 } = {}) => graphql(`query S3($q: String!, $first: Int, $after: String) {
    searchSubjects(query: $q, first: $first, after: $after) { totalCount
    edges { cursor node { code kind name status address legalRepresentative } } pageInfo { hasNextPage endCursor } } }`,
  { q, first, after: after ?? null }),
  raw: ({ q, after }, { first = 20 } = {}) => get('/search', { q, first, after }),
  normalize: (body) => {
    const page = data(body).searchSubjects;
    return { totalCount: page.totalCount, codes: page.edges.map((e: { node: { code: string } }) => e.node.code), hasNextPage: page.pageInfo.hasNextPage };
  },
};

export interface EventsAnswer {
  /** first pages only */
  totalCount: number | null;
  sequences: number[];
}

/**
 * S4: an auditor's `accessLog` over [from, to], newest first, keyset pages. The gateway appends one event per
 * call (L4, at the request's instant), so compare raw and gateway on a `to` in the past. As an auditor's client
 * pages (issue 18): the first page asks for `totalCount` ("275,000 events"), the next pages do not, so the range
 * is counted once, not once per page.
 */
export const S4: Scenario<{ org: string; from: string; to: string; after?: string | null }, EventsAnswer> = {
  id: 'S4',
  title: 'auditor accessLog range, newest first',
  defaultFirst: 50,
  gateway: ({ org, from, to, after }, { first = 50 } = {}) => graphql(`query S4($from: DateTime, $to: DateTime, $first: Int, $after: String) {
    accessLog(filter: { from: $from, to: $to }, first: $first, after: $after) { ${after ? '' : 'totalCount'}
    edges { cursor node { sequence at requestId actor role organization { code name } view purpose { kind reference } grantId
    subjectCode recordIds operationName prevHash hash } } pageInfo { hasNextPage endCursor } } }`,
  { from, to, first, after: after ?? null }, benchToken({ sub: 'bench-auditor', role: 'auditor', org })),
  raw: ({ org, from, to, after }, { first = 50 } = {}) => get('/access-log', { org, from, to, first, after }),
  normalize: (body) => {
    const page = data(body).accessLog;
    return { totalCount: page.totalCount ?? null, sequences: page.edges.map((e: { node: { sequence: number } }) => e.node.sequence) };
  },
};

export interface RecordInputRow {
  subjectCode: string;
  type: string;
  sourceRef: string;
  title: string;
  decisionNumber?: string;
  decidedAt: string;
  severity?: string;
  grade?: string;
  details?: unknown;
}

const FILING_TYPES = [
  { type: 'license' }, { type: 'penalty', severity: 'GENERAL' }, { type: 'honor' }, { type: 'commitment' }, { type: 'tax-rating', grade: 'B' },
] as const;

/**
 * `count` valid rows over `codes` (registered subjects); `tag` goes into the sourceRefs only, so that every
 * batch is new (a re-filing writes nothing) while two batches with different tags have the same content.
 */
export function recordRows(codes: readonly string[], count: number, tag: string): RecordInputRow[] {
  return Array.from({ length: count }, (_, i) => {
    const t = FILING_TYPES[i % FILING_TYPES.length];
    return {
      subjectCode: codes[(i * 7919) % codes.length], type: t.type, sourceRef: `${tag}-${i}`, title: `${t.type} 第${i}号`,
      decisionNumber: `韶市监〔2025〕${i}号`, decidedAt: `2025-0${1 + (i % 9)}-${String(1 + (i % 27)).padStart(2, '0')}T10:00:00+08:00`,
      ...('severity' in t ? { severity: t.severity } : {}), ...('grade' in t ? { grade: t.grade } : {}), details: { row: i },
    };
  });
}

export interface FilingAnswer {
  accepted: number;
  errors: number;
}

/** S5: bulk filing by a department (≤ 1000 rows a batch); report rows/s = accepted × req/s. */
export const S5: Scenario<{ org: string; rows: readonly RecordInputRow[] }, FilingAnswer> = {
  id: 'S5',
  title: 'bulk filing (submitRecords), rows/s',
  defaultFirst: 1000,
  gateway: ({ org, rows }) => graphql(`mutation S5($records: [RecordInput!]!) { submitRecords(records: $records) {
    accepted ids errors { index reason message } } }`, { records: rows }, benchToken({ sub: 'bench-officer', role: 'department', org })),
  raw: ({ org, rows }) => ({ method: 'POST', path: `/records?org=${encodeURIComponent(org)}`, headers: JSON_HEADERS, body: JSON.stringify(rows) }),
  normalize: (body) => {
    const result = data(body).submitRecords;
    return { accepted: result.accepted, errors: result.errors.length };
  },
};

export const SCENARIOS = { S1, S2, S3, S4, S5 };

/** One call against a server's origin (`new URL(listeningUrl).origin`). */
export async function send(origin: string, call: HttpCall): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}${call.path}`, { method: call.method, headers: call.headers, body: call.body });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}
