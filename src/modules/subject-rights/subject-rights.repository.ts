import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows, toDate, toDateOrNull } from '../../db/rows.js';

/**
 * Objections, repair applications and their state history (SPEC §8). Every state change runs in one
 * transaction with its case event and, where it applies, the record's change (the `disputed` flag, a corrected
 * version, REPAIRED) — a change is never half-written.
 */
export type CaseKind = 'OBJECTION' | 'REPAIR';
export type CaseAction = 'FILED' | 'RESOLVED' | 'APPLIED' | 'APPROVED' | 'REJECTED';

export interface ObjectionRow {
  id: string;
  recordId: string;
  subjectId: number;
  subjectCode: string;
  subjectKind: string;
  sourceOrg: string;
  reason: string;
  status: 'PENDING' | 'RESOLVED';
  outcome: 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED' | null;
  note: string | null;
  recordVersion: number;
  correctedVersion: number | null;
  filedAt: Date;
  resolvedAt: Date | null;
}

export interface RepairApplicationRow {
  id: string;
  recordId: string;
  subjectId: number;
  subjectCode: string;
  subjectKind: string;
  sourceOrg: string;
  commitment: string;
  evidence: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED';
  decisionReason: string | null;
  appliedAt: Date;
  decidedAt: Date | null;
}

export interface CaseEventRow {
  sequence: number;
  caseKind: CaseKind;
  caseId: string;
  recordId: string;
  subjectCode: string;
  action: CaseAction;
  outcome: string | null;
  actor: string | null;
  role: string;
  orgCode: string | null;
  at: Date;
}

/** Who changes a case, and when (the request's instant). */
export interface CaseActor {
  actor: string | null;
  role: string;
  orgCode: string | null;
  at: Date;
}

const OBJECTION_COLUMNS = sql.raw(`o.id, o.record_id, o.subject_id, o.subject_code, s.kind AS subject_kind, o.source_org, o.reason,
  o.status, o.outcome, o.note, o.record_version, o.corrected_version, o.filed_at, o.resolved_at`);
const REPAIR_COLUMNS = sql.raw(`a.id, a.record_id, a.subject_id, a.subject_code, s.kind AS subject_kind, a.source_org, a.commitment,
  a.evidence, a.status, a.decision_reason, a.applied_at, a.decided_at`);

function mapObjection(row: Record<string, unknown>): ObjectionRow {
  return {
    id: String(row.id),
    recordId: String(row.record_id),
    subjectId: Number(row.subject_id),
    subjectCode: String(row.subject_code),
    subjectKind: String(row.subject_kind),
    sourceOrg: String(row.source_org),
    reason: String(row.reason),
    status: row.status as ObjectionRow['status'],
    outcome: (row.outcome as ObjectionRow['outcome']) ?? null,
    note: (row.note as string | null) ?? null,
    recordVersion: Number(row.record_version),
    correctedVersion: row.corrected_version === null || row.corrected_version === undefined ? null : Number(row.corrected_version),
    filedAt: toDate(row.filed_at),
    resolvedAt: toDateOrNull(row.resolved_at),
  };
}

function mapRepair(row: Record<string, unknown>): RepairApplicationRow {
  return {
    id: String(row.id),
    recordId: String(row.record_id),
    subjectId: Number(row.subject_id),
    subjectCode: String(row.subject_code),
    subjectKind: String(row.subject_kind),
    sourceOrg: String(row.source_org),
    commitment: String(row.commitment),
    evidence: String(row.evidence),
    status: row.status as RepairApplicationRow['status'],
    decisionReason: (row.decision_reason as string | null) ?? null,
    appliedAt: toDate(row.applied_at),
    decidedAt: toDateOrNull(row.decided_at),
  };
}

function mapCaseEvent(row: Record<string, unknown>): CaseEventRow {
  return {
    sequence: Number(row.sequence),
    caseKind: row.case_kind as CaseKind,
    caseId: String(row.case_id),
    recordId: String(row.record_id),
    subjectCode: String(row.subject_code),
    action: row.action as CaseAction,
    outcome: (row.outcome as string | null) ?? null,
    actor: (row.actor as string | null) ?? null,
    role: String(row.role),
    orgCode: (row.org_code as string | null) ?? null,
    at: toDate(row.at),
  };
}

function appendCaseEvent(db: Db, kind: CaseKind, caseId: string, recordId: string, subjectCode: string, action: CaseAction, by: CaseActor, outcome: string | null = null) {
  return queryRows(db, sql`
    INSERT INTO case_events (case_kind, case_id, record_id, subject_code, action, outcome, actor, role, org_code, at)
    VALUES (${kind}, ${caseId}::uuid, ${recordId}::uuid, ${subjectCode}, ${action}, ${outcome}, ${by.actor}, ${by.role}, ${by.orgCode}, ${by.at.toISOString()}::timestamptz)`);
}

