import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/rows.js';
import { records, recordVersions, subjects } from '../../db/schema/index.js';
import type { NormalisedRecord } from './record-validation.js';

export type SubjectRecordRow = typeof subjects.$inferSelect;

/** Lookups by a list bind ONE array parameter (a batch of 5,000 would otherwise bind 5,000). */
const anyOf = (values: readonly string[]) => sql`ANY (${sql.param([...values])}::text[])`;

export function findSubjectsByCodes(db: Db, codes: readonly string[]) {
  if (codes.length === 0) return Promise.resolve([] as SubjectRecordRow[]);
  return db.select().from(subjects).where(sql`${subjects.code} = ${anyOf(codes)}`);
}

type SubjectRowInsert = typeof subjects.$inferInsert;

/**
 * Inserts new subjects, leaving alone any code another transaction inserted since the caller looked (ON CONFLICT
 * DO NOTHING: a concurrent registration is never overwritten). Returns the codes this statement inserted.
 */
export async function insertNewSubjects(db: Db, rows: readonly SubjectRowInsert[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db.insert(subjects).values([...rows]).onConflictDoNothing({ target: subjects.code }).returning({ code: subjects.code });
  return new Set(inserted.map((row) => row.code));
}

/**
 * Updates registration data (W2: only its registering organisation's, or the credit office's on its behalf): each
 * row is changed only while the stored `registered_by` is still the row's `registeredBy`. Returns the codes updated.
 */
export async function updateRegistrations(db: Db, rows: readonly SubjectRowInsert[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const column = (pick: (row: SubjectRowInsert) => string | null | undefined) => sql.param(rows.map((row) => pick(row) ?? null));
  const updated = await queryRows<{ code: string }>(db, sql`
    UPDATE subjects s SET name = u.name, registered_at = u.registered_at, address = u.address,
      legal_representative = u.legal_representative, legal_representative_id = u.legal_representative_id, updated_at = now()
    FROM unnest(${column((r) => r.code)}::text[], ${column((r) => r.registeredBy)}::text[], ${column((r) => r.name)}::text[],
      ${column((r) => r.registeredAt)}::date[], ${column((r) => r.address)}::text[], ${column((r) => r.legalRepresentative)}::text[],
      ${column((r) => r.legalRepresentativeId)}::text[])
      AS u(code, registered_by, name, registered_at, address, legal_representative, legal_representative_id)
    WHERE s.code = u.code AND s.registered_by = u.registered_by
    RETURNING s.code`);
  return new Set(updated.map((row) => row.code));
}

export type ExistingRecord = typeof records.$inferSelect;

export async function findRecordsBySourceRefs(db: Db, orgCode: string, sourceRefs: readonly string[]): Promise<ExistingRecord[]> {
  if (sourceRefs.length === 0) return [];
  return db.select().from(records).where(and(eq(records.sourceOrg, orgCode), sql`${records.sourceRef} = ${anyOf(sourceRefs)}`));
}

export const INSERT_CHUNK = 5000;

/**
 * New records as one INSERT … SELECT FROM unnest(arrays): one parameter per column whatever the row count,
 * so a 5,000-row chunk binds 21 parameters instead of 105,000.
 */
/** X3: a peer platform's filing: its code, and per sourceRef the peer's change sequence it applies (exchange imports). */
export interface PeerOrigin {
  platform: string;
  sequences?: ReadonlyMap<string, string>;
}

async function insertRecords(
  db: Db, orgCode: string, rows: readonly { id: string; record: NormalisedRecord }[], now: Date, origin: PeerOrigin | null,
): Promise<void> {
  const originPlatform = origin?.platform ?? null;
  const column = <T>(pick: (r: NormalisedRecord, id: string) => T) => sql.param(rows.map(({ id, record }) => pick(record, id)));
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  await db.execute(sql`
    INSERT INTO records (id, subject_id, type, category, nature, severity, title, summary, decision_number, decided_at,
      valid_from, valid_until, legal_basis, amount, grade, group_code, disclosure, details, source_org, source_ref,
      content_hash, created_at, updated_at, origin_platform, origin_id, origin_sequence)
    SELECT u.id, u.subject_id, u.type, u.category, u.nature, u.severity, u.title, u.summary, u.decision_number, u.decided_at,
      u.valid_from, u.valid_until, u.legal_basis, u.amount, u.grade, u.group_code, u.disclosure, u.details, ${orgCode},
      u.source_ref, u.content_hash, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz,
      ${originPlatform}::text, CASE WHEN ${originPlatform}::text IS NULL THEN NULL ELSE u.source_ref END, u.origin_sequence
    FROM unnest(
      ${column((_, id) => id)}::uuid[], ${column((r) => r.subjectId)}::bigint[], ${column((r) => r.type)}::text[],
      ${column((r) => r.category)}::text[], ${column((r) => r.nature)}::text[], ${column((r) => r.severity)}::text[],
      ${column((r) => r.title)}::text[], ${column((r) => r.summary)}::text[], ${column((r) => r.decisionNumber)}::text[],
      ${column((r) => iso(r.decidedAt))}::timestamptz[], ${column((r) => iso(r.validFrom))}::timestamptz[],
      ${column((r) => iso(r.validUntil))}::timestamptz[], ${column((r) => r.legalBasis)}::text[],
      ${column((r) => r.amount)}::numeric[], ${column((r) => r.grade)}::text[], ${column((r) => r.groupCode)}::text[],
      ${column((r) => r.disclosure)}::text[], ${column((r) => (r.details === null || r.details === undefined ? null : JSON.stringify(r.details)))}::jsonb[],
      ${column((r) => r.sourceRef)}::text[], ${column((r) => r.contentHash)}::text[],
      ${column((r) => origin?.sequences?.get(r.sourceRef) ?? null)}::bigint[]
    ) AS u(id, subject_id, type, category, nature, severity, title, summary, decision_number, decided_at, valid_from,
      valid_until, legal_basis, amount, grade, group_code, disclosure, details, source_ref, content_hash, origin_sequence)`);
}

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

/** A record a batch would re-file changed (withdrawn, repaired, re-filed) after the batch was planned. */
export class RecordChangedMeanwhile extends Error {
  constructor(readonly recordId: string) {
    super('A record of the batch changed after the batch was planned.');
  }
}

/**
 * Writes a validated batch in one transaction: new records inserted, changed ones versioned (the replaced
 * content kept in record_versions, W2). All or nothing (W1). X3: a peer platform's records (`originPlatform` set:
 * it is the filer) keep their origin — the peer's code, and their id there, which the peer files as sourceRef.
 */
export async function writeRecordBatch(
  db: Db,
  orgCode: string,
  actor: string | null,
  inserts: { id: string; record: NormalisedRecord }[],
  updates: { existing: ExistingRecord; record: NormalisedRecord; changedFields: string[] }[],
  now: Date,
  origin: PeerOrigin | null = null,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < inserts.length; i += INSERT_CHUNK) {
      await insertRecords(tx as unknown as Db, orgCode, inserts.slice(i, i + INSERT_CHUNK), now, origin);
    }
    for (const { existing, record, changedFields } of updates) {
      // the version planned from must still be the record's: a withdrawal, repair or other filing committed since
      // the plan read it would otherwise collide with it in the history (or be overwritten)
      const [current] = await queryRows<{ version: number }>(tx as unknown as Db, sql`
        SELECT version FROM records WHERE id = ${existing.id}::uuid FOR UPDATE`);
      if (!current || Number(current.version) !== existing.version) throw new RecordChangedMeanwhile(existing.id);
      await tx.execute(sql`
        INSERT INTO record_versions (record_id, version, snapshot, changed_fields, replaced_by, replaced_at)
        SELECT r.id, r.version, to_jsonb(r), ${textArray(changedFields)}, ${actor}, ${now.toISOString()}::timestamptz FROM records r WHERE r.id = ${existing.id}::uuid`);
      const originSequence = origin?.sequences?.get(record.sourceRef);
      await tx.update(records)
        .set({ ...recordValues(record), version: existing.version + 1, updatedAt: now, ...(originSequence ? { originSequence: BigInt(originSequence) } : {}) })
        .where(eq(records.id, existing.id));
    }
  });
}

