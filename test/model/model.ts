import { addMonths, addYearsToDate, shanghaiDate, startOfShanghaiDate } from './calendar.js';
import {
  ADULT_YEARS, AGENCY_LOOKBACK_MONTHS, AGENCY_PURPOSES, DEPARTMENT_PURPOSES, PENALTY_PUBLIC_MONTHS, type Disclosure, type Severity,
  type SpecType,
} from './spec-catalog.js';

/**
 * The model: SPEC §4 (D1–D7, P0–P4, G1–G3, A1–A4, S1–S2, U1, §4.4 masking), §5 (purposes, grants, D8), §8 R1–R3
 * and W2a, re-implemented from the text over an in-memory world. It imports nothing from policies/ or src/.
 * `expected*` functions say, field by field, what a viewer must receive at an instant.
 */
export interface Content {
  title: string;
  summary: string | null;
  decisionNumber: string | null;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
  severity: Severity | null;
  legalBasis: string | null;
  amount: number | null;
  grade: string | null;
  group: string | null;
  disclosure: Disclosure;
  details: unknown;
}

export type Role = 'public' | 'department' | 'agency' | 'subject' | 'auditor' | 'admin';
export interface Viewer {
  role: Role;
  org: string | null;
  subjectCode: string | null;
  purpose: { kind: string; reference: string } | null;
}

export interface MSubject {
  code: string;
  kind: 'ENTERPRISE' | 'INDIVIDUAL' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION';
  name: string;
  registeredAt: string | null;
  address: string | null;
  legalRepresentative: string | null;
  legalRepresentativeId: string | null;
  birthDate: string | null;
}

export interface MObjection {
  statement: string;
  status: 'PENDING' | 'RESOLVED';
  outcome: null | 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED';
  note: string | null;
}

export interface MRecord {
  id: string;
  subjectCode: string;
  type: SpecType;
  source: string;
  sourceRef: string;
  /** every version, oldest first; the last is the current one */
  versions: Content[];
  status: 'ACTIVE' | 'WITHDRAWN' | 'REPAIRED';
  objection: MObjection | null;
}

export interface MGrant {
  id: string;
  subjectCode: string;
  agency: string;
  categories: string[];
  purpose: string;
  validFrom: Date;
  validUntil: Date;
  revoked: boolean;
}

export interface ModelState {
  subjects: MSubject[];
  records: MRecord[];
  grants: MGrant[];
  /** §1, A4: suspended organisations, whose tokens stop working at once */
  suspended: string[];
}

// ------------------------------------------------------------------------------------------------------------
// §4.2 windows

export interface Window {
  never: boolean;
  from: Date;
  /** exclusive; null = no end */
  until: Date | null;
}

const earliest = (a: Date | null, b: Date | null) => (a && b ? (a <= b ? a : b) : a ?? b);

/** D1 (penalties by severity) and D2 (every other type: validFrom/decidedAt until validUntil, default expiries, caps). */
export function publicWindow(type: SpecType, c: Content): Window {
  if (type.rule === 'BY_SEVERITY') {
    const months = c.severity ? PENALTY_PUBLIC_MONTHS[c.severity] : null;
    if (months === null) return { never: true, from: c.decidedAt, until: null };
    return { never: false, from: c.decidedAt, until: addMonths(c.decidedAt, months) };
  }
  const from = c.validFrom ?? c.decidedAt;
  const byValidity = c.validUntil ?? (type.defaultPeriodMonths !== null ? addMonths(from, type.defaultPeriodMonths) : null);
  const cap = type.maxPeriodMonths !== null ? addMonths(c.decidedAt, type.maxPeriodMonths) : null;
  return { never: false, from, until: earliest(byValidity, cap) };
}

export const insideWindow = (w: Window, now: Date) => !w.never && now >= w.from && (w.until === null || now < w.until);

/** D5: of age from the 18th birthday, on the Shanghai date of `now` (PostgreSQL date + interval). */
export const adultFrom = (subject: MSubject) => addYearsToDate(subject.birthDate!, ADULT_YEARS);
export const isAdult = (subject: MSubject, now: Date) => adultFrom(subject) <= shanghaiDate(now);

/** D3 + D5: the class a version is disclosed as at `now`. */
export function effectiveClass(type: SpecType, c: Content, subject: MSubject, now: Date): Disclosure {
  if (c.disclosure !== 'PUBLIC') return c.disclosure;
  if (!insideWindow(publicWindow(type, c), now)) return 'SHARED';
  if (subject.kind === 'INDIVIDUAL' && (!type.publicForIndividuals || !isAdult(subject, now))) return 'SHARED';
  return 'PUBLIC';
}

