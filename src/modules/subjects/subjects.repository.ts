import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryCached, toDateString } from '../../db/rows.js';
import { nowValue } from '../disclosure/record-facts.sql.js';
import type { SqlScope } from '../disclosure/scope.sql.js';
import { collectPages, pageKey, pageValues, recordPagesSql, type RecordPageRequest, type RecordPageResult } from '../records/records.repository.js';

export interface SubjectRow {
  id: number;
  code: string;
  kind: string;
  name: string;
  status: string;
  registeredAt: string | null;
  address: string | null;
  legalRepresentative: string | null;
  legalRepresentativeId: string | null;
  birthDate: string | null;
  codeFlagged: boolean;
}

export const SUBJECT_COLUMN_NAMES = ['id', 'code', 'kind', 'name', 'status', 'registered_at', 'address', 'legal_representative',
  'legal_representative_id', 'birth_date', 'code_flagged'] as const;
export const SUBJECT_COLUMNS = sql.raw(SUBJECT_COLUMN_NAMES.map((c) => `s.${c}`).join(', '));
export const SUBJECT_COLUMNS_AS_SUBJ = sql.raw(SUBJECT_COLUMN_NAMES.map((c) => `s.${c} AS subj_${c}`).join(', '));

export function mapSubjectRow(row: Record<string, unknown>, prefix = ''): SubjectRow {
  const at = (column: (typeof SUBJECT_COLUMN_NAMES)[number]) => row[prefix + column];
  return {
    id: Number(at('id')),
    code: String(at('code')),
    kind: String(at('kind')),
    name: String(at('name')),
    status: String(at('status')),
    registeredAt: toDateString(at('registered_at')),
    address: (at('address') as string | null) ?? null,
    legalRepresentative: (at('legal_representative') as string | null) ?? null,
    legalRepresentativeId: (at('legal_representative_id') as string | null) ?? null,
    birthDate: toDateString(at('birth_date')),
    codeFlagged: at('code_flagged') === true || at('code_flagged') === 't',
  };
}

/** The subject with the bound code (`subj`, columns subj_*) and its first records page (`pages`): two CTEs. */
function subjectAndPage(subjectScope: SqlScope, recordScope: SqlScope, page: Omit<RecordPageRequest, 'subjectId'>): SQL {
  return sql`subj AS (SELECT ${SUBJECT_COLUMNS_AS_SUBJ} FROM subjects s WHERE s.code = ${sql.placeholder('code')} AND ${subjectScope.sql}),
    pages AS (${recordPagesSql(sql`(SELECT subj_id FROM subj) AS ids(subject_id)`, recordScope, page)})`;
}

/**
 * The subject with this code and its first records page in ONE statement (when the response asks for both):
 * the subject part is findVisibleSubject's, the page part loadRecordPages' (the same scopes, so the same rows).
 * Subject columns travel as subj_*, next to the page's columns.
 */
export async function findVisibleSubjectWithPage(
  db: Db,
  code: string,
  subjectScope: SqlScope,
  recordScope: SqlScope,
  page: Omit<RecordPageRequest, 'subjectId'>,
  now: Date,
): Promise<{ subject: SubjectRow; page: RecordPageResult } | null> {
  const key = `subject-with-page ${subjectScope.key} ${pageKey(recordScope, page)}`;
  const rows = await queryCached<Record<string, unknown>>(db, key, () => sql`
    WITH ${subjectAndPage(subjectScope, recordScope, page)}
    SELECT subj.*, pages.* FROM subj LEFT JOIN pages ON TRUE
    ORDER BY pages.decided_at DESC, pages.id DESC`, { code, ...pageValues(page, now) });
  if (rows.length === 0) return null;
  const subject = mapSubjectRow(rows[0], 'subj_');
  return { subject, page: collectPages(rows).get(subject.id) ?? { rows: [], total: 0, sources: [] } };
}