/** A unique-index violation on one of the "one pending case per record" indexes. */
export function isPendingConflict(error: unknown, index: string): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (String((e as { message?: unknown }).message ?? '').includes(index) || (e as { constraint?: unknown }).constraint === index) return true;
  }
  return false;
}

// ---- objections --------------------------------------------------------------------------------------------

/** What every case names: the record, its subject, and the record's source organisation (which decides). */
export interface CaseRecord {
  recordId: string;
  subjectId: number;
  subjectCode: string;
  sourceOrg: string;
}

export interface NewObjection extends CaseRecord {
  reason: string;
  recordVersion: number;
}

/** R1: files an objection and marks the record disputed, with its FILED event, in one transaction. */
export async function insertObjection(db: Db, objection: NewObjection, by: CaseActor): Promise<string> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await queryRows<{ id: string }>(t, sql`
      INSERT INTO objections (record_id, subject_id, subject_code, source_org, reason, record_version, filed_at, filed_by)
      VALUES (${objection.recordId}::uuid, ${objection.subjectId}, ${objection.subjectCode}, ${objection.sourceOrg}, ${objection.reason},
        ${objection.recordVersion}, ${by.at.toISOString()}::timestamptz, ${by.actor ?? objection.subjectCode})
      RETURNING id`);
    await queryRows(t, sql`UPDATE records SET disputed = true WHERE id = ${objection.recordId}::uuid`);
    await appendCaseEvent(t, 'OBJECTION', row.id, objection.recordId, objection.subjectCode, 'FILED', by);
    return String(row.id);
  });
}

export interface ObjectionResolution {
  outcome: 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED';
  note: string;
  correctedVersion: number | null;
}

/**
 * R2: resolves a pending objection (false when it was resolved meanwhile: nothing written). `writeCorrection`
 * runs inside the same transaction (CORRECTED: the record's new version). The record stays disputed only when
 * the outcome is UNDETERMINED (its objection and the note are kept and shown).
 */
export async function resolveObjectionRow(
  db: Db, objection: ObjectionRow, resolution: ObjectionResolution, by: CaseActor, writeCorrection?: (tx: Db) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const updated = await queryRows(t, sql`
      UPDATE objections SET status = 'RESOLVED', outcome = ${resolution.outcome}, note = ${resolution.note},
        corrected_version = ${resolution.correctedVersion}, resolved_at = ${by.at.toISOString()}::timestamptz, resolved_by = ${by.actor}
      WHERE id = ${objection.id}::uuid AND status = 'PENDING'
      RETURNING id`);
    if (updated.length === 0) return false;
    if (writeCorrection) await writeCorrection(t);
    await queryRows(t, sql`UPDATE records SET disputed = ${resolution.outcome === 'UNDETERMINED'} WHERE id = ${objection.recordId}::uuid`);
    await appendCaseEvent(t, 'OBJECTION', objection.id, objection.recordId, objection.subjectCode, 'RESOLVED', by, resolution.outcome);
    return true;
  });
}

export interface PendingQuery {
  /** only cases of this source organisation */
  sourceOrg: string | null;
  /** only objections filed before this instant (overdue ones, policies/working-days.ts) */
  filedBefore: Date | null;
  /** keyset: cases strictly after (filed/applied at, id), oldest first */
  after: { at: string; id: string } | null;
  limit: number;
}

/** The two kinds of case, read the same way: by id, by subject (newest first), pending by source (oldest first). */
const CASE_TABLES = {
  objections: { alias: 'o', columns: OBJECTION_COLUMNS, at: 'filed_at', map: mapObjection },
  repair_applications: { alias: 'a', columns: REPAIR_COLUMNS, at: 'applied_at', map: mapRepair },
} as const;
type CaseTable = keyof typeof CASE_TABLES;
type CaseRowOf<T extends CaseTable> = ReturnType<(typeof CASE_TABLES)[T]['map']>;

function caseFrom(table: CaseTable): SQL {
  const { alias, columns } = CASE_TABLES[table];
  return sql`SELECT ${columns} FROM ${sql.raw(table)} ${sql.raw(alias)} JOIN subjects s ON s.id = ${sql.raw(alias)}.subject_id`;
}

async function findCase<T extends CaseTable>(db: Db, table: T, id: string): Promise<CaseRowOf<T> | null> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`${caseFrom(table)} WHERE ${sql.raw(CASE_TABLES[table].alias)}.id = ${id}::uuid`);
  return rows.length ? (CASE_TABLES[table].map(rows[0]) as CaseRowOf<T>) : null;
}

