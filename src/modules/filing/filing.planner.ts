import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { subjects } from '../../db/schema/index.js';
import {
  checkRegistrationCode, normalizeCode, residentIdBirthDate, shanghaiDate, type CodeRules, type SubjectKind,
} from '../../domain/identifiers.js';
import { listCatalogTypes, listProfessionalGroups, loadCodeRules, type CatalogTypeRow } from '../catalog/catalog.repository.js';
import { loadIssuerCodes, type IssuerCodes } from '../catalog/issuers.repository.js';
import {
  findRecordsBySourceRefs, findSubjectsByCodes, insertNewSubjects, updateRegistrations, type ExistingRecord, type SubjectRecordRow,
} from './filing.repository.js';
import { checkIssuer, validateRecord, VERSIONED_FIELDS, type NormalisedRecord, type RecordFiling } from './record-validation.js';

/**
 * The one validation of filed subjects and records (SPEC W1–W3), shared by `registerSubjects` /
 * `submitRecords` (atomic batches) and the NDJSON importer (per-line rejects): each row is planned as an
 * error, a write, or an unchanged re-submission; the caller decides what to do with a batch that has errors.
 */
export interface Filer {
  orgCode: string;
  role: string;
  actor: string | null;
}

export interface RowError {
  index: number;
  reason: string;
  message: string;
}

export interface SubjectFiling {
  code: string;
  kind: string;
  name: string;
  registeredAt?: string | null;
  address?: string | null;
  legalRepresentative?: string | null;
  legalRepresentativeId?: string | null;
}

type SubjectRowInsert = typeof subjects.$inferInsert;

/** One planned subject write: a new subject to insert, or changed registration data to update. */
export interface SubjectWrite {
  /** the input row it comes from */
  index: number;
  /** for an update, `registeredBy` is the registering organisation the stored row must still name */
  row: SubjectRowInsert;
  isNew: boolean;
  filer: Filer;
}

export interface SubjectPlan {
  errors: RowError[];
  /** rows to insert or update (changed registration data) */
  writes: SubjectWrite[];
  /** the normalised code of each valid input row, by index */
  codes: Map<number, string>;
  /** indexes of unchanged re-registrations (nothing to write) */
  unchangedIndexes: Set<number>;
  unchanged: number;
}

