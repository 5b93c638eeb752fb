import { describe, expect, it } from 'vitest';
import { defineAbility, type RecordFacts, type SubjectRowFacts } from '../../policies/abilities.js';
import { projectSubject, type SubjectFieldsIn } from '../../policies/fields.js';
import { decideView, type Standing } from '../../policies/viewer.js';
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
  standing: (s: SubjectCase) => Standing;
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
    standing: () => standing('agency', AGENCY, null, PURPOSE_AGENCY, [{ id: 'grant-1', subjectCode: OTHER_SUBJECT_CODE, categories: ['ADMINISTRATIVE', 'PROFESSIONAL', 'JUDICIAL'] }]),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: 'GRANT_REQUIRED' }),
  },
  {
    rule: 'A1', label: 'an agency without a purpose', kind: 'agency', hasPurpose: false, orgCode: AGENCY,
    standing: () => standing('agency', AGENCY, null, null),
    expectedView: () => ({ view: 'PUBLIC', fallbackReason: 'PURPOSE_REQUIRED' }),
  },
];

// ---------------------------------------------------------------------------------------------------------
// records: shapes at fixed window positions relative to NOW

type WindowPosition = 'inside' | 'expired' | 'not yet open' | 'never public';
interface RecordShape {
  type: string;
  severity: Severity | null;
  label: string;
  window: WindowPosition;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
}

const shape = (type: string, severity: Severity | null, label: string, window: WindowPosition, decidedAt: Date, validFrom: Date | null = null, validUntil: Date | null = null): RecordShape =>
  ({ type, severity, label, window, decidedAt, validFrom, validUntil });

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

function expectedVisible(viewer: ViewerCase, record: RecordCase, subject: SubjectCase): boolean {
  // S1: the subject's own file — every record of every class and status
  if (viewer.kind === 'subject' && viewer.subjectCodeFor?.(subject) === subject.code) return true;
  // G1: every ACTIVE record that is PUBLIC (any window) or SHARED, plus SUBJECT_ONLY records it filed itself
  if (viewer.kind === 'department' && viewer.hasPurpose) {
    if (record.status !== 'ACTIVE') return false; // D4
    if (record.disclosure === 'PUBLIC' || record.disclosure === 'SHARED') return true;
    return record.sourceOrg === viewer.orgCode;
  }
  // P2, G2, A1, S2, U1: the public view
  return specPublicNow(record, subject);
}

/** P3 + §4.3: may this viewer find this subject at all? */
function expectedSubjectVisible(viewer: ViewerCase, subject: { code: string; kind: string }, hasPublicRecord: boolean): boolean {
  if (viewer.kind === 'subject' && viewer.subjectCodeFor?.(subject as SubjectCase) === subject.code) return true; // S1
  if (viewer.kind === 'department' && viewer.hasPurpose) return true; // G1 (G3: departments find individuals)
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

function cellsFor(viewer: ViewerCase): Cell[] {
  return SUBJECTS.flatMap((subject) => RECORDS.map((record) => {
    const expected = expectedVisible(viewer, record, subject);
    return {
      name: `${viewer.rule}: ${viewer.label} ${expected ? 'sees' : 'does not see'} ${describeRecord(record)} of ${article(subject.label)}`,
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
        const ability = defineAbility(viewer.standing(cell.subject));
        expect(ability.can('read', recordFacts(cell.record, cell.subject))).toBe(cell.expected);
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
    expect(decision.grantId).toBeNull();
  });
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
