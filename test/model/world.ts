import fc from 'fast-check';
import { DAY_MS } from './calendar.js';
import { CATEGORIES, DEPARTMENT_PURPOSES, SCENARIOS, SPEC_TYPES, type Severity } from './spec-catalog.js';

/**
 * A world as plain data (fast-check generates and shrinks it): subjects with their records, the versions,
 * objections, repairs and withdrawals of those records, grants, and the reads to check. Nothing here is a code or an
 * id: plan.ts turns a world into fresh codes, names and instants each time it is applied, so a world can be applied
 * again and again (runs, shrinking) against the same database.
 *
 * Instants are offsets from the build instant T0 on the Shanghai calendar: `months` then `deltaMs`. Offsets cluster
 * around the SPEC's periods (3, 12, 24, 36, 60 months) and around 0 ms, so that windows, repair periods, the
 * 18th birthday and the agency look-back often fall exactly on (or 1 ms beside) a read instant.
 */
export interface Shift {
  months: number;
  deltaMs: number;
}

export type DisclosureChoice = 'DEFAULT' | 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY';
export type SubjectKindSpec = 'ENTERPRISE' | 'INDIVIDUAL' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION';

export interface VersionSpec {
  /** re-submit the same content: nothing changes (W2) */
  unchanged: boolean;
  disclosure: DisclosureChoice | null;
  decided: Shift | null;
  /** undefined: keep; null: clear; a shift: set */
  validUntil: Shift | null | undefined;
  severity: Severity | null;
  details: boolean;
}

export interface ObjectionSpec {
  resolution: null | 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED';
  correctionDisclosure: DisclosureChoice | null;
}

export interface RecordSpec {
  type: string;
  source: number;
  disclosure: DisclosureChoice;
  severity: Severity;
  decided: Shift;
  validFrom: Shift | null;
  validUntil: Shift | null;
  grade: string;
  group: string;
  amount: number | null;
  summary: boolean;
  versions: VersionSpec[];
  /** W2a's case: filed SUBJECT_ONLY first, opened (the type's default class) by the next version */
  openedLater: boolean;
  objection: ObjectionSpec | null;
  repair: null | { decision: null | 'APPROVE' | 'REJECT' };
  withdraw: boolean;
}

export type AgeSpec =
  | { kind: 'adult'; years: number; days: number }
  /** born T0's date − 18 years + days: a minor at T0 for days > 0, of age `days` later */
  | { kind: 'near18'; days: number }
  | { kind: 'child'; years: number; days: number };

export interface SubjectSpec {
  kind: SubjectKindSpec;
  nameShape: 'two' | 'three' | 'four' | 'tagged';
  nameSeed: number;
  age: AgeSpec;
  address: boolean;
  legalRepresentativeId: boolean;
  records: RecordSpec[];
}

export interface GrantSpec {
  subject: number;
  agency: number;
  categories: string[];
  purpose: 'CREDIT_REPORT' | 'LENDING';
  startMs: number;
  /** days (plus 0 or −1 ms), or exactly one calendar year (§5: at most 1 year) */
  length: { days: number; minusOneMs: boolean } | 'year';
  revoked: boolean;
  /** also grant the categories of the subject's own records (else grants and records rarely meet) */
  coverRecords: boolean;
}

export type ViewerSpec =
  | { role: 'public'; purpose: string | null }
  | { role: 'department'; index: number; purpose: string | null }
  /** `fromGrant`: the agency, purpose and subject of one of the world's grants (else they rarely meet) */
  | { role: 'agency'; index: number; purpose: string | null; fromGrant: boolean }
  | { role: 'self'; purpose: string | null }
  | { role: 'subject'; index: number; purpose: string | null }
  | { role: 'auditor'; purpose: string | null }
  | { role: 'admin'; purpose: string | null };

export interface ReadSpec {
  viewer: ViewerSpec;
  target: number;
  at: Shift;
  op: 'subject' | 'search' | 'unknown' | 'check';
  searchBy: 'tagLower' | 'tagUpper' | 'code';
  /** I3: the code as typed — exact, with spaces around it, or lower-cased */
  codeForm: 'exact' | 'padded' | 'lower';
  /** D7: `records(categories, types)` filter only within what the viewer may see */
  filter: null | { categories: string[] } | { types: string[] };
  /** C1–C3 */
  scenario: string;
  /** read `records` in pages of this size, following `endCursor` (null: one page of 100) */
  pageSize: number | null;
}

