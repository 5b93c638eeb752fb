import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../context/request-context.js';
import { BadUserInputError, NotFoundError } from '../../errors/app-errors.js';
import { catalogService } from '../catalog/catalog.service.js';
import { toCreditRecord } from '../records/records.projection.js';
import { reviveRecordRow, type RecordRow } from '../records/records.repository.js';
import { notVisible, presentSubject, type PurposeArg } from '../subjects/subjects.service.js';
import { findVisibleSubject, type SubjectRow } from '../subjects/subjects.repository.js';
import { projectSubject, type SubjectFieldsOut } from '../../../policies/fields.js';
import type { ViewDecision } from '../../../policies/viewer.js';
import type { Subject } from '../subjects/subject.type.js';
import type { ScopedAccess } from '../../context/scoped-access.js';
import type { CreditCheck, MeasureHit } from './credit-check.type.js';
import type { Measure } from './measure.type.js';
import { findCreditCheck, findMeasureHits, insertCreditCheck, listMeasures, type MeasureHitRow } from './credit-check.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a stored check keeps: enough to answer the receipt exactly as the check answered. */
interface StoredResult {
  subjectRow: SubjectRow;
  decision: ViewDecision;
  subject: SubjectFieldsOut;
  hits: { measure: Measure; record: RecordRow }[];
}

/** C3: RESTRICT if any restriction applies, else WARN if any warning, else CLEAR. */
export function verdictOf(hits: readonly { measure: { effect: string } }[]): 'RESTRICT' | 'WARN' | 'CLEAR' {
  if (hits.some((h) => h.measure.effect === 'RESTRICT')) return 'RESTRICT';
  if (hits.some((h) => h.measure.effect === 'WARN')) return 'WARN';
  return 'CLEAR';
}

/** Hits of one effect; each record as of the check (its history stops there too), read as the checking department. */
function toHits(ctx: RequestContext, access: ScopedAccess, hits: readonly { measure: Measure; record: RecordRow }[], effect: string, asOf: Date): MeasureHit[] {
  const reader = { view: 'DEPARTMENT' as const, orgCode: ctx.viewer.orgCode };
  return hits.filter((h) => h.measure.effect === effect)
    .map((h) => ({ measure: h.measure, record: toCreditRecord(h.record, reader, access, undefined, asOf) }));
}

function assemble(
  ctx: RequestContext, access: ScopedAccess, id: string, checkedAt: Date, scenario: string, purpose: PurposeArg, subject: Subject,
  hits: readonly MeasureHitRow[],
): CreditCheck {
  const of = (effect: string) => toHits(ctx, access, hits, effect, checkedAt);
  return {
    checkId: id, checkedAt, scenario, purpose, verdict: verdictOf(hits), subject,
    restrictions: of('RESTRICT'), warnings: of('WARN'), incentives: of('INCENTIVE'),
  };
}

export const creditCheckService = {
  measures: (ctx: RequestContext) => listMeasures(ctx.db),

  /** C1–C3: departments only, with a purpose; logged like any read; stored for creditCheckReceipt. */
  async check(ctx: RequestContext, rawCode: string, scenario: string, purpose: PurposeArg): Promise<CreditCheck> {
    const checked = await catalogService.lookupCode(ctx, rawCode);
    const access = await ctx.access(purpose);
    const row = await findVisibleSubject(ctx.db, checked.code, access.subjectScope, ctx.now);
    if (!row) {
      notVisible(checked); // I5: a listed code without a subject answers INVALID_CODE
      throw new NotFoundError('No subject is registered with this code.');
    }
    const hits = await findMeasureHits(ctx.db, row.id, scenario, access.recordScope, ctx.now);
    const subject = presentSubject(ctx, row, access, 'creditCheck');
    for (const hit of hits) subject.disclosure.recordIds.add(hit.record.id);
    const id = randomUUID();
    const stated = access.standing.purpose!;
    const verdict = verdictOf(hits);
    const stored: StoredResult = { subjectRow: row, decision: subject.decision, subject: projectSubject(row, subject.decision), hits };
    await insertCreditCheck(ctx.db, {
      id, checkedAt: ctx.now, orgCode: ctx.viewer.orgCode!, actor: ctx.viewer.actor!, subjectCode: row.code, scenario,
      purposeKind: stated.kind, purposeReference: stated.reference, verdict, result: stored,
    });
    return assemble(ctx, access, id, ctx.now, scenario, stated, subject, hits);
  },

  /**
   * C1: the stored answer, unchanged by later changes to the records. Only the organisation that ran the check
   * may read it back (it discloses a department view); reading it is logged like the check itself.
   */
  async receipt(ctx: RequestContext, checkId: string): Promise<CreditCheck | null> {
    if (!UUID.test(checkId)) throw new BadUserInputError('INVALID_ID', 'checkId is not a check id.');
    const row = await findCreditCheck(ctx.db, checkId);
    if (!row || row.orgCode !== ctx.viewer.orgCode) return null;
    const stored = row.result as StoredResult;
    const purpose = { kind: row.purposeKind, reference: row.purposeReference };
    const access = await ctx.access(purpose);
    const live = presentSubject(ctx, stored.subjectRow, access, 'creditCheckReceipt');
    // the stored projection over the live subject, on the live object (a spread and more properties would give it a
    // hidden class of its own, policies/fields.ts)
    const subject: Subject = Object.assign(live, stored.subject, { decision: stored.decision });
    const hits = stored.hits.map((h) => ({ measure: h.measure, record: reviveRecordRow(h.record) }));
    for (const hit of hits) subject.disclosure.recordIds.add(hit.record.id);
    return assemble(ctx, access, row.id, row.checkedAt, row.scenario, purpose, subject, hits);
  },
};
