import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { records, recordVersions, subjects } from '../../db/schema/index.js';
import type { NormalisedRecord } from './record-validation.js';

export type SubjectRecordRow = typeof subjects.$inferSelect;

export function findSubjectsByCodes(db: Db, codes: readonly string[]) {
  if (codes.length === 0) return Promise.resolve([] as SubjectRecordRow[]);
  return db.select().from(subjects).where(inArray(subjects.code, [...codes]));
}

export type ExistingRecord = typeof records.$inferSelect;

export async function findRecordsBySourceRefs(db: Db, orgCode: string, sourceRefs: readonly string[]): Promise<ExistingRecord[]> {
  if (sourceRefs.length === 0) return [];
  return db.select().from(records).where(and(eq(records.sourceOrg, orgCode), inArray(records.sourceRef, [...sourceRefs])));
}

export const INSERT_CHUNK = 500;

/** A text[] literal built from bound parameters (drizzle expands a bare JS array into a parameter list). */
function textArray(values: readonly string[]) {
  return values.length ? sql`ARRAY[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::text[]` : sql`ARRAY[]::text[]`;
}

function recordValues(record: NormalisedRecord) {
  return {
    subjectId: record.subjectId, type: record.type, category: record.category, nature: record.nature,
    severity: record.severity as typeof records.$inferInsert.severity, title: record.title, summary: record.summary,
    decisionNumber: record.decisionNumber, decidedAt: record.decidedAt, validFrom: record.validFrom,
    validUntil: record.validUntil, legalBasis: record.legalBasis, amount: record.amount, grade: record.grade,
    groupCode: record.groupCode, disclosure: record.disclosure, details: record.details,
    contentHash: record.contentHash,
  };
}

/**
 * Writes a validated batch in one transaction: new records inserted, changed ones versioned (the replaced
 * content kept in record_versions, W2). All or nothing (W1).
 */
export async function writeRecordBatch(
  db: Db,
  orgCode: string,
  actor: string | null,
  inserts: { id: string; record: NormalisedRecord }[],
  updates: { existing: ExistingRecord; record: NormalisedRecord; changedFields: string[] }[],
  now: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < inserts.length; i += INSERT_CHUNK) {
      const chunk = inserts.slice(i, i + INSERT_CHUNK);
      await tx.insert(records).values(chunk.map(({ id, record }) => ({
        id, sourceOrg: orgCode, sourceRef: record.sourceRef, ...recordValues(record),
      })));
    }
    for (const { existing, record, changedFields } of updates) {
      await tx.execute(sql`
        INSERT INTO record_versions (record_id, version, snapshot, changed_fields, replaced_by, replaced_at)
        SELECT r.id, r.version, to_jsonb(r), ${textArray(changedFields)}, ${actor}, ${now.toISOString()}::timestamptz FROM records r WHERE r.id = ${existing.id}::uuid`);
      await tx.update(records)
        .set({ ...recordValues(record), version: existing.version + 1, updatedAt: now })
        .where(eq(records.id, existing.id));
    }
  });
}

export async function withdraw(db: Db, id: string, reason: string, actor: string | null, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      INSERT INTO record_versions (record_id, version, snapshot, changed_fields, replaced_by, replaced_at)
      SELECT r.id, r.version, to_jsonb(r), ARRAY['status']::text[], ${actor}, ${now.toISOString()}::timestamptz FROM records r WHERE r.id = ${id}::uuid`);
    await tx.update(records)
      .set({ status: 'WITHDRAWN', statusReason: reason, version: sql`${records.version} + 1`, updatedAt: now })
      .where(eq(records.id, id));
  });
}

export { recordVersions };
