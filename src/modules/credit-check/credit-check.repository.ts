import { asc, eq } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { creditChecks, measures } from '../../db/schema/index.js';
import { queryRows } from '../../db/rows.js';
import { DEFAULT_ALIASES, inForceSql, nowValue } from '../disclosure/record-facts.sql.js';
import type { SqlScope } from '../disclosure/scope.sql.js';
import { mapRecordRow, recordSelectSql, type RecordRow } from '../records/records.repository.js';

export type MeasureRow = typeof measures.$inferSelect;
export type CreditCheckRow = typeof creditChecks.$inferSelect;

export function listMeasures(db: Db): Promise<MeasureRow[]> {
  return db.select().from(measures).orderBy(asc(measures.code));
}

export interface MeasureHitRow {
  measure: MeasureRow;
  record: RecordRow;
}

/**
 * C2/C3 in ONE statement, however many records the subject has: every (measure, record) pair where the
 * measure applies in the scenario, the record triggers it, is in force at `now`, and is visible to the
 * department (its scope, G1).
 */
export async function findMeasureHits(db: Db, subjectId: number, scenario: string, recordScope: SqlScope, now: Date): Promise<MeasureHitRow[]> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    SELECT ${recordSelectSql(now)}, to_jsonb(m) AS measure_json
    FROM records r
    JOIN subjects s ON s.id = r.subject_id
    JOIN catalog_types ct ON ct.code = r.type
    JOIN measures m ON r.type = ANY (m.trigger_types)
      AND (m.trigger_severities IS NULL OR r.severity = ANY (m.trigger_severities))
      AND (m.trigger_grades IS NULL OR r.grade = ANY (m.trigger_grades))
      AND ${scenario} = ANY (m.scenarios)
    WHERE r.subject_id = ${subjectId} AND ${inForceSql(DEFAULT_ALIASES, now)} AND ${recordScope.sql}
    ORDER BY m.code, r.decided_at DESC, r.id DESC`, nowValue(now));
  return rows.map((row) => {
    const m = (typeof row.measure_json === 'string' ? JSON.parse(row.measure_json) : row.measure_json) as Record<string, unknown>;
    return {
      record: mapRecordRow(row),
      measure: {
        code: String(m.code), name: String(m.name), nameZh: String(m.name_zh), kind: String(m.kind), effect: String(m.effect),
        triggerTypes: m.trigger_types as string[], triggerSeverities: (m.trigger_severities as string[] | null) ?? null,
        triggerGrades: (m.trigger_grades as string[] | null) ?? null, scenarios: m.scenarios as string[],
        legalBasis: String(m.legal_basis), description: (m.description as string | null) ?? null,
      },
    };
  });
}

export async function insertCreditCheck(db: Db, row: typeof creditChecks.$inferInsert): Promise<void> {
  await db.insert(creditChecks).values(row);
}

export async function findCreditCheck(db: Db, id: string): Promise<CreditCheckRow | null> {
  const [row] = await db.select().from(creditChecks).where(eq(creditChecks.id, id));
  return row ?? null;
}
