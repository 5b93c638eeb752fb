import { sql, type SQL } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../src/db/client.js';
import type { GraphQLResponse, TestGateway } from './gateway.js';

/**
 * Helpers of the access-log e2e suite (test/e2e/access-log.e2e.test.ts, SPEC §6): a client that keeps the
 * `x-request-id` response header, the GraphQL documents of the log, and an independent SQL reading of
 * `access_events` (the oracle the auditor's `accessLog` answers are compared with).
 */

export interface HttpResult extends GraphQLResponse {
  /** the `x-request-id` response header: the request id every event of this request must carry */
  requestId: string;
}

/** POST /graphql like gw.request, keeping the response headers (the support client drops them). */
export async function post(
  gw: TestGateway,
  query: string,
  { token, variables }: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<HttpResult> {
  const response = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const requestId = response.headers.get('x-request-id');
  expect(requestId, 'every response carries x-request-id').toBeTruthy();
  return { status: response.status, requestId: requestId!, body: (await response.json()) as GraphQLResponse['body'] };
}

// ------------------------------------------------------------------------------------------------------------
// documents

export const EVENT_FIELDS = `sequence at requestId actor role organization { code name } view purpose { kind reference }
  grantId subjectCode recordIds operationName prevHash hash`;

export const ACCESS_LOG_QUERY = `query Log($filter: AccessLogFilter, $first: Int, $after: String) {
  accessLog(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${EVENT_FIELDS} } }
  }
}`;

export const VERIFY_QUERY = `query Verify($from: DateTime, $to: DateTime) {
  verifyAccessLog(from: $from, to: $to) { valid checked firstBrokenSequence }
}`;

export const RECEIPT_FIELDS = 'at organization { code name } view purpose { kind reference } grantId';

export const RECEIPTS_QUERY = `query Receipts($code: String!, $first: Int, $after: String) {
  subject(code: $code) {
    code view
    accessReceipts(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${RECEIPT_FIELDS} } }
    }
  }
}`;

/** A lookup that asks for nothing but the subject itself (no records, no qualifications). */
export const BARE_SUBJECT_QUERY = `query Bare($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) { code name view }
}`;

export interface AccessLogFilterInput {
  from?: string;
  to?: string;
  orgCode?: string;
  actor?: string;
  subjectCode?: string;
  view?: string;
  purpose?: string;
}

export interface EventNode {
  sequence: number;
  at: string;
  requestId: string;
  actor: string | null;
  role: string | null;
  organization: { code: string; name: string } | null;
  view: string | null;
  purpose: { kind: string; reference: string } | null;
  grantId: string | null;
  subjectCode: string | null;
  recordIds: string[];
  operationName: string | null;
  prevHash: string;
  hash: string;
}

export function accessLog(
  gw: TestGateway,
  token: string | undefined,
  variables: { filter?: AccessLogFilterInput; first?: number; after?: string } = {},
): Promise<HttpResult> {
  return post(gw, ACCESS_LOG_QUERY, { token, variables });
}

export function nodesOf(response: GraphQLResponse): EventNode[] {
  return response.body.data.accessLog.edges.map((edge: { node: EventNode }) => edge.node);
}

export interface Walk {
  events: EventNode[];
  /** totalCount of every page, in order */
  totals: number[];
  /** request ids of the calls after the first: their own events are newer than every cursor, so unseen */
  laterRequestIds: string[];
  pages: number;
}

/** Walks the whole log for a filter, page by page, as one auditor. */
export async function walkAccessLog(gw: TestGateway, token: string, filter: AccessLogFilterInput, first: number): Promise<Walk> {
  const walk: Walk = { events: [], totals: [], laterRequestIds: [], pages: 0 };
  let after: string | undefined;
  for (;;) {
    const response = await accessLog(gw, token, { filter, first, after });
    expectNoErrors(response);
    if (walk.pages > 0) walk.laterRequestIds.push(response.requestId);
    walk.pages += 1;
    const connection = response.body.data.accessLog;
    walk.events.push(...nodesOf(response));
    walk.totals.push(connection.totalCount);
    expect(connection.edges.length).toBeLessThanOrEqual(first);
    if (!connection.pageInfo.hasNextPage) break;
    expect(connection.edges.length).toBe(first);
    after = connection.pageInfo.endCursor;
    if (walk.pages > 1000) throw new Error('runaway pagination');
  }
  return walk;
}

// ------------------------------------------------------------------------------------------------------------
// the log read directly with SQL

export interface StoredEvent {
  sequence: number;
  at: string;
  requestId: string;
  actor: string | null;
  role: string;
  orgCode: string | null;
  view: string | null;
  purposeKind: string | null;
  purposeReference: string | null;
  grantId: string | null;
  subjectCode: string | null;
  recordIds: string[];
  operationName: string | null;
}

/** Events matching a condition, newest first (at DESC, sequence DESC), read straight from `access_events`. */
export async function storedEvents(db: Db, condition: SQL = sql`TRUE`): Promise<StoredEvent[]> {
  const result = (await db.execute(sql`
    SELECT sequence::int AS sequence,
      to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at_iso,
      request_id, actor, role, org_code, view, purpose_kind, purpose_reference, grant_id, subject_code,
      array_to_json(record_ids)::text AS record_ids_json, operation_name
    FROM access_events WHERE ${condition} ORDER BY at DESC, sequence DESC`)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows.map((row) => ({
    sequence: Number(row.sequence),
    at: String(row.at_iso),
    requestId: String(row.request_id),
    actor: (row.actor as string | null) ?? null,
    role: String(row.role),
    orgCode: (row.org_code as string | null) ?? null,
    view: (row.view as string | null) ?? null,
    purposeKind: (row.purpose_kind as string | null) ?? null,
    purposeReference: (row.purpose_reference as string | null) ?? null,
    grantId: (row.grant_id as string | null) ?? null,
    subjectCode: (row.subject_code as string | null) ?? null,
    recordIds: JSON.parse(String(row.record_ids_json)) as string[],
    operationName: (row.operation_name as string | null) ?? null,
  }));
}

export const eventsOfRequest = (db: Db, requestId: string) => storedEvents(db, sql`request_id = ${requestId}`);

export async function countEvents(db: Db): Promise<number> {
  const result = (await db.execute(sql`SELECT count(*)::int AS n FROM access_events`)) as unknown as { rows: { n: number }[] };
  return Number(result.rows[0].n);
}

/** The AccessLogFilter semantics written independently of the product (bounds inclusive; tests avoid ties). */
export function filterCondition(filter: AccessLogFilterInput): SQL {
  const parts: SQL[] = [sql`TRUE`];
  if (filter.from) parts.push(sql`at >= ${filter.from}::timestamptz`);
  if (filter.to) parts.push(sql`at <= ${filter.to}::timestamptz`);
  if (filter.orgCode) parts.push(sql`org_code = ${filter.orgCode}`);
  if (filter.actor) parts.push(sql`actor = ${filter.actor}`);
  if (filter.subjectCode) parts.push(sql`subject_code = ${filter.subjectCode}`);
  if (filter.view) parts.push(sql`view = ${filter.view}`);
  if (filter.purpose) parts.push(sql`purpose_kind = ${filter.purpose}`);
  return sql.join(parts, sql` AND `);
}

/** How many statements of a SQL log call the append function. */
export function appendStatements(statements: readonly string[]): string[] {
  return statements.filter((statement) => /append_access_events\s*\(/i.test(statement));
}

// ------------------------------------------------------------------------------------------------------------
// assertions

export function expectNoErrors(response: GraphQLResponse): void {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  expect(response.status).toBe(200);
}

export function expectErrorCode(response: GraphQLResponse, code: string, reason?: string): void {
  expect(response.body.errors?.length ?? 0, JSON.stringify(response.body)).toBeGreaterThan(0);
  expect(response.body.errors![0].extensions?.code, JSON.stringify(response.body.errors)).toBe(code);
  if (reason) expect(response.body.errors![0].extensions?.reason).toBe(reason);
}

/** The response holds no data at all: no `data` key, or `data: null`. */
export function expectNoData(response: GraphQLResponse): void {
  expect(response.body.data ?? null, JSON.stringify(response.body)).toBeNull();
}

export function expectAbsent(response: GraphQLResponse, ...values: string[]): void {
  const text = JSON.stringify(response.body);
  for (const value of values) expect(text, `response reveals ${value}`).not.toContain(value);
}
