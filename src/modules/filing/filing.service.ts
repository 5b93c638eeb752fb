import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { RequestContext } from '../../context/request-context.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import { checkRegistrationCode, normalizeCode, residentIdBirthDate, type SubjectKind } from '../../domain/identifiers.js';
import { listCatalogTypes, listProfessionalGroups, loadCodeRules } from '../catalog/catalog.repository.js';
import { findRecordById } from '../records/records.repository.js';
import { toCreditRecord } from '../records/records.projection.js';
import { subjects } from '../../db/schema/index.js';
import {
  findRecordsBySourceRefs, findSubjectsByCodes, withdraw, writeRecordBatch, type ExistingRecord,
} from './filing.repository.js';
import { MAX_BATCH_ROWS, validateRecord, VERSIONED_FIELDS, type NormalisedRecord, type RecordFiling } from './record-validation.js';
import type { BatchResult, RowError } from './filing.inputs.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkBatchSize(rows: readonly unknown[]): void {
  if (rows.length > MAX_BATCH_ROWS) {
    throw new BadUserInputError('BATCH_TOO_LARGE', `A batch has at most ${MAX_BATCH_ROWS} rows.`);
  }
}

function refused(errors: RowError[]): BatchResult {
  return { accepted: 0, ids: [], errors: errors.sort((a, b) => a.index - b.index) };
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

export interface SubjectFiling {
  code: string;
  kind: string;
  name: string;
  registeredAt?: string | null;
  address?: string | null;
  legalRepresentative?: string | null;
  legalRepresentativeId?: string | null;
}

export const filingService = {
  /** W1: registerSubjects — atomic, per-row reasons; re-registering unchanged data returns the same id. */
  async registerSubjects(ctx: RequestContext, inputs: SubjectFiling[]): Promise<BatchResult> {
    checkBatchSize(inputs);
    const rules = await loadCodeRules(ctx.db);
    const errors: RowError[] = [];
    const seen = new Map<string, number>();
    const valid: { index: number; row: typeof subjects.$inferInsert }[] = [];
    inputs.forEach((input, index) => {
      const check = checkRegistrationCode(input.code, input.kind as SubjectKind, rules, ctx.now);
      if (!check.ok) return errors.push({ index, reason: check.reason, message: check.message });
      if (seen.has(check.code)) {
        return errors.push({ index, reason: 'DUPLICATE_IN_BATCH', message: `The code is also in row ${seen.get(check.code)}.` });
      }
      seen.set(check.code, index);
      const name = input.name.trim();
      if (!name || name.length > 200) return errors.push({ index, reason: 'INVALID_NAME', message: 'A name is 1–200 characters.' });
      let legalRepresentativeId: string | null = null;
      if (input.legalRepresentativeId?.trim()) {
        if (check.kind === 'INDIVIDUAL') {
          return errors.push({ index, reason: 'NOT_APPLICABLE', message: 'Individuals have no legal representative.' });
        }
        const rep = checkRegistrationCode(input.legalRepresentativeId, 'INDIVIDUAL', rules, ctx.now);
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
          birthDate: check.kind === 'INDIVIDUAL' ? residentIdBirthDate(check.code) : null,
          codeFlagged: check.flagged,
          registeredBy: ctx.viewer.orgCode!,
        },
      });
    });
    const existing = new Map((await findSubjectsByCodes(ctx.db, valid.map((v) => v.row.code))).map((s) => [s.code, s]));
    const writes: (typeof subjects.$inferInsert)[] = [];
    for (const { index, row } of valid) {
      const stored = existing.get(row.code);
      if (!stored) {
        writes.push(row);
        continue;
      }
      if (stored.kind !== row.kind) {
        errors.push({ index, reason: 'KIND_MISMATCH', message: `The subject is registered as ${stored.kind}.` });
        continue;
      }
      const same = (['name', 'registeredAt', 'address', 'legalRepresentative', 'legalRepresentativeId'] as const)
        .every((field) => (stored[field] ?? null) === (row[field] ?? null));
      if (same) continue;
      // one datum, one source: only the registering department (or the credit office) changes registration data
      if (ctx.viewer.role !== 'admin' && stored.registeredBy !== ctx.viewer.orgCode) {
        errors.push({ index, reason: 'REGISTERED_BY_OTHER', message: `The subject's registration data belongs to ${stored.registeredBy}.` });
        continue;
      }
      writes.push({ ...row, registeredBy: stored.registeredBy });
    }
    if (errors.length) return refused(errors);
    if (writes.length) {
      await ctx.db.transaction(async (tx) => {
        for (let i = 0; i < writes.length; i += 500) {
          await tx.insert(subjects).values(writes.slice(i, i + 500)).onConflictDoUpdate({
            target: subjects.code,
            set: {
              name: sql`excluded.name`, registeredAt: sql`excluded.registered_at`, address: sql`excluded.address`,
              legalRepresentative: sql`excluded.legal_representative`,
              legalRepresentativeId: sql`excluded.legal_representative_id`, updatedAt: sql`now()`,
            },
          });
        }
      });
    }
    return { accepted: inputs.length, ids: valid.map((v) => v.row.code), errors: [] };
  },

  /** W1–W3: submitRecords — atomic, per-row reasons, one source per datum, idempotent sourceRef, versions. */
  async submitRecords(ctx: RequestContext, inputs: RecordFiling[]): Promise<BatchResult> {
    checkBatchSize(inputs);
    const orgCode = ctx.viewer.orgCode!;
    const [codeRules, catalogRows, groupRows, subjectRows, existingRows] = await Promise.all([
      loadCodeRules(ctx.db),
      listCatalogTypes(ctx.db),
      listProfessionalGroups(ctx.db),
      findSubjectsByCodes(ctx.db, [...new Set(inputs.map((i) => normalizeCode(i.subjectCode ?? '')))]),
      findRecordsBySourceRefs(ctx.db, orgCode, [...new Set(inputs.map((i) => (i.sourceRef ?? '').trim()))]),
    ]);
    const reference = {
      catalog: new Map(catalogRows.map((t) => [t.code, t])),
      groups: new Set(groupRows.map((g) => g.code)),
      subjects: new Map(subjectRows.map((s) => [s.code, { id: s.id, kind: s.kind, code: s.code }])),
      codeRules,
    };
    const existing = new Map(existingRows.map((r) => [r.sourceRef, r]));
    const errors: RowError[] = [];
    const seen = new Map<string, number>();
    const ids: string[] = [];
    const inserts: { id: string; record: NormalisedRecord }[] = [];
    const updates: { existing: ExistingRecord; record: NormalisedRecord; changedFields: string[] }[] = [];
    inputs.forEach((input, index) => {
      const check = validateRecord(input, reference, ctx.now);
      if (!check.ok) return errors.push({ index, reason: check.reason, message: check.message });
      const { record } = check;
      if (seen.has(record.sourceRef)) {
        return errors.push({ index, reason: 'DUPLICATE_IN_BATCH', message: `sourceRef is also in row ${seen.get(record.sourceRef)}.` });
      }
      seen.set(record.sourceRef, index);
      const stored = existing.get(record.sourceRef);
      if (!stored) {
        const id = randomUUID();
        inserts.push({ id, record });
        return ids.push(id);
      }
      if (stored.subjectId !== record.subjectId || stored.type !== record.type) {
        return errors.push({ index, reason: 'SOURCE_REF_CONFLICT', message: 'sourceRef already names a record of another subject or type.' });
      }
      ids.push(stored.id);
      if (stored.contentHash === record.contentHash) return; // unchanged re-submission: nothing written
      if (stored.status !== 'ACTIVE') {
        return errors.push({ index, reason: 'RECORD_NOT_ACTIVE', message: `The record is ${stored.status} and cannot be changed.` });
      }
      updates.push({ existing: stored, record, changedFields: changedFields(stored, record) });
    });
    if (errors.length) return refused(errors);
    try {
      await writeRecordBatch(ctx.db, orgCode, ctx.viewer.actor, inserts, updates);
    } catch (error) {
      if (/records_source_ref|duplicate key/i.test(String((error as { cause?: unknown }).cause ?? error))) {
        throw new BadUserInputError('CONCURRENT_SUBMISSION', 'Another batch filed the same sourceRef at the same time; submit again.');
      }
      throw error;
    }
    return { accepted: inputs.length, ids, errors: [] };
  },

  /** W2: only the source organisation withdraws its record. */
  async withdrawRecord(ctx: RequestContext, id: string, reason: string) {
    const text = reason.trim();
    if (!text || text.length > 1000) throw new BadUserInputError('INVALID_REASON', 'A reason is 1–1000 characters.');
    if (!UUID.test(id)) throw new NotFoundError('No such record.');
    const record = await findRecordById(ctx.db, id, ctx.now);
    if (!record) throw new NotFoundError('No such record.');
    if (record.sourceOrg !== ctx.viewer.orgCode) throw new ForbiddenError('Only the source organisation may withdraw a record.');
    if (record.status !== 'ACTIVE') throw new BadUserInputError('RECORD_NOT_ACTIVE', `The record is ${record.status} already.`);
    await withdraw(ctx.db, id, text, ctx.viewer.actor);
    const updated = await findRecordById(ctx.db, id, ctx.now);
    return toCreditRecord(updated!, 'DEPARTMENT');
  },
};
