import { randomInt } from 'node:crypto';
import { addDaysToDate, addMonths, addYearsToDate, DAY_MS, shanghaiDate } from './calendar.js';
import { newResidentId, newUscc, USCC_PREFIXES } from './codes.js';
import { isLooser, specType, type Disclosure, type SpecType } from './spec-catalog.js';
import type { Content, Viewer } from './model.js';
import type { DisclosureChoice, RecordSpec, Shift, SubjectSpec, WorldSpec } from './world.js';

/**
 * A world spec (world.ts) made concrete for one application: a fresh tag, fresh codes, names, and instants
 * computed from T0. Everything here is what the builder sends and what the model reasons about.
 */
export const MODEL_BASE_T0 = new Date('2026-06-01T04:00:00.000Z');

export interface PlannedSubject {
  index: number;
  code: string;
  kind: SubjectSpec['kind'];
  name: string;
  registeredAt: string | null;
  address: string | null;
  legalRepresentative: string | null;
  legalRepresentativeId: string | null;
  /** individuals: from the identity number (I2) */
  birthDate: string | null;
}

export interface PlannedRecord {
  key: string;
  subjectIndex: number;
  type: SpecType;
  source: string;
  sourceRef: string;
  /** v1 first; each later entry is a re-submission of the same sourceRef (W2) */
  versions: { content: Content; unchanged: boolean }[];
  objection: null | {
    statement: string;
    resolution: null | 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED';
    note: string;
    correction: { title: string; disclosure?: Disclosure };
  };
  repair: null | { commitment: string; evidence: string; decision: null | 'APPROVE' | 'REJECT' };
  withdraw: boolean;
}

export interface PlannedGrant {
  index: number;
  subjectIndex: number;
  agency: string;
  categories: string[];
  purpose: string;
  /** null: not sent (the gateway's clock, T0) */
  validFromInput: Date | null;
  validFrom: Date;
  validUntil: Date;
  revoked: boolean;
}

export interface PlannedRead {
  index: number;
  viewer: Viewer;
  op: 'subject' | 'search' | 'check';
  /** lookups and checks: the code asked for as typed (I3); unknown: a valid code nobody registered (P0) */
  code: string | null;
  /** the code the model looks up (normalised) */
  subjectCode: string | null;
  query: string | null;
  at: Date;
  filter: null | { categories: string[] } | { types: string[] };
  scenario: string;
  pageSize: number | null;
}

export interface Plan {
  tag: string;
  t0: Date;
  departments: string[];
  agencies: string[];
  auditOffice: string;
  subjects: PlannedSubject[];
  records: PlannedRecord[];
  grants: PlannedGrant[];
  /** A4: organisations suspended before the reads */
  suspended: string[];
  reads: PlannedRead[];
}

let applications = 0;
const LETTERS = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';

/** A tag unique to one application, mixed case (searches are case-insensitive, P4). */
function freshTag(): string {
  applications += 1;
  const random = Array.from({ length: 5 }, () => LETTERS[randomInt(LETTERS.length)]).join('');
  return `Mq${applications.toString(36)}${random}`;
}

export const instantAt = (t0: Date, shift: Shift): Date => new Date(addMonths(t0, shift.months).getTime() + shift.deltaMs);

const SURNAMES = ['张', '李', '王', '赵', '陈', '刘', '杨', '黄', '周', '吴'];
const COMPOUND = ['欧阳', '司马', '诸葛', '上官'];
const GIVEN = ['三', '小', '明', '华', '强', '芳', '伟', '娜', '静', '磊'];
const ORG_WORDS: Record<string, string> = {
  ENTERPRISE: '科技有限公司', PUBLIC_INSTITUTION: '第一人民医院', SOCIAL_ORGANIZATION: '行业协会',
};

function personName(shape: SubjectSpec['nameShape'], seed: number, tag: string): string {
  const s = SURNAMES[seed % SURNAMES.length];
  const g1 = GIVEN[Math.floor(seed / 10) % GIVEN.length];
  const g2 = GIVEN[Math.floor(seed / 100) % GIVEN.length];
  switch (shape) {
    case 'two': return `${s}${g1}`;
    case 'three': return `${s}${g1}${g2}`;
    case 'four': return `${COMPOUND[seed % COMPOUND.length]}${g1}${g2}`;
    case 'tagged': return `${s}${tag}${g1}`;
  }
}

function birthDateOf(spec: SubjectSpec, t0: Date): string {
  const today = shanghaiDate(t0);
  switch (spec.age.kind) {
    case 'adult': return addDaysToDate(addYearsToDate(today, -spec.age.years), -spec.age.days);
    case 'near18': return addDaysToDate(addYearsToDate(today, -18), spec.age.days);
    case 'child': return addDaysToDate(addYearsToDate(today, -spec.age.years), -spec.age.days);
  }
}