/**
 * D2 `publicUntil`: the end of the public window; null when it has no end or the record is never public — a
 * SHARED or SUBJECT_ONLY class, a MINOR penalty (D1), an empty window, a type never public about individuals, or
 * a window that closes before the individual comes of age (D5).
 */
export function publicUntil(type: SpecType, c: Content, subject: MSubject): Date | null {
  return neverPublicBecause(type, c, subject) ? null : windowEnd(type, c);
}

/** Why a PUBLIC-class record with a bounded window is never public (D2 "never public"), or null. */
export function neverPublicBecause(type: SpecType, c: Content, subject: MSubject): string | null {
  const w = publicWindow(type, c);
  if (c.disclosure !== 'PUBLIC' || w.never || w.until === null) return null;
  if (subject.kind === 'INDIVIDUAL' && !type.publicForIndividuals) return `D5-type: ${type.code} is never public about individuals`;
  if (w.until <= w.from) return 'empty: the window ends before it opens';
  if (subject.kind === 'INDIVIDUAL' && w.until <= startOfShanghaiDate(adultFrom(subject))) return 'D5-minor: the window ends before the individual comes of age';
  return null;
}

/** `publicUntil` read as just the window's end for a PUBLIC class (not "never public" for D5 or an empty window). */
export function windowEnd(type: SpecType, c: Content): Date | null {
  if (c.disclosure !== 'PUBLIC') return null;
  const w = publicWindow(type, c);
  return w.never ? null : w.until;
}

/** A3: decided more than five calendar years before `now` (exactly five is not more). */
export const beyondAgencyLookback = (c: Content, now: Date) => now > addMonths(c.decidedAt, AGENCY_LOOKBACK_MONTHS);

// ------------------------------------------------------------------------------------------------------------
// write-path predictions the world relies on (W3, R3)

/** W3: a `dishonest-debtor` about a person under 18 at `decidedAt` is refused. */
export function filingRefusal(type: SpecType, c: Content, subject: MSubject): string | null {
  if (type.code === 'dishonest-debtor' && subject.kind === 'INDIVIDUAL' && !isAdult(subject, c.decidedAt)) return 'MINOR_NOT_ALLOWED';
  return null;
}

/** R3 on an ACTIVE negative record at `now`: refused, or null when the application is accepted. */
export function repairRefusal(record: MRecord, now: Date): null | 'NOT_REPAIRABLE' | 'MIN_PERIOD_NOT_REACHED' {
  const rule = record.type.repair;
  const c = record.versions[record.versions.length - 1];
  if (!rule) return 'NOT_REPAIRABLE';
  let earliestAt: Date;
  if ('months' in rule) earliestAt = addMonths(c.validFrom ?? c.decidedAt, rule.months);
  else if (c.severity === 'GENERAL') earliestAt = addMonths(c.decidedAt, rule.generalMonths);
  else if (c.severity === 'SERIOUS') earliestAt = addMonths(c.decidedAt, rule.seriousMonths);
  else return 'NOT_REPAIRABLE'; // a MINOR penalty is never public: nothing to repair
  return now < earliestAt ? 'MIN_PERIOD_NOT_REACHED' : null;
}

// ------------------------------------------------------------------------------------------------------------
// §5 purposes, §4.3 views

export function purposeRefusal(viewer: Viewer): null | 'PURPOSE_NOT_ALLOWED' {
  if (!viewer.purpose) return null;
  const allowed: readonly string[] = viewer.role === 'department' ? DEPARTMENT_PURPOSES : viewer.role === 'agency' ? AGENCY_PURPOSES : [];
  return allowed.includes(viewer.purpose.kind) ? null : 'PURPOSE_NOT_ALLOWED';
}

export type ViewTier = 'PUBLIC' | 'DEPARTMENT' | 'AGENCY' | 'SELF';
export interface Decision {
  view: ViewTier;
  fallback: null | 'PURPOSE_REQUIRED' | 'GRANT_REQUIRED';
  /** AGENCY: the categories of the grants in force for this purpose (D8), and their ids */
  categories: ReadonlySet<string>;
  grantIds: string[];
}

const NOTHING: ReadonlySet<string> = new Set();

