import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryCached } from '../../db/rows.js';
import { nowValue } from '../disclosure/record-facts.sql.js';
import type { SqlScope } from '../disclosure/scope.sql.js';
import { mapRecordRow, recordSelectSql, type RecordRow } from '../records/records.repository.js';
import { mapSubjectRow, SUBJECT_COLUMNS_AS_SUBJ, type SubjectRow } from '../subjects/subjects.repository.js';
import { REQUEST_NOW } from '../disclosure/record-facts.sql.js';

export interface NoticeRow {
  record: RecordRow;
  subject: SubjectRow;
}

export interface NoticeQuery {
  types: readonly string[];
  /** keyset: notices strictly older than (decidedAt, id) */
  after: { decidedAt: string; id: string } | null;
  limit: number;
}

/**
 * WEB2 `publicNotices`: records of the given types that `recordScope` and `subjectScope` (the public's, compiled
 * from policies/) admit right now, newest decision first, each with its subject — one statement. Each type is read
 * on its own along records_type_newest (newest first, stopping after limit + 1 admitted rows), and the few rows per
 * type are merged: `r.type = ANY ($types) ORDER BY decided_at` under a generic plan was a parallel scan of every
 * record plus a sort (100–130 ms on the quick set, bench:site); now 0.6 ms for two types there. Fetches limit + 1 rows (the extra one says whether
 * a next page exists).
 */
export async function queryNotices(db: Db, query: NoticeQuery, recordScope: SqlScope, subjectScope: SqlScope, now: Date): Promise<NoticeRow[]> {
  const paged = query.after !== null;
  const rows = await queryCached<Record<string, unknown>>(db, `public-notices ${recordScope.key} ${subjectScope.key} ${paged}`, () => sql`
    SELECT n.* FROM unnest(${sql.placeholder('types')}::text[]) AS t(type)
    CROSS JOIN LATERAL (
      SELECT ${recordSelectSql(REQUEST_NOW)}, ${SUBJECT_COLUMNS_AS_SUBJ}
      FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type
      WHERE r.type = t.type AND ${recordScope.sql} AND ${subjectScope.sql}
        ${paged ? sql`AND (r.decided_at, r.id) < (${sql.placeholder('afterDecidedAt')}::timestamptz, ${sql.placeholder('afterId')}::uuid)` : sql``}
      -- NULLS LAST as in the index (both columns are NOT NULL): without it the planner sorts instead of walking it
      ORDER BY r.decided_at DESC NULLS LAST, r.id DESC NULLS LAST
      LIMIT ${sql.placeholder('limit')}::int
    ) n
    ORDER BY n.decided_at DESC, n.id DESC
    LIMIT ${sql.placeholder('limit')}::int`, {
    types: [...query.types],
    afterDecidedAt: query.after?.decidedAt ?? null,
    afterId: query.after?.id ?? null,
    limit: query.limit + 1,
    ...nowValue(now),
  });
  return rows.map((row) => ({ record: mapRecordRow(row), subject: mapSubjectRow(row, 'subj_') }));
}

/** The number of notices (only when a response selects totalCount: at city scale it counts every licence). */
export async function countNotices(db: Db, types: readonly string[], recordScope: SqlScope, subjectScope: SqlScope, now: Date): Promise<number> {
  const rows = await queryCached<{ total: number }>(db, `public-notices-count ${recordScope.key} ${subjectScope.key}`, () => sql`
    SELECT count(*)::int AS total
    FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type
    WHERE r.type = ANY (${sql.placeholder('types')}::text[]) AND ${recordScope.sql} AND ${subjectScope.sql}`, {
    types: [...types],
    ...nowValue(now),
  });
  return Number(rows[0]?.total ?? 0);
}