/**
 * Issue 18: findVisibleSubjectWithPage with the access event of its answer stored by the same statement (the append
 * folded into the read: one round trip and one commit instead of two statements). `event` is the event as eventOf
 * builds it; the statement adds the ids of the page's records (the first `limit` rows, in page order: the records
 * the response places) and appends it with append_access_events — only when the subject is visible: an answer of
 * null discloses nothing and stores nothing. A failed append fails the whole statement, read included (L2).
 * `storedRecordIds`, `storedSequence`: the ids the stored event holds, as the database built them, and its place in the chain.
 * The ids travel on the first row only (row_number over the answer's own order): repeated on each of a page's 21 rows
 * they were 16.8 KB of text per S1 answer against the answer's own 15.7 KB, and pg decoded every copy (RESULTS 4l).
 */
export async function findVisibleSubjectWithPageLogged(
  db: Db,
  code: string,
  subjectScope: SqlScope,
  recordScope: SqlScope,
  page: Omit<RecordPageRequest, 'subjectId'>,
  now: Date,
  event: string,
): Promise<{ subject: SubjectRow; page: RecordPageResult; storedRecordIds: string[]; storedSequence: number } | null> {
  const key = `subject-with-page-logged ${subjectScope.key} ${pageKey(recordScope, page)}`;
  const rows = await queryCached<Record<string, unknown>>(db, key, () => sql`
    WITH ${subjectAndPage(subjectScope, recordScope, page)},
    answer AS MATERIALIZED (SELECT subj.*, pages.* FROM subj LEFT JOIN pages ON TRUE),
    logged AS MATERIALIZED (
      SELECT ${sql.placeholder('event')}::jsonb || jsonb_build_object('recordIds', coalesce((
        SELECT jsonb_agg(placed.id::text ORDER BY placed.decided_at DESC, placed.id DESC)
        FROM (SELECT a.id, a.decided_at FROM answer a WHERE a.id IS NOT NULL
              ORDER BY a.decided_at DESC, a.id DESC LIMIT ${sql.placeholder('pageLimit')}::int) placed), '[]'::jsonb)) AS event
      FROM subj),
    appended AS MATERIALIZED (
      SELECT max(x.appended_sequence) AS sequence FROM logged, append_access_events(jsonb_build_array(logged.event)) x)
    SELECT answer.*, (SELECT sequence FROM appended) AS logged_sequence,
      CASE WHEN row_number() OVER (ORDER BY answer.decided_at DESC, answer.id DESC) = 1 THEN (SELECT event->'recordIds' FROM logged) END AS logged_record_ids
    FROM answer
    ORDER BY answer.decided_at DESC, answer.id DESC`, { code, ...pageValues(page, now), pageLimit: page.limit, event });
  if (rows.length === 0) return null;
  // the statement returned the subject, so its event was appended (a failed append fails the statement); a missing
  // sequence would mean it was not, and nothing may be answered then (L2)
  if (rows[0].logged_sequence === null || rows[0].logged_sequence === undefined) throw new Error('folded access event not stored');
  const ids = rows[0].logged_record_ids;
  const storedRecordIds = (typeof ids === 'string' ? JSON.parse(ids) : ids) as string[];
  const subject = mapSubjectRow(rows[0], 'subj_');
  return { subject, page: collectPages(rows).get(subject.id) ?? { rows: [], total: 0, sources: [] }, storedRecordIds, storedSequence: Number(rows[0].logged_sequence) };
}

/** The subject with this code if the viewer may see it (P0, P3) at `now`: one statement. */
export async function findVisibleSubject(db: Db, code: string, scope: SqlScope, now: Date): Promise<SubjectRow | null> {
  const rows = await queryCached<Record<string, unknown>>(db, `subject-by-code ${scope.key}`, () => sql`
    SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.code = ${sql.placeholder('code')} AND ${scope.sql}`,
  { code, ...nowValue(now) });
  return rows.length ? mapSubjectRow(rows[0]) : null;
}
