import DataLoader from 'dataloader';
import type { RequestContext } from '../../context/request-context.js';
import { caseActorVisible, caseFieldRules, type CaseAudience } from '../../../policies/fields.js';
import { checkRepairEligibility } from '../../../policies/repair.js';
import { objectionDueAt, overdueFiledBefore } from '../../../policies/working-days.js';
import { maskResidentId } from '../../domain/masking.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import { toConnection, type ConnectionShape } from '../../graphql/connection.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { listCatalogTypes } from '../catalog/catalog.repository.js';
import { findRecordById } from '../records/records.repository.js';
import { writeRecordBatch } from '../filing/filing.repository.js';
import { loadStaticReference, planRecords } from '../filing/filing.planner.js';
import type { RecordFiling } from '../filing/record-validation.js';
import type { Redaction } from '../records/record.type.js';
import {
  decideRepairRow, findObjection, findRepairApplication, insertObjection, insertRepairApplication, isPendingConflict,
  listCaseEvents, listObjectionsOfSubject, listPendingObjections, listPendingRepairApplications,
  listRepairApplicationsOfSubject, loadCaseEvents, loadObjectionsOfRecords, resolveObjectionRow,
  type CaseActor, type CaseEventRow, type CaseKind, type ObjectionRow, type RepairApplicationRow,
} from './subject-rights.repository.js';
import type { CaseEvent, Objection, RecordCorrectionInput, RecordDispute, RepairApplication } from './subject-rights.types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** statements are free text, bounded */
const MAX_STATEMENT = 4000;

function statement(value: string, reason: string, name: string): string {
  const text = value.trim();
  if (!text || text.length > MAX_STATEMENT) throw new BadUserInputError(reason, `${name} is 1–${MAX_STATEMENT} characters.`);
  return text;
}

function caseActor(ctx: RequestContext): CaseActor {
  return { actor: ctx.viewer.actor, role: ctx.viewer.role, orgCode: ctx.viewer.orgCode, at: ctx.now };
}

/** Per-request loaders of this module (one statement per kind of data, STYLE 4). */
const loaders = new WeakMap<RequestContext, { events: DataLoader<string, CaseEventRow[]>; objections: DataLoader<string, ObjectionRow[]> }>();
function loadersOf(ctx: RequestContext) {
  let entry = loaders.get(ctx);
  if (!entry) {
    entry = {
      events: new DataLoader(async (ids: readonly string[]) => {
        const byCase = await loadCaseEvents(ctx.db, ids);
        return ids.map((id) => byCase.get(id) ?? []);
      }),
      objections: new DataLoader(async (ids: readonly string[]) => {
        const byRecord = await loadObjectionsOfRecords(ctx.db, ids);
        return ids.map((id) => byRecord.get(id) ?? []);
      }),
    };
    loaders.set(ctx, entry);
  }
  return entry;
}

/** One field rule for cases and their history: masked codes, withheld statements, named in `redactions`. */
function caseView(audience: CaseAudience, subjectKind: string, subjectCode: string) {
  const rules = caseFieldRules(audience, subjectKind);
  const redactions: Redaction[] = [];
  if (rules.maskSubjectCode) redactions.push({ field: 'subjectCode', reason: 'MASKED_PERSONAL_DATA' });
  return {
    rules,
    subjectCode: rules.maskSubjectCode ? maskResidentId(subjectCode) : subjectCode,
    withhold<T>(field: string, value: T): T | null {
      if (!rules.withholdTexts) return value;
      redactions.push({ field, reason: 'NOT_PUBLIC' });
      return null;
    },
    redactions,
  };
}

type Hidden = { audience: CaseAudience; subjectKind: string };

export function presentObjection(ctx: RequestContext, row: ObjectionRow, audience: CaseAudience): Objection & Hidden {
  const view = caseView(audience, row.subjectKind, row.subjectCode);
  const dueAt = objectionDueAt(ctx.rights.calendar, row.filedAt, ctx.rights.objectionWorkingDays);
  return {
    id: row.id,
    recordId: row.recordId,
    subjectCode: view.subjectCode,
    source: null as never, // field resolver (organisation loader)
    sourceOrg: row.sourceOrg,
    reason: view.withhold('reason', row.reason),
    status: row.status,
    outcome: row.outcome,
    note: row.note === null ? null : view.withhold('note', row.note),
    recordVersion: row.recordVersion,
    correctedVersion: row.correctedVersion,
    filedAt: row.filedAt,
    dueAt,
    overdue: row.status === 'PENDING' && ctx.now.getTime() >= dueAt.getTime(),
    resolvedAt: row.resolvedAt,
    redactions: view.redactions,
    history: null as never, // field resolver
    audience,
    subjectKind: row.subjectKind,
  };
}

