import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryCached, toDate } from '../../db/rows.js';
import { nowValue, REQUEST_NOW } from '../disclosure/record-facts.sql.js';
import type { SqlScope } from '../disclosure/scope.sql.js';
import { mapRecordRow, recordSelectSql, type RecordRow } from '../records/records.repository.js';

/**
 * The exchange feed (SPEC X1): changes of records in commit order — `record_changes.sequence`, which migration
 * 0013's commit-time trigger numbers under a lock (see the comment there: why a plain sequence is not enough). Each
 * change is read with the record *as of that change*: its version's content (the current row when the version is
 * still current, else the snapshot kept in record_versions when it was replaced), the status and dispute flag the
 * change recorded, and the record's origin (never changes). The viewer's rules (policies/exchange.ts) arrive as a
 * compiled scope over the version (r) and the record (cur).
 */
export interface ChangeRow {
  sequence: string;
  kind: string;
  at: Date;
  subjectKind: string;
  subjectName: string;
  record: RecordRow;
}

function changesFrom(scope: SqlScope): SQL {
  return sql`
    FROM record_changes c
    JOIN records cur ON cur.id = c.record_id
    CROSS JOIN LATERAL (
      SELECT now_row.* FROM records now_row WHERE now_row.id = c.record_id AND now_row.version = c.version
      UNION ALL
      SELECT kept.* FROM record_versions rv CROSS JOIN LATERAL jsonb_populate_record(NULL::records, rv.snapshot) kept
      WHERE rv.record_id = c.record_id AND rv.version = c.version
    ) r
    JOIN subjects s ON s.id = r.subject_id
    JOIN catalog_types ct ON ct.code = r.type
    WHERE c.sequence > ${sql.placeholder('after')}::bigint AND ${scope.sql}`;
}

/** The fence of migration 0013: writers number under it in shared mode, a feed page is read under it exclusively. */
export const CHANGE_NUMBERING_LOCK = 7262023;

/**
 * One page of the feed, read in a transaction holding the numbering lock exclusively: every transaction that has taken
 * change numbers is visible (or rolled back) by then, and none takes new ones until the page is read, so the page
 * never passes over a change that commits later (migration 0013 explains the fence).
 */
export async function queryChanges(db: Db, scope: SqlScope, after: string, limit: number, now: Date): Promise<ChangeRow[]> {
  // READ COMMITTED whatever the server's default: the page's snapshot must be taken after the lock is granted (under
  // REPEATABLE READ it would be taken when the lock statement starts, before the wait, and could miss a change)
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await queryCached(t, 'record-changes-fence', () => sql`SELECT pg_advisory_xact_lock(${sql.placeholder('lock')}::bigint)`, { lock: CHANGE_NUMBERING_LOCK });
    return readChanges(t, scope, after, limit, now);
  }, { isolationLevel: 'read committed' });
}

async function readChanges(db: Db, scope: SqlScope, after: string, limit: number, now: Date): Promise<ChangeRow[]> {
  const rows = await queryCached<Record<string, unknown>>(db, `record-changes ${scope.key}`, () => sql`
    SELECT c.sequence::text AS change_sequence, c.kind AS change_kind, c.at AS change_at, c.status AS change_status,
      c.disputed AS change_disputed, cur.origin_platform AS change_origin_platform, cur.origin_id AS change_origin_id,
      s.kind AS subject_kind, s.name AS subject_name, ${recordSelectSql(REQUEST_NOW)}
    ${changesFrom(scope)}
    ORDER BY c.sequence
    LIMIT ${sql.placeholder('limit')}::int`,
  { after, limit, ...nowValue(now) });
  return rows.map((row) => {
    const record = mapRecordRow(row);
    // the change's own status and dispute flag (a dispute does not make a version), and the record's origin
    record.status = String(row.change_status);
    record.disputed = row.change_disputed === true || row.change_disputed === 't';
    record.originPlatform = (row.change_origin_platform as string | null) ?? null;
    record.originId = (row.change_origin_id as string | null) ?? null;
    return {
      sequence: String(row.change_sequence),
      kind: String(row.change_kind),
      at: toDate(row.change_at),
      subjectKind: String(row.subject_kind),
      subjectName: String(row.subject_name),
      record,
    };
  });
}

/** How many changes the viewer may receive after `after` (computed only when `totalCount` is selected). */
export async function countChanges(db: Db, scope: SqlScope, after: string): Promise<number> {
  const [row] = await queryCached<{ total: number }>(db, `record-changes-count ${scope.key}`, () => sql`
    SELECT count(*)::int AS total ${changesFrom(scope)}`, { after });
  return Number(row?.total ?? 0);
}
