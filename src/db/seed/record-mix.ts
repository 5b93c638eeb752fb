/**
 * Which records a generated subject gets: the mix of catalog types per kind of subject, and each record's
 * disclosure, status and (now and then) a window that has not started yet.
 */
import * as words from './demo-names.js';
import type { Weighted } from './demo-names.js';
import type { Disclosure, Draft, Kind, PlannedSubject, RecordContext } from './model.js';
import { at, shift, shiftInstant } from './random.js';
import { GENERATORS } from './records.js';

const TYPE_WEIGHTS: Record<Kind, readonly Weighted<string>[]> = {
  ENTERPRISE: [
    ['license', 2], ['penalty', 2], ['abnormal-operation', 0.5], ['dishonest-debtor', 0.4], ['judgment', 0.8],
    ['serious-dishonesty-list', 0.15], ['contract-performance', 1], ['commitment', 1], ['tax-rating', 1], ['credit-grade', 0.6],
    ['honor', 0.5], ['self-declared', 0.5], ['social-insurance-arrears', 0.4], ['tax-arrears', 0.4], ['ip-infringement', 0.2],
  ],
  INDIVIDUAL: [
    ['qualification', 2], ['penalty', 0.6], ['dishonest-debtor', 0.5], ['judgment', 0.6], ['serious-dishonesty-list', 0.15],
    ['commitment', 0.5], ['honor', 0.4], ['self-declared', 0.3], ['tax-arrears', 0.2], ['social-insurance-arrears', 0.1],
    ['credit-grade', 0.2], ['license', 0.3], ['ip-infringement', 0.05], ['contract-performance', 0.1],
  ],
  PUBLIC_INSTITUTION: [
    ['license', 1.5], ['penalty', 0.6], ['judgment', 0.4], ['contract-performance', 1], ['commitment', 1], ['honor', 0.8],
    ['self-declared', 0.5], ['social-insurance-arrears', 0.2], ['credit-grade', 0.3], ['tax-rating', 0.3], ['tax-arrears', 0.1],
    ['dishonest-debtor', 0.1],
  ],
  SOCIAL_ORGANIZATION: [
    ['license', 0.5], ['penalty', 0.6], ['abnormal-operation', 0.4], ['commitment', 1], ['honor', 0.6], ['self-declared', 0.6],
    ['credit-grade', 0.8], ['serious-dishonesty-list', 0.1], ['social-insurance-arrears', 0.1], ['contract-performance', 0.3],
    ['tax-rating', 0.2], ['judgment', 0.2],
  ],
};

/** Types whose window starts at validFrom, eligible for a "not yet started" variant. */
const MAY_START_LATER = new Set(['license', 'qualification', 'honor', 'commitment', 'contract-performance', 'credit-grade', 'abnormal-operation', 'dishonest-debtor', 'serious-dishonesty-list']);

/** SPEC R3 minimum periods (with a day of margin): may this negative record already have been repaired? */
function repairReached(d: Draft, ctx: RecordContext): boolean {
  const since = (from: Date, by: { years?: number; months?: number }) => shiftInstant(from, { ...by, days: 1 }) <= ctx.now;
  switch (d.type) {
    case 'penalty':
      return d.severity === 'GENERAL' ? since(d.decidedAt, { months: 3 }) : d.severity === 'SERIOUS' ? since(d.decidedAt, { years: 1 }) : false;
    case 'abnormal-operation':
    case 'serious-dishonesty-list':
    case 'ip-infringement':
      return since(d.validFrom ?? d.decidedAt, { years: 1 });
    case 'tax-arrears':
    case 'social-insurance-arrears':
      return true;
    default:
      return false;
  }
}

/** Random disclosure (never looser than the type's), status and, now and then, a window that has not started yet. */
export function varyLifecycle(d: Draft, ctx: RecordContext): Draft {
  const info = ctx.catalog.get(d.type)!;
  const { rand } = ctx;
  if (MAY_START_LATER.has(d.type) && rand.chance(0.04)) {
    const duration = d.validUntil && d.validFrom ? d.validUntil.getTime() - d.validFrom.getTime() : null;
    d.decidedAt = at(shift(ctx.today, { days: -rand.int(1, 20) }), rand.int(9, 17), rand.int(0, 59));
    d.validFrom = at(shift(ctx.today, { days: rand.int(1, 60) }), 0, 0);
    d.validUntil = duration === null ? null : new Date(d.validFrom.getTime() + duration);
  }
  d.disclosure = info.loosest === 'PUBLIC' ? rand.weighted<Disclosure>([['PUBLIC', 85], ['SHARED', 10], ['SUBJECT_ONLY', 5]])
    : info.loosest === 'SHARED' ? rand.weighted<Disclosure>([['SHARED', 92], ['SUBJECT_ONLY', 8]]) : 'SUBJECT_ONLY';
  if (d.type !== 'registration' && rand.chance(0.035)) {
    d.status = 'WITHDRAWN';
    d.statusReason = d.type === 'dishonest-debtor' ? words.WITHDRAWAL_REASONS[3]
      : d.type === 'license' ? words.WITHDRAWAL_REASONS[2] : rand.pick(words.WITHDRAWAL_REASONS.slice(0, 2));
  } else if (info.repairable && repairReached(d, ctx) && rand.chance(0.12)) {
    d.status = 'REPAIRED';
    d.statusReason = d.type === 'abnormal-operation' ? words.REPAIR_REASONS[1]
      : d.type.endsWith('arrears') ? words.REPAIR_REASONS[2] : words.REPAIR_REASONS[0];
  }
  return d;
}

export function generateRecords(ctx: RecordContext, subject: PlannedSubject): Draft[] {
  const drafts: Draft[] = [];
  const generate = (type: string): Draft | null => (ctx.catalog.has(type) ? GENERATORS[type]?.(ctx, subject) ?? null : null);
  const first = subject.kind === 'INDIVIDUAL' ? (subject.primaryGroup ? 'qualification' : null) : 'registration';
  const firstDraft = first ? generate(first) : null;
  if (firstDraft) drafts.push(firstDraft.type === 'registration' ? { ...firstDraft, disclosure: 'PUBLIC', status: 'ACTIVE' } : varyLifecycle(firstDraft, ctx));
  for (let attempts = 0; drafts.length < subject.recordCount && attempts < subject.recordCount * 4; attempts++) {
    const draft = generate(ctx.rand.weighted(TYPE_WEIGHTS[subject.kind]));
    if (draft) drafts.push(varyLifecycle(draft, ctx));
  }
  return drafts;
}