/** A4: a grant is in force from validFrom until (exclusive) validUntil, unless revoked. */
export const grantInForce = (g: MGrant, now: Date) => !g.revoked && g.validFrom <= now && now < g.validUntil;

export function decideView(state: ModelState, viewer: Viewer, subject: MSubject, now: Date): Decision {
  const plain = (view: ViewTier, fallback: Decision['fallback'] = null): Decision => ({ view, fallback, categories: NOTHING, grantIds: [] });
  switch (viewer.role) {
    case 'department':
      return viewer.purpose ? plain('DEPARTMENT') : plain('PUBLIC', 'PURPOSE_REQUIRED'); // G1, G2
    case 'agency': {
      if (!viewer.purpose) return plain('PUBLIC', 'PURPOSE_REQUIRED'); // A1
      const grants = state.grants.filter((g) => g.subjectCode === subject.code && g.agency === viewer.org
        && g.purpose === viewer.purpose!.kind && grantInForce(g, now)); // D8, A4
      if (!grants.length) return plain('PUBLIC', 'GRANT_REQUIRED'); // A1
      return { view: 'AGENCY', fallback: null, categories: new Set(grants.flatMap((g) => g.categories)), grantIds: grants.map((g) => g.id) };
    }
    case 'subject':
      return plain(viewer.subjectCode === subject.code ? 'SELF' : 'PUBLIC'); // S1, S2
    default:
      return plain('PUBLIC'); // P*, U1
  }
}

/** Whether the viewer may see one version of a record (its own class, window and status) at `now`: P2, G1, A2, A3, S1, D3–D5. */
export function canSee(d: Decision, viewer: Viewer, record: MRecord, c: Content, status: MRecord['status'], subject: MSubject, now: Date): boolean {
  if (d.view === 'SELF') return true;
  if (status !== 'ACTIVE') return false; // D4
  const effective = effectiveClass(record.type, c, subject, now);
  switch (d.view) {
    case 'PUBLIC': return effective === 'PUBLIC';
    case 'DEPARTMENT': return effective !== 'SUBJECT_ONLY' || record.source === viewer.org;
    case 'AGENCY': return effective === 'PUBLIC' || (effective === 'SHARED' && d.categories.has(record.type.category)
      && !(subject.kind === 'INDIVIDUAL' && record.type.nature === 'NEGATIVE' && beyondAgencyLookback(c, now)));
  }
}

/** Where §4.3 gives `details`: departments with a purpose and the subject (G1, S1); agencies for SHARED records in their grant (A2). */
export function seesDetails(view: ViewTier, effective: Disclosure): boolean {
  return view === 'DEPARTMENT' || view === 'SELF' || (view === 'AGENCY' && effective === 'SHARED');
}

/** R1: the statements go to the subject and to the record's source department (with a purpose: otherwise G2's public view). */
export const seesStatements = (d: Decision, viewer: Viewer, record: MRecord) =>
  d.view === 'SELF' || (d.view === 'DEPARTMENT' && viewer.org === record.source);

/** R1, R2: an objection is pending, or the last one was UNDETERMINED. */
export const isDisputed = (o: MObjection | null) => !!o && (o.status === 'PENDING' || o.outcome === 'UNDETERMINED');

export const currentOf = (record: MRecord) => record.versions[record.versions.length - 1];

/** P3: the public view finds an individual only with at least one record public right now. */
export function subjectVisible(state: ModelState, d: Decision, subject: MSubject, now: Date): boolean {
  if (d.view !== 'PUBLIC' || subject.kind !== 'INDIVIDUAL') return true;
  return state.records.some((r) => r.subjectCode === subject.code && r.status === 'ACTIVE'
    && effectiveClass(r.type, currentOf(r), subject, now) === 'PUBLIC');
}

/** The records a view lists, newest decidedAt first, then id descending. */
export function visibleRecords(state: ModelState, d: Decision, viewer: Viewer, subject: MSubject, now: Date): MRecord[] {
  return state.records
    .filter((r) => r.subjectCode === subject.code && canSee(d, viewer, r, currentOf(r), r.status, subject, now))
    .sort((a, b) => currentOf(b).decidedAt.getTime() - currentOf(a).decidedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

// ------------------------------------------------------------------------------------------------------------
// §4.4 masking

export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

export const maskIdentity = (code: string) => `${code.slice(0, 4)}${'*'.repeat(10)}${code.slice(-4)}`;
