import { peerRecordCaseRefusal } from '../../../policies/exchange.js';
import DataLoader from 'dataloader';
import type { RequestContext } from '../../context/request-context.js';
import { CASE_LOG_READING, caseActorVisible, caseReading, type CaseReading } from '../../../policies/cases.js';
import { presentSubjectCode } from '../../../policies/fields.js';
import { caseStatementsVisible, type RecordReader } from '../../../policies/records.js';
import type { Listing } from '../../context/disclosures.js';
import { checkRepairEligibility } from '../../../policies/repair.js';
import { objectionDueAt, overdueFiledBefore } from '../../../policies/working-days.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import { toLazyConnection, type ConnectionShape } from '../../graphql/connection.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { listCatalogTypes } from '../catalog/catalog.repository.js';
import { findRecordById } from '../records/records.repository.js';
import { RecordChangedMeanwhile, writeRecordBatch } from '../filing/filing.repository.js';
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

/**
 * How the viewer reads a case (policies/cases.ts); a case it may not read is refused as unknown. The services below
 * only hand out cases the caller is a party to (own subject, source department) or oversees (admin, auditor).
 */
function readingOf(ctx: RequestContext, row: { subjectCode: string; sourceOrg: string }): CaseReading {
  const reading = caseReading(ctx.viewer, row);
  if (!reading) throw new NotFoundError('No such case.');
  return reading;
}

/** One field rule for cases and their history: the code as the reading's audience gets it, statements per R1. */
function caseView(reading: CaseReading, subjectKind: string, subjectCode: string) {
  const code = presentSubjectCode(subjectCode, subjectKind, reading.codeAudience);
  const redactions: Redaction[] = [...code.redactions];
  return {
    subjectCode: code.code,
    withhold<T>(field: string, value: T): T | null {
      if (reading.statementsVisible) return value;
      redactions.push({ field, reason: 'NOT_PUBLIC' });
      return null;
    },
    redactions,
  };
}

/** L1: a case placed in a response discloses its subject and names its record. */
function discloseCase(listing: Listing, reading: CaseReading, row: { subjectCode: string; recordId: string }): void {
  listing.subject({ subjectCode: row.subjectCode, view: reading.loggedView, grantId: null }).recordIds.add(row.recordId);
}

/** A mutation's answer: one case, disclosed by the operation that returns it. */
function answerListing(ctx: RequestContext, operationName: string): Listing {
  return ctx.disclosures.listing(operationName, null, 1);
}

type Hidden = { reading: CaseReading; subjectKind: string };

export function presentObjection(ctx: RequestContext, row: ObjectionRow, reading: CaseReading, listing: Listing | null): Objection & Hidden {
  if (listing) discloseCase(listing, reading, row);
  const view = caseView(reading, row.subjectKind, row.subjectCode);
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
    reading,
    subjectKind: row.subjectKind,
  };
}

export function presentRepair(row: RepairApplicationRow, reading: CaseReading, listing: Listing | null): RepairApplication & Hidden {
  if (listing) discloseCase(listing, reading, row);
  const view = caseView(reading, row.subjectKind, row.subjectCode);
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
    reading,
    subjectKind: row.subjectKind,
  };
}

/** A case's state change; `subjectKind` null when unknown (then the code is judged as an individual's). */
function presentEvent(ctx: RequestContext, row: CaseEventRow, reading: CaseReading, subjectKind: string | null): CaseEvent {
  return {
    sequence: row.sequence,
    at: row.at,
    caseKind: row.caseKind,
    caseId: row.caseId,
    recordId: row.recordId,
    subjectCode: presentSubjectCode(row.subjectCode, subjectKind ?? 'INDIVIDUAL', reading.codeAudience).code,
    action: row.action,
    outcome: row.outcome,
    actor: caseActorVisible(ctx.viewer) ? row.actor : null,
    role: row.role,
    organization: null as never,
    orgCode: row.orgCode,
  };
}

/**
 * The record a subject acts on. R1: another subject's record answers NOT_FOUND exactly as an unknown id does, so
 * the answer never tells whether a record id exists.
 */
