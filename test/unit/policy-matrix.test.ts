import { describe, expect, it } from 'vitest';
import { defineAbility, type RecordFacts, type SubjectRowFacts, subjectCategoryKey } from '../../policies/abilities.js';
import { projectSubject, viewSeesRecordDetails, type SubjectFieldsIn } from '../../policies/fields.js';
import { decideView, type ActiveGrant, type Standing } from '../../policies/viewer.js';
import {
  effectiveDisclosure,
  isInsidePublicWindow,
  publicWindow,
  type Disclosure,
  type Severity,
  type SubjectFacts, isBeyondAgencyLookback } from '../../policies/windows.js';
import { generateResidentId, generateUscc } from '../../src/domain/identifiers.js';
import { mulberry32 } from '../support/random.js';
import { catalogRow, windowRule } from './windows.catalog.js';

/**
 * The policy matrix at the unit level (SPEC §4.3): viewer × disclosure class × window position × status × subject
 * kind. Facts are built with policies/windows.ts at a fixed instant; the expectation is an independent encoding of
 * the SPEC text (`expectedVisible`), never a call into the policy code.
 */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const NOW = sh('2026-06-15T12:00:00');
const DAY = 86_400_000;
const at = (deltaMs: number): Date => new Date(NOW.getTime() + deltaMs);

const SOURCE_DEPT = 'DEPT-SOURCE';
const OTHER_DEPT = 'DEPT-OTHER';
const AGENCY = 'AGEN-1';
const PURPOSE_DEPT = { kind: 'LICENSING' as const, reference: 'SG-2026-0042' };
const PURPOSE_AGENCY = { kind: 'CREDIT_REPORT' as const, reference: 'CR-2026-7' };

// ---------------------------------------------------------------------------------------------------------
// subjects

type SubjectKindLabel = 'organisation' | 'adult individual' | 'minor individual';
interface SubjectCase {
  label: SubjectKindLabel;
  code: string;
  kind: 'ENTERPRISE' | 'INDIVIDUAL';
  birthDate: string | null;
  /** by construction (SPEC D5: under 18 at NOW) */
  adult: boolean;
  fields: SubjectFieldsIn;
}

const rand = mulberry32(4301);
const subjectCase = (label: SubjectKindLabel, birthDate: string | null): SubjectCase => {
  const individual = birthDate !== null;
  const code = individual ? generateResidentId(rand, birthDate) : generateUscc(rand, '91');
  return {
    label,
    code,
    kind: individual ? 'INDIVIDUAL' : 'ENTERPRISE',
    birthDate,
    adult: label !== 'minor individual',
    fields: {
      code,
      kind: individual ? 'INDIVIDUAL' : 'ENTERPRISE',
      name: individual ? '张小三' : '韶关市测试贸易有限公司',
      status: 'ACTIVE',
      registeredAt: individual ? null : '2015-03-01',
      address: '广东省韶关市浈江区测试路1号',
      legalRepresentative: individual ? null : '李四',
      legalRepresentativeId: individual ? null : generateResidentId(rand, '1970-01-02'),
      codeFlagged: false,
    },
  };
};

const ORG = subjectCase('organisation', null);
const ADULT = subjectCase('adult individual', '1980-05-17');
const MINOR = subjectCase('minor individual', '2012-03-03');
const SUBJECTS = [ORG, ADULT, MINOR];
/** someone else, for S2 */
const OTHER_SUBJECT_CODE = generateResidentId(rand, '1975-11-30');

const subjectFacts = (s: SubjectCase): SubjectFacts => ({ kind: s.kind, birthDate: s.birthDate });

// ---------------------------------------------------------------------------------------------------------
// viewers

type ViewerKind = 'public' | 'department' | 'subject' | 'auditor' | 'admin' | 'agency';
interface ViewerCase {
  rule: string;
  label: string;
  kind: ViewerKind;
  hasPurpose: boolean;
  orgCode: string | null;
  /** the subject code the viewer is, given the subject being looked at */
  subjectCodeFor?: (s: SubjectCase) => string;
  /** `record`: the record being looked at, for viewers whose grants are written relative to its category */
  standing: (s: SubjectCase, record?: RecordCase) => Standing;
  /**
   * agencies: the grants the viewer holds (already narrowed to its purpose and in force, as the caller of
   * defineAbility delivers them), given the subject looked at and the SPEC category of the record (null when no
   * record is involved). Read by the independent expectation; the same grants go into `standing`.
   */
  grants?: (s: { code: string }, recordCategory: string | null) => ActiveGrant[];
  /** decideView per SPEC §4.3 */
  expectedView: (s: SubjectCase) => { view: 'PUBLIC' | 'DEPARTMENT' | 'AGENCY' | 'SELF'; fallbackReason: 'PURPOSE_REQUIRED' | 'GRANT_REQUIRED' | null };
}

const standing = (role: Standing['viewer']['role'], orgCode: string | null, subjectCode: string | null, purpose: Standing['purpose'], grants: Standing['grants'] = []): Standing => ({
  viewer: { role, actor: role === 'public' ? null : `${role}-officer`, orgCode, subjectCode },
  purpose,
  grants,
});