export async function planSubjects(db: Db, filer: Filer, inputs: readonly SubjectFiling[], now: Date, rules?: CodeRules): Promise<SubjectPlan> {
  const codeRules = rules ?? (await loadCodeRules(db));
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  const valid: { index: number; row: SubjectRowInsert }[] = [];
  inputs.forEach((input, index) => {
    const check = checkRegistrationCode(String(input.code ?? ''), input.kind as SubjectKind, codeRules, now);
    if (!check.ok) return errors.push({ index, reason: check.reason, message: check.message });
    // I5 lets a pilot code skip its checksum, never its birth date (I2: real, not in the future): an individual's
    // date of birth is read from the code (age rules such as MINOR_NOT_ALLOWED need it)
    const birthDate = check.kind === 'INDIVIDUAL' ? residentIdBirthDate(check.code) : null;
    if (check.kind === 'INDIVIDUAL' && (birthDate === null || birthDate > shanghaiDate(now))) {
      return errors.push({ index, reason: 'INVALID_CODE', message: 'The identity number holds no real birth date (digits 7–14).' });
    }
    if (seen.has(check.code)) {
      return errors.push({ index, reason: 'DUPLICATE_IN_BATCH', message: `The code is also in row ${seen.get(check.code)}.` });
    }
    seen.set(check.code, index);
    const name = String(input.name ?? '').trim();
    if (!name || name.length > 200) return errors.push({ index, reason: 'INVALID_NAME', message: 'A name is 1–200 characters.' });
    let legalRepresentativeId: string | null = null;
    if (input.legalRepresentativeId?.trim()) {
      if (check.kind === 'INDIVIDUAL') return errors.push({ index, reason: 'NOT_APPLICABLE', message: 'Individuals have no legal representative.' });
      const rep = checkRegistrationCode(input.legalRepresentativeId, 'INDIVIDUAL', codeRules, now);
      if (!rep.ok) return errors.push({ index, reason: 'INVALID_CODE', message: 'legalRepresentativeId is not a valid resident identity number.' });
      legalRepresentativeId = rep.code;
    }
    valid.push({
      index,
      row: {
        code: check.code,
        kind: check.kind,
        name,
        registeredAt: input.registeredAt ?? null,
        address: input.address?.trim() || null,
        legalRepresentative: check.kind === 'INDIVIDUAL' ? null : input.legalRepresentative?.trim() || null,
        legalRepresentativeId,
        birthDate,
        codeFlagged: check.flagged,
        registeredBy: filer.orgCode,
      },
    });
  });
  const existing = new Map((await findSubjectsByCodes(db, valid.map((v) => v.row.code))).map((s) => [s.code, s]));
  const writes: SubjectWrite[] = [];
  const codes = new Map<number, string>();
  const unchangedIndexes = new Set<number>();
  let unchanged = 0;
  for (const { index, row } of valid) {
    const stored = existing.get(row.code);
    const meeting = stored ? meetRegistration(stored, row, filer) : null;
    if (meeting?.outcome === 'REFUSED') {
      errors.push({ index, reason: meeting.reason, message: meeting.message });
      continue;
    }
    if (meeting?.outcome === 'UNCHANGED') {
      unchanged += 1;
      unchangedIndexes.add(index);
    } else if (meeting?.outcome === 'UPDATE') {
      writes.push({ index, row: { ...row, registeredBy: meeting.registeredBy }, isNew: false, filer });
    } else {
      writes.push({ index, row, isNew: true, filer });
    }
    codes.set(index, row.code);
  }
  return { errors: errors.sort((a, b) => a.index - b.index), writes, codes, unchangedIndexes, unchanged };
}

type RegistrationMeeting =
  | { outcome: 'UNCHANGED' }
  | { outcome: 'UPDATE'; registeredBy: string }
  | { outcome: 'REFUSED'; reason: string; message: string };

/** What a valid row does to the stored registration of its code (W1 row reasons, W2 one datum, one source). */
function meetRegistration(stored: SubjectRecordRow, row: SubjectRowInsert, filer: Filer): RegistrationMeeting {
  if (stored.kind !== row.kind) return { outcome: 'REFUSED', reason: 'KIND_MISMATCH', message: `The subject is registered as ${stored.kind}.` };
  const same = (['name', 'registeredAt', 'address', 'legalRepresentative', 'legalRepresentativeId'] as const)
    .every((field) => (stored[field] ?? null) === (row[field] ?? null));
  if (same) return { outcome: 'UNCHANGED' };
  // one datum, one source: only the registering department (or the credit office) changes registration data
  if (filer.role !== 'admin' && stored.registeredBy !== filer.orgCode) {
    return { outcome: 'REFUSED', reason: 'REGISTERED_BY_OTHER', message: `The subject's registration data belongs to ${stored.registeredBy}.` };
  }
  return { outcome: 'UPDATE', registeredBy: stored.registeredBy };
}

/** A planned batch that met another registration written since it was planned; nothing of it was written (W1). */
export class RegistrationConflict extends Error {
  constructor(readonly errors: RowError[]) {
    super('Subjects of the batch were registered or changed by another organisation meanwhile.');
  }
}

const SUBJECT_CHUNK = 500;

/**
 * Writes a planned batch in one transaction (W1: all or nothing). A new subject that another transaction inserted
 * since the plan looked is not overwritten: the row is judged again against what is stored — identical data is an
 * unchanged re-registration, other data of another department refuses the row REGISTERED_BY_OTHER — and an update
 * changes registration data only while its registering organisation is still the one planned. A refused row throws
 * RegistrationConflict (with every refused row) and rolls the whole batch back.
 */