async function ownRecord(ctx: RequestContext, recordId: string) {
  const record = UUID.test(recordId) ? await findRecordById(ctx.db, recordId, ctx.now) : null;
  if (!record || record.subjectCode !== ctx.viewer.subjectCode) throw new NotFoundError('No such record.');
  // a peer platform's record: its cases go to that platform (after NOT_FOUND: nothing is said of others' records)
  const refusal = peerRecordCaseRefusal(record.originPlatform);
  if (refusal) throw new BadUserInputError('PEER_RECORD', refusal);
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
    const filed = (await findObjection(ctx.db, id))!;
    return presentObjection(ctx, filed, readingOf(ctx, filed), answerListing(ctx, 'fileObjection'));
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
      const plan = await planRecords(ctx.db, filer, [filing], ctx.now, await loadStaticReference(ctx.db), { correction: true });
      if (plan.errors.length) throw new BadUserInputError(plan.errors[0].reason, plan.errors[0].message);
      const update = plan.updates[0];
      // unchanged content (same hash), or a hash that differs while no versioned field does: nothing to correct
      if (!update || update.changedFields.length === 0) {
        throw new BadUserInputError('CORRECTION_UNCHANGED', 'The correction changes nothing; resolve as NOT_ERRONEOUS instead.');
      }
      correctedVersion = update.existing.version + 1;
      writeCorrection = (tx) => writeRecordBatch(tx, objection.sourceOrg, ctx.viewer.actor, [], [update], ctx.now);
    }
    let resolved: boolean;
    try {
      resolved = await resolveObjectionRow(ctx.db, objection, { outcome, note, correctedVersion }, caseActor(ctx), writeCorrection);
    } catch (error) {
      if (error instanceof RecordChangedMeanwhile) {
        throw new BadUserInputError('RECORD_CHANGED', 'The record changed (withdrawn, repaired or filed again) while the correction was made; nothing was resolved. Try again.');
      }
      throw error;
    }
    if (!resolved) throw new BadUserInputError('OBJECTION_ALREADY_RESOLVED', 'The objection was resolved meanwhile.');
    const after = (await findObjection(ctx.db, id))!;
    return presentObjection(ctx, after, readingOf(ctx, after), answerListing(ctx, 'resolveObjection'));
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
    const applied = (await findRepairApplication(ctx.db, id))!;
    return presentRepair(applied, readingOf(ctx, applied), answerListing(ctx, 'applyForRepair'));
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
    const decided = (await findRepairApplication(ctx.db, id))!;
    return presentRepair(decided, readingOf(ctx, decided), answerListing(ctx, 'decideRepair'));
  },

  /** Subject.objections (self): disclosed with the subject itself (its entry names the records). */
  async objectionsOf(ctx: RequestContext, subject: { row: { id: number }; disclosure: { recordIds: Set<string> } }): Promise<Objection[]> {
    return (await listObjectionsOfSubject(ctx.db, subject.row.id)).map((row) => {
      subject.disclosure.recordIds.add(row.recordId);
      return presentObjection(ctx, row, readingOf(ctx, row), null);
    });
  },

  /** Subject.repairApplications (self). */
  async repairApplicationsOf(ctx: RequestContext, subject: { row: { id: number }; disclosure: { recordIds: Set<string> } }): Promise<RepairApplication[]> {
    return (await listRepairApplicationsOfSubject(ctx.db, subject.row.id)).map((row) => {
      subject.disclosure.recordIds.add(row.recordId);
      return presentRepair(row, readingOf(ctx, row), null);
    });
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
    const listing = ctx.disclosures.listing(which === 'TO_RESOLVE' ? 'objectionsToResolve' : 'overdueObjections', null, total);
    return toLazyConnection(
      page.length,
      (i) => presentObjection(ctx, page[i], readingOf(ctx, page[i]), listing),
      (i) => encodeCursor([page[i].filedAt.toISOString(), page[i].id]),
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
    const listing = ctx.disclosures.listing('repairApplicationsToDecide', null, total);
    return toLazyConnection(
      page.length,
      (i) => presentRepair(page[i], readingOf(ctx, page[i]), listing),
      (i) => encodeCursor([page[i].appliedAt.toISOString(), page[i].id]),
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
    const listing = ctx.disclosures.listing('caseEvents', null, total);
    return toLazyConnection(
      page.length,
      (i) => {
        discloseCase(listing, CASE_LOG_READING, page[i]);
        return presentEvent(ctx, page[i], CASE_LOG_READING, null);
      },
      (i) => encodeCursor([String(page[i].sequence)]),
      rows.length > limit,
      total,
    );
  },

  /** Objection.history / RepairApplication.history: every state change of the case, oldest first. */
  async historyOf(ctx: RequestContext, item: { id: string; subjectKind: string; reading: CaseReading }): Promise<CaseEvent[]> {
    return (await loadersOf(ctx).events.load(item.id)).map((row) => presentEvent(ctx, row, item.reading, item.subjectKind));
  },

  /**
   * CreditRecord.dispute: the latest objection of a disputed record, for views that see its details. A record as
   * of an earlier instant (a stored credit check, C1) shows the objection as it stood then: filed before it, and
   * still pending if it was resolved later.
   */
  async disputeOf(ctx: RequestContext, record: { id: string; sourceOrg: string; reader: RecordReader; asOf?: Date }): Promise<RecordDispute | null> {
    const { asOf } = record;
    const objections = await loadersOf(ctx).objections.load(record.id);
    const objection = asOf ? objections.find((o) => o.filedAt.getTime() <= asOf.getTime()) : objections[0];
    if (!objection) return null;
    const resolvedThen = objection.resolvedAt !== null && (!asOf || objection.resolvedAt.getTime() <= asOf.getTime());
    // R1: the texts only for the subject and the record's source department
    const texts = caseStatementsVisible(record.reader, record.sourceOrg);
    const note = resolvedThen ? objection.note : null;
    const redactions: Redaction[] = texts ? [] : [{ field: 'statement', reason: 'NOT_PUBLIC' }];
    if (!texts && note !== null) redactions.push({ field: 'note', reason: 'NOT_PUBLIC' });
    return {
      status: resolvedThen ? objection.status : 'PENDING',
      outcome: resolvedThen ? objection.outcome : null,
      statement: texts ? objection.reason : null,
      note: texts ? note : null,
      filedAt: objection.filedAt,
      resolvedAt: resolvedThen ? objection.resolvedAt : null,
      redactions,
    };
  },
};