export function presentRepair(row: RepairApplicationRow, audience: CaseAudience): RepairApplication & Hidden {
  const view = caseView(audience, row.subjectKind, row.subjectCode);
  return {
    id: row.id,
    recordId: row.recordId,
    subjectCode: view.subjectCode,
    source: null as never,
    sourceOrg: row.sourceOrg,
    commitment: view.withhold('commitment', row.commitment),
    evidence: view.withhold('evidence', row.evidence),
    status: row.status,
    reason: row.decisionReason === null ? null : view.withhold('reason', row.decisionReason),
    appliedAt: row.appliedAt,
    decidedAt: row.decidedAt,
    redactions: view.redactions,
    history: null as never,
    audience,
    subjectKind: row.subjectKind,
  };
}

function presentEvent(ctx: RequestContext, row: CaseEventRow, maskSubjectCode: boolean): CaseEvent {
  return {
    sequence: row.sequence,
    at: row.at,
    caseKind: row.caseKind,
    caseId: row.caseId,
    recordId: row.recordId,
    subjectCode: maskSubjectCode ? maskResidentId(row.subjectCode) : row.subjectCode,
    action: row.action,
    outcome: row.outcome,
    actor: caseActorVisible(ctx.viewer.role) ? row.actor : null,
    role: row.role,
    organization: null as never,
    orgCode: row.orgCode,
  };
}

/** The record a subject acts on: it must exist (NOT_FOUND) and be its own (NOT_OWN_RECORD). */
async function ownRecord(ctx: RequestContext, recordId: string) {
  const record = UUID.test(recordId) ? await findRecordById(ctx.db, recordId, ctx.now) : null;
  if (!record) throw new NotFoundError('No such record.');
  if (record.subjectCode !== ctx.viewer.subjectCode) {
    throw new BadUserInputError('NOT_OWN_RECORD', 'A subject may only contest or repair its own records.');
  }
  return record;
}

/** Fields a correction may change (never the subject, the type or the sourceRef: W2). */
const CORRECTABLE = [
  'title', 'summary', 'decisionNumber', 'decidedAt', 'validFrom', 'validUntil', 'severity', 'legalBasis', 'amount',
  'grade', 'group', 'disclosure', 'details',
] as const satisfies readonly (keyof RecordCorrectionInput & keyof RecordFiling)[];

