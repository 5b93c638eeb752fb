import { sql } from 'drizzle-orm';
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

const SUBJECT_COLUMN_NAMES = ['id', 'code', 'kind', 'name', 'status', 'registered_at', 'address', 'legal_representative',
  'legal_representative_id', 'birth_date', 'code_flagged'] as const;
const SUBJECT_COLUMNS = sql.raw(SUBJECT_COLUMN_NAMES.map((c) => `s.${c}`).join(', '));
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
    WITH subj AS (SELECT ${SUBJECT_COLUMNS_AS_SUBJ} FROM subjects s WHERE s.code = ${sql.placeholder('code')} AND ${subjectScope.sql}),
    pages AS (${recordPagesSql(sql`(SELECT subj_id FROM subj) AS ids(subject_id)`, recordScope, page)})
    SELECT subj.*, pages.* FROM subj LEFT JOIN pages ON TRUE
    ORDER BY pages.decided_at DESC, pages.id DESC`, { code, ...pageValues(page, now) });
  if (rows.length === 0) return null;
  const subject = mapSubjectRow(rows[0], 'subj_');
  return { subject, page: collectPages(rows).get(subject.id) ?? { rows: [], total: 0, sources: [] } };
}

/** The subject with this code if the viewer may see it (P0, P3) at `now`: one statement. */
export async function findVisibleSubject(db: Db, code: string, scope: SqlScope, now: Date): Promise<SubjectRow | null> {
  const rows = await queryCached<Record<string, unknown>>(db, `subject-by-code ${scope.key}`, () => sql`
    SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.code = ${sql.placeholder('code')} AND ${scope.sql}`,
  { code, ...nowValue(now) });
  return rows.length ? mapSubjectRow(rows[0]) : null;
}

export interface SubjectSearch {
  /** lower-cased name fragment (name contains), or an exact code */
  nameContains: string;
  code: string;
  kinds: readonly string[];
  /** subjects holding a visible, active qualification of this group (D7: within `recordScope`) */
  professionalGroup: string | null;
  after: { name: string; code: string } | null;
  limit: number;
}

export const MIN_SEARCH_LENGTH = 2;

/** LIKE wildcards in a search are literal characters. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const ORGANIZATION_KINDS = ['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const;

/**
 * The subject kinds a search covers (P4, G3): organisations for everyone; individuals only for a department
 * stating a purpose; narrowed to `kind` when one is asked for.
 */
export function searchableKinds(role: string, statesPurpose: boolean, kind: string | null | undefined): string[] {
  const individuals = role === 'department' && statesPurpose;
  return [...ORGANIZATION_KINDS, ...(individuals ? ['INDIVIDUAL'] : [])].filter((k) => !kind || k === kind);
}

/** searchSubjects (P4, G3): a page ordered by (name, code) and the visible total, in one statement. */
export async function searchVisibleSubjects(
  db: Db,
  search: SubjectSearch,
  subjectScope: SqlScope,
  recordScope: SqlScope,
  now: Date,
): Promise<{ rows: SubjectRow[]; total: number }> {
  if (search.kinds.length === 0) return { rows: [], total: 0 };
  const byGroup = search.professionalGroup !== null;
  const paged = search.after !== null;
  const key = `search-subjects ${subjectScope.key} ${byGroup ? recordScope.key : '-'} ${paged}`;
  const rows = await queryCached<Record<string, unknown>>(db, key, () => {
    const group = byGroup
      ? sql`AND EXISTS (SELECT 1 FROM records r JOIN catalog_types ct ON ct.code = r.type
          WHERE r.subject_id = s.id AND r.group_code = ${sql.placeholder('group')} AND r.status = 'ACTIVE' AND ${recordScope.sql})`
      : sql``;
    const after = paged
      ? sql`(s.name COLLATE "C", s.code COLLATE "C") > (${sql.placeholder('afterName')}::text COLLATE "C", ${sql.placeholder('afterCode')}::text COLLATE "C")`
      : sql`TRUE`;
    return sql`
    WITH matched AS MATERIALIZED (
      SELECT ${SUBJECT_COLUMNS} FROM subjects s
      WHERE (lower(s.name) LIKE ${sql.placeholder('pattern')}::text OR s.code = ${sql.placeholder('code')}::text)
        AND s.kind = ANY (${sql.placeholder('kinds')}::text[]) AND ${subjectScope.sql} ${group}
    )
    SELECT (SELECT count(*)::int FROM matched) AS total_count, m.* FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT * FROM matched s WHERE ${after} ORDER BY s.name COLLATE "C", s.code COLLATE "C" LIMIT ${sql.placeholder('limit')}::int
    ) m ON TRUE`;
  }, {
    pattern: `%${escapeLike(search.nameContains)}%`,
    code: search.code,
    kinds: [...search.kinds],
    group: search.professionalGroup,
    afterName: search.after?.name ?? null,
    afterCode: search.after?.code ?? null,
    limit: search.limit + 1,
    ...nowValue(now),
  });
  const total = rows.length ? Number(rows[0].total_count) : 0;
  return { rows: rows.filter((row) => row.id !== null && row.id !== undefined).map((row) => mapSubjectRow(row)), total };
}
