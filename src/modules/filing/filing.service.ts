import type { RequestContext } from '../../context/request-context.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import { findRecordById } from '../records/records.repository.js';
import { toCreditRecord } from '../records/records.projection.js';
import { RecordChangedMeanwhile, withdraw, writeRecordBatch } from './filing.repository.js';
import { MAX_BATCH_ROWS, type RecordFiling } from './record-validation.js';
import {
  loadStaticReference, planRecords, planSubjects, RegistrationConflict, writeSubjects, type Filer, type SubjectFiling,
} from './filing.planner.js';
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

export type { SubjectFiling } from './filing.planner.js';

function filerOf(ctx: RequestContext): Filer {
  return { orgCode: ctx.viewer.orgCode!, role: ctx.viewer.role, actor: ctx.viewer.actor };
}

export const filingService = {
  /** W1: registerSubjects — atomic, per-row reasons; re-registering unchanged data returns the same id. */
  async registerSubjects(ctx: RequestContext, inputs: SubjectFiling[]): Promise<BatchResult> {
    checkBatchSize(inputs);
    const plan = await planSubjects(ctx.db, filerOf(ctx), inputs, ctx.now);
    if (plan.errors.length) return refused(plan.errors);
    try {
      await writeSubjects(ctx.db, plan.writes);
    } catch (error) {
      // another registration of the same subjects was written since the plan read them (W2): nothing written
      if (error instanceof RegistrationConflict) return refused(error.errors);
      throw error;
    }
    return { accepted: inputs.length, ids: inputs.map((_, i) => plan.codes.get(i)!), errors: [] };
  },

  /** W1–W3: submitRecords — atomic, per-row reasons, one source per datum, idempotent sourceRef, versions. */
  async submitRecords(ctx: RequestContext, inputs: RecordFiling[]): Promise<BatchResult> {
    checkBatchSize(inputs);
    const plan = await planRecords(ctx.db, filerOf(ctx), inputs, ctx.now, await loadStaticReference(ctx.db));
    if (plan.errors.length) return refused(plan.errors);
    try {
      // X3: a peer platform's filings keep their origin (its code; its own id of the record is the sourceRef)
      const origin = ctx.viewer.role === 'exchange' ? { platform: ctx.viewer.orgCode! } : null;
      await writeRecordBatch(ctx.db, ctx.viewer.orgCode!, ctx.viewer.actor, plan.inserts, plan.updates, ctx.now, origin);
    } catch (error) {
      if (error instanceof RecordChangedMeanwhile) {
        throw new BadUserInputError('CONCURRENT_SUBMISSION', 'A record of the batch was changed (withdrawn, repaired or filed again) meanwhile; nothing was written. Submit again.');
      }
      if (/records_source_ref|duplicate key/i.test(String((error as { cause?: unknown }).cause ?? error))) {
        throw new BadUserInputError('CONCURRENT_SUBMISSION', 'Another batch filed the same sourceRef at the same time; submit again.');
      }
      throw error;
    }
    return { accepted: inputs.length, ids: inputs.map((_, i) => plan.ids.get(i)!), errors: [] };
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
    // the status is checked again under the record's lock: of racing withdrawals (or a repair approval) one wins
    const outcome = await withdraw(ctx.db, id, text, ctx.viewer.actor, ctx.now);
    if (!outcome.withdrawn && outcome.status === null) throw new NotFoundError('No such record.');
    if (!outcome.withdrawn) throw new BadUserInputError('RECORD_NOT_ACTIVE', `The record is ${outcome.status} already.`);
    const updated = (await findRecordById(ctx.db, id, ctx.now))!;
    // L1: the answer discloses the record and its subject to the source department
    ctx.disclosures.listing('withdrawRecord', null, 1)
      .subject({ subjectCode: updated.subjectCode, view: 'DEPARTMENT', grantId: null }).recordIds.add(updated.id);
    // no history in this answer (no purpose, no standing to judge versions by): read it through subject(code, purpose)
    return toCreditRecord(updated, { view: 'DEPARTMENT', orgCode: ctx.viewer.orgCode }, null);
  },
};