export const subjectRightsService = {
  /** R1 fileObjection: the subject, on its own ACTIVE record; one pending objection per record. */
  async fileObjection(ctx: RequestContext, recordId: string, reasonText: string): Promise<Objection> {
    const reason = statement(reasonText, 'INVALID_REASON', 'A reason');
    const record = await ownRecord(ctx, recordId);
    if (record.status !== 'ACTIVE') {
      throw new BadUserInputError('RECORD_NOT_ACTIVE', `The record is ${record.status}: it is shown to no one but you.`);
    }
    let id: string;
    try {
      id = await insertObjection(ctx.db, {
        recordId: record.id, subjectId: record.subjectId, subjectCode: record.subjectCode, sourceOrg: record.sourceOrg,
        reason, recordVersion: record.version,
      }, caseActor(ctx));
    } catch (error) {
      if (isPendingConflict(error, 'objections_one_pending_per_record')) {
        throw new BadUserInputError('OBJECTION_PENDING', 'An objection to this record is already pending.');
      }
      throw error;
    }
    return presentObjection(ctx, (await findObjection(ctx.db, id))!, 'SELF');
  },

  /** R2 resolveObjection: only the record's source department; CORRECTED files a new version (W2). */
  async resolveObjection(
    ctx: RequestContext, id: string, outcome: 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED', noteText: string,
    correction: RecordCorrectionInput | null | undefined,
  ): Promise<Objection> {
    const note = statement(noteText, 'INVALID_REASON', 'A note');
    const objection = UUID.test(id) ? await findObjection(ctx.db, id) : null;
    if (!objection) throw new NotFoundError('No such objection.');
    if (objection.sourceOrg !== ctx.viewer.orgCode) throw new ForbiddenError("Only the record's source department resolves an objection to it.");
    if (objection.status !== 'PENDING') throw new BadUserInputError('OBJECTION_ALREADY_RESOLVED', `The objection was resolved as ${objection.outcome}.`);
    if (outcome === 'CORRECTED' && !correction) throw new BadUserInputError('CORRECTION_REQUIRED', 'CORRECTED needs the correction of the record.');
    if (outcome !== 'CORRECTED' && correction) throw new BadUserInputError('CORRECTION_NOT_ALLOWED', `${outcome} leaves the record as it is; only CORRECTED takes a correction.`);
    let writeCorrection: ((tx: typeof ctx.db) => Promise<void>) | undefined;
    let correctedVersion: number | null = null;
    if (correction) {
      const record = (await findRecordById(ctx.db, objection.recordId, ctx.now))!;
      const filing: RecordFiling = {
        subjectCode: record.subjectCode, type: record.type, sourceRef: String(record.snapshot.source_ref), title: record.title,
        summary: record.summary, decisionNumber: record.decisionNumber, decidedAt: record.decidedAt, validFrom: record.validFrom,
        validUntil: record.validUntil, severity: record.severity, legalBasis: record.legalBasis, amount: record.amount,
        grade: record.grade, group: record.group, disclosure: record.disclosure, details: record.details,
      };
      for (const field of CORRECTABLE) {
        if (correction[field] !== undefined) (filing as unknown as Record<string, unknown>)[field] = correction[field];
      }
      const filer = { orgCode: objection.sourceOrg, role: ctx.viewer.role, actor: ctx.viewer.actor };
      const plan = await planRecords(ctx.db, filer, [filing], ctx.now, await loadStaticReference(ctx.db));
      if (plan.errors.length) throw new BadUserInputError(plan.errors[0].reason, plan.errors[0].message);
      const update = plan.updates[0];
      // unchanged content (same hash), or a hash that differs while no versioned field does: nothing to correct
      if (!update || update.changedFields.length === 0) {
        throw new BadUserInputError('CORRECTION_UNCHANGED', 'The correction changes nothing; resolve as NOT_ERRONEOUS instead.');
      }
      correctedVersion = update.existing.version + 1;
      writeCorrection = (tx) => writeRecordBatch(tx, objection.sourceOrg, ctx.viewer.actor, [], [update], ctx.now);
    }
    const resolved = await resolveObjectionRow(ctx.db, objection, { outcome, note, correctedVersion }, caseActor(ctx), writeCorrection);
    if (!resolved) throw new BadUserInputError('OBJECTION_ALREADY_RESOLVED', 'The objection was resolved meanwhile.');
    return presentObjection(ctx, (await findObjection(ctx.db, id))!, 'SOURCE');
  },

  /** R3 applyForRepair: the subject, on its own negative record, after the minimum period. */
  async applyForRepair(ctx: RequestContext, recordId: string, commitmentText: string, evidenceText: string): Promise<RepairApplication> {
    const commitment = statement(commitmentText, 'INVALID_COMMITMENT', 'A credit commitment');
    const evidence = statement(evidenceText, 'INVALID_EVIDENCE', 'Evidence');
    const record = await ownRecord(ctx, recordId);
    const rule = (await listCatalogTypes(ctx.db)).find((t) => t.code === record.type)!;
    const check = checkRepairEligibility(record, rule, ctx.now);
    if (!check.ok) throw new BadUserInputError(check.reason, check.message);
    let id: string;
    try {
      id = await insertRepairApplication(ctx.db, {
        recordId: record.id, subjectId: record.subjectId, subjectCode: record.subjectCode, sourceOrg: record.sourceOrg, commitment, evidence,
      }, caseActor(ctx));
    } catch (error) {
      if (isPendingConflict(error, 'repair_applications_one_pending_per_record')) {
        throw new BadUserInputError('REPAIR_PENDING', 'A repair application for this record is already pending.');
      }
      throw error;
    }
    return presentRepair((await findRepairApplication(ctx.db, id))!, 'SELF');
  },

  /** R3 decideRepair: only the record's source department; approval makes the record REPAIRED (D4). */
  async decideRepair(ctx: RequestContext, id: string, approve: boolean, reasonText: string): Promise<RepairApplication> {
    const reason = statement(reasonText, 'INVALID_REASON', 'A reason');
    const application = UUID.test(id) ? await findRepairApplication(ctx.db, id) : null;
    if (!application) throw new NotFoundError('No such repair application.');
    if (application.sourceOrg !== ctx.viewer.orgCode) throw new ForbiddenError("Only the record's source department decides a repair application.");
    if (application.status !== 'PENDING') throw new BadUserInputError('REPAIR_ALREADY_DECIDED', `The application was ${application.status.toLowerCase()} already.`);
    const result = await decideRepairRow(ctx.db, application, approve, reason, caseActor(ctx));
    if (result === 'ALREADY_DECIDED') throw new BadUserInputError('REPAIR_ALREADY_DECIDED', 'The application was decided meanwhile.');
    if (result === 'RECORD_NOT_ACTIVE') throw new BadUserInputError('RECORD_NOT_ACTIVE', 'The record is no longer active (withdrawn meanwhile); nothing was decided.');
    return presentRepair((await findRepairApplication(ctx.db, id))!, 'SOURCE');
  },

  /** Subject.objections (self). */
  async objectionsOf(ctx: RequestContext, subjectId: number): Promise<Objection[]> {
    return (await listObjectionsOfSubject(ctx.db, subjectId)).map((row) => presentObjection(ctx, row, 'SELF'));
  },

  /** Subject.repairApplications (self). */
  async repairApplicationsOf(ctx: RequestContext, subjectId: number): Promise<RepairApplication[]> {
    return (await listRepairApplicationsOfSubject(ctx.db, subjectId)).map((row) => presentRepair(row, 'SELF'));
  },

  /** objectionsToResolve (source department) and overdueObjections (admin, auditor): pending, oldest first. */
  async pendingObjections(ctx: RequestContext, which: 'TO_RESOLVE' | 'OVERDUE', first?: number | null, after?: string | null): Promise<ConnectionShape<Objection>> {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['isoInstant', 'uuid']);
    const { rows, total } = await listPendingObjections(ctx.db, {
      sourceOrg: which === 'TO_RESOLVE' ? ctx.viewer.orgCode : null,
      filedBefore: which === 'OVERDUE' ? overdueFiledBefore(ctx.rights.calendar, ctx.now, ctx.rights.objectionWorkingDays) : null,
      after: cursor ? { at: cursor[0], id: cursor[1] } : null,
      limit,
    });
    const page = rows.slice(0, limit);
    return toConnection(
      page.map((row) => presentObjection(ctx, row, which === 'TO_RESOLVE' ? 'SOURCE' : 'OVERSIGHT')),
      page.map((row) => encodeCursor([row.filedAt.toISOString(), row.id])),
      rows.length > limit,
      total,
    );
  },

  /** repairApplicationsToDecide (source department): pending, oldest first. */
  async repairApplicationsToDecide(ctx: RequestContext, first?: number | null, after?: string | null): Promise<ConnectionShape<RepairApplication>> {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['isoInstant', 'uuid']);
    const { rows, total } = await listPendingRepairApplications(ctx.db, {
      sourceOrg: ctx.viewer.orgCode, filedBefore: null, after: cursor ? { at: cursor[0], id: cursor[1] } : null, limit,
    });
    const page = rows.slice(0, limit);
    return toConnection(
      page.map((row) => presentRepair(row, 'SOURCE')),
      page.map((row) => encodeCursor([row.appliedAt.toISOString(), row.id])),
      rows.length > limit,
      total,
    );
  },

  /**
   * caseEvents (auditors): every state change, newest first, with who did it. A log like accessLog: full subject
   * codes (auditors filter by them, L1 keeps them full), no statements.
   */
  async caseEvents(
    ctx: RequestContext,
    filter: { from?: Date | null; to?: Date | null; subjectCode?: string | null; orgCode?: string | null; caseKind?: string | null } | null | undefined,
    first?: number | null,
    after?: string | null,
  ): Promise<ConnectionShape<CaseEvent>> {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['digits']);
    const { rows, total } = await listCaseEvents(ctx.db, {
      from: filter?.from ?? null, to: filter?.to ?? null, subjectCode: filter?.subjectCode?.trim().toUpperCase() || null,
      orgCode: filter?.orgCode?.trim() || null, caseKind: (filter?.caseKind as CaseKind | null | undefined) ?? null,
      afterSequence: cursor ? Number(cursor[0]) : null, limit,
    });
    const page = rows.slice(0, limit);
    return toConnection(
      page.map((row) => presentEvent(ctx, row, false)),
      page.map((row) => encodeCursor([String(row.sequence)])),
      rows.length > limit,
      total,
    );
  },

  /** Objection.history / RepairApplication.history: every state change of the case, oldest first. */
  async historyOf(ctx: RequestContext, item: { id: string; subjectKind: string; audience: CaseAudience }): Promise<CaseEvent[]> {
    const mask = caseFieldRules(item.audience, item.subjectKind).maskSubjectCode;
    return (await loadersOf(ctx).events.load(item.id)).map((row) => presentEvent(ctx, row, mask));
  },

  /**
   * CreditRecord.dispute: the latest objection of a disputed record, for views that see its details. A record as
   * of an earlier instant (a stored credit check, C1) shows the objection as it stood then: filed before it, and
   * still pending if it was resolved later.
   */
  async disputeOf(ctx: RequestContext, recordId: string, asOf?: Date): Promise<RecordDispute | null> {
    const objections = await loadersOf(ctx).objections.load(recordId);
    const objection = asOf ? objections.find((o) => o.filedAt.getTime() <= asOf.getTime()) : objections[0];
    if (!objection) return null;
    const resolvedThen = objection.resolvedAt !== null && (!asOf || objection.resolvedAt.getTime() <= asOf.getTime());
    return {
      status: resolvedThen ? objection.status : 'PENDING',
      outcome: resolvedThen ? objection.outcome : null,
      statement: objection.reason,
      note: resolvedThen ? objection.note : null,
      filedAt: objection.filedAt,
      resolvedAt: resolvedThen ? objection.resolvedAt : null,
    };
  },
};