function planSubject(spec: SubjectSpec, index: number, tag: string, t0: Date): PlannedSubject {
  if (spec.kind === 'INDIVIDUAL') {
    const birthDate = birthDateOf(spec, t0);
    return {
      index, code: newResidentId(birthDate), kind: spec.kind, name: personName(spec.nameShape, spec.nameSeed, tag), registeredAt: null,
      address: spec.address ? `广东省韶关市浈江区${index}号` : null, legalRepresentative: null, legalRepresentativeId: null, birthDate,
    };
  }
  const prefixes = USCC_PREFIXES[spec.kind];
  return {
    index,
    code: newUscc(prefixes[spec.nameSeed % prefixes.length]),
    kind: spec.kind,
    name: `${tag}韶关${index}${ORG_WORDS[spec.kind]}`,
    registeredAt: '2015-03-01',
    address: spec.address ? `广东省韶关市武江区测试路${index}号` : null,
    legalRepresentative: '李四',
    legalRepresentativeId: spec.legalRepresentativeId ? newResidentId('1970-01-02') : null,
    birthDate: null,
  };
}

/** The class a filing asks for, never looser than its type allows (DISCLOSURE_TOO_LOOSE is not what this model tests). */
function disclosureOf(choice: DisclosureChoice, type: SpecType): Disclosure {
  if (choice === 'DEFAULT') return type.loosest;
  return isLooser(choice, type.loosest) ? type.loosest : choice;
}

/** W3 constraints the model keeps by construction: decidedAt not after T0, validUntil not before validFrom. */
function normalised(content: Content, t0: Date): Content {
  const decidedAt = content.decidedAt.getTime() > t0.getTime() ? t0 : content.decidedAt;
  const validUntil = content.validFrom && content.validUntil && content.validUntil < content.validFrom ? content.validFrom : content.validUntil;
  return { ...content, decidedAt, validUntil };
}

function planRecord(spec: RecordSpec, key: string, subjectIndex: number, plan: Pick<Plan, 'tag' | 't0' | 'departments'>): PlannedRecord {
  const type = specType(spec.type);
  const negative = type.nature === 'NEGATIVE';
  const secret = (v: number) => ({ caseOfficer: `officer-${v}`, internalNote: `${plan.tag}-${key}-secret-${v}`, lines: [v, { key }] });
  const first: Content = normalised({
    title: `${type.code} ${plan.tag} ${key}`,
    summary: spec.summary ? `摘要 ${key}` : null,
    decisionNumber: `韶${key}〔2026〕1号`,
    decidedAt: instantAt(plan.t0, spec.decided),
    validFrom: spec.validFrom ? instantAt(plan.t0, spec.validFrom) : null,
    validUntil: spec.validUntil ? instantAt(plan.t0, spec.validUntil) : null,
    severity: negative ? spec.severity : null,
    legalBasis: '《测试条例》第一条',
    amount: spec.amount,
    grade: type.code === 'tax-rating' ? spec.grade : null,
    group: type.requiresGroup ? spec.group : null,
    disclosure: spec.openedLater && spec.versions.length ? 'SUBJECT_ONLY' : disclosureOf(spec.disclosure, type),
    details: secret(1),
  }, plan.t0);
  const versions: PlannedRecord['versions'] = [{ content: first, unchanged: false }];
  spec.versions.forEach((change, i) => {
    const previous = versions[versions.length - 1].content;
    if (change.unchanged) return versions.push({ content: previous, unchanged: true });
    const n = i + 2;
    versions.push({
      unchanged: false,
      content: normalised({
        ...previous,
        title: `${type.code} ${plan.tag} ${key} v${n}`,
        disclosure: change.disclosure ? disclosureOf(change.disclosure, type) : spec.openedLater && n === 2 ? type.loosest : previous.disclosure,
        decidedAt: change.decided ? instantAt(plan.t0, change.decided) : previous.decidedAt,
        validUntil: change.validUntil === undefined ? previous.validUntil : change.validUntil && instantAt(plan.t0, change.validUntil),
        severity: negative && change.severity ? change.severity : previous.severity,
        details: change.details ? secret(n) : previous.details,
      }, plan.t0),
    });
  });
  return {
    key,
    subjectIndex,
    type,
    source: plan.departments[spec.source % plan.departments.length],
    sourceRef: `${plan.tag}-${key}`,
    versions,
    objection: spec.objection && {
      statement: `异议 ${plan.tag} ${key}`,
      resolution: spec.objection.resolution,
      note: `核查说明 ${plan.tag} ${key}`,
      correction: {
        title: `${type.code} ${plan.tag} ${key} 更正`,
        ...(spec.objection.correctionDisclosure ? { disclosure: disclosureOf(spec.objection.correctionDisclosure, type) } : {}),
      },
    },
    repair: spec.repair && { commitment: `承诺 ${key}`, evidence: `凭证 ${key}`, decision: spec.repair.decision },
    withdraw: spec.withdraw,
  };
}