export async function writeSubjects(db: Db, writes: readonly SubjectWrite[]): Promise<void> {
  if (writes.length === 0) return;
  // codes in one order, so that two batches sharing several new codes wait on each other instead of deadlocking
  const byCode = [...writes].sort((a, b) => (a.row.code < b.row.code ? -1 : a.row.code > b.row.code ? 1 : 0));
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const errors: RowError[] = [];
    const inserts = byCode.filter((w) => w.isNew);
    const updates = byCode.filter((w) => !w.isNew);
    const lost: SubjectWrite[] = [];
    for (let i = 0; i < inserts.length; i += SUBJECT_CHUNK) {
      const chunk = inserts.slice(i, i + SUBJECT_CHUNK);
      const inserted = await insertNewSubjects(t, chunk.map((w) => w.row));
      lost.push(...chunk.filter((w) => !inserted.has(w.row.code)));
    }
    if (lost.length) {
      // registered by another transaction after the plan read: met again, as the plan would have met it
      const stored = new Map((await findSubjectsByCodes(t, lost.map((w) => w.row.code))).map((s) => [s.code, s]));
      for (const write of lost) {
        const current = stored.get(write.row.code);
        const meeting: RegistrationMeeting = current
          ? meetRegistration(current, write.row, write.filer)
          : { outcome: 'REFUSED', reason: 'CONCURRENT_SUBMISSION', message: 'Another batch changed this subject at the same time; submit again.' };
        if (meeting.outcome === 'REFUSED') errors.push({ index: write.index, reason: meeting.reason, message: meeting.message });
        if (meeting.outcome === 'UPDATE') updates.push({ ...write, row: { ...write.row, registeredBy: meeting.registeredBy }, isNew: false });
      }
    }
    for (let i = 0; i < updates.length && errors.length === 0; i += SUBJECT_CHUNK) {
      const chunk = updates.slice(i, i + SUBJECT_CHUNK);
      const updated = await updateRegistrations(t, chunk.map((w) => w.row));
      for (const write of chunk.filter((w) => !updated.has(w.row.code))) {
        errors.push({ index: write.index, reason: 'REGISTERED_BY_OTHER', message: "The subject's registration data belongs to another organisation." });
      }
    }
    if (errors.length) throw new RegistrationConflict(errors.sort((a, b) => a.index - b.index));
  });
}

/** Reference data that does not change during an import (loaded once per run or per API call). */
export interface StaticReference {
  catalog: ReadonlyMap<string, CatalogTypeRow>;
  groups: ReadonlySet<string>;
  codeRules: CodeRules;
  /** W5: who may file each type (a type without an entry: every department) */
  issuers: IssuerCodes;
}

export async function loadStaticReference(db: Db): Promise<StaticReference> {
  const [codeRules, catalogRows, groupRows, issuers] = await Promise.all([
    loadCodeRules(db), listCatalogTypes(db), listProfessionalGroups(db), loadIssuerCodes(db),
  ]);
  return { catalog: new Map(catalogRows.map((t) => [t.code, t])), groups: new Set(groupRows.map((g) => g.code)), codeRules, issuers };
}

export interface PlanRecordsOptions {
  /**
   * The plan writes an objection correction (R2) as the record's source organisation: the issuer list (W5) is not
   * consulted for the source's existing records, so a source that filed a record before it lost (or never had) the
   * authority still corrects it. A new record (an unknown sourceRef) is still checked.
   */
  correction?: boolean;
}

export interface RecordPlan {
  errors: RowError[];
  inserts: { id: string; record: NormalisedRecord }[];
  updates: { existing: ExistingRecord; record: NormalisedRecord; changedFields: string[] }[];
  /** the id of each valid input row, by index (an unchanged re-submission keeps its existing id) */
  ids: Map<number, string>;
  unchanged: number;
}

