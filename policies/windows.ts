import { addInterval, addIntervalToDate, shanghaiDateOf, startOfShanghaiDate } from './calendar.js';

/**
 * Publicity windows (SPEC D1, D2, D3, D5, D6) as pure functions over a record and its catalog type. The SQL
 * twin of these functions lives in src/modules/records/record-facts.sql.ts; test/integration/
 * windows-sql-parity.test.ts proves that both agree at every boundary.
 */
export type Disclosure = 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY';
export const DISCLOSURE_ORDER: readonly Disclosure[] = ['PUBLIC', 'SHARED', 'SUBJECT_ONLY'];
export type PublicityRule = 'BY_SEVERITY' | 'BY_VALIDITY';
export type Severity = 'MINOR' | 'GENERAL' | 'SERIOUS';

/** The disclosure parameters of a catalog type (a row of `catalog_types`). */
export interface TypeWindowRule {
  publicityRule: PublicityRule;
  generalPublicPeriod: string | null;
  seriousPublicPeriod: string | null;
  defaultPublicPeriod: string | null;
  maxPublicPeriod: string | null;
  publicForIndividuals: boolean;
}

export interface RecordWindowFacts {
  severity: Severity | null;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
}

/** When a record's public window opens and closes; `neverPublic` for e.g. a MINOR penalty (D1). */
export interface PublicWindow {
  neverPublic: boolean;
  from: Date;
  /** exclusive end; null = no end */
  until: Date | null;
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

export function publicWindow(rule: TypeWindowRule, record: RecordWindowFacts): PublicWindow {
  if (rule.publicityRule === 'BY_SEVERITY') {
    // D1: MINOR never public; GENERAL/SERIOUS public from decidedAt for the configured period
    const period = record.severity === 'GENERAL' ? rule.generalPublicPeriod
      : record.severity === 'SERIOUS' ? rule.seriousPublicPeriod : null;
    if (!period) return { neverPublic: true, from: record.decidedAt, until: null };
    return { neverPublic: false, from: record.decidedAt, until: addInterval(record.decidedAt, period) };
  }
  // D2: from validFrom (else decidedAt) while validUntil is unset or in the future; default expiries and caps
  const from = record.validFrom ?? record.decidedAt;
  const byValidity = record.validUntil
    ?? (rule.defaultPublicPeriod ? addInterval(from, rule.defaultPublicPeriod) : null);
  const cap = rule.maxPublicPeriod ? addInterval(record.decidedAt, rule.maxPublicPeriod) : null;
  return { neverPublic: false, from, until: earliest(byValidity, cap) };
}

export function isInsidePublicWindow(window: PublicWindow, now: Date): boolean {
  if (window.neverPublic) return false;
  if (now.getTime() < window.from.getTime()) return false;
  return window.until === null || now.getTime() < window.until.getTime();
}

export const ADULT_AGE_YEARS = 18;

/** D5: an individual is an adult from their 18th birthday (Asia/Shanghai date at `now`). */
export function isAdultAt(birthDate: string, now: Date): boolean {
  return addIntervalToDate(birthDate, `${ADULT_AGE_YEARS} years`) <= shanghaiDateOf(now);
}

export interface SubjectFacts {
  kind: 'ENTERPRISE' | 'INDIVIDUAL' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION';
  birthDate: string | null;
}

const ORGANISATION: SubjectFacts = { kind: 'ENTERPRISE', birthDate: null };

/** D5: the instant an individual comes of age (the start of the Asia/Shanghai day of the 18th birthday). */
export function adulthoodBegins(birthDate: string): Date {
  return startOfShanghaiDate(addIntervalToDate(birthDate, `${ADULT_AGE_YEARS} years`));
}

/**
 * `CreditRecord.publicUntil` (D2): the end of the public window; null when the window has no end or the record is
 * never public — not PUBLIC, a MINOR penalty (D1), an empty window, or about an individual whom the public may never
 * see it about (a type not public for individuals, or a window that closes before the 18th birthday: D5).
 */
export function publicUntil(rule: TypeWindowRule, record: RecordWindowFacts, disclosure: Disclosure, subject: SubjectFacts = ORGANISATION): Date | null {
  if (disclosure !== 'PUBLIC') return null;
  const window = publicWindow(rule, record);
  if (window.neverPublic || window.until === null) return null;
  if (window.until.getTime() <= window.from.getTime()) return null;
  if (subject.kind === 'INDIVIDUAL') {
    if (!rule.publicForIndividuals || !subject.birthDate) return null;
    if (window.until.getTime() <= adulthoodBegins(subject.birthDate).getTime()) return null;
  }
  return window.until;
}

/**
 * The class a record is effectively disclosed as at `now` (D3, D5): a PUBLIC record outside its window, or
 * kept from the public because it is about an individual (type not public-for-individuals, or a minor), counts
 * as SHARED. SHARED and SUBJECT_ONLY are unchanged.
 */
export function effectiveDisclosure(
  rule: TypeWindowRule,
  record: RecordWindowFacts & { disclosure: Disclosure },
  subject: SubjectFacts,
  now: Date,
): Disclosure {
  if (record.disclosure !== 'PUBLIC') return record.disclosure;
  if (!isInsidePublicWindow(publicWindow(rule, record), now)) return 'SHARED';
  if (subject.kind === 'INDIVIDUAL') {
    if (!rule.publicForIndividuals) return 'SHARED';
    if (!subject.birthDate || !isAdultAt(subject.birthDate, now)) return 'SHARED';
  }
  return 'PUBLIC';
}

export function isLooserThan(a: Disclosure, b: Disclosure): boolean {
  return DISCLOSURE_ORDER.indexOf(a) < DISCLOSURE_ORDER.indexOf(b);
}

/** A3: beyond the public view, agencies never receive an individual's negative record decided longer ago. */
export const AGENCY_NEGATIVE_LOOKBACK = '5 years';

/** A3: "decided more than five years ago" at `now` (Asia/Shanghai calendar; exactly five years is not more). */
export function isBeyondAgencyLookback(decidedAt: Date, now: Date): boolean {
  return addInterval(decidedAt, AGENCY_NEGATIVE_LOOKBACK).getTime() < now.getTime();
}
