import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows, toDateString } from '../../db/rows.js';

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

const SUBJECT_COLUMNS = sql.raw(`s.id, s.code, s.kind, s.name, s.status, s.registered_at, s.address,
  s.legal_representative, s.legal_representative_id, s.birth_date, s.code_flagged`);

function mapSubjectRow(row: Record<string, unknown>): SubjectRow {
  return {
    id: Number(row.id),
    code: String(row.code),
    kind: String(row.kind),
    name: String(row.name),
    status: String(row.status),
    registeredAt: toDateString(row.registered_at),
    address: (row.address as string | null) ?? null,
    legalRepresentative: (row.legal_representative as string | null) ?? null,
    legalRepresentativeId: (row.legal_representative_id as string | null) ?? null,
    birthDate: toDateString(row.birth_date),
    codeFlagged: row.code_flagged === true || row.code_flagged === 't',
  };
}

/** The subject with this code if the viewer may see it (P0, P3): one statement. */
export async function findVisibleSubject(db: Db, code: string, scope: SQL): Promise<SubjectRow | null> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.code = ${code} AND ${scope}`);
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

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** searchSubjects (P4, G3): a page ordered by (name, code) and the visible total, in one statement. */
export async function searchVisibleSubjects(
  db: Db,
  search: SubjectSearch,
  subjectScope: SQL,
  recordScope: SQL,
): Promise<{ rows: SubjectRow[]; total: number }> {
  if (search.kinds.length === 0) return { rows: [], total: 0 };
  const conditions: SQL[] = [
    sql`(lower(s.name) LIKE ${`%${escapeLike(search.nameContains)}%`} OR s.code = ${search.code})`,
    sql`s.kind IN (${sql.join(search.kinds.map((k) => sql`${k}`), sql`, `)})`,
    subjectScope,
  ];
  if (search.professionalGroup) {
    conditions.push(sql`EXISTS (SELECT 1 FROM records r JOIN catalog_types ct ON ct.code = r.type
      WHERE r.subject_id = s.id AND r.group_code = ${search.professionalGroup} AND r.status = 'ACTIVE' AND ${recordScope})`);
  }
  const after = search.after ? sql`(s.name COLLATE "C", s.code COLLATE "C") > (${search.after.name} COLLATE "C", ${search.after.code} COLLATE "C")` : sql`TRUE`;
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    WITH matched AS MATERIALIZED (
      SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE ${sql.join(conditions, sql` AND `)}
    )
    SELECT (SELECT count(*)::int FROM matched) AS total_count, m.* FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT * FROM matched s WHERE ${after} ORDER BY s.name COLLATE "C", s.code COLLATE "C" LIMIT ${search.limit + 1}
    ) m ON TRUE`);
  const total = rows.length ? Number(rows[0].total_count) : 0;
  return { rows: rows.filter((row) => row.id !== null && row.id !== undefined).map(mapSubjectRow), total };
}