export interface WorldSpec {
  t0: { days: number; minutes: number };
  subjects: SubjectSpec[];
  grants: GrantSpec[];
  /** A4: the second agency is suspended before the reads */
  suspendAgency: boolean;
  reads: ReadSpec[];
}

const HOUR = 3_600_000;
const deltaMs = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, -1, 1, -HOUR, HOUR, -DAY_MS, DAY_MS) },
  { weight: 1, arbitrary: fc.integer({ min: -40 * DAY_MS, max: 40 * DAY_MS }) },
);
const monthsBack = fc.oneof(fc.constantFrom(0, -3, -12, -24, -36, -60, -1, -48, -61), fc.integer({ min: -75, max: 0 }));
const monthsAround = fc.oneof(fc.constantFrom(0, 3, 12, 24, 36, -3, -12, -24), fc.integer({ min: -75, max: 40 }));
/** read instants: mostly within a year of T0 (grants last at most a year), sometimes years later */
const monthsAhead = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, 0, 0, 1, 3, 6, 11, 12) },
  { weight: 1, arbitrary: fc.constantFrom(24, 36, 60) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 72 }) },
);

/** true in about `inTen` of ten cases; shrinks to false */
const rarely = (inTen: number) => fc.nat({ max: 9 }).map((n) => n >= 10 - inTen);

const shift = (months: fc.Arbitrary<number>): fc.Arbitrary<Shift> => fc.record({ months, deltaMs });
const disclosureChoice = fc.constantFrom<DisclosureChoice>('DEFAULT', 'DEFAULT', 'PUBLIC', 'SHARED', 'SUBJECT_ONLY');
/** every catalog type; the three public about individuals (D5) twice more, so individuals are found by the public */
const typeCode = fc.constantFrom(...SPEC_TYPES.map((t) => t.code), ...SPEC_TYPES.filter((t) => t.publicForIndividuals).flatMap((t) => [t.code, t.code]));
const severity = fc.constantFrom<Severity>('GENERAL', 'SERIOUS', 'MINOR');

const versionSpec: fc.Arbitrary<VersionSpec> = fc.record({
  unchanged: rarely(3),
  disclosure: fc.option(disclosureChoice, { freq: 2 }),
  decided: fc.option(shift(monthsBack), { freq: 3 }),
  validUntil: fc.oneof(fc.constant(undefined), fc.constant(null), shift(monthsAround)),
  severity: fc.option(severity, { freq: 3 }),
  details: fc.boolean(),
});

const recordSpec: fc.Arbitrary<RecordSpec> = fc.record({
  type: typeCode,
  source: fc.nat({ max: 2 }),
  disclosure: disclosureChoice,
  severity,
  decided: shift(monthsBack),
  validFrom: fc.option(shift(monthsAround), { freq: 2 }),
  validUntil: fc.option(shift(monthsAround), { freq: 2 }),
  grade: fc.constantFrom('A', 'B', 'M', 'C', 'D'),
  group: fc.constantFrom('LAWYER', 'TEACHER', 'MEDICAL_WORKER'),
  amount: fc.option(fc.integer({ min: 0, max: 2_000_000 }).map((n) => n / 2)),
  summary: fc.boolean(),
  versions: fc.array(versionSpec, { maxLength: 2 }),
  openedLater: rarely(4),
  objection: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({
    resolution: fc.constantFrom(null, 'CORRECTED', 'NOT_ERRONEOUS', 'UNDETERMINED'),
    correctionDisclosure: fc.option(disclosureChoice),
  }) }),
  repair: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ decision: fc.constantFrom(null, 'APPROVE', 'REJECT') }) }),
  withdraw: rarely(3),
});

const ageSpec: fc.Arbitrary<AgeSpec> = fc.oneof(
  fc.record({ kind: fc.constant('adult' as const), years: fc.integer({ min: 19, max: 80 }), days: fc.nat({ max: 364 }) }),
  fc.record({ kind: fc.constant('near18' as const), days: fc.oneof(fc.constantFrom(0, 1, -1, 30, 366), fc.integer({ min: -60, max: 800 })) }),
  fc.record({ kind: fc.constant('child' as const), years: fc.integer({ min: 1, max: 16 }), days: fc.nat({ max: 364 }) }),
);