/** What a withdrawal found: `withdrawn` when it changed the record, else the status that stopped it (null: no such record). */
export type WithdrawOutcome = { withdrawn: true } | { withdrawn: false; status: string | null };

/**
 * W2: withdraws an ACTIVE record, keeping the replaced version (W2 history), in one transaction. The record's row
 * is locked first and its status read under the lock, so of simultaneous withdrawals (or a withdrawal and a repair
 * approval, which takes the same lock) exactly one changes the record and writes one version; the others find it
 * no longer ACTIVE and write nothing. X3: a peer platform's REPAIRED change closes its record the same way.
 */
export async function withdraw(
  db: Db, id: string, reason: string, actor: string | null, now: Date, status: 'WITHDRAWN' | 'REPAIRED' = 'WITHDRAWN',
): Promise<WithdrawOutcome> {
  return db.transaction(async (tx) => {
    const [locked] = await queryRows<{ status: string }>(tx as unknown as Db, sql`
      SELECT status FROM records WHERE id = ${id}::uuid FOR UPDATE`);
    if (!locked || locked.status !== 'ACTIVE') return { withdrawn: false, status: locked?.status ?? null };
    await tx.execute(sql`
      INSERT INTO record_versions (record_id, version, snapshot, changed_fields, replaced_by, replaced_at)
      SELECT r.id, r.version, to_jsonb(r), ARRAY['status']::text[], ${actor}, ${now.toISOString()}::timestamptz FROM records r WHERE r.id = ${id}::uuid`);
    await tx.update(records)
      .set({ status, statusReason: reason, version: sql`${records.version} + 1`, updatedAt: now })
      .where(eq(records.id, id));
    return { withdrawn: true };
  });
}

export { recordVersions };