function viewerOf(read: WorldSpec['reads'][number], i: number, plan: Pick<Plan, 'departments' | 'agencies' | 'auditOffice' | 'subjects' | 'grants'>, target: PlannedSubject | null): Viewer {
  const spec = read.viewer;
  const purpose = spec.purpose ? { kind: spec.purpose, reference: `MODEL-REF-${i}` } : null;
  if (spec.role === 'agency' && spec.fromGrant && plan.grants.length) {
    const grant = plan.grants[spec.index % plan.grants.length];
    return { role: 'agency', org: grant.agency, subjectCode: null, purpose: { kind: grant.purpose, reference: `MODEL-REF-${i}` } };
  }
  switch (spec.role) {
    case 'public': return { role: 'public', org: null, subjectCode: null, purpose };
    case 'department': return { role: 'department', org: plan.departments[spec.index % plan.departments.length], subjectCode: null, purpose };
    case 'agency': return { role: 'agency', org: plan.agencies[spec.index % plan.agencies.length], subjectCode: null, purpose };
    case 'self': return { role: 'subject', org: null, subjectCode: (target ?? plan.subjects[0]).code, purpose };
    case 'subject': return { role: 'subject', org: null, subjectCode: plan.subjects[spec.index % plan.subjects.length].code, purpose };
    case 'auditor': return { role: 'auditor', org: plan.auditOffice, subjectCode: null, purpose };
    case 'admin': return { role: 'admin', org: 'PLATFORM', subjectCode: null, purpose };
  }
}

export function planWorld(world: WorldSpec, auditOffice: string): Plan {
  const tag = freshTag();
  const t0 = new Date(MODEL_BASE_T0.getTime() + world.t0.days * DAY_MS + world.t0.minutes * 60_000);
  const upper = tag.toUpperCase();
  const departments = [0, 1, 2].map((i) => `M-${upper}-D${i}`);
  const agencies = [0, 1].map((i) => `M-${upper}-A${i}`);
  const subjects = world.subjects.map((s, i) => planSubject(s, i, tag, t0));
  const base = { tag, t0, departments };
  const records = world.subjects.flatMap((s, i) => s.records.map((r, j) => planRecord(r, `s${i}r${j}`, i, base)));
  const grants = world.grants.map((g, index): PlannedGrant => {
    const subjectIndex = g.subject % subjects.length;
    const own = g.coverRecords ? world.subjects[subjectIndex].records.map((r) => specType(r.type).category) : [];
    const validFrom = new Date(t0.getTime() + g.startMs);
    const validUntil = g.length === 'year'
      ? addMonths(validFrom, 12)
      : new Date(validFrom.getTime() + g.length.days * DAY_MS - (g.length.minusOneMs ? 1 : 0));
    return {
      index, subjectIndex, agency: agencies[g.agency % agencies.length], categories: [...new Set([...g.categories, ...own])],
      purpose: g.purpose, validFromInput: g.startMs === 0 ? null : validFrom, validFrom, validUntil, revoked: g.revoked,
    };
  });
  const context = { departments, agencies, auditOffice, subjects, grants };
  const reads = world.reads.map((read, index): PlannedRead => {
    const viaGrant = read.viewer.role === 'agency' && read.viewer.fromGrant && grants.length ? grants[read.viewer.index % grants.length] : null;
    const target = subjects[viaGrant ? viaGrant.subjectIndex : read.target % subjects.length];
    const at = new Date(Math.max(t0.getTime(), instantAt(t0, read.at).getTime()));
    const viewer = viewerOf(read, index, context, target);
    const typed = (code: string) => (read.codeForm === 'padded' ? `  ${code} ` : read.codeForm === 'lower' ? code.toLowerCase() : code);
    const base = { index, viewer, at, filter: read.filter, scenario: read.scenario, pageSize: read.pageSize, query: null };
    if (read.op === 'unknown') {
      const code = read.target % 2 === 0 ? newUscc('91') : newResidentId('1988-08-08');
      return { ...base, op: 'subject', code: typed(code), subjectCode: code };
    }
    if (read.op === 'check') {
      // C1: departments run checks (the public and auditors stay, to be refused); a purpose is a required argument
      const runner = ['public', 'auditor', 'department'].includes(viewer.role) ? viewer
        : { role: 'department' as const, org: departments[read.target % departments.length], subjectCode: null, purpose: viewer.purpose };
      const checker = runner.purpose ? runner : { ...runner, purpose: { kind: 'SUPERVISION', reference: `MODEL-REF-${index}` } };
      return { ...base, viewer: checker, op: 'check', code: typed(target.code), subjectCode: target.code };
    }
    if (read.op === 'subject') return { ...base, op: 'subject', code: typed(target.code), subjectCode: target.code };
    const query = read.searchBy === 'code' ? target.code : read.searchBy === 'tagLower' ? tag.toLowerCase() : tag.toUpperCase();
    return { ...base, op: 'search', code: null, subjectCode: null, query };
  });
  return { tag, t0, departments, agencies, auditOffice, subjects, records, grants, suspended: world.suspendAgency ? [agencies[1]] : [], reads };
}
