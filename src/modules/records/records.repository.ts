import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryCached, queryRows, toDate, toDateOrNull } from '../../db/rows.js';
import { effectiveDisclosureSql, publicUntilSql, DEFAULT_ALIASES, nowValue, REQUEST_NOW, type Instant } from '../disclosure/record-facts.sql.js';
import type { SqlScope } from '../disclosure/scope.sql.js';
import type { OrganizationRow } from '../organizations/organizations.repository.js';
import type { RecordContent } from '../../../policies/records.js';

/** A record as the read path returns it (current version), before field projection (policies/records.ts). */
export interface RecordRow extends RecordContent {
  id: string;
  subjectId: number;
  subjectCode: string;
  /** R1: an objection is pending, or the last one was UNDETERMINED */
  disputed: boolean;
  version: number;
  /** X3: the peer platform the record came from, and its id there (null: filed here) */
  originPlatform?: string | null;
  originId?: string | null;
}

const RECORD_COLUMNS = sql.raw(`r.id, r.subject_id, s.code AS subject_code, r.type, r.category, r.nature, r.severity,
  r.title, r.summary, r.decision_number, r.decided_at, r.valid_from, r.valid_until, r.legal_basis,
  r.amount::float8 AS amount, r.grade, r.group_code, r.details, r.source_org, r.disclosure, r.status, r.disputed, r.version,
  r.origin_platform, r.origin_id`);

/** The columns mapRecordRow reads, over r / s / ct, evaluated at `now`. */
export function recordSelectSql(now: Instant): SQL {
  return sql`${RECORD_COLUMNS}, ${derivedColumns(now)}`;
}

/** A RecordRow that went through JSON (stored credit checks) → Dates restored. */
export function reviveRecordRow(stored: RecordRow): RecordRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(String(v)));
  return { ...stored, decidedAt: date(stored.decidedAt)!, validFrom: date(stored.validFrom), validUntil: date(stored.validUntil), publicUntil: date(stored.publicUntil) };
}

/** Request-time columns: the public window's end and the effective class (computed, never stored: D6). */
function derivedColumns(now: Instant): SQL {
  return sql`${publicUntilSql(DEFAULT_ALIASES)} AS public_until, ${effectiveDisclosureSql(DEFAULT_ALIASES, now)} AS effective_disclosure`;
}

export function mapRecordRow(row: Record<string, unknown>): RecordRow {
  return {
    id: String(row.id),
    subjectId: Number(row.subject_id),
    subjectCode: String(row.subject_code),
    type: String(row.type),
    category: String(row.category),
    nature: String(row.nature),
    severity: (row.severity as string | null) ?? null,
    title: String(row.title),
    summary: (row.summary as string | null) ?? null,
    decisionNumber: (row.decision_number as string | null) ?? null,
    decidedAt: toDate(row.decided_at),
    validFrom: toDateOrNull(row.valid_from),
    validUntil: toDateOrNull(row.valid_until),
    publicUntil: toDateOrNull(row.public_until),
    legalBasis: (row.legal_basis as string | null) ?? null,
    amount: row.amount === null || row.amount === undefined ? null : Number(row.amount),
    grade: (row.grade as string | null) ?? null,
    group: (row.group_code as string | null) ?? null,
    details: typeof row.details === 'string' ? JSON.parse(row.details) : (row.details ?? null),
    sourceOrg: String(row.source_org),
    disclosure: String(row.disclosure),
    effectiveDisclosure: String(row.effective_disclosure ?? row.disclosure),
    status: String(row.status),
    disputed: row.disputed === true || row.disputed === 't',
    version: Number(row.version),
    originPlatform: (row.origin_platform as string | null | undefined) ?? null,
    originId: (row.origin_id as string | null | undefined) ?? null,
  };
}

/**
 * A row of loadVisibleVersions → RecordVersionRow: the mapped record with the version's own columns added to it (not
 * `{ ...mapRecordRow(row), replacedAt, … }`: a spread followed by more properties gives each object a hidden class of its
 * own on Node 20, policies/fields.ts).
 */
export function mapRecordVersionRow(row: Record<string, unknown>): RecordVersionRow {
  return Object.assign(mapRecordRow(row), {
    replacedAt: toDate(row.replaced_at),
    changedFields: parseTextArray(row.changed_fields),
    sourceRef: String(row.source_ref),
  });
}

export interface RecordPageRequest {
  subjectId: number;
  categories: readonly string[] | null;
  types: readonly string[] | null;
  /** keyset: records strictly older than (decidedAt, id) */
  after: { decidedAt: string; id: string } | null;
  limit: number;
}

export interface RecordPageResult {
  rows: RecordRow[];
  total: number;
  /** the source organisations of `rows`, read in the same statement (they prime the organisation loader) */
  sources: OrganizationRow[];
}

/** What a page statement's shape depends on (the values themselves are bound). */
export type PageShape = Pick<RecordPageRequest, 'categories' | 'types' | 'after'>;