async function casesOfSubject<T extends CaseTable>(db: Db, table: T, subjectId: number): Promise<CaseRowOf<T>[]> {
  const { alias, at } = CASE_TABLES[table];
  const rows = await queryRows<Record<string, unknown>>(db, sql`${caseFrom(table)}
    WHERE ${sql.raw(alias)}.subject_id = ${subjectId} ORDER BY ${sql.raw(`${alias}.${at}`)} DESC, ${sql.raw(alias)}.id DESC`);
  return rows.map((row) => CASE_TABLES[table].map(row) as CaseRowOf<T>);
}

async function pendingPage<T extends CaseTable>(db: Db, table: T, query: PendingQuery): Promise<{ rows: CaseRowOf<T>[]; total: number }> {
  const { alias, at: atColumn } = CASE_TABLES[table];
  const at = sql.raw(`${alias}.${atColumn}`);
  const base: SQL[] = [sql`${sql.raw(alias)}.status = 'PENDING'`];
  if (query.sourceOrg) base.push(sql`${sql.raw(alias)}.source_org = ${query.sourceOrg}`);
  if (query.filedBefore) base.push(sql`${at} < ${query.filedBefore.toISOString()}::timestamptz`);
  const page = query.after ? [...base, sql`(${at}, ${sql.raw(alias)}.id) > (${query.after.at}::timestamptz, ${query.after.id}::uuid)`] : base;
  const [rows, [{ total }]] = await Promise.all([
    queryRows<Record<string, unknown>>(db, sql`${caseFrom(table)} WHERE ${sql.join(page, sql` AND `)}
      ORDER BY ${at}, ${sql.raw(alias)}.id LIMIT ${query.limit + 1}`),
    queryRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM ${sql.raw(table)} ${sql.raw(alias)} WHERE ${sql.join(base, sql` AND `)}`),
  ]);
  return { rows: rows.map((row) => CASE_TABLES[table].map(row) as CaseRowOf<T>), total: Number(total) };
}

export const findObjection = (db: Db, id: string) => findCase(db, 'objections', id);
/** Subject.objections (self): every objection of the subject, newest first. */
export const listObjectionsOfSubject = (db: Db, subjectId: number) => casesOfSubject(db, 'objections', subjectId);
export const findRepairApplication = (db: Db, id: string) => findCase(db, 'repair_applications', id);
/** Subject.repairApplications (self), newest first. */
export const listRepairApplicationsOfSubject = (db: Db, subjectId: number) => casesOfSubject(db, 'repair_applications', subjectId);

/** objectionsToResolve / overdueObjections: pending objections, oldest first. */
export function listPendingObjections(db: Db, query: PendingQuery) {
  return pendingPage(db, 'objections', query);
}

// ---- repair applications -----------------------------------------------------------------------------------

export interface NewRepairApplication extends CaseRecord {
  commitment: string;
  evidence: string;
}

export async function insertRepairApplication(db: Db, application: NewRepairApplication, by: CaseActor): Promise<string> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await queryRows<{ id: string }>(t, sql`
      INSERT INTO repair_applications (record_id, subject_id, subject_code, source_org, commitment, evidence, applied_at, applied_by)
      VALUES (${application.recordId}::uuid, ${application.subjectId}, ${application.subjectCode}, ${application.sourceOrg},
        ${application.commitment}, ${application.evidence}, ${by.at.toISOString()}::timestamptz, ${by.actor ?? application.subjectCode})
      RETURNING id`);
    await appendCaseEvent(t, 'REPAIR', row.id, application.recordId, application.subjectCode, 'APPLIED', by);
    return String(row.id);
  });
}

export type RepairDecisionResult = 'DECIDED' | 'ALREADY_DECIDED' | 'RECORD_NOT_ACTIVE';

/**
 * R3: decides a pending application. Approval makes the record REPAIRED (D4) through a new version (the
 * replaced one kept, W2), in the same transaction; a record that is no longer ACTIVE (checked under the record's
 * row lock, so a racing withdrawal is seen) cannot be approved.
 */
export async function decideRepairRow(
  db: Db, application: RepairApplicationRow, approve: boolean, reason: string, by: CaseActor,
): Promise<RepairDecisionResult> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const at = by.at.toISOString();
    const updated = await queryRows(t, sql`
      UPDATE repair_applications SET status = ${approve ? 'APPROVED' : 'REJECTED'}, decision_reason = ${reason},
        decided_at = ${at}::timestamptz, decided_by = ${by.actor}
      WHERE id = ${application.id}::uuid AND status = 'PENDING'
      RETURNING id`);
    if (updated.length === 0) return 'ALREADY_DECIDED';
    if (approve) {
      // the record's row is locked (as a withdrawal locks it) before its status is read and its version kept: of an
      // approval and a withdrawal racing, one changes the record and writes the one version, the other finds it
      // no longer ACTIVE
      const [record] = await queryRows<{ status: string }>(t, sql`
        SELECT status FROM records WHERE id = ${application.recordId}::uuid FOR UPDATE`);
      if (record?.status !== 'ACTIVE') {
        // rolls the application back too: nothing of this decision is kept
        throw new RecordNotActive();
      }
      await queryRows(t, sql`
        INSERT INTO record_versions (record_id, version, snapshot, changed_fields, replaced_by, replaced_at)
        SELECT r.id, r.version, to_jsonb(r), ARRAY['status']::text[], ${by.actor}, ${at}::timestamptz
        FROM records r WHERE r.id = ${application.recordId}::uuid`);
      await queryRows(t, sql`
        UPDATE records SET status = 'REPAIRED', status_reason = ${reason}, version = version + 1, updated_at = ${at}::timestamptz
        WHERE id = ${application.recordId}::uuid`);
    }
    await appendCaseEvent(t, 'REPAIR', application.id, application.recordId, application.subjectCode, approve ? 'APPROVED' : 'REJECTED', by);
    return 'DECIDED' as const;
  }).catch((error: unknown) => {
    if (error instanceof RecordNotActive) return 'RECORD_NOT_ACTIVE' as const;
    throw error;
  });
}

class RecordNotActive extends Error {}

/** repairApplicationsToDecide: pending applications of one source organisation, oldest first. */
export function listPendingRepairApplications(db: Db, query: PendingQuery) {
  return pendingPage(db, 'repair_applications', query);
}

// ---- state history -----------------------------------------------------------------------------------------

/** The history of many cases, oldest first, in one statement. */
export async function loadCaseEvents(db: Db, caseIds: readonly string[]): Promise<Map<string, CaseEventRow[]>> {
  const result = new Map<string, CaseEventRow[]>(caseIds.map((id) => [id, []]));
  if (caseIds.length === 0) return result;
  const rows = await queryRows<Record<string, unknown>>(db, sql`
    SELECT * FROM case_events WHERE case_id = ANY (${sql.param([...caseIds])}::uuid[]) ORDER BY case_id, sequence`);
  for (const row of rows) result.get(String(row.case_id))?.push(mapCaseEvent(row));
  return result;
}

export interface CaseEventQuery {
  from: Date | null;
  to: Date | null;
  subjectCode: string | null;
  orgCode: string | null;
  caseKind: CaseKind | null;
  /** keyset: events strictly older than this sequence */
  afterSequence: number | null;
  limit: number;
}

/** caseEvents (auditors): every state change, newest first. */
export async function listCaseEvents(db: Db, query: CaseEventQuery): Promise<{ rows: CaseEventRow[]; total: number }> {
  const base: SQL[] = [sql`TRUE`];
  if (query.from) base.push(sql`e.at >= ${query.from.toISOString()}::timestamptz`);
  if (query.to) base.push(sql`e.at <= ${query.to.toISOString()}::timestamptz`);
  if (query.subjectCode) base.push(sql`e.subject_code = ${query.subjectCode}`);
  if (query.orgCode) base.push(sql`e.org_code = ${query.orgCode}`);
  if (query.caseKind) base.push(sql`e.case_kind = ${query.caseKind}`);
  const page = query.afterSequence !== null ? [...base, sql`e.sequence < ${query.afterSequence}`] : base;
  const [rows, [{ total }]] = await Promise.all([
    queryRows<Record<string, unknown>>(db, sql`SELECT * FROM case_events e WHERE ${sql.join(page, sql` AND `)}
      ORDER BY e.sequence DESC LIMIT ${query.limit + 1}`),
    queryRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM case_events e WHERE ${sql.join(base, sql` AND `)}`),
  ]);
  return { rows: rows.map(mapCaseEvent), total: Number(total) };
}

/** Every objection of many records, newest first (what a disputed record shows: R1, R2 UNDETERMINED), in one statement. */
export async function loadObjectionsOfRecords(db: Db, recordIds: readonly string[]): Promise<Map<string, ObjectionRow[]>> {
  const result = new Map<string, ObjectionRow[]>(recordIds.map((id) => [id, []]));
  if (recordIds.length === 0) return result;
  const rows = await queryRows<Record<string, unknown>>(db, sql`${caseFrom('objections')}
    WHERE o.record_id = ANY (${sql.param([...recordIds])}::uuid[])
    ORDER BY o.record_id, o.filed_at DESC, o.id DESC`);
  for (const row of rows) result.get(String(row.record_id))?.push(mapObjection(row));
  return result;
}
