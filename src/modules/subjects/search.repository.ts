import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryCached } from '../../db/rows.js';
import { nowValue } from '../disclosure/record-facts.sql.js';
import type { SqlScope } from '../disclosure/scope.sql.js';
import { mapSubjectRow, SUBJECT_COLUMNS, type SubjectRow } from './subjects.repository.js';

export interface SubjectSearch {
  /** names containing this (case-insensitive; at least MIN_SEARCH_LENGTH characters) */
  nameContains: string;
  /** … or exactly this code */
  code: string;
  kinds: readonly string[];
  /** subjects holding a visible, active qualification of this group (D7: within `recordScope`) */
  professionalGroup: string | null;
  after: { name: string; code: string } | null;
  limit: number;
  /** count every match (totalCount): only when the response selects it */
  withTotal: boolean;
}

export const MIN_SEARCH_LENGTH = 2;

const ORGANIZATION_KINDS = ['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const;

/**
 * The subject kinds a search covers (P4, G3): organisations for everyone; individuals only for a department
 * stating a purpose; narrowed to `kind` when one is asked for.
 */
export function searchableKinds(role: string, statesPurpose: boolean, kind: string | null | undefined): string[] {
  const individuals = role === 'department' && statesPurpose;
  return [...ORGANIZATION_KINDS, ...(individuals ? ['INDIVIDUAL'] : [])].filter((k) => !kind || k === kind);
}

/** §11: no subject's name is longer (registration refuses longer names: src/modules/filing/filing.planner.ts). */
export const MAX_SEARCH_LENGTH = 200;

/**
 * How many postings of a piece are counted, at most, to find the query's least common piece: enough to tell a piece
 * of a few hundred names from one of a hundred thousand, for at most this many index entries per piece.
 */
export const PROBE_COUNT_LIMIT = 2000;

/** §11: how many of the query's pieces are probed, at most (spread over the query: its first, its last, between). */
export const PROBE_PIECES = 4;

/**
 * §11: how many postings of the chosen piece a page walks, at most. At city scale most pieces of a longer query are
 * common (each above PROBE_COUNT_LIMIT), so the chosen one may hold hundreds of thousands of postings of which none
 * holds the whole query (股份有限责任公司); past this many the page is answered from the GIN index instead.
 */
export const WALK_LIMIT = 5000;

export interface SearchStatement {
  /** the compiled-statement key (src/db/rows.ts queryCached) */
  key: string;
  build: () => SQL;
  values: Record<string, unknown>;
}

/**
 * searchSubjects (P4, G3) as one statement, whose plan does not depend on the query (gateway sessions plan generically):
 * - `probe`: the least common of at most PROBE_PIECES two-character pieces of the query, spread over it (a
 *   two-character query is its own piece); each piece's postings are counted up to PROBE_COUNT_LIMIT from the index of
 *   subject_name_grams (migration 0014), so the probe costs at most PROBE_PIECES × PROBE_COUNT_LIMIT index entries
 *   whatever the query's length (§11);
 * - `walk_page`: at most WALK_LIMIT of that piece's postings in page order (name, code in "C" collation) from the cursor
 *   on, kept when the name contains the whole query and the kind is searched (both read from the index), each then
 *   joined to its subject by code for the viewer's scope and the group filter, until `limit` rows are found. A common
 *   piece yields matches at once; a rare one has few postings to read;
 * - `gin_page` (§11), only when the walk read WALK_LIMIT postings without filling the page (every probed piece is
 *   common, and they seldom occur together): the matches from the GIN index subjects_name_bigrams (every piece of the
 *   query, intersected by the index), sorted — few by then, since the walked piece's first WALK_LIMIT postings held
 *   fewer than `limit` of them. Without it, a query of common pieces that never occur together walked every posting
 *   of one piece (~330,000 at 1M subjects);
 * - `by_code`: the subject whose code is the query (when its name does not already match);
 * - with `withTotal`: the exact number of matches, from the GIN index subjects_name_bigrams (every piece of the
 *   query) — only when the response asks for totalCount, since a common query matches a large share of all subjects.
 *   The pieces are a sub-select so that a custom plan (PGlite plans the first executions with the values) cannot
 *   estimate a common piece and prefer reading every subject.
 * The subject join is a LATERAL … LIMIT 1 so that it stays one index probe per posting whatever the planner
 * estimates (a generic plan cannot know how many postings a piece has).
 */
export function searchStatement(search: SubjectSearch, subjectScope: SqlScope, recordScope: SqlScope, now: Date): SearchStatement {
  const byGroup = search.professionalGroup !== null;
  const paged = search.after !== null;
  const key = `search-subjects ${subjectScope.key} ${byGroup ? recordScope.key : '-'} ${paged} ${search.withTotal}`;
  const build = () => {
    const term = sql`lower(${sql.placeholder('term')}::text)`;
    const kinds = sql`${sql.placeholder('kinds')}::text[]`;
    const group = byGroup
      ? sql`AND EXISTS (SELECT 1 FROM records r JOIN catalog_types ct ON ct.code = r.type
          WHERE r.subject_id = s.id AND r.group_code = ${sql.placeholder('group')} AND r.status = 'ACTIVE' AND ${recordScope.sql})`
      : sql``;
    const after = (alias: string) => paged
      ? sql`AND (${sql.raw(alias)}.name COLLATE "C", ${sql.raw(alias)}.code COLLATE "C")
          > (${sql.placeholder('afterName')}::text COLLATE "C", ${sql.placeholder('afterCode')}::text COLLATE "C")`
      : sql``;
    // the subjects that match, read through the GIN index subjects_name_bigrams (every piece of the query): the count
    // of totalCount, and the page when the walk cannot fill it
    const matchesByEveryPiece = sql`subject_name_bigrams(lower(s.name)) @> (SELECT subject_name_bigrams(${term})) AND strpos(lower(s.name), ${term}) > 0
        AND s.kind = ANY (${kinds}) AND ${subjectScope.sql} ${group}`;
    const total = sql`((SELECT count(*) FROM subjects s WHERE ${matchesByEveryPiece}) + (SELECT count(*) FROM by_code))::int`;
    const chosen = sql`(SELECT p.gram FROM probe p)`;
    const statement = sql`
    WITH probe AS MATERIALIZED (
      SELECT b.gram FROM (
        SELECT DISTINCT substr(t.term, 1 + ((char_length(t.term) - 2) * i) / ${sql.raw(String(PROBE_PIECES - 1))}, 2) AS gram, char_length(t.term) AS length
        FROM (SELECT ${term} AS term) t CROSS JOIN generate_series(0, ${sql.raw(String(PROBE_PIECES - 1))}) AS i
      ) b
      ORDER BY CASE WHEN b.length > 2
        THEN (SELECT count(*) FROM (SELECT FROM subject_name_grams x WHERE x.gram = b.gram LIMIT ${sql.raw(String(PROBE_COUNT_LIMIT))}) n) END, b.gram
      LIMIT 1
    ),
    by_code AS MATERIALIZED (
      SELECT ${SUBJECT_COLUMNS} FROM subjects s
      WHERE s.code = ${sql.placeholder('code')}::text AND strpos(lower(s.name), ${term}) = 0
        AND s.kind = ANY (${kinds}) AND ${subjectScope.sql} ${group}
    ),
    walk_page AS MATERIALIZED (
      SELECT m.* FROM (
        SELECT g.name, g.code, g.kind FROM subject_name_grams g
        WHERE g.gram = ${chosen} ${after('g')}
        ORDER BY g.name COLLATE "C", g.code COLLATE "C"
        LIMIT ${sql.raw(String(WALK_LIMIT))}
      ) g
      CROSS JOIN LATERAL (
        SELECT ${SUBJECT_COLUMNS} FROM subjects s
        WHERE s.code = g.code AND s.kind = ANY (${kinds}) AND ${subjectScope.sql} ${group}
        LIMIT 1
      ) m
      WHERE strpos(lower(g.name), ${term}) > 0 AND g.kind = ANY (${kinds})
      ORDER BY g.name COLLATE "C", g.code COLLATE "C"
      LIMIT ${sql.placeholder('limit')}::int
    ),
    fallback AS MATERIALIZED (
      -- the walk did not fill the page and stopped at WALK_LIMIT postings (counted only when the page is short)
      SELECT (SELECT count(*) FROM walk_page) < ${sql.placeholder('limit')}::int
        AND (SELECT count(*) FROM (SELECT FROM subject_name_grams g WHERE g.gram = ${chosen} ${after('g')}
          LIMIT ${sql.raw(String(WALK_LIMIT))}) w) = ${sql.raw(String(WALK_LIMIT))} AS needed
    ),
    page AS (
      SELECT * FROM walk_page WHERE NOT (SELECT f.needed FROM fallback f)
      UNION ALL
      (SELECT ${SUBJECT_COLUMNS} FROM subjects s
      WHERE (SELECT f.needed FROM fallback f) AND ${matchesByEveryPiece} ${after('s')}
      ORDER BY s.name COLLATE "C", s.code COLLATE "C"
      LIMIT ${sql.placeholder('limit')}::int)
      UNION ALL
      SELECT * FROM by_code s WHERE TRUE ${after('s')}
    )`;
    return search.withTotal
      ? sql`${statement}
    SELECT ${total} AS total_count, p.* FROM (SELECT 1) one
    LEFT JOIN LATERAL (SELECT * FROM page ORDER BY page.name COLLATE "C", page.code COLLATE "C" LIMIT ${sql.placeholder('limit')}::int) p ON TRUE`
      : sql`${statement}
    SELECT p.* FROM page p ORDER BY p.name COLLATE "C", p.code COLLATE "C" LIMIT ${sql.placeholder('limit')}::int`;
  };
  return {
    key,
    build,
    values: {
      term: search.nameContains,
      code: search.code,
      kinds: [...search.kinds],
      group: search.professionalGroup,
      afterName: search.after?.name ?? null,
      afterCode: search.after?.code ?? null,
      limit: search.limit + 1,
      ...nowValue(now),
    },
  };
}

/**
 * searchSubjects (P4, G3): a page ordered by (name, code) — `limit + 1` rows, the last telling that there is a next
 * page — and, with `withTotal`, the number of visible matches (else null), in one statement.
 */
export async function searchVisibleSubjects(
  db: Db,
  search: SubjectSearch,
  subjectScope: SqlScope,
  recordScope: SqlScope,
  now: Date,
): Promise<{ rows: SubjectRow[]; total: number | null }> {
  if (search.kinds.length === 0) return { rows: [], total: search.withTotal ? 0 : null };
  const statement = searchStatement(search, subjectScope, recordScope, now);
  const rows = await queryCached<Record<string, unknown>>(db, statement.key, statement.build, statement.values);
  const total = search.withTotal ? (rows.length ? Number(rows[0].total_count) : 0) : null;
  return { rows: rows.filter((row) => row.id !== null && row.id !== undefined).map((row) => mapSubjectRow(row)), total };
}