/**
 * The visible records page of every subject id in `ids` (a FROM item with column `subject_id`), newest first,
 * with the visible total per subject and each record's source organisation. `scope` is the viewer's row filter
 * over r / ct / s (src/modules/disclosure/scope.sql.ts); argument filters apply on top of it only, so they can
 * never reveal a hidden row (D7). Placeholders: categories, types, afterDecidedAt, afterId, limit, now.
 */
export function recordPagesSql(ids: SQL, scope: SqlScope, shape: PageShape): SQL {
  const visible = sql`r.subject_id = ids.subject_id AND ${scope.sql}
    ${shape.categories ? sql`AND r.category = ANY (${sql.placeholder('categories')}::text[])` : sql``}
    ${shape.types ? sql`AND r.type = ANY (${sql.placeholder('types')}::text[])` : sql``}`;
  // per subject: the visible total, and the page. Both test `scope` on records_subject_newest alone (its INCLUDE
  // columns carry every column a scope reads: an index-only scan, test/integration/records-index.test.ts). The page
  // walks the index newest first and stops after `limit` admitted records, and only those are then read whole, by
  // primary key; the window columns are computed for them only. For the walk (issue 18, bench/RESULTS.md 4r) the
  // ORDER BY says NULLS LAST as the index does (both columns are NOT NULL: the same order), and catalog_types is
  // looked up per record in a LATERAL the planner may not flatten (OFFSET 0): a hash join does not keep the index's
  // order, and under the generic plan's estimate of a few records per subject the planner took hash join + sort,
  // reading and testing every record of the subject (163 on average in bench:quick's S1 sample) to keep 21.
  return sql`
    SELECT ids.subject_id AS page_subject_id, c.total AS page_total, p.*, o.name AS source_name, o.kind AS source_kind,
      o.status AS source_status, o.created_at AS source_created_at, o.updated_at AS source_updated_at
    FROM ${ids}
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS total
      FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type
      WHERE ${visible}
    ) c
    LEFT JOIN LATERAL (
      SELECT ${RECORD_COLUMNS}, ${derivedColumns(REQUEST_NOW)}
      FROM (
        SELECT r.id FROM records r JOIN subjects s ON s.id = r.subject_id
          CROSS JOIN LATERAL (SELECT * FROM catalog_types ct WHERE ct.code = r.type OFFSET 0) ct
        WHERE ${visible}
          ${shape.after ? sql`AND (r.decided_at, r.id) < (${sql.placeholder('afterDecidedAt')}::timestamptz, ${sql.placeholder('afterId')}::uuid)` : sql``}
        ORDER BY r.decided_at DESC NULLS LAST, r.id DESC NULLS LAST
        LIMIT ${sql.placeholder('limit')}::int
      ) page
      JOIN records r ON r.id = page.id JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type
      ORDER BY r.decided_at DESC NULLS LAST, r.id DESC NULLS LAST
    ) p ON TRUE
    LEFT JOIN organizations o ON o.code = p.source_org
    WHERE c.total > 0`;
}

export function pageKey(scope: SqlScope, shape: PageShape): string {
  return `${scope.key} ${shape.categories !== null} ${shape.types !== null} ${shape.after !== null}`;
}

/** The bound values of recordPagesSql for one request shape. */
export function pageValues(request: Omit<RecordPageRequest, 'subjectId'>, now: Date): Record<string, unknown> {
  return {
    categories: request.categories ? [...request.categories] : null,
    types: request.types ? [...request.types] : null,
    afterDecidedAt: request.after?.decidedAt ?? null,
    afterId: request.after?.id ?? null,
    limit: request.limit + 1,
    ...nowValue(now),
  };
}

/** Rows of recordPagesSql (in page order) → one result per subject that has visible records. */
export function collectPages(rows: readonly Record<string, unknown>[]): Map<number, RecordPageResult> {
  const result = new Map<number, RecordPageResult>();
  for (const row of rows) {
    if (row.page_subject_id === null || row.page_subject_id === undefined) continue;
    const subjectId = Number(row.page_subject_id);
    let entry = result.get(subjectId);
    if (!entry) {
      entry = { rows: [], total: Number(row.page_total), sources: [] };
      result.set(subjectId, entry);
    }
    // a subject with visible rows but none after the cursor still reports its total
    if (row.id === null || row.id === undefined) continue;
    const record = mapRecordRow(row);
    entry.rows.push(record);
    if (!entry.sources.some((o) => o.code === record.sourceOrg)) {
      entry.sources.push({
        code: record.sourceOrg,
        name: String(row.source_name),
        kind: row.source_kind as OrganizationRow['kind'],
        status: row.source_status as OrganizationRow['status'],
        createdAt: toDate(row.source_created_at),
        updatedAt: toDate(row.source_updated_at),
      });
    }
  }
  return result;
}

