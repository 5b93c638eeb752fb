import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryCached, queryRows, toDate } from '../../db/rows.js';
import { parseTextArray } from '../records/records.repository.js';
import type { CanonicalCaseEventFields, CanonicalEventFields, ChainLink } from './chain.js';

/** One event as the gateway hands it to the database (SPEC L1). */
export interface NewAccessEvent {
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

/**
 * Appends events as one chain segment, in ONE statement (the SQL function serialises appenders). One row comes back
 * whatever the number of events (an S3 page appends 20): nothing here reads their sequences.
 */
export async function appendEvents(db: Db, events: readonly NewAccessEvent[]): Promise<void> {
  if (events.length === 0) return;
  await queryCached(db, 'append-access-events', () => sql`SELECT max(appended_sequence) AS appended FROM append_access_events(${sql.placeholder('events')}::jsonb)`,
    { events: JSON.stringify(events) });
}

/** A stored event: what was appended, plus its place in the chain. */
export type AccessEventRow = Omit<NewAccessEvent, 'at'> & {
  sequence: number;
  at: Date;
  prevHash: string;
  hash: string;
};

function mapEvent(row: Record<string, unknown>): AccessEventRow {
  return {
    sequence: Number(row.sequence),
    at: toDate(row.at),
    requestId: String(row.request_id),
    actor: (row.actor as string | null) ?? null,
    role: String(row.role),
    orgCode: (row.org_code as string | null) ?? null,
    view: (row.view as string | null) ?? null,
    purposeKind: (row.purpose_kind as string | null) ?? null,
    purposeReference: (row.purpose_reference as string | null) ?? null,
    grantId: (row.grant_id as string | null) ?? null,
    subjectCode: (row.subject_code as string | null) ?? null,
    recordIds: parseTextArray(row.record_ids),
    operationName: (row.operation_name as string | null) ?? null,
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

export interface AccessLogQuery {
  from: Date | null;
  to: Date | null;
  orgCode: string | null;
  actor: string | null;
  subjectCode: string | null;
  view: string | null;
  purposeKind: string | null;
  /** keyset: events strictly older than (at, sequence) */
  after: { at: string; sequence: number } | null;
  limit: number;
}

function filters(query: Omit<AccessLogQuery, 'after' | 'limit'>): SQL[] {
  const conditions: SQL[] = [];
  if (query.from) conditions.push(sql`e.at >= ${query.from.toISOString()}::timestamptz`);
  if (query.to) conditions.push(sql`e.at <= ${query.to.toISOString()}::timestamptz`);
  if (query.orgCode) conditions.push(sql`e.org_code = ${query.orgCode}`);
  if (query.actor) conditions.push(sql`e.actor = ${query.actor}`);
  if (query.subjectCode) conditions.push(sql`e.subject_code = ${query.subjectCode}`);
  if (query.view) conditions.push(sql`e.view = ${query.view}`);
  if (query.purposeKind) conditions.push(sql`e.purpose_kind = ${query.purposeKind}`);
  return conditions;
}

const where = (conditions: SQL[]) => (conditions.length ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``);

/**
 * Newest first, in the order of the access-log indexes of migration 0003 (`at DESC NULLS LAST, sequence DESC NULLS
 * LAST`): spelled the same, the page is read along an index from the cursor and stops at the limit. A bare `DESC`
 * means NULLS FIRST, which no index has: PostgreSQL then read every event of the range and sorted them, on every
 * page (issue 18: an auditor's week at city scale). Both columns are NOT NULL, so the order of rows is the same.
 */
export const NEWEST_EVENTS_FIRST = sql.raw('ORDER BY e.at DESC NULLS LAST, e.sequence DESC NULLS LAST');

/** L4: the page statement of queryEvents (exported for the plan test). */
export function eventsPageSql(query: AccessLogQuery): SQL {
  const page = query.after
    ? [...filters(query), sql`(e.at, e.sequence) < (${query.after.at}::timestamptz, ${query.after.sequence}::bigint)`]
    : filters(query);
  return sql`SELECT e.* FROM access_events e ${where(page)} ${NEWEST_EVENTS_FIRST} LIMIT ${query.limit + 1}`;
}

/** The exact number of events a filter matches: its own statement, run only when `totalCount` is selected. */
async function countEvents(db: Db, conditions: SQL[]): Promise<number> {
  const totals = await queryRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM access_events e ${where(conditions)}`);
  return Number(totals[0]?.total ?? 0);
}

/**
 * L4: newest first, keyset-paginated on (at, sequence); the total counts the filtered events only when the caller
 * selects `totalCount` (issue 18: an auditor's week is ~275,000 events at city scale, and counting them is most of
 * a page's cost), else it is null.
 */
export async function queryEvents(db: Db, query: AccessLogQuery, countTotal = true): Promise<{ rows: AccessEventRow[]; total: number | null }> {
  const [rows, total] = await Promise.all([
    queryRows<Record<string, unknown>>(db, eventsPageSql(query)),
    countTotal ? countEvents(db, filters(query)) : null,
  ]);
  return { rows: rows.map(mapEvent), total };
}

/** L5: DEPARTMENT and AGENCY views of one subject, newest first. */
export async function queryReceipts(
  db: Db,
  subjectCode: string,
  after: { at: string; sequence: number } | null,
  limit: number,
  countTotal = true,
): Promise<{ rows: AccessEventRow[]; total: number | null }> {
  const base = [sql`e.subject_code = ${subjectCode}`, sql`e.view IN ('DEPARTMENT', 'AGENCY')`];
  const page = after ? [...base, sql`(e.at, e.sequence) < (${after.at}::timestamptz, ${after.sequence}::bigint)`] : base;
  const [rows, total] = await Promise.all([
    queryRows<Record<string, unknown>>(db, sql`
      SELECT e.* FROM access_events e ${where(page)} ${NEWEST_EVENTS_FIRST} LIMIT ${limit + 1}`),
    countTotal ? countEvents(db, base) : null,
  ]);
  return { rows: rows.map(mapEvent), total };
}

/** The sequence numbers a time range covers (null when the range holds no event). */
export async function sequenceBounds(db: Db, from: Date | null, to: Date | null): Promise<{ first: number; last: number } | null> {
  const rows = await queryRows<{ first: string | number | null; last: string | number | null }>(db, sql`
    SELECT (SELECT min(sequence) FROM access_events WHERE ${from ? sql`at >= ${from.toISOString()}::timestamptz` : sql`TRUE`}) AS first,
           (SELECT max(sequence) FROM access_events WHERE ${to ? sql`at <= ${to.toISOString()}::timestamptz` : sql`TRUE`}) AS last`);
  const { first, last } = rows[0] ?? {};
  if (first === null || first === undefined || last === null || last === undefined || Number(first) > Number(last)) return null;
  return { first: Number(first), last: Number(last) };
}

export interface ChainRow {
  fields: CanonicalEventFields;
  hash: string;
}

/** Events with sequence in [first, last], ordered, in their canonical text form (µs timestamps from SQL). */
export async function loadChainSegment(db: Db, first: number, last: number): Promise<ChainRow[]> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    SELECT sequence::text AS sequence_text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text,
      request_id, actor, role, org_code, view, purpose_kind, purpose_reference, grant_id, subject_code,
      to_jsonb(record_ids)::text AS record_ids_json, operation_name, prev_hash, hash
    FROM access_events WHERE sequence BETWEEN ${first} AND ${last} ORDER BY sequence, at`);
  return rows.map((row) => ({
    hash: String(row.hash),
    fields: {
      sequence: String(row.sequence_text),
      at: String(row.at_text),
      requestId: (row.request_id as string | null) ?? null,
      actor: (row.actor as string | null) ?? null,
      role: (row.role as string | null) ?? null,
      orgCode: (row.org_code as string | null) ?? null,
      view: (row.view as string | null) ?? null,
      purposeKind: (row.purpose_kind as string | null) ?? null,
      purposeReference: (row.purpose_reference as string | null) ?? null,
      grantId: (row.grant_id as string | null) ?? null,
      subjectCode: (row.subject_code as string | null) ?? null,
      recordIds: JSON.parse(String(row.record_ids_json ?? '[]')) as (string | null)[],
      operationName: (row.operation_name as string | null) ?? null,
      prevHash: (row.prev_hash as string | null) ?? null,
    },
  }));
}

/** Retention (issue 3): make sure this year's and next year's partitions exist before events need them. */
export async function prepareAccessLogPartitions(db: Db, now: Date): Promise<void> {
  const year = now.getUTCFullYear();
  await db.execute(sql`SELECT ensure_access_event_partition(${year}::int), ensure_access_event_partition(${year + 1}::int)`);
}

// ---- L6: case events chain, chain heads and checkpoints --------------------------------------------------------

/** Case events with sequence in [first, last], ordered, in their canonical text form (µs timestamps from SQL). */
export async function loadCaseChainSegment(db: Db, first: number, last: number): Promise<ChainLink<CanonicalCaseEventFields>[]> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    SELECT sequence::text AS sequence_text, case_kind, case_id::text AS case_id, record_id::text AS record_id, subject_code,
      action, outcome, actor, role, org_code, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text,
      prev_hash, hash
    FROM case_events WHERE sequence BETWEEN ${first} AND ${last} ORDER BY sequence`);
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return rows.map((row) => ({
    hash: String(row.hash),
    fields: {
      sequence: String(row.sequence_text),
      caseKind: String(row.case_kind),
      caseId: String(row.case_id),
      recordId: String(row.record_id),
      subjectCode: String(row.subject_code),
      action: String(row.action),
      outcome: text(row.outcome),
      actor: text(row.actor),
      role: String(row.role),
      orgCode: text(row.org_code),
      at: String(row.at_text),
      prevHash: text(row.prev_hash),
    },
  }));
}

/** The newest link of a chain (committed), or null when the chain is empty. */
export interface ChainHead {
  sequence: number;
  hash: string;
}

export type ChainTable = 'access_events' | 'case_events';

export async function chainHead(db: Db, table: ChainTable): Promise<ChainHead | null> {
  const rows = await queryRows<{ sequence: string | number; hash: string }>(db, sql`
    SELECT sequence, hash FROM ${sql.identifier(table)} ORDER BY sequence DESC LIMIT 1`);
  return rows[0] ? { sequence: Number(rows[0].sequence), hash: String(rows[0].hash) } : null;
}

/** The link with this sequence number: its hash and when it was written (null when there is none). */
export async function chainLink(db: Db, table: ChainTable, sequence: number): Promise<{ hash: string; at: Date } | null> {
  const rows = await queryRows<{ hash: string; at: unknown }>(db, sql`
    SELECT hash, at FROM ${sql.identifier(table)} WHERE sequence = ${sequence} ORDER BY at LIMIT 1`);
  return rows[0] ? { hash: String(rows[0].hash), at: toDate(rows[0].at) } : null;
}

/** The lowest sequence number up to `sequence` of a link written after `instant` (null when there is none). */
export async function firstWrittenAfter(db: Db, table: ChainTable, sequence: number, instant: Date): Promise<number | null> {
  const rows = await queryRows<{ first: string | number | null }>(db, sql`
    SELECT min(sequence) AS first FROM ${sql.identifier(table)} WHERE sequence <= ${sequence} AND at > ${instant.toISOString()}::timestamptz`);
  return rows[0]?.first === null || rows[0]?.first === undefined ? null : Number(rows[0].first);
}

export interface CheckpointRow {
  signedAt: Date;
  accessEvents: ChainHead | null;
  caseEvents: ChainHead | null;
  keyId: string;
  signature: string;
}

export async function insertCheckpoint(db: Db, checkpoint: CheckpointRow): Promise<void> {
  await db.execute(sql`
    INSERT INTO access_checkpoints (signed_at, access_sequence, access_hash, case_sequence, case_hash, key_id, signature)
    VALUES (${checkpoint.signedAt.toISOString()}::timestamptz, ${checkpoint.accessEvents?.sequence ?? null}, ${checkpoint.accessEvents?.hash ?? null},
      ${checkpoint.caseEvents?.sequence ?? null}, ${checkpoint.caseEvents?.hash ?? null}, ${checkpoint.keyId}, ${checkpoint.signature})`);
}

/** Whether the database holds the checkpoint with this signature (a database restored from an older backup does not). */
export async function holdsCheckpoint(db: Db, signature: string): Promise<boolean> {
  const rows = await queryRows(db, sql`SELECT 1 FROM access_checkpoints WHERE signature = ${signature} LIMIT 1`);
  return rows.length > 0;
}

/** The newest checkpoint the database holds (what a restored backup was taken after), as signed. */
export async function newestStoredCheckpoint(db: Db): Promise<{
  signedAt: Date; keyId: string; accessSequence: number | null; caseSequence: number | null;
  checkpoint: { version: 1; signedAt: string; accessEvents: ChainHead | null; caseEvents: ChainHead | null; keyId: string; signature: string };
} | null> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    SELECT to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS signed_at_text, access_sequence, access_hash,
      case_sequence, case_hash, key_id, signature
    FROM access_checkpoints ORDER BY signed_at DESC, id DESC LIMIT 1`);
  const row = rows[0];
  if (!row) return null;
  const head = (sequence: unknown, hash: unknown): ChainHead | null =>
    sequence === null || sequence === undefined ? null : { sequence: Number(sequence), hash: String(hash) };
  const accessEvents = head(row.access_sequence, row.access_hash);
  const caseEvents = head(row.case_sequence, row.case_hash);
  const signedAt = String(row.signed_at_text);
  return {
    signedAt: new Date(signedAt),
    keyId: String(row.key_id),
    accessSequence: accessEvents?.sequence ?? null,
    caseSequence: caseEvents?.sequence ?? null,
    checkpoint: { version: 1, signedAt, accessEvents, caseEvents, keyId: String(row.key_id), signature: String(row.signature) },
  };
}