function comparable(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return 'null';
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

/** Which versioned fields differ between the stored record and a re-submission (W2 history). */
function changedFields(existing: ExistingRecord, next: NormalisedRecord): string[] {
  const stored = existing as unknown as Record<string, unknown>;
  const incoming = next as unknown as Record<string, unknown>;
  return VERSIONED_FIELDS.filter((field) => field !== 'subjectCode')
    .filter((field) => comparable(stored[field] ?? null) !== comparable(incoming[field] ?? null));
}

/** Whether a planned row changes nothing: the same sourceRef, subject, type and content as the stored record. */
function isUnchangedResubmission(stored: ExistingRecord | undefined, record: NormalisedRecord): boolean {
  return !!stored && stored.subjectId === record.subjectId && stored.type === record.type && stored.contentHash === record.contentHash;
}

/**
 * Plans a batch of records for one organisation (two statements: its subjects and its existing sourceRefs).
 * W5: a valid row of a type the filer may not issue is refused NOT_ISSUER — except an unchanged re-submission
 * (it writes nothing and answers the existing id, W2) and an objection correction (`options.correction`).
 */
export async function planRecords(
  db: Db, filer: Filer, inputs: readonly RecordFiling[], now: Date, statics: StaticReference, options: PlanRecordsOptions = {},
): Promise<RecordPlan> {
  const [subjectRows, existingRows] = await Promise.all([
    findSubjectsByCodes(db, [...new Set(inputs.map((i) => normalizeCode(String(i.subjectCode ?? ''))))]),
    findRecordsBySourceRefs(db, filer.orgCode, [...new Set(inputs.map((i) => String(i.sourceRef ?? '').trim()))]),
  ]);
  const reference = { ...statics, subjects: new Map(subjectRows.map((s) => [s.code, { id: s.id, kind: s.kind, code: s.code }])) };
  const existing = new Map(existingRows.map((r) => [r.sourceRef, r]));
  const plan: RecordPlan = { errors: [], inserts: [], updates: [], ids: new Map(), unchanged: 0 };
  const seen = new Map<string, number>();
  inputs.forEach((input, index) => {
    const check = validateRecord(input, reference, now);
    if (!check.ok) return plan.errors.push({ index, reason: check.reason, message: check.message });
    const { record } = check;
    const stored = existing.get(record.sourceRef);
    const correctingOwnRecord = options.correction === true && stored !== undefined;
    if (!correctingOwnRecord && !isUnchangedResubmission(stored, record)) {
      const refusal = checkIssuer(record.type, filer.orgCode, statics.issuers);
      if (refusal) return plan.errors.push({ index, ...refusal });
    }
    if (seen.has(record.sourceRef)) {
      return plan.errors.push({ index, reason: 'DUPLICATE_IN_BATCH', message: `sourceRef is also in row ${seen.get(record.sourceRef)}.` });
    }
    seen.set(record.sourceRef, index);
    if (!stored) {
      const id = randomUUID();
      plan.inserts.push({ id, record });
      return plan.ids.set(index, id);
    }
    if (stored.subjectId !== record.subjectId || stored.type !== record.type) {
      return plan.errors.push({ index, reason: 'SOURCE_REF_CONFLICT', message: 'sourceRef already names a record of another subject or type.' });
    }
    if (stored.contentHash === record.contentHash) {
      plan.unchanged += 1; // unchanged re-submission: nothing written
      return plan.ids.set(index, stored.id);
    }
    if (stored.status !== 'ACTIVE') {
      return plan.errors.push({ index, reason: 'RECORD_NOT_ACTIVE', message: `The record is ${stored.status} and cannot be changed.` });
    }
    plan.updates.push({ existing: stored, record, changedFields: changedFields(stored, record) });
    plan.ids.set(index, stored.id);
  });
  return plan;
}