/**
 * Pages of visible records for many subjects in ONE statement (newest first), with the visible total per
 * subject (recordPagesSql). All requests in one call must share categories, types, after and limit (the loader
 * groups them so). One compiled statement per scope and argument shape: subject ids, filters, cursor and limit
 * are bound values.
 */
export async function loadRecordPages(
  db: Db,
  requests: readonly RecordPageRequest[],
  scope: SqlScope,
  now: Date,
): Promise<Map<number, RecordPageResult>> {
  if (requests.length === 0) return new Map();
  const ids = [...new Set(requests.map((r) => r.subjectId))];
  const rows = await queryCached<Record<string, unknown>>(db, `record-pages ${pageKey(scope, requests[0])}`, () => sql`
    ${recordPagesSql(sql`unnest(${sql.placeholder('subjectIds')}::bigint[]) AS ids(subject_id)`, scope, requests[0])}
    ORDER BY ids.subject_id, p.decided_at DESC, p.id DESC`, { subjectIds: ids, ...pageValues(requests[0], now) });
  return collectPages(rows);
}

/** Active qualifications (PROFESSIONAL records in force) of many subjects, in one statement, within `scope`. */
export async function loadQualifications(db: Db, subjectIds: readonly number[], scope: SqlScope, now: Date): Promise<Map<number, RecordRow[]>> {
  const result = new Map<number, RecordRow[]>(subjectIds.map((id) => [id, []]));
  if (subjectIds.length === 0) return result;
  const rows = await queryCached<Record<string, unknown>>(db, `qualifications ${scope.key}`, () => sql`
    SELECT ${RECORD_COLUMNS}, ${derivedColumns(REQUEST_NOW)}
    FROM records r
    JOIN subjects s ON s.id = r.subject_id
    JOIN catalog_types ct ON ct.code = r.type
    WHERE r.subject_id = ANY (${sql.placeholder('subjectIds')}::bigint[])
      AND r.category = 'PROFESSIONAL' AND r.status = 'ACTIVE'
      AND (r.valid_until IS NULL OR r.valid_until > ${REQUEST_NOW}::timestamptz)
      AND ${scope.sql}
    ORDER BY r.subject_id, r.decided_at DESC, r.id DESC`, { subjectIds: [...subjectIds], ...nowValue(now) });
  for (const row of rows) result.get(Number(row.subject_id))?.push(mapRecordRow(row));
  return result;
}

/** An earlier version of a record (W2), as a record row of its own, with when and how it was replaced. */
export interface RecordVersionRow extends RecordRow {
  replacedAt: Date;
  changedFields: string[];
  sourceRef: string;
}

/**
 * W2a: the earlier versions of many records that the viewer may see, oldest first, in one statement. Each stored
 * snapshot is read back as a `records` row (jsonb_populate_record) and judged by the viewer's own row filter
 * `scope` — its own class, window and status at the request's instant — exactly as a current record is.
 */
export async function loadVisibleVersions(db: Db, recordIds: readonly string[], scope: SqlScope, now: Date): Promise<Map<string, RecordVersionRow[]>> {
  const result = new Map<string, RecordVersionRow[]>(recordIds.map((id) => [id, []]));
  if (recordIds.length === 0) return result;
  const rows = await queryCached<Record<string, unknown>>(db, `record-versions ${scope.key}`, () => sql`
    SELECT v.record_id AS version_of, v.replaced_at, v.changed_fields, r.source_ref, ${RECORD_COLUMNS}, ${derivedColumns(REQUEST_NOW)}
    FROM record_versions v
    CROSS JOIN LATERAL jsonb_populate_record(NULL::records, v.snapshot) r
    JOIN subjects s ON s.id = r.subject_id
    JOIN catalog_types ct ON ct.code = r.type
    WHERE v.record_id = ANY (${sql.placeholder('recordIds')}::uuid[]) AND ${scope.sql}
    ORDER BY v.record_id, v.version`, { recordIds: [...recordIds], ...nowValue(now) });
  for (const row of rows) {
    result.get(String(row.version_of))?.push(mapRecordVersionRow(row));
  }
  return result;
}

/** text[] arrives as a JS array (pg) or as '{a,b}' text (raw parsers): → string[]. */
export function parseTextArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  const text = String(value ?? '');
  if (text === '{}' || text === '') return [];
  return text.replace(/^\{|\}$/g, '').split(',').map((part) => part.replace(/^"|"$/g, ''));
}

/** One record by id regardless of scope (write path: the caller's right to it is checked by the service). */
export async function findRecordById(db: Db, id: string, now: Date): Promise<(RecordRow & { snapshot: Record<string, unknown> }) | null> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    SELECT ${RECORD_COLUMNS}, ${derivedColumns(now)}, to_jsonb(r) AS snapshot
    FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type
    WHERE r.id = ${id}::uuid`);
  if (!rows.length) return null;
  const snapshot = rows[0].snapshot;
  return { ...mapRecordRow(rows[0]), snapshot: (typeof snapshot === 'string' ? JSON.parse(snapshot) : snapshot) as Record<string, unknown> };
}