const VIEWERS: ViewerCase[] = [
  {
    rule: 'P2', label: 'the public', kind: 'public', hasPurpose: false, orgCode: null,
    standing: () => standing('public', null, null, null),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: null }),
  },
  {
    rule: 'G2', label: 'the source department without a purpose', kind: 'department', hasPurpose: false, orgCode: SOURCE_DEPT,
    standing: () => standing('department', SOURCE_DEPT, null, null),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: 'PURPOSE_REQUIRED' }),
  },
  {
    rule: 'G1', label: 'the source department with a purpose', kind: 'department', hasPurpose: true, orgCode: SOURCE_DEPT,
    standing: () => standing('department', SOURCE_DEPT, null, PURPOSE_DEPT),
    expectedView: () => ({ view: 'DEPARTMENT', fallbackReason: null }),
  },
  {
    rule: 'G1', label: 'another department with a purpose', kind: 'department', hasPurpose: true, orgCode: OTHER_DEPT,
    standing: () => standing('department', OTHER_DEPT, null, PURPOSE_DEPT),
    expectedView: () => ({ view: 'DEPARTMENT', fallbackReason: null }),
  },
  {
    rule: 'S1', label: 'the subject itself', kind: 'subject', hasPurpose: false, orgCode: null,
    subjectCodeFor: (s) => s.code,
    standing: (s) => standing('subject', null, s.code, null),
    expectedView: () => ({ view: 'SELF', fallbackReason: null }),
  },
  {
    rule: 'S2', label: 'another subject', kind: 'subject', hasPurpose: false, orgCode: null,
    subjectCodeFor: () => OTHER_SUBJECT_CODE,
    standing: () => standing('subject', null, OTHER_SUBJECT_CODE, null),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: null }),
  },
  {
    rule: 'U1', label: 'an auditor', kind: 'auditor', hasPurpose: false, orgCode: 'AUDIT-1',
    standing: () => standing('auditor', 'AUDIT-1', null, null),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: null }),
  },
  {
    rule: 'U1', label: 'an admin', kind: 'admin', hasPurpose: false, orgCode: 'PLATFORM',
    standing: () => standing('admin', 'PLATFORM', null, null),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: null }),
  },
  {
    rule: 'A1', label: 'an agency with a purpose but no grant', kind: 'agency', hasPurpose: true, orgCode: AGENCY,
    standing: () => standing('agency', AGENCY, null, PURPOSE_AGENCY),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: 'GRANT_REQUIRED' }),
  },
  {
    rule: 'A1', label: 'an agency holding a grant from another subject only', kind: 'agency', hasPurpose: true, orgCode: AGENCY,
    grants: () => [{ id: 'grant-1', subjectCode: OTHER_SUBJECT_CODE, categories: ['ADMINISTRATIVE', 'PROFESSIONAL', 'JUDICIAL'] }],
    standing: () => standing('agency', AGENCY, null, PURPOSE_AGENCY, [{ id: 'grant-1', subjectCode: OTHER_SUBJECT_CODE, categories: ['ADMINISTRATIVE', 'PROFESSIONAL', 'JUDICIAL'] }]),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: 'GRANT_REQUIRED' }),
  },
  {
    rule: 'A1', label: 'an agency without a purpose', kind: 'agency', hasPurpose: false, orgCode: AGENCY,
    standing: () => standing('agency', AGENCY, null, null),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: 'PURPOSE_REQUIRED' }),
  },
  ...agencyViewers(),
];

/**
 * A1, A2, A3 (and D8 as the caller narrows grants): agencies holding grants. Grants are written relative to the
 * subject looked at and to the SPEC category of the record looked at, so that every cell of the matrix meets the
 * grant in the position the label names. With no record involved (subject-level tests) the record's category is
 * taken to be ADMINISTRATIVE.
 */