const subjectSpec: fc.Arbitrary<SubjectSpec> = fc.record({
  kind: fc.constantFrom<SubjectKindSpec>('INDIVIDUAL', 'ENTERPRISE', 'INDIVIDUAL', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'),
  nameShape: fc.constantFrom<SubjectSpec['nameShape']>('tagged', 'two', 'three', 'four'),
  nameSeed: fc.nat({ max: 999 }),
  age: ageSpec,
  address: fc.boolean(),
  legalRepresentativeId: fc.boolean(),
  records: fc.array(recordSpec, { maxLength: 4 }),
});

const grantSpec: fc.Arbitrary<GrantSpec> = fc.record({
  subject: fc.nat({ max: 5 }),
  agency: fc.nat({ max: 1 }),
  categories: fc.subarray([...CATEGORIES], { minLength: 1 }),
  purpose: fc.constantFrom<GrantSpec['purpose']>('CREDIT_REPORT', 'LENDING'),
  startMs: fc.constantFrom(0, 0, 0, 1, HOUR, DAY_MS, 30 * DAY_MS, 200 * DAY_MS),
  length: fc.oneof(fc.constant('year' as const), fc.record({ days: fc.integer({ min: 1, max: 365 }), minusOneMs: fc.boolean() })),
  revoked: rarely(3),
  coverRecords: fc.nat({ max: 2 }).map((n) => n > 0),
});

/** A purpose a caller without a purpose list states (refused, §5), now and then. */
const strayPurpose = fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant('SUPERVISION') });

const viewerSpec: fc.Arbitrary<ViewerSpec> = fc.oneof(
  fc.record({ role: fc.constant('public' as const), purpose: strayPurpose }),
  { weight: 3, arbitrary: fc.record({
    role: fc.constant('department' as const),
    index: fc.nat({ max: 2 }),
    purpose: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 8, arbitrary: fc.constantFrom(...DEPARTMENT_PURPOSES) }, { weight: 1, arbitrary: fc.constant('LENDING') }),
  }) },
  { weight: 3, arbitrary: fc.record({
    role: fc.constant('agency' as const),
    index: fc.nat({ max: 1 }),
    fromGrant: fc.nat({ max: 2 }).map((n) => n > 0),
    purpose: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 8, arbitrary: fc.constantFrom('CREDIT_REPORT', 'LENDING', 'CREDIT_REPORT', 'LEASING') }, { weight: 1, arbitrary: fc.constant('SUPERVISION') }),
  }) },
  { weight: 2, arbitrary: fc.record({ role: fc.constant('self' as const), purpose: strayPurpose }) },
  fc.record({ role: fc.constant('subject' as const), index: fc.nat({ max: 5 }), purpose: strayPurpose }),
  fc.record({ role: fc.constant('auditor' as const), purpose: strayPurpose }),
  fc.record({ role: fc.constant('admin' as const), purpose: strayPurpose }),
);

const readSpec: fc.Arbitrary<ReadSpec> = fc.record({
  viewer: viewerSpec,
  target: fc.nat({ max: 5 }),
  at: shift(monthsAhead),
  op: fc.constantFrom<ReadSpec['op']>('subject', 'subject', 'subject', 'subject', 'search', 'search', 'unknown', 'check', 'check'),
  searchBy: fc.constantFrom<ReadSpec['searchBy']>('tagLower', 'tagUpper', 'code'),
  codeForm: fc.constantFrom<ReadSpec['codeForm']>('exact', 'exact', 'exact', 'padded', 'lower'),
  filter: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.record({ categories: fc.subarray([...CATEGORIES], { minLength: 1, maxLength: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ types: fc.subarray(SPEC_TYPES.map((t) => t.code), { minLength: 1, maxLength: 4 }) }) },
  ),
  scenario: fc.constantFrom(...SCENARIOS),
  pageSize: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
});

export function worldArbitrary(size: { maxSubjects: number; maxReads: number }): fc.Arbitrary<WorldSpec> {
  return fc.record({
    t0: fc.record({
      days: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 })),
      // 720 minutes after 04:00Z is 16:00Z: Shanghai midnight, when the calendar date (and an 18th birthday) turns
      minutes: fc.oneof(fc.constantFrom(0, 720, 719, 721), fc.integer({ min: 0, max: 1439 })),
    }),
    subjects: fc.array(subjectSpec, { minLength: 1, maxLength: size.maxSubjects }),
    grants: fc.array(grantSpec, { maxLength: 4 }),
    suspendAgency: rarely(2),
    reads: fc.array(readSpec, { minLength: 1, maxLength: size.maxReads }),
  });
}