function agencyViewers(): ViewerCase[] {
  const GRANTED_WITHOUT_RECORD = 'ADMINISTRATIVE';
  const categoryOf = (recordCategory: string | null) => recordCategory ?? GRANTED_WITHOUT_RECORD;
  /** a category that is not the record's */
  const otherCategory = (recordCategory: string | null) => (categoryOf(recordCategory) === 'CONTRACT' ? 'HONOR' : 'CONTRACT');
  const agency = (
    rule: string,
    label: string,
    hasPurpose: boolean,
    grants: (s: { code: string }, recordCategory: string | null) => ActiveGrant[],
    expectedView: ViewerCase['expectedView'],
  ): ViewerCase => ({
    rule, label, kind: 'agency', hasPurpose, orgCode: AGENCY, grants, expectedView,
    standing: (s, record) => standing('agency', AGENCY, null, hasPurpose ? PURPOSE_AGENCY : null, grants(s, record ? SPEC_CATEGORY[record.type] : null)),
  });
  const agencyView = () => ({ view: 'AGENCY' as const, fallbackReason: null });
  return [
    agency('A2', "an agency with a purpose and a grant from the subject covering the record's category", true,
      (s, c) => [{ id: 'grant-this-category', subjectCode: s.code, categories: [categoryOf(c)] }], agencyView),
    agency('A2', 'an agency with a purpose and a grant from the subject for another category only', true,
      (s, c) => [{ id: 'grant-other-category', subjectCode: s.code, categories: [otherCategory(c)] }], agencyView),
    agency('A2', "an agency with a purpose and two grants from the subject (another category; the record's category and another)", true,
      (s, c) => [
        { id: 'grant-a-other-category', subjectCode: s.code, categories: [otherCategory(c)] },
        { id: 'grant-b-this-category', subjectCode: s.code, categories: [otherCategory(c), categoryOf(c)] },
      ], agencyView),
    agency('A2', "an agency with a purpose holding a grant from the subject for another category and one from another subject for the record's category", true,
      (s, c) => [
        { id: 'grant-other-subject', subjectCode: OTHER_SUBJECT_CODE, categories: [categoryOf(c)] },
        { id: 'grant-this-subject-other-category', subjectCode: s.code, categories: [otherCategory(c)] },
      ], agencyView),
    agency('A1', "an agency with a purpose holding a grant from another subject covering the record's category", true,
      (_s, c) => [{ id: 'grant-other-subject', subjectCode: OTHER_SUBJECT_CODE, categories: [categoryOf(c)] }],
      () => ({ view: 'PUBLIC', fallbackReason: 'GRANT_REQUIRED' })),
    agency('A1', "an agency without a purpose that holds a grant from the subject covering the record's category", false,
      (s, c) => [{ id: 'grant-this-category', subjectCode: s.code, categories: [categoryOf(c)] }],
      () => ({ view: 'PUBLIC', fallbackReason: 'PURPOSE_REQUIRED' })),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// records: shapes at fixed window positions relative to NOW

type WindowPosition = 'inside' | 'expired' | 'not yet open' | 'never public';
/** A3: where `decidedAt` sits relative to the agencies' five-year look-back at NOW (by construction) */
type Lookback = 'within' | 'beyond';
interface RecordShape {
  type: string;
  severity: Severity | null;
  label: string;
  window: WindowPosition;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
  lookback: Lookback;
  /** part of the A3 dimension (cells of agencies holding grants are named after A3) */
  a3: boolean;
}

const shape = (type: string, severity: Severity | null, label: string, window: WindowPosition, decidedAt: Date, validFrom: Date | null = null, validUntil: Date | null = null): RecordShape =>
  ({ type, severity, label, window, decidedAt, validFrom, validUntil, lookback: 'within', a3: false });

/**
 * A3: decided 4 years, exactly 5 years, and 5 years + 1 day before NOW (2026-06-15T12:00+08:00); negative
 * records (penalty expired → effectively SHARED; abnormal-operation open-ended → PUBLIC only for organisations;
 * dishonest-debtor still listed → PUBLIC for adults too) and basic ones (open licence; expired qualification).
 */
const A3_AGES: readonly { label: string; decidedAt: Date; lookback: Lookback }[] = [
  { label: 'decided 4 years before now', decidedAt: sh('2022-06-15T12:00:00'), lookback: 'within' },
  { label: 'decided exactly 5 years before now', decidedAt: sh('2021-06-15T12:00:00'), lookback: 'within' },
  { label: 'decided 5 years and 1 day before now', decidedAt: sh('2021-06-14T12:00:00'), lookback: 'beyond' },
];
const A3_SHAPES: RecordShape[] = A3_AGES.flatMap(({ label, decidedAt, lookback }) => [
  shape('penalty', 'SERIOUS', `${label}, past its 3-year window`, 'expired', decidedAt),
  shape('abnormal-operation', null, `${label}, listed without end`, 'inside', decidedAt),
  shape('dishonest-debtor', null, `${label}, listed until 2027-06-15`, 'inside', decidedAt, null, sh('2027-06-15T12:00:00')),
  shape('license', null, `${label}, without end`, 'inside', decidedAt),
  shape('qualification', null, `${label}, past its validUntil 2025-06-15`, 'expired', decidedAt, null, sh('2025-06-15T12:00:00')),
].map((s) => ({ ...s, lookback, a3: true })));

const SHAPES: RecordShape[] = [
  shape('qualification', null, 'inside its window', 'inside', at(-30 * DAY), null, at(365 * DAY)),
  shape('qualification', null, 'past its validUntil', 'expired', sh('2022-06-01T09:00:00'), null, sh('2025-06-01T09:00:00')),
  shape('qualification', null, 'before its validFrom', 'not yet open', at(-10 * DAY), at(30 * DAY)),
  shape('license', null, 'inside its window, ending in 1 ms', 'inside', at(-30 * DAY), null, at(1)),
  shape('license', null, 'whose validUntil is exactly now', 'expired', at(-30 * DAY), null, NOW),
  shape('penalty', 'GENERAL', 'inside its 1-year window', 'inside', at(-30 * DAY)),
  shape('penalty', 'GENERAL', 'decided exactly 1 year ago', 'expired', sh('2025-06-15T12:00:00')),
  shape('penalty', 'SERIOUS', 'decided 2 years ago (inside 3 years)', 'inside', sh('2024-06-15T12:00:00')),
  shape('penalty', 'MINOR', 'decided last month', 'never public', at(-30 * DAY)),
  shape('dishonest-debtor', null, 'listed 3 years ago without validUntil (2-year default)', 'expired', sh('2023-06-01T10:00:00')),
  shape('serious-dishonesty-list', null, 'listed 1 year ago without validUntil', 'inside', sh('2025-06-01T10:00:00')),
  ...A3_SHAPES,
];

const DISCLOSURES: Disclosure[] = ['PUBLIC', 'SHARED', 'SUBJECT_ONLY'];
const STATUSES = ['ACTIVE', 'WITHDRAWN', 'REPAIRED'] as const;
type Status = (typeof STATUSES)[number];

interface RecordCase extends RecordShape {
  disclosure: Disclosure;
  status: Status;
  sourceOrg: string;
}

// ---------------------------------------------------------------------------------------------------------
// the expectation, written from SPEC §4.2–§4.3 only

/** SPEC D5 default: types shown publicly about individuals */
const SPEC_PUBLIC_FOR_INDIVIDUALS = ['dishonest-debtor', 'qualification', 'serious-dishonesty-list'];

/** P2 + D1–D5: the public may see it right now */
function specPublicNow(record: RecordCase, subject: SubjectCase): boolean {
  if (record.status !== 'ACTIVE') return false; // D4
  if (record.disclosure !== 'PUBLIC') return false; // P2
  if (record.window !== 'inside') return false; // D1, D2, D3
  if (subject.kind === 'INDIVIDUAL') {
    if (!subject.adult) return false; // D5: a minor has nothing public
    if (!SPEC_PUBLIC_FOR_INDIVIDUALS.includes(record.type)) return false; // D5
  }
  return true;
}

/** SPEC §3 table: category of each type */
const SPEC_CATEGORY: Record<string, string> = {
  registration: 'REGISTRATION', 'dishonest-debtor': 'JUDICIAL', judgment: 'JUDICIAL', license: 'ADMINISTRATIVE',
  penalty: 'ADMINISTRATIVE', qualification: 'PROFESSIONAL', 'abnormal-operation': 'ABNORMAL_OPERATION',
  'serious-dishonesty-list': 'SERIOUS_DISHONESTY', 'contract-performance': 'CONTRACT', commitment: 'COMMITMENT',
  'tax-rating': 'EVALUATION', 'credit-grade': 'EVALUATION', honor: 'HONOR', 'self-declared': 'SELF_DECLARED',
  'social-insurance-arrears': 'COMPLIANCE', 'tax-arrears': 'COMPLIANCE', 'ip-infringement': 'INTELLECTUAL_PROPERTY',
};
/** SPEC §3 table: the NEGATIVE types (penalty: ADMINISTRATIVE is "BASIC / NEGATIVE" — licence basic, penalty negative) */
const SPEC_NEGATIVE_TYPES = [
  'dishonest-debtor', 'judgment', 'penalty', 'abnormal-operation', 'serious-dishonesty-list', 'social-insurance-arrears',
  'tax-arrears', 'ip-infringement',
];

/**
 * A2: "SHARED" is the effective class after D3 and D5 — filed SHARED, or filed PUBLIC but kept from the public
 * (outside its window, or about an individual: type not public-for-individuals, or a minor).
 */
function specEffectivelyShared(record: RecordCase, subject: SubjectCase): boolean {
  if (record.disclosure === 'SHARED') return true;
  return record.disclosure === 'PUBLIC' && !specPublicNow({ ...record, status: 'ACTIVE' }, subject);
}

/** A2 + A3: what an agency's grants add beyond the public view */
function specGrantOpens(viewer: ViewerCase, record: RecordCase, subject: SubjectCase): boolean {
  const category = SPEC_CATEGORY[record.type];
  const granted = (viewer.grants?.(subject, category) ?? []).some((g) => g.subjectCode === subject.code && g.categories.includes(category));
  if (!granted) return false;
  if (record.status !== 'ACTIVE') return false; // D4
  if (!specEffectivelyShared(record, subject)) return false; // never SUBJECT_ONLY
  // A3: never an individual's negative record decided more than 5 years ago
  if (subject.kind === 'INDIVIDUAL' && SPEC_NEGATIVE_TYPES.includes(record.type) && record.lookback === 'beyond') return false;
  return true;
}

function expectedVisible(viewer: ViewerCase, record: RecordCase, subject: SubjectCase): boolean {
  // S1: the subject's own file — every record of every class and status
  if (viewer.kind === 'subject' && viewer.subjectCodeFor?.(subject) === subject.code) return true;
  // G1: every ACTIVE record that is PUBLIC (any window) or SHARED, plus SUBJECT_ONLY records it filed itself
  if (viewer.kind === 'department' && viewer.hasPurpose) {
    if (record.status !== 'ACTIVE') return false; // D4
    if (record.disclosure === 'PUBLIC' || record.disclosure === 'SHARED') return true;
    return record.sourceOrg === viewer.orgCode;
  }
  // A2/A3: an agency with a purpose: the public view plus what a grant from that subject opens
  if (viewer.kind === 'agency' && viewer.hasPurpose) return specPublicNow(record, subject) || specGrantOpens(viewer, record, subject);
  // P2, G2, A1, S2, U1: the public view
  return specPublicNow(record, subject);
}

/** P2, G1, S1, A2: does the view a visible record is served under carry its `details`? */
function expectedDetails(viewer: ViewerCase, record: RecordCase, subject: SubjectCase): boolean {
  const { view } = viewer.expectedView(subject);
  if (view === 'PUBLIC') return false; // P2
  if (view === 'AGENCY') return specEffectivelyShared(record, subject); // A2: the SHARED records, not the public part
  return true; // G1, S1
}

/** P3 + §4.3: may this viewer find this subject at all? */
function expectedSubjectVisible(viewer: ViewerCase, subject: { code: string; kind: string }, hasPublicRecord: boolean): boolean {
  if (viewer.kind === 'subject' && viewer.subjectCodeFor?.(subject as SubjectCase) === subject.code) return true; // S1
  if (viewer.kind === 'department' && viewer.hasPurpose) return true; // G1 (G3: departments find individuals)
  // A2: an agency with a purpose and a grant from that subject looks at it under the AGENCY view
  if (viewer.kind === 'agency' && viewer.hasPurpose && (viewer.grants?.(subject, null) ?? []).some((g) => g.subjectCode === subject.code)) return true;
  return subject.kind !== 'INDIVIDUAL' || hasPublicRecord; // P1, P3
}

// ---------------------------------------------------------------------------------------------------------
// building facts with the real windows

function recordFacts(record: RecordCase, subject: SubjectCase, now: Date = NOW): RecordFacts {
  const row = catalogRow(record.type);
  return {
    __type: 'Record',
    status: record.status,
    effectiveDisclosure: effectiveDisclosure(windowRule(record.type), record, subjectFacts(subject), now),
    sourceOrg: record.sourceOrg,
    subjectCode: subject.code,
    subjectKind: subject.kind,
    category: row.category,
    nature: row.nature,
    decidedBeyondAgencyLookback: isBeyondAgencyLookback(record.decidedAt, now),
    subjectCategory: subjectCategoryKey(subject.code, row.category),
  };
}

const RECORDS: RecordCase[] = SHAPES.flatMap((s) =>
  DISCLOSURES.flatMap((disclosure) => STATUSES.map((status) => ({ ...s, disclosure, status, sourceOrg: SOURCE_DEPT }))));

const describeRecord = (r: RecordCase) =>
  `${r.disclosure} ${r.status} ${r.type}${r.severity ? ` ${r.severity}` : ''} record ${r.label}`;
const article = (label: string) => (/^[aeiou]/.test(label) ? `an ${label}` : `a ${label}`);

interface Cell {
  name: string;
  viewer: ViewerCase;
  record: RecordCase;
  subject: SubjectCase;
  expected: boolean;
}

/** cells of the A3 dimension seen by agencies holding grants are named after A3 */
const cellRule = (viewer: ViewerCase, record: RecordCase) => (viewer.rule === 'A2' && record.a3 ? 'A3' : viewer.rule);

function cellsFor(viewer: ViewerCase): Cell[] {
  return SUBJECTS.flatMap((subject) => RECORDS.map((record) => {
    const expected = expectedVisible(viewer, record, subject);
    return {
      name: `${cellRule(viewer, record)}: ${viewer.label} ${expected ? 'sees' : 'does not see'} ${describeRecord(record)} of ${article(subject.label)}`,
      viewer, record, subject, expected,
    };
  }));
}

// ---------------------------------------------------------------------------------------------------------

describe('fixture: the record shapes sit where their labels say (checked with policies/windows.ts)', () => {
  it.each(SHAPES.map((s) => [`${s.type} ${s.label}`, s] as const))('D1/D2: %s', (_name, s) => {
    const window = publicWindow(windowRule(s.type), { severity: s.severity, decidedAt: s.decidedAt, validFrom: s.validFrom, validUntil: s.validUntil });
    expect(isInsidePublicWindow(window, NOW)).toBe(s.window === 'inside');
    expect(window.neverPublic).toBe(s.window === 'never public');
  });

  it.each(SHAPES.map((s) => [`${s.type} ${s.label} is ${s.lookback} the 5-year look-back at NOW`, s] as const))('A3: %s', (_name, s) => {
    expect(isBeyondAgencyLookback(s.decidedAt, NOW)).toBe(s.lookback === 'beyond');
  });

  it('fixture: the SPEC category and nature tables of this file agree with the catalog copy', () => {
    for (const s of SHAPES) {
      expect(catalogRow(s.type).category).toBe(SPEC_CATEGORY[s.type]);
      expect(catalogRow(s.type).nature === 'NEGATIVE').toBe(SPEC_NEGATIVE_TYPES.includes(s.type));
    }
  });
});

describe('record visibility matrix: defineAbility(standing).can("read", facts)', () => {
  for (const viewer of VIEWERS) {
    describe(`${viewer.rule}: ${viewer.label}`, () => {
      const cells = cellsFor(viewer);

      if (viewer.rule === 'S1') {
        it('S1: the expectation for the subject itself covers its whole file (every class, status and window)', () => {
          expect(cells.every((c) => c.expected)).toBe(true);
        });
      } else {
        it(`${viewer.rule}: the matrix for ${viewer.label} is not trivial (some records seen, some not)`, () => {
          expect(cells.some((c) => c.expected)).toBe(true);
          expect(cells.some((c) => !c.expected)).toBe(true);
        });
      }

      it.each(cells.map((c) => [c.name, c] as const))('%s', (_name, cell) => {
        const standingNow = viewer.standing(cell.subject, cell.record);
        const facts = recordFacts(cell.record, cell.subject);
        expect(defineAbility(standingNow).can('read', facts)).toBe(cell.expected);
        // P2, G1, S1, A2: a record that is served carries `details` exactly when its view allows it
        if (cell.expected) {
          const { view } = decideView(standingNow, cell.subject.code);
          expect(viewSeesRecordDetails(view, facts.effectiveDisclosure)).toBe(expectedDetails(viewer, cell.record, cell.subject));
        }
      });
    });
  }
});

describe('subject visibility (P1, P3, G1, S1): can("read", subjectFacts)', () => {
  const kinds = [
    { label: 'an enterprise', code: ORG.code, kind: 'ENTERPRISE' },
    { label: 'a public institution', code: generateUscc(rand, '12'), kind: 'PUBLIC_INSTITUTION' },
    { label: 'a social organisation', code: generateUscc(rand, '51'), kind: 'SOCIAL_ORGANIZATION' },
    { label: 'an adult individual', code: ADULT.code, kind: 'INDIVIDUAL' },
    { label: 'a minor individual', code: MINOR.code, kind: 'INDIVIDUAL' },
  ];
  for (const viewer of VIEWERS) {
    describe(`${viewer.rule}: ${viewer.label}`, () => {
      const cells = kinds.flatMap((k) => [true, false].map((hasPublicRecord) => {
        const subject = { ...k } as unknown as SubjectCase;
        const expected = expectedSubjectVisible(viewer, subject, hasPublicRecord);
        return [`${viewer.rule === 'P2' || viewer.rule === 'U1' || viewer.rule === 'S2' || viewer.rule === 'G2' || viewer.rule === 'A1' ? 'P3' : viewer.rule}: ${viewer.label} ${expected ? 'finds' : 'does not find'} ${k.label} ${hasPublicRecord ? 'with' : 'without'} a public record`,
          subject, hasPublicRecord, expected] as const;
      }));
      it.each(cells)('%s', (_name, subject, hasPublicRecord, expected) => {
        const facts: SubjectRowFacts = { __type: 'Subject', code: subject.code, kind: subject.kind, hasPublicRecord };
        expect(defineAbility(viewer.standing(subject)).can('read', facts)).toBe(expected);
      });
    });
  }

  const publicAbility = defineAbility(standing('public', null, null, null));
  const hasPublicRecord = (subject: SubjectCase, records: RecordCase[]) =>
    records.some((r) => publicAbility.can('read', recordFacts(r, subject)));
  const rec = (s: RecordShape, disclosure: Disclosure = 'PUBLIC', status: Status = 'ACTIVE'): RecordCase => ({ ...s, disclosure, status, sourceOrg: SOURCE_DEPT });
  const [qualInside, qualExpired] = SHAPES;
  const licenseInside = SHAPES[3];

  it.each([
    ['an adult whose PUBLIC qualification is inside its window', ADULT, [rec(qualInside)], true],
    ['an adult whose only PUBLIC record is a licence (not public-for-individuals)', ADULT, [rec(licenseInside)], false],
    ['an adult whose PUBLIC qualification has expired', ADULT, [rec(qualExpired)], false],
    ['an adult whose qualification inside its window is SHARED', ADULT, [rec(qualInside, 'SHARED')], false],
    ['an adult whose PUBLIC qualification inside its window was WITHDRAWN', ADULT, [rec(qualInside, 'PUBLIC', 'WITHDRAWN')], false],
    ['a minor with a PUBLIC qualification inside its window', MINOR, [rec(qualInside)], false],
  ] as const)('P3: the public finds %s: %s', (_name, subject, records, expected) => {
    const facts: SubjectRowFacts = { __type: 'Subject', code: subject.code, kind: subject.kind, hasPublicRecord: hasPublicRecord(subject, [...records]) };
    expect(publicAbility.can('read', facts)).toBe(expected);
    // the subject itself and a department with a purpose always find it
    expect(defineAbility(standing('subject', null, subject.code, null)).can('read', facts)).toBe(true);
    expect(defineAbility(standing('department', OTHER_DEPT, null, PURPOSE_DEPT)).can('read', facts)).toBe(true);
  });
});

describe('decideView: view tier and fallback reason per viewer', () => {
  it.each(VIEWERS.flatMap((v) => SUBJECTS.map((s) => {
    const e = v.expectedView(s);
    return [`${v.rule}: ${v.label} looking at ${article(s.label)} gets view ${e.view}${e.fallbackReason ? ` with records redacted as ${e.fallbackReason}` : ''}`, v, s] as const;
  })))('%s', (_name, viewer, subject) => {
    const decision = decideView(viewer.standing(subject), subject.code);
    expect({ view: decision.view, fallbackReason: decision.fallbackReason }).toEqual(viewer.expectedView(subject));
    if (viewer.expectedView(subject).view === 'AGENCY') {
      // A2 / L1: the AGENCY view names the grant it was served under — one that subject gave
      const ids = (viewer.grants?.(subject, null) ?? []).filter((g) => g.subjectCode === subject.code).map((g) => g.id);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids).toContain(decision.grantId);
    } else {
      expect(decision.grantId).toBeNull();
    }
  });

  it.each(SUBJECTS.map((s) => [article(s.label), s] as const))(
    'A2: the grant id of the AGENCY view of %s is that subject\'s grant, never a grant from another subject',
    (_name, subject) => {
      const grants: ActiveGrant[] = [
        { id: 'grant-other', subjectCode: OTHER_SUBJECT_CODE, categories: ['JUDICIAL'] },
        { id: 'grant-this', subjectCode: subject.code, categories: ['HONOR'] },
      ];
      expect(decideView(standing('agency', AGENCY, null, PURPOSE_AGENCY, grants), subject.code)).toEqual({ view: 'AGENCY', fallbackReason: null, grantId: 'grant-this' });
      expect(decideView(standing('agency', AGENCY, null, PURPOSE_AGENCY, grants), OTHER_SUBJECT_CODE)).toEqual({ view: 'AGENCY', fallbackReason: null, grantId: 'grant-other' });
      // A1: the same grants without a purpose open nothing
      expect(decideView(standing('agency', AGENCY, null, null, grants), subject.code)).toEqual({ view: 'PUBLIC', fallbackReason: 'PURPOSE_REQUIRED', grantId: null });
    },
  );
});

describe('projectSubject: masking and redactions per view (§4.4)', () => {
  const maskedId = (code: string) => `${code.slice(0, 4)}${'*'.repeat(10)}${code.slice(-4)}`;

  it.each(VIEWERS.flatMap((v) => [ORG, ADULT].map((s) => [`${v.rule}: ${v.label} — fields of ${article(s.label)}`, v, s] as const)))(
    '%s',
    (_name, viewer, subject) => {
      const expected = viewer.expectedView(subject);
      const out = projectSubject(subject.fields, decideView(viewer.standing(subject), subject.code));
      const redacted = (field: string) => out.redactions.filter((r) => r.field === field);
      expect(out.view).toBe(expected.view);

      // G2 / A1: `{ field: 'records', reason }` whether or not anything is hidden; nobody else carries it
      if (expected.fallbackReason) expect(redacted('records')).toEqual([{ field: 'records', reason: expected.fallbackReason }]);
      else expect(redacted('records')).toEqual([]);

      if (expected.view === 'DEPARTMENT' || expected.view === 'SELF') {
        // G1, S1: full codes, names, identity numbers and legalRepresentativeId
        expect(out).toMatchObject(subject.fields);
        expect(out.redactions).toEqual([]);
        return;
      }
      if (expected.view === 'AGENCY') {
        // A2: the individual's name in full, identity numbers masked (§4.4: first 4 and last 4 kept)
        expect(out.kind).toBe(subject.kind);
        expect(out.status).toBe('ACTIVE');
        expect(out.name).toBe(subject.fields.name);
        expect(redacted('name')).toEqual([]);
        if (subject.kind === 'INDIVIDUAL') {
          expect(out.code).toBe(maskedId(subject.code));
          expect(redacted('code')).toEqual([{ field: 'code', reason: 'MASKED_PERSONAL_DATA' }]);
          expect(out.legalRepresentativeId).toBeNull();
        } else {
          // P1 fields in full; the legal representative's identity number masked, never in full
          const { code, registeredAt, address, legalRepresentative } = subject.fields;
          expect(out).toMatchObject({ code, registeredAt, address, legalRepresentative });
          expect(redacted('code')).toEqual([]);
          expect(out.legalRepresentativeId).toBe(maskedId(subject.fields.legalRepresentativeId!));
          expect(out.legalRepresentativeId).not.toBe(subject.fields.legalRepresentativeId);
          expect(redacted('legalRepresentativeId')).toEqual([{ field: 'legalRepresentativeId', reason: 'MASKED_PERSONAL_DATA' }]);
        }
        return;
      }
      // the public view (P1, P3)
      expect(out.kind).toBe(subject.kind);
      expect(out.status).toBe('ACTIVE');
      expect(out.legalRepresentativeId).toBeNull();
      if (subject.kind === 'INDIVIDUAL') {
        // P3 + §4.4: 张小三 → 张*三, identity number first 4 and last 4 kept
        expect(out.code).toBe(maskedId(subject.code));
        expect(out.name).toBe('张*三');
        expect(redacted('code')).toEqual([{ field: 'code', reason: 'MASKED_PERSONAL_DATA' }]);
        expect(redacted('name')).toEqual([{ field: 'name', reason: 'MASKED_PERSONAL_DATA' }]);
      } else {
        // P1: code, kind, name, status, registeredAt, address, legalRepresentative — never legalRepresentativeId
        const { code, name, registeredAt, address, legalRepresentative } = subject.fields;
        expect(out).toMatchObject({ code, name, registeredAt, address, legalRepresentative });
        expect(redacted('legalRepresentativeId')).toHaveLength(1);
        expect(redacted('code')).toEqual([]);
        expect(redacted('name')).toEqual([]);
      }
    },
  );
});

describe('A2: the AGENCY view of an individual is the public view plus the name in full', () => {
  const agencyDecision = decideView(standing('agency', AGENCY, null, PURPOSE_AGENCY, [{ id: 'grant-1', subjectCode: ADULT.code, categories: ['JUDICIAL'] }]), ADULT.code);
  const publicDecision = decideView(standing('public', null, null, null), ADULT.code);

  it('A2: an agency holding a grant sees an individual\'s address no more than the public does (withheld, NOT_PUBLIC)', () => {
    const asPublic = projectSubject(ADULT.fields, publicDecision);
    const asAgency = projectSubject(ADULT.fields, agencyDecision);
    expect(asPublic.address).toBeNull();
    expect(asPublic.redactions).toContainEqual({ field: 'address', reason: 'NOT_PUBLIC' });
    expect(asAgency.view).toBe('AGENCY');
    expect(asAgency.address).toBeNull();
    expect(asAgency.redactions).toContainEqual({ field: 'address', reason: 'NOT_PUBLIC' });
  });

  it('A2: the identity number stays masked exactly as in the public view; only the name is unmasked', () => {
    const asPublic = projectSubject(ADULT.fields, publicDecision);
    const asAgency = projectSubject(ADULT.fields, agencyDecision);
    expect(asAgency.code).toBe(asPublic.code);
    expect(asAgency.code).not.toBe(ADULT.code);
    expect(asPublic.name).toBe('张*三');
    expect(asAgency.name).toBe('张小三');
    expect(asAgency.redactions).not.toContainEqual({ field: 'name', reason: 'MASKED_PERSONAL_DATA' });
  });
});

describe('viewSeesRecordDetails: which views carry a record\'s details (P2, G1, S1, A2)', () => {
  const expectedByView: Record<'PUBLIC' | 'DEPARTMENT' | 'AGENCY' | 'SELF', (d: Disclosure) => boolean> = {
    PUBLIC: () => false, // P2: details is null
    DEPARTMENT: () => true, // G1: details
    SELF: () => true, // S1: with details
    AGENCY: (d) => d === 'SHARED', // A2: the SHARED records it opens, with details; the public part without
  };
  const ruleOf = { PUBLIC: 'P2', DEPARTMENT: 'G1', SELF: 'S1', AGENCY: 'A2' } as const;
  it.each((Object.keys(expectedByView) as (keyof typeof expectedByView)[]).flatMap((view) => DISCLOSURES.map((d) => {
    const expected = expectedByView[view](d);
    return [`${ruleOf[view]}: the ${view} view ${expected ? 'carries' : 'does not carry'} the details of an effectively ${d} record`, view, d, expected] as const;
  })))('%s', (_name, view, disclosure, expected) => {
    expect(viewSeesRecordDetails(view, disclosure)).toBe(expected);
  });
});

describe('A2/A3: an agency holding several grants over different subjects and categories', () => {
  const grants: ActiveGrant[] = [
    { id: 'grant-adult', subjectCode: ADULT.code, categories: ['ADMINISTRATIVE', 'JUDICIAL'] },
    { id: 'grant-org', subjectCode: ORG.code, categories: ['PROFESSIONAL', 'ABNORMAL_OPERATION'] },
  ];
  const ability = defineAbility(standing('agency', AGENCY, null, PURPOSE_AGENCY, grants));
  const cells = SUBJECTS.flatMap((subject) => RECORDS.map((record) => {
    const category = SPEC_CATEGORY[record.type];
    const viewer: ViewerCase = {
      rule: 'A2', label: 'the agency holding grants', kind: 'agency', hasPurpose: true, orgCode: AGENCY, grants: () => grants,
      standing: () => standing('agency', AGENCY, null, PURPOSE_AGENCY, grants),
      expectedView: (s) => (grants.some((g) => g.subjectCode === s.code) ? { view: 'AGENCY', fallbackReason: null } : { view: 'PUBLIC', fallbackReason: 'GRANT_REQUIRED' }),
    };
    const expected = expectedVisible(viewer, record, subject);
    const rule = record.a3 ? 'A3' : grants.some((g) => g.subjectCode === subject.code && g.categories.includes(category)) ? 'A2' : 'A1';
    return [`${rule}: the agency holding grants (adult: ADMINISTRATIVE+JUDICIAL; organisation: PROFESSIONAL+ABNORMAL_OPERATION) ${expected ? 'sees' : 'does not see'} ${describeRecord(record)} of ${article(subject.label)}`, record, subject, expected] as const;
  }));

  it('A2: the expectation is not trivial — each grant opens records beyond the public view, and A3 withholds some', () => {
    const publicAbility = defineAbility(standing('public', null, null, null));
    const opened = cells.filter(([, r, s, e]) => e && !publicAbility.can('read', recordFacts(r, s)));
    expect(opened.some(([, , s]) => s === ADULT)).toBe(true);
    expect(opened.some(([, , s]) => s === ORG)).toBe(true);
    expect(opened.some(([, , s]) => s === MINOR)).toBe(false);
    // A3: an ACTIVE SHARED negative record in a granted category of the adult, withheld only for its age
    const withheldForAge = cells.filter(([, r, s, e]) => !e && s === ADULT && r.lookback === 'beyond' && r.status === 'ACTIVE' && r.disclosure === 'SHARED'
      && SPEC_NEGATIVE_TYPES.includes(r.type) && grants[0].categories.includes(SPEC_CATEGORY[r.type]));
    expect(withheldForAge.length).toBeGreaterThan(0);
  });

  it.each(cells)('%s', (_name, record, subject, expected) => {
    expect(ability.can('read', recordFacts(record, subject))).toBe(expected);
  });
});
