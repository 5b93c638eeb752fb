/**
 * The demo data set (SPEC §10.1 `SEED_DEMO`): departments, agencies and an audit office; ≥ 500 subjects of all four
 * kinds with valid codes (I1, I2) and Chinese names; records of every catalog type spread over publicity windows,
 * disclosure classes and statuses; and a fixed cast (DEMO_CAST) whose codes the README and the start banner print.
 *
 * Deterministic: everything comes from two mulberry32 streams with constant seeds and the injected `now` — no
 * Math.random, no clock. Subject codes, names and birth dates depend on `now` only through its calendar year (ages are
 * counted from it), so they stay the same all year; registration and record dates are placed relative to `now` (the six
 * years before it, and a deliberate set of the cast enterprise's records just inside or outside a window).
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { catalogTypes, organizations, professionalGroups, records, subjects } from '../schema/index.js';
import {
  ageOn, generateResidentId, residentIdCheckChar, shanghaiDate, USCC_CHARSET, usccCheckChar,
} from '../../domain/identifiers.js';
import * as words from './demo-names.js';
import type { Weighted } from './demo-names.js';

export interface DemoCast {
  departments: string[];
  agencies: string[];
  auditOffices: string[];
  /** a department whose status is SUSPENDED: its tokens are refused (demos of §10.2) */
  suspendedDepartment: string;
  enterprise: string;
  individual: string;
  minor: string;
  publicInstitution: string;
  socialOrganization: string;
}

export interface DemoSummary { organizations: number; subjects: number; records: number; tokensFor: DemoCast }

// ---------------------------------------------------------------------------------------------------------
// The fixed cast

const uscc = (first17: string): string => first17 + usccCheckChar(first17);
const residentId = (first17: string): string => first17 + residentIdCheckChar(first17);

/** The minor's birth date: 15 at the reference clock 2026-06-01 and a minor until 2029-03-15 (see castMinor). */
const MINOR_BIRTH_DATE = '2011-03-15';
const MINOR_AREA = '440204';
const MINOR_SEQUENCE = '024';

export const DEMO_CAST: DemoCast = Object.freeze({
  departments: words.DEMO_ORGANIZATIONS.filter((o) => o.kind === 'DEPARTMENT' && o.status === 'ACTIVE').map((o) => o.code),
  agencies: words.DEMO_ORGANIZATIONS.filter((o) => o.kind === 'AGENCY').map((o) => o.code),
  auditOffices: words.DEMO_ORGANIZATIONS.filter((o) => o.kind === 'AUDIT_OFFICE').map((o) => o.code),
  suspendedDepartment: 'SG-SUSPENDED',
  enterprise: uscc('91440203MA4UQ8R2X'),
  individual: residentId('44020319840712035'),
  minor: residentId(`${MINOR_AREA}${MINOR_BIRTH_DATE.replaceAll('-', '')}${MINOR_SEQUENCE}`),
  publicInstitution: uscc('12440200455800317'),
  socialOrganization: uscc('51440200MJ4A73529'),
});

// ---------------------------------------------------------------------------------------------------------
// Deterministic randomness and the Asia/Shanghai calendar

const POPULATION_SEED = 0x5eed_c0de;
const RECORDS_SEED = 0x0d15_c105;

class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32: floats in [0, 1) */
  next = (): number => {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T>(items: readonly Weighted<T>[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
  /** a round amount in [min, max] */
  amount(min: number, max: number, step: number): number {
    return Math.max(min, Math.round((min + this.next() * (max - min)) / step) * step);
  }
}

interface Ymd { y: number; m: number; d: number }
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const ymdText = (day: Ymd): string => `${pad(day.y, 4)}-${pad(day.m)}-${pad(day.d)}`;
function ymdOf(instant: Date): Ymd {
  const [y, m, d] = shanghaiDate(instant).split('-').map(Number);
  return { y: y!, m: m!, d: d! };
}
function ymdParse(text: string): Ymd {
  const [y, m, d] = text.split('-').map(Number);
  return { y: y!, m: m!, d: d! };
}
const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Calendar arithmetic like PostgreSQL's `date + interval`: months clamp to the end of the month, then days. */
function shift(day: Ymd, by: { years?: number; months?: number; days?: number }): Ymd {
  const months = day.y * 12 + (day.m - 1) + (by.years ?? 0) * 12 + (by.months ?? 0);
  const y = Math.floor(months / 12);
  const m = months - y * 12 + 1;
  const t = new Date(Date.UTC(y, m - 1, Math.min(day.d, daysInMonth(y, m))) + (by.days ?? 0) * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
/** The instant of `hour:minute` Asia/Shanghai time on `day`. */
const at = (day: Ymd, hour = 10, minute = 0): Date => new Date(Date.UTC(day.y, day.m - 1, day.d, hour, minute) - SHANGHAI_OFFSET_MS);
/** `instant + interval` evaluated in Asia/Shanghai (the time of day is kept). */
function shiftInstant(instant: Date, by: { years?: number; months?: number; days?: number }): Date {
  const local = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  const day = shift({ y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() }, by);
  return new Date(at(day, local.getUTCHours(), local.getUTCMinutes()).getTime() + local.getUTCSeconds() * 1000);
}
const daysBetween = (from: Ymd, to: Ymd): number => Math.round((Date.UTC(to.y, to.m - 1, to.d) - Date.UTC(from.y, from.m - 1, from.d)) / DAY_MS);

// ---------------------------------------------------------------------------------------------------------
// Subjects

type Kind = 'ENTERPRISE' | 'INDIVIDUAL' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION';
type Disclosure = 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY';
type Severity = 'MINOR' | 'GENERAL' | 'SERIOUS';
type Status = 'ACTIVE' | 'WITHDRAWN' | 'REPAIRED';

interface Person { name: string; code: string; birthDate: string }

interface PlannedSubject {
  code: string;
  kind: Kind;
  /** the first two characters of an organisation code ('91', '12', …); '' for individuals */
  prefix: string;
  name: string;
  status: 'ACTIVE' | 'DEREGISTERED' | 'REVOKED';
  registeredAt: string | null;
  address: string | null;
  legalRepresentative: Person | null;
  birthDate: string | null;
  registeredBy: string;
  /** individuals: the key professional group of their main qualification */
  primaryGroup: string | null;
  recordCount: number;
  cast: boolean;
}

const REGISTRAR: Record<Kind, string> = {
  ENTERPRISE: 'SG-MARKET', INDIVIDUAL: 'SG-HRSS', PUBLIC_INSTITUTION: 'SG-HRSS', SOCIAL_ORGANIZATION: 'SG-CIVIL',
};

class Population {
  readonly subjects: PlannedSubject[] = [];
  private readonly codes = new Set<string>();
  private readonly names = new Set<string>();
  constructor(private readonly rand: Random, private readonly today: Ymd) {}

  add(subject: PlannedSubject): void {
    this.codes.add(subject.code);
    if (subject.kind !== 'INDIVIDUAL') this.names.add(subject.name);
    this.subjects.push(subject);
  }

  personName(): string {
    const given = this.rand.chance(0.35) ? this.rand.pick(words.GIVEN_NAME_CHARS) : this.rand.pick(words.GIVEN_NAME_CHARS) + this.rand.pick(words.GIVEN_NAME_CHARS);
    return this.rand.weighted(words.SURNAMES) + given;
  }

  /** A person aged minAge..maxAge in the calendar year of `now`, with a resident identity number not used yet. */
  person(minAge: number, maxAge: number, name = this.personName()): Person {
    for (;;) {
      const y = this.today.y - this.rand.int(minAge, maxAge);
      const m = this.rand.int(1, 12);
      const birthDate = ymdText({ y, m, d: this.rand.int(1, daysInMonth(y, m)) });
      const area = this.rand.chance(0.8) ? this.rand.pick(words.SHAOGUAN_AREAS).code : this.rand.pick(words.OTHER_BIRTH_AREAS);
      const code = generateResidentId(this.rand.next, birthDate, area);
      if (!this.codes.has(code)) return { name, code, birthDate };
    }
  }

  /** A Shaoguan-registered unified social credit code (positions 3–8 a Shaoguan area code), not used yet. */
  orgCode(prefix: string, area: string): string {
    for (;;) {
      let first17 = prefix + area;
      for (let i = 0; i < 9; i++) first17 += this.rand.chance(0.85) ? String(this.rand.int(0, 9)) : this.rand.pick([...USCC_CHARSET.slice(10)]);
      const code = first17 + usccCheckChar(first17);
      if (!this.codes.has(code)) return code;
    }
  }

  uniqueName(make: () => string): string {
    for (let attempt = 0; ; attempt++) {
      const name = make();
      if (!this.names.has(name)) return name;
      // only very large populations run out of combinations
      if (attempt > 100) return `${name}（${this.names.size + 1}）`;
    }
  }

  address(area: (typeof words.SHAOGUAN_AREAS)[number]): string {
    return `广东省韶关市${area.name}${this.rand.pick(words.STREETS)}${this.rand.int(1, 388)}号${this.rand.pick(words.BUILDINGS)}`;
  }

  registeredAt(minDaysAgo: number, maxDaysAgo: number): string {
    return ymdText(shift(this.today, { days: -this.rand.int(minDaysAgo, maxDaysAgo) }));
  }
}

function planIndividual(pop: Population, rand: Random): PlannedSubject {
  const person = pop.person(25, 70);
  return {
    code: person.code, kind: 'INDIVIDUAL', prefix: '', name: person.name, status: 'ACTIVE', registeredAt: null, address: null,
    legalRepresentative: null, birthDate: person.birthDate, registeredBy: REGISTRAR.INDIVIDUAL,
    primaryGroup: rand.chance(0.75) ? rand.weighted(words.QUALIFICATIONS.map((q) => [q.group, q.weight] as const)) : null,
    recordCount: 0, cast: false,
  };
}

function planOrganization(pop: Population, rand: Random, kind: Exclude<Kind, 'INDIVIDUAL'>, adults: readonly PlannedSubject[]): PlannedSubject {
  const area = rand.pick(words.SHAOGUAN_AREAS);
  const place = rand.chance(0.6) ? '韶关市' : area.prefix;
  const representative: Person = adults.length > 0 && rand.chance(0.2)
    ? (({ name, code, birthDate }) => ({ name, code, birthDate: birthDate! }))(rand.pick(adults))
    : pop.person(30, 65);
  let prefix: string;
  let name: string;
  if (kind === 'ENTERPRISE') {
    prefix = rand.weighted([['91', 82], ['92', 12], ['93', 6]]);
    name = pop.uniqueName(() => {
      if (prefix === '92') return `${area.prefix}${Array.from(representative.name)[0]}记${rand.pick(words.SHOP_TRADES)}`;
      if (prefix === '93') return `${area.prefix}${rand.pick(words.TRADE_NAMES)}${rand.pick(words.COOPERATIVE_PRODUCTS)}专业合作社`;
      return `${place}${rand.pick(words.TRADE_NAMES)}${rand.pick(words.INDUSTRIES)}${rand.weighted(words.COMPANY_FORMS)}`;
    });
  } else if (kind === 'PUBLIC_INSTITUTION') {
    prefix = '12';
    name = pop.uniqueName(() => `${rand.chance(0.4) ? '韶关市' : area.prefix}${rand.pick(words.PUBLIC_INSTITUTION_NAMES)}`);
  } else {
    prefix = rand.weighted([['51', 5], ['52', 4], ['53', 1]]);
    const names = words.SOCIAL_ORGANIZATION_NAMES[prefix as '51' | '52' | '53'];
    name = pop.uniqueName(() => `${rand.chance(0.5) ? '韶关市' : area.prefix}${prefix === '51' && rand.chance(0.6) ? '' : rand.pick(words.TRADE_NAMES)}${rand.pick(names)}`);
  }
  const status = kind === 'ENTERPRISE' ? rand.weighted<PlannedSubject['status']>([['ACTIVE', 94], ['DEREGISTERED', 4], ['REVOKED', 2]]) : 'ACTIVE';
  return {
    code: pop.orgCode(prefix, area.code), kind, prefix, name, status,
    registeredAt: pop.registeredAt(200, kind === 'ENTERPRISE' ? 25 * 365 : 40 * 365),
    address: pop.address(area), legalRepresentative: representative, birthDate: null, registeredBy: REGISTRAR[kind],
    primaryGroup: null, recordCount: 0, cast: false,
  };
}

/** The minor of the cast: born MINOR_BIRTH_DATE while that makes them 10–17 at `now`; otherwise (a clock after
 *  2029-03-14, or before 2021) someone born 15 years before `now`, so that there is always exactly one minor. */
function castMinor(today: Ymd): { code: string; birthDate: string } {
  const age = ageOn(MINOR_BIRTH_DATE, ymdText(today));
  if (age >= 10 && age < 18) return { code: DEMO_CAST.minor, birthDate: MINOR_BIRTH_DATE };
  const birth = shift(today, { years: -15, months: -2 });
  const first17 = `${MINOR_AREA}${pad(birth.y, 4)}${pad(birth.m)}${pad(birth.d)}${MINOR_SEQUENCE}`;
  return { code: residentId(first17), birthDate: ymdText(birth) };
}

function planCast(pop: Population, today: Ymd): DemoCast {
  const base = { status: 'ACTIVE' as const, primaryGroup: null, recordCount: 0, cast: true };
  const deng: Person = { name: '邓国强', code: residentId('44020419750618051'), birthDate: '1975-06-18' };
  const he: Person = { name: '何丽萍', code: residentId('44020319700904026'), birthDate: '1970-09-04' };
  pop.add({
    ...base, code: DEMO_CAST.enterprise, kind: 'ENTERPRISE', prefix: '91', name: '韶关市丹霞建材有限公司', registeredAt: '2016-08-19',
    address: '广东省韶关市武江区工业西路128号丹霞工业园', legalRepresentative: deng, birthDate: null, registeredBy: 'SG-MARKET',
  });
  pop.add({
    ...base, code: DEMO_CAST.individual, kind: 'INDIVIDUAL', prefix: '', name: '陈伟明', registeredAt: null, address: null,
    legalRepresentative: null, birthDate: '1984-07-12', registeredBy: 'SG-HRSS', primaryGroup: 'LAWYER',
  });
  const minor = castMinor(today);
  pop.add({
    ...base, code: minor.code, kind: 'INDIVIDUAL', prefix: '', name: '林小雨', registeredAt: null, address: null,
    legalRepresentative: null, birthDate: minor.birthDate, registeredBy: 'SG-HRSS',
  });
  pop.add({
    ...base, code: DEMO_CAST.publicInstitution, kind: 'PUBLIC_INSTITUTION', prefix: '12', name: '韶关市芙蓉职业技术学校',
    registeredAt: '2003-09-01', address: '广东省韶关市浈江区芙蓉北路66号', legalRepresentative: he, birthDate: null, registeredBy: 'SG-HRSS',
  });
  pop.add({
    ...base, code: DEMO_CAST.socialOrganization, kind: 'SOCIAL_ORGANIZATION', prefix: '51', name: '韶关市建材行业协会',
    registeredAt: '2012-04-26', address: '广东省韶关市武江区西河大道23号商会大厦', legalRepresentative: deng, birthDate: null, registeredBy: 'SG-CIVIL',
  });
  return { ...DEMO_CAST, minor: minor.code };
}

/** Records per subject: a truncated Pareto (most have 3–8, a few dozens) plus four heavy subjects with 100+. */
function planPopulation(total: number, today: Ymd, rand: Random): { subjects: PlannedSubject[]; cast: DemoCast } {
  const pop = new Population(rand, today);
  const cast = planCast(pop, today);
  const others = Math.max(0, total - pop.subjects.length);
  const individualCount = Math.round(others * 0.3);
  const institutionCount = Math.round(others * 0.07);
  const organizationCount = Math.round(others * 0.07);
  const generated: PlannedSubject[] = [];
  const adults: PlannedSubject[] = [];
  for (let i = 0; i < individualCount; i++) {
    const individual = planIndividual(pop, rand);
    pop.add(individual);
    generated.push(individual);
    adults.push(individual);
  }
  const kinds: Exclude<Kind, 'INDIVIDUAL'>[] = [
    ...Array<Exclude<Kind, 'INDIVIDUAL'>>(institutionCount).fill('PUBLIC_INSTITUTION'),
    ...Array<Exclude<Kind, 'INDIVIDUAL'>>(organizationCount).fill('SOCIAL_ORGANIZATION'),
    ...Array<Exclude<Kind, 'INDIVIDUAL'>>(others - individualCount - institutionCount - organizationCount).fill('ENTERPRISE'),
  ];
  for (const kind of kinds) {
    const organization = planOrganization(pop, rand, kind, adults);
    pop.add(organization);
    generated.push(organization);
  }
  for (let i = generated.length - 1; i > 0; i--) {
    const j = rand.int(0, i);
    [generated[i], generated[j]] = [generated[j]!, generated[i]!];
  }
  let heavyEnterprises = 3;
  let heavyInstitutions = 1;
  for (const subject of generated) {
    if (subject.prefix === '91' && subject.status === 'ACTIVE' && heavyEnterprises > 0) {
      heavyEnterprises--;
      subject.recordCount = rand.int(100, 160);
    } else if (subject.kind === 'PUBLIC_INSTITUTION' && heavyInstitutions > 0) {
      heavyInstitutions--;
      subject.recordCount = rand.int(100, 130);
    } else {
      subject.recordCount = Math.min(60, Math.floor(4 * Math.pow(1 - rand.next(), -1 / 1.9)));
    }
  }
  const castSubjects = pop.subjects.filter((s) => s.cast);
  return { subjects: [...castSubjects, ...generated], cast };
}

// ---------------------------------------------------------------------------------------------------------
// Records

interface CatalogInfo { category: string; nature: string; loosest: Disclosure; repairable: boolean }

interface Draft {
  type: string;
  sourceOrg: string;
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
  groupCode: string | null;
  disclosure?: Disclosure;
  status?: Status;
  statusReason?: string | null;
}

interface RecordContext {
  now: Date;
  today: Ymd;
  rand: Random;
  catalog: ReadonlyMap<string, CatalogInfo>;
  groups: ReadonlySet<string>;
  sourceRefs: Map<string, number>;
  documentNumbers: Map<string, number>;
  /** tax-rating years already used per subject code */
  taxYears: Map<string, Set<number>>;
}

const ORGANIZATION_BY_CODE = new Map(words.DEMO_ORGANIZATIONS.map((o) => [o.code, o]));
const DISCLOSURE_RANK: Record<Disclosure, number> = { PUBLIC: 0, SHARED: 1, SUBJECT_ONLY: 2 };

/** A decision number (文书号) in the style of the filing department. */
function documentNumber(ctx: RecordContext, org: string, decidedAt: Date, word: string): string {
  const year = ymdOf(decidedAt).y;
  const key = `${org}:${year}:${word}`;
  const n = (ctx.documentNumbers.get(key) ?? ctx.rand.int(1, 40)) + ctx.rand.int(1, 6);
  ctx.documentNumbers.set(key, n);
  if (org === 'SG-COURT') return `（${year}）粤02${word}${n}号`;
  return `${ORGANIZATION_BY_CODE.get(org)?.abbreviation ?? org}${word}〔${year}〕${n}号`;
}

/** A working-hours instant in the six years before `now`, skewed towards recent years, not before `notBefore`. */
function decisionTime(ctx: RecordContext, notBefore: string | null): Date {
  const limit = notBefore ? Math.max(1, daysBetween(ymdParse(notBefore), ctx.today) - 1) : 6 * 365;
  const span = Math.min(6 * 365, limit);
  const daysAgo = 1 + Math.floor((span - 1) * Math.pow(ctx.rand.next(), 1.3));
  return at(shift(ctx.today, { days: -daysAgo }), ctx.rand.int(9, 17), ctx.rand.int(0, 59));
}

const negativeSeverity = (rand: Random, weights: readonly [number, number, number]): Severity =>
  rand.weighted<Severity>([['MINOR', weights[0]], ['GENERAL', weights[1]], ['SERIOUS', weights[2]]]);

function blank(type: string, sourceOrg: string, decidedAt: Date): Draft {
  return {
    type, sourceOrg, title: '', summary: null, decisionNumber: null, decidedAt, validFrom: decidedAt, validUntil: null,
    severity: null, legalBasis: null, amount: null, grade: null, groupCode: null,
  };
}

type Generator = (ctx: RecordContext, subject: PlannedSubject) => Draft | null;

/** One generator per catalog type: wording, filing department, dates and type-specific fields. */
const GENERATORS: Record<string, Generator> = {
  registration(ctx, s) {
    const source = REGISTRAR[s.kind];
    const d = blank('registration', source, at(ymdParse(s.registeredAt ?? ymdText(shift(ctx.today, { years: -1 }))), 10, 0));
    const what = s.kind === 'ENTERPRISE'
      ? { '91': '企业设立登记', '92': '个体工商户注册登记', '93': '农民专业合作社设立登记' }[s.prefix] ?? '企业设立登记'
      : s.kind === 'PUBLIC_INSTITUTION' ? '事业单位法人登记' : '社会组织成立登记';
    d.title = what;
    const capital = s.prefix === '92' ? `；资金数额：${ctx.rand.amount(1, 50, 1)}万元人民币`
      : s.prefix === '93' ? `；成员出资总额：${ctx.rand.amount(5, 300, 5)}万元人民币`
        : s.kind === 'ENTERPRISE' ? `；注册资本：${ctx.rand.amount(10, 5000, 10)}万元人民币` : '';
    d.summary = `名称：${s.name}；住所：${s.address ?? ''}；${s.prefix === '92' ? '经营者' : '法定代表人'}：${s.legalRepresentative?.name ?? ''}${capital}`;
    d.decisionNumber = documentNumber(ctx, source, d.decidedAt, '登');
    d.legalBasis = s.kind === 'ENTERPRISE' ? '《中华人民共和国市场主体登记管理条例》' : s.kind === 'PUBLIC_INSTITUTION' ? '《事业单位登记管理暂行条例》' : '《社会团体登记管理条例》';
    return d;
  },
  penalty(ctx, s) {
    const causes = words.PENALTY_CAUSES.filter((c) =>
      s.kind === 'INDIVIDUAL' ? c.forIndividuals
        : s.kind === 'SOCIAL_ORGANIZATION' ? ['SG-CIVIL', 'SG-TAX', 'SG-HRSS'].includes(c.source)
          : s.kind === 'PUBLIC_INSTITUTION' ? ['SG-HEALTH', 'SG-HRSS', 'SG-TAX', 'SG-EDU'].includes(c.source)
            : !['SG-CIVIL', 'SG-JUSTICE'].includes(c.source));
    const cause = ctx.rand.pick(causes);
    const d = blank('penalty', cause.source, decisionTime(ctx, s.registeredAt));
    d.validFrom = null;
    d.severity = negativeSeverity(ctx.rand, [3, 5.5, 1.5]);
    d.amount = d.severity === 'MINOR' ? (ctx.rand.chance(0.5) ? null : ctx.rand.amount(200, 2000, 100))
      : d.severity === 'GENERAL' ? ctx.rand.amount(2000, 50000, 100) : ctx.rand.amount(50000, 500000, 1000);
    d.title = `行政处罚：${cause.violation}`;
    d.summary = `当事人${cause.violation}，依据${cause.legalBasis}，${d.amount === null ? '予以警告' : `处罚款人民币${d.amount}元`}。`;
    d.legalBasis = cause.legalBasis;
    d.decisionNumber = documentNumber(ctx, cause.source, d.decidedAt, '罚决字');
    return d;
  },
  'dishonest-debtor'(ctx, s) {
    const d = blank('dishonest-debtor', 'SG-COURT', decisionTime(ctx, s.registeredAt));
    if (s.birthDate && ageOn(s.birthDate, shanghaiDate(d.decidedAt)) < 18) return null;
    d.severity = negativeSeverity(ctx.rand, [0, 4, 6]);
    d.amount = ctx.rand.amount(10000, 2000000, 100);
    d.title = '失信被执行人';
    d.summary = `${ctx.rand.pick(['有履行能力而拒不履行生效法律文书确定义务', '违反限制消费令', '以隐匿、转移财产等方法规避执行'])}，执行标的${d.amount}元。`;
    d.validUntil = ctx.rand.weighted([[null, 5], [shiftInstant(d.decidedAt, { years: 2 }), 3], [shiftInstant(d.decidedAt, { years: 3 }), 2]]);
    d.legalBasis = '《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条';
    d.decisionNumber = documentNumber(ctx, 'SG-COURT', d.decidedAt, '执');
    return d;
  },
  judgment(ctx, s) {
    const d = blank('judgment', 'SG-COURT', decisionTime(ctx, s.registeredAt));
    const cause = ctx.rand.pick(words.JUDGMENT_CAUSES);
    d.severity = negativeSeverity(ctx.rand, [3, 6, 1]);
    d.amount = ctx.rand.amount(5000, 3000000, 100);
    d.title = `民事判决书（${cause}）`;
    d.summary = `${cause}一案，判决${s.kind === 'INDIVIDUAL' ? '被告' : '被告单位'}支付${d.amount}元及利息。`;
    d.legalBasis = '《中华人民共和国民法典》';
    d.decisionNumber = documentNumber(ctx, 'SG-COURT', d.decidedAt, ctx.rand.chance(0.7) ? '民初' : '民终');
    return d;
  },
  license(ctx, s) {
    const options = words.LICENSES.filter((l) => (s.kind === 'INDIVIDUAL' ? l.forIndividuals : s.kind === 'ENTERPRISE' ? true : l.forInstitutions));
    const license = ctx.rand.pick(options);
    const d = blank('license', license.source, decisionTime(ctx, s.registeredAt));
    const years = ctx.rand.pick([3, 5, 5]);
    d.validFrom = shiftInstant(d.decidedAt, { days: ctx.rand.int(0, 10) });
    d.validUntil = shiftInstant(d.validFrom, { years });
    d.title = license.title;
    d.summary = `准予行政许可：${license.title}，有效期${years}年。`;
    d.legalBasis = '《中华人民共和国行政许可法》';
    d.decisionNumber = documentNumber(ctx, license.source, d.decidedAt, '许');
    return d;
  },
  qualification(ctx, s) {
    if (s.kind !== 'INDIVIDUAL') return null;
    const group = s.primaryGroup && ctx.rand.chance(0.5) ? s.primaryGroup : ctx.rand.weighted(words.QUALIFICATIONS.map((q) => [q.group, q.weight] as const));
    const qualification = words.QUALIFICATIONS.find((q) => q.group === group)!;
    if (!ctx.groups.has(group)) return null;
    const d = blank('qualification', qualification.source, decisionTime(ctx, null));
    d.groupCode = group;
    d.validUntil = ctx.rand.chance(0.4) ? null : shiftInstant(d.decidedAt, { years: 5 });
    d.title = qualification.title;
    d.summary = `取得${qualification.title}，证书状态：${d.validUntil ? '定期注册' : '长期有效'}。`;
    d.legalBasis = '重点职业人群信用记录管理办法';
    d.decisionNumber = documentNumber(ctx, qualification.source, d.decidedAt, '证');
    return d;
  },
  'abnormal-operation'(ctx, s) {
    if (s.kind === 'INDIVIDUAL' || s.kind === 'PUBLIC_INSTITUTION') return null;
    const source = s.kind === 'SOCIAL_ORGANIZATION' ? 'SG-CIVIL' : 'SG-MARKET';
    const d = blank('abnormal-operation', source, decisionTime(ctx, s.registeredAt));
    d.severity = negativeSeverity(ctx.rand, [3, 7, 0]);
    d.title = s.kind === 'SOCIAL_ORGANIZATION' ? '列入活动异常名录' : '列入经营异常名录';
    d.summary = `列入事由：${ctx.rand.pick(words.ABNORMAL_OPERATION_CAUSES)}。`;
    d.validUntil = ctx.rand.chance(0.3) ? shiftInstant(d.decidedAt, { months: ctx.rand.int(2, 18) }) : null;
    d.legalBasis = '《企业信息公示暂行条例》第十七条';
    d.decisionNumber = documentNumber(ctx, source, d.decidedAt, '异');
    return d;
  },
  'serious-dishonesty-list'(ctx, s) {
    const cause = ctx.rand.pick(words.SERIOUS_DISHONESTY_CAUSES.filter((c) => s.kind !== 'INDIVIDUAL' || c.forIndividuals));
    const d = blank('serious-dishonesty-list', cause.source, decisionTime(ctx, s.registeredAt));
    d.severity = 'SERIOUS';
    d.title = '列入严重失信主体名单';
    d.summary = `列入事由：${cause.cause}。`;
    d.validUntil = ctx.rand.chance(0.5) ? null : shiftInstant(d.decidedAt, { years: ctx.rand.int(1, 3) });
    d.legalBasis = '《失信行为纠正后的信用信息修复管理办法》及严重失信主体名单认定办法';
    d.decisionNumber = documentNumber(ctx, cause.source, d.decidedAt, '失信');
    return d;
  },
  'contract-performance'(ctx, s) {
    const kind = ctx.rand.pick(words.CONTRACT_KINDS);
    const d = blank('contract-performance', kind.source, decisionTime(ctx, s.registeredAt));
    d.amount = ctx.rand.amount(50000, 5000000, 1000);
    d.validUntil = shiftInstant(d.decidedAt, { months: ctx.rand.int(6, 24) });
    d.title = kind.title;
    d.summary = `合同金额${d.amount}元，履约情况：${ctx.rand.weighted([['按期履约', 6], ['履约中', 3], ['逾期履约，已整改', 1]])}。`;
    d.legalBasis = '《中华人民共和国民法典》合同编';
    d.decisionNumber = documentNumber(ctx, kind.source, d.decidedAt, '合');
    return d;
  },
  commitment(ctx, s) {
    const kind = ctx.rand.pick(words.COMMITMENT_KINDS);
    const d = blank('commitment', kind.source, decisionTime(ctx, s.registeredAt));
    d.validUntil = shiftInstant(d.decidedAt, { years: 1 });
    d.title = kind.title;
    d.summary = `承诺所提交材料真实、合法、有效，如有违反自愿接受约束和惩戒。履约状态：${ctx.rand.weighted([['已履约', 7], ['履约中', 3]])}。`;
    d.legalBasis = '信用承诺制度实施指引';
    return d;
  },
  'tax-rating'(ctx, s) {
    if (s.kind === 'INDIVIDUAL') return null;
    const used = ctx.taxYears.get(s.code) ?? new Set<number>();
    const registered = s.registeredAt ? ymdParse(s.registeredAt).y : 0;
    const years: number[] = [];
    for (let y = ctx.today.y - 5; y <= ctx.today.y; y++) {
      if (y > registered && !used.has(y) && daysBetween({ y, m: 4, d: 28 }, ctx.today) > 0) years.push(y);
    }
    if (years.length === 0) return null;
    const year = ctx.rand.pick(years);
    used.add(year);
    ctx.taxYears.set(s.code, used);
    const d = blank('tax-rating', 'SG-TAX', at({ y: year, m: 4, d: ctx.rand.int(8, 27) }, ctx.rand.int(9, 17), ctx.rand.int(0, 59)));
    d.grade = ctx.rand.weighted([['A', 25], ['B', 40], ['M', 20], ['C', 10], ['D', 5]]);
    d.validUntil = shiftInstant(d.decidedAt, { years: 1 });
    d.title = `${year - 1}年度纳税信用等级评价`;
    d.summary = `${year - 1}年度纳税信用评价结果：${d.grade}级。`;
    d.legalBasis = '《纳税信用管理办法（试行）》';
    d.decisionNumber = documentNumber(ctx, 'SG-TAX', d.decidedAt, '评');
    return d;
  },
  'credit-grade'(ctx, s) {
    const scheme = {
      ENTERPRISE: { title: '建筑市场主体信用评价', source: 'SG-DRC', grades: ['AAA', 'AA', 'A', 'B', 'C'] },
      SOCIAL_ORGANIZATION: { title: '社会组织评估等级', source: 'SG-CIVIL', grades: ['5A', '4A', '3A', '2A', '1A'] },
      INDIVIDUAL: { title: '导游服务质量信用评价', source: 'SG-HRSS', grades: ['A', 'B', 'C'] },
      PUBLIC_INSTITUTION: { title: '公共服务机构信用综合评价', source: 'SG-DRC', grades: ['A', 'B', 'C'] },
    }[s.kind];
    const d = blank('credit-grade', scheme.source, decisionTime(ctx, s.registeredAt));
    d.grade = ctx.rand.pick(scheme.grades);
    d.validUntil = shiftInstant(d.decidedAt, { years: 2 });
    d.title = scheme.title;
    d.summary = `评价结果：${d.grade}。`;
    d.legalBasis = '行业信用评价办法';
    d.decisionNumber = documentNumber(ctx, scheme.source, d.decidedAt, '评');
    return d;
  },
  honor(ctx, s) {
    const honor = ctx.rand.pick(words.HONORS.filter((h) => h.kinds.includes(s.kind)));
    const d = blank('honor', honor.source, decisionTime(ctx, s.registeredAt));
    d.validUntil = ctx.rand.chance(0.6) ? shiftInstant(d.decidedAt, { years: 2 }) : null;
    d.title = honor.title;
    d.summary = `经评审，授予“${honor.title}”称号。`;
    d.legalBasis = '守信联合激励措施';
    d.decisionNumber = documentNumber(ctx, honor.source, d.decidedAt, '表');
    return d;
  },
  'self-declared'(ctx, s) {
    const topic = ctx.rand.pick(words.SELF_DECLARED_TOPICS);
    const d = blank('self-declared', 'SG-DRC', decisionTime(ctx, s.registeredAt));
    d.title = `自主申报：${topic}`;
    d.summary = `信用主体通过“信用韶关”网站自主申报的${topic}，经核验后归集。`;
    return d;
  },
  'social-insurance-arrears'(ctx, s) {
    const d = blank('social-insurance-arrears', 'SG-HRSS', decisionTime(ctx, s.registeredAt));
    d.amount = ctx.rand.amount(3000, 300000, 10);
    d.severity = d.amount < 20000 ? 'MINOR' : d.amount < 100000 ? 'GENERAL' : 'SERIOUS';
    d.title = '欠缴社会保险费';
    d.summary = `欠缴${ctx.rand.int(2, 18)}个月职工基本养老保险费${d.amount}元。`;
    d.legalBasis = '《中华人民共和国社会保险法》第八十六条';
    d.decisionNumber = documentNumber(ctx, 'SG-HRSS', d.decidedAt, '社保催');
    return d;
  },
  'tax-arrears'(ctx, s) {
    const d = blank('tax-arrears', 'SG-TAX', decisionTime(ctx, s.registeredAt));
    d.amount = ctx.rand.amount(1000, 800000, 10);
    d.severity = d.amount < 20000 ? 'MINOR' : d.amount < 200000 ? 'GENERAL' : 'SERIOUS';
    d.title = '欠税公告';
    d.summary = `欠缴${ctx.rand.pick(['增值税', '企业所得税', '个人所得税', '城镇土地使用税', '房产税'])}${d.amount}元。`;
    d.legalBasis = '《中华人民共和国税收征收管理法》第四十五条';
    d.decisionNumber = documentNumber(ctx, 'SG-TAX', d.decidedAt, '欠税');
    return d;
  },
  'ip-infringement'(ctx, s) {
    const d = blank('ip-infringement', 'SG-MARKET', decisionTime(ctx, s.registeredAt));
    const what = ctx.rand.pick(words.IP_INFRINGEMENTS);
    d.severity = negativeSeverity(ctx.rand, [0, 7, 3]);
    d.amount = ctx.rand.amount(5000, 300000, 100);
    d.title = `知识产权侵权：${what}`;
    d.summary = `${what}，责令停止侵权并处罚款${d.amount}元。`;
    d.legalBasis = '《中华人民共和国商标法》第六十条；《中华人民共和国专利法》第六十八条';
    d.decisionNumber = documentNumber(ctx, 'SG-MARKET', d.decidedAt, '知罚');
    return d;
  },
};

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
function varyLifecycle(d: Draft, ctx: RecordContext): Draft {
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

function generateRecords(ctx: RecordContext, subject: PlannedSubject): Draft[] {
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

// ---------------------------------------------------------------------------------------------------------
// The cast's records

/** Every state the demos need; several records sit just inside or just outside a window (relative to `now`). */
function castRecords(ctx: RecordContext, cast: DemoCast): { code: string; draft: Draft }[] {
  const out: { code: string; draft: Draft }[] = [];
  const day = (by: { years?: number; months?: number; days?: number }): Ymd => shift(ctx.today, by);
  const add = (code: string, type: string, source: string, decidedAt: Date, word: string | null, fields: Partial<Draft>): void => {
    const draft: Draft = { ...blank(type, source, decidedAt), disclosure: ctx.catalog.get(type)?.loosest ?? 'SHARED', status: 'ACTIVE', ...fields };
    if (word) draft.decisionNumber = documentNumber(ctx, source, decidedAt, word);
    if (ctx.catalog.has(type)) out.push({ code, draft });
  };
  const penalty = (severity: Severity, amount: number | null, violation: string, legalBasis: string): Partial<Draft> => ({
    validFrom: null, severity, amount, legalBasis, title: `行政处罚：${violation}`,
    summary: `当事人${violation}，依据${legalBasis}，${amount === null ? '予以警告' : `处罚款人民币${amount}元`}。`,
  });

  const E = cast.enterprise;
  add(E, 'registration', 'SG-MARKET', at(ymdParse('2016-08-19')), '登', {
    title: '企业设立登记', legalBasis: '《中华人民共和国市场主体登记管理条例》',
    summary: '名称：韶关市丹霞建材有限公司；住所：广东省韶关市武江区工业西路128号丹霞工业园；法定代表人：邓国强；注册资本：1200万元人民币',
  });
  // D1: public (3 months and an hour ago: repairable), expired (18 months ago), never public (MINOR), and both sides
  // of the one-year boundary
  add(E, 'penalty', 'SG-MARKET', new Date(shiftInstant(ctx.now, { months: -3 }).getTime() - HOUR_MS), '罚决字',
    penalty('GENERAL', 30000, '销售不符合保障人体健康和人身、财产安全的国家标准的产品（建筑防水卷材抽检不合格）', '《中华人民共和国产品质量法》第四十九条'));
  add(E, 'penalty', 'SG-TAX', new Date(shiftInstant(ctx.now, { months: -18 }).getTime() - HOUR_MS), '罚决字',
    penalty('GENERAL', 5000, '未按照规定期限办理纳税申报和报送纳税资料', '《中华人民共和国税收征收管理法》第六十二条'));
  add(E, 'penalty', 'SG-MARKET', at(day({ months: -2 }), 9, 40), '罚决字', penalty('MINOR', 800, '未按规定明码标价', '《中华人民共和国价格法》第四十二条'));
  add(E, 'penalty', 'SG-HRSS', at(day({ years: -1, days: 1 }), 11, 0), '罚决字',
    penalty('GENERAL', 8000, '违法延长劳动者工作时间', '《劳动保障监察条例》第二十五条'));
  add(E, 'penalty', 'SG-MARKET', at(day({ years: -1, days: -1 }), 11, 0), '罚决字', penalty('GENERAL', 12000, '发布虚假广告', '《中华人民共和国广告法》第五十五条'));
  add(E, 'penalty', 'SG-MARKET', at(day({ years: -3, days: 10 }), 14, 0), '罚决字',
    penalty('SERIOUS', 120000, '生产不符合国家标准的建筑材料', '《中华人民共和国产品质量法》第四十九条'));
  const lastApril = day({}).m > 4 || (day({}).m === 4 && day({}).d > 20) ? day({}).y : day({}).y - 1;
  add(E, 'tax-rating', 'SG-TAX', at({ y: lastApril, m: 4, d: 20 }), '评', {
    grade: 'A', disclosure: 'SHARED', validUntil: at({ y: lastApril + 1, m: 4, d: 20 }), legalBasis: '《纳税信用管理办法（试行）》',
    title: `${lastApril - 1}年度纳税信用等级评价`, summary: `${lastApril - 1}年度纳税信用评价结果：A级。`,
  });
  add(E, 'self-declared', 'SG-DRC', at(day({ days: -40 }), 16, 20), null, {
    disclosure: 'SUBJECT_ONLY', title: '自主申报：融资及对外担保情况', summary: '企业自主申报的银行授信与对外担保情况，仅供本企业及受理部门查阅。',
  });
  add(E, 'license', 'SG-MARKET', at(day({ years: -2 })), '许', {
    validUntil: at(day({ years: 3 })), title: '工业产品生产许可证（建筑防水卷材）', summary: '准予行政许可：工业产品生产许可证，有效期5年。',
    legalBasis: '《中华人民共和国工业产品生产许可证管理条例》', status: 'WITHDRAWN', statusReason: '产品抽检不合格，许可事项依法撤回',
  });
  add(E, 'abnormal-operation', 'SG-MARKET', at(day({ months: -30 }), 9, 30), '异', {
    severity: 'GENERAL', title: '列入经营异常名录', summary: '列入事由：未依照规定期限公示年度报告。', legalBasis: '《企业信息公示暂行条例》第十七条',
    status: 'REPAIRED', statusReason: words.REPAIR_REASONS[1],
  });
  add(E, 'honor', 'SG-MARKET', at(day({ months: -6 })), '表', {
    validUntil: at(day({ months: 18 })), title: '广东省守合同重信用企业', summary: '经评审，授予“广东省守合同重信用企业”称号。', legalBasis: '守信联合激励措施',
  });
  // D2: a licence that ends tomorrow, one that ended at midnight, one that starts in ten days
  add(E, 'license', 'SG-MARKET', at(day({ years: -5, days: -6 })), '许', {
    validFrom: at(day({ years: -5, days: 1 }), 0, 0), validUntil: at(day({ days: 1 }), 0, 0), title: '特种设备使用登记证',
    summary: '准予行政许可：特种设备使用登记证，有效期5年。', legalBasis: '《中华人民共和国特种设备安全法》',
  });
  add(E, 'license', 'SG-MARKET', at(day({ years: -5, days: -7 })), '许', {
    validFrom: at(day({ years: -5 }), 0, 0), validUntil: at(day({}), 0, 0), title: '工业产品生产许可证（水泥制品）',
    summary: '准予行政许可：工业产品生产许可证，有效期5年。', legalBasis: '《中华人民共和国工业产品生产许可证管理条例》',
  });
  add(E, 'license', 'SG-MARKET', at(day({ days: -5 })), '许', {
    validFrom: at(day({ days: 10 }), 0, 0), validUntil: at(day({ years: 5, days: 10 }), 0, 0), title: '工业产品生产许可证（预拌混凝土）',
    summary: '准予行政许可：工业产品生产许可证，有效期5年，自许可之日起第15日生效。', legalBasis: '《中华人民共和国工业产品生产许可证管理条例》',
  });
  // D2 default expiry: listed two years and three days ago without validUntil → left the public view three days ago
  add(E, 'dishonest-debtor', 'SG-COURT', at(day({ years: -2, days: -3 })), '执', {
    severity: 'GENERAL', amount: 215000, title: '失信被执行人', summary: '有履行能力而拒不履行生效法律文书确定义务，执行标的215000元。',
    legalBasis: '《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条',
  });
  add(E, 'judgment', 'SG-COURT', at(day({ months: -27 })), '民初', {
    severity: 'GENERAL', amount: 215000, title: '民事判决书（买卖合同纠纷）', summary: '买卖合同纠纷一案，判决被告单位支付货款215000元及利息。', legalBasis: '《中华人民共和国民法典》',
  });
  add(E, 'commitment', 'SG-DRC', at(day({ months: -1 })), null, {
    validUntil: at(day({ months: 11 })), title: '信用承诺（证明事项告知承诺制）', summary: '承诺所提交材料真实、合法、有效，如有违反自愿接受约束和惩戒。履约状态：履约中。',
  });
  add(E, 'contract-performance', 'SG-FINANCE', at(day({ months: -8 })), '合', {
    amount: 1280000, validUntil: at(day({ months: 4 })), title: '政府采购合同履约', summary: '合同金额1280000元，履约情况：履约中。', legalBasis: '《中华人民共和国政府采购法》',
  });
  add(E, 'social-insurance-arrears', 'SG-HRSS', at(day({ days: -20 })), '社保催', {
    severity: 'GENERAL', amount: 46800, title: '欠缴社会保险费', summary: '欠缴3个月职工基本养老保险费46800元。', legalBasis: '《中华人民共和国社会保险法》第八十六条',
  });
  add(E, 'credit-grade', 'SG-DRC', at(day({ months: -4 })), '评', {
    grade: 'AA', validUntil: at(day({ months: 20 })), title: '建筑市场主体信用评价', summary: '评价结果：AA。', legalBasis: '行业信用评价办法',
  });

  const I = cast.individual;
  add(I, 'qualification', 'SG-JUSTICE', at(day({ years: -9, months: -2 })), '证', {
    groupCode: 'LAWYER', title: '律师执业证', summary: '取得律师执业证，执业机构：广东韶州律师事务所。', legalBasis: '《中华人民共和国律师法》',
  });
  add(I, 'judgment', 'SG-COURT', at(day({ months: -11 })), '民初', {
    severity: 'GENERAL', amount: 86000, title: '民事判决书（民间借贷纠纷）', summary: '民间借贷纠纷一案，判决被告偿还借款86000元及利息。', legalBasis: '《中华人民共和国民法典》',
  });
  add(I, 'dishonest-debtor', 'SG-COURT', at(day({ months: -5 })), '执', {
    severity: 'SERIOUS', amount: 86000, title: '失信被执行人', summary: '有履行能力而拒不履行生效法律文书确定义务，执行标的86000元。',
    legalBasis: '《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条', disclosure: 'PUBLIC',
  });
  add(I, 'penalty', 'SG-JUSTICE', at(day({ months: -14 })), '罚决字', penalty('MINOR', null, '违反律师执业规范', '《中华人民共和国律师法》第四十七条'));
  add(I, 'commitment', 'SG-DRC', at(day({ months: -2 })), null, {
    validUntil: at(day({ months: 10 })), title: '信用承诺（信用修复）', summary: '承诺按期履行生效判决确定的义务。履约状态：履约中。',
  });

  // D5: would be public for an adult, hidden because the subject is under 18 at query time
  const M = cast.minor;
  add(M, 'serious-dishonesty-list', 'SG-DRC', at(day({ months: -2 })), '失信', {
    severity: 'SERIOUS', validUntil: at(day({ months: -2, days: 180 })), title: '列入严重失信主体名单',
    summary: '列入事由：铁路旅客严重失信行为（冒用他人优惠身份购票）。', legalBasis: '铁路旅客严重失信行为名单管理办法', disclosure: 'PUBLIC',
  });
  add(M, 'honor', 'SG-EDU', at(day({ months: -8 })), '表', { title: '韶关市优秀少先队员', summary: '经评审，授予“韶关市优秀少先队员”称号。', disclosure: 'PUBLIC' });
  add(M, 'self-declared', 'SG-DRC', at(day({ months: -3 })), null, { title: '自主申报：志愿服务记录', summary: '累计志愿服务时长46小时。', disclosure: 'PUBLIC' });

  const P = cast.publicInstitution;
  add(P, 'registration', 'SG-HRSS', at(ymdParse('2003-09-01')), '登', {
    title: '事业单位法人登记', summary: '名称：韶关市芙蓉职业技术学校；住所：广东省韶关市浈江区芙蓉北路66号；法定代表人：何丽萍', legalBasis: '《事业单位登记管理暂行条例》',
  });
  add(P, 'license', 'SG-EDU', at(day({ years: -2 })), '许', {
    validUntil: at(day({ years: 3 })), title: '中等职业学校办学许可证', summary: '准予行政许可：中等职业学校办学许可证，有效期5年。', legalBasis: '《中华人民共和国职业教育法》',
  });
  add(P, 'honor', 'SG-DRC', at(day({ months: -9 })), '表', { validUntil: at(day({ months: 15 })), title: '韶关市文明单位', summary: '经评审，授予“韶关市文明单位”称号。' });
  add(P, 'contract-performance', 'SG-FINANCE', at(day({ months: -5 })), '合', {
    amount: 860000, validUntil: at(day({ months: 7 })), title: '政府采购合同履约', summary: '合同金额860000元，履约情况：按期履约。',
  });
  add(P, 'penalty', 'SG-EDU', at(day({ months: -7 })), '罚决字', penalty('GENERAL', 20000, '违规举办校外培训', '《中华人民共和国民办教育促进法》第六十四条'));
  add(P, 'social-insurance-arrears', 'SG-HRSS', at(day({ months: -15 })), '社保催', {
    severity: 'MINOR', amount: 12600, title: '欠缴社会保险费', summary: '欠缴2个月职工基本养老保险费12600元。', status: 'REPAIRED', statusReason: words.REPAIR_REASONS[2],
  });

  const S = cast.socialOrganization;
  add(S, 'registration', 'SG-CIVIL', at(ymdParse('2012-04-26')), '登', {
    title: '社会组织成立登记', summary: '名称：韶关市建材行业协会；住所：广东省韶关市武江区西河大道23号商会大厦；法定代表人：邓国强', legalBasis: '《社会团体登记管理条例》',
  });
  add(S, 'credit-grade', 'SG-CIVIL', at(day({ months: -13 })), '评', { grade: '4A', validUntil: at(day({ years: 4, months: -1 })), title: '社会组织评估等级', summary: '评价结果：4A。' });
  add(S, 'honor', 'SG-CIVIL', at(day({ months: -3 })), '表', { validUntil: at(day({ months: 21 })), title: '韶关市先进社会组织', summary: '经评审，授予“韶关市先进社会组织”称号。' });
  add(S, 'commitment', 'SG-DRC', at(day({ months: -6 })), null, { validUntil: at(day({ months: 6 })), title: '信用承诺（证明事项告知承诺制）', summary: '承诺所提交材料真实、合法、有效。履约状态：已履约。' });
  add(S, 'abnormal-operation', 'SG-CIVIL', at(day({ years: -2, months: -2 })), '异', {
    severity: 'MINOR', validUntil: at(day({ years: -1, months: -8 })), title: '列入活动异常名录', summary: '列入事由：未按规定接受年度检查（已移出）。',
  });
  add(S, 'penalty', 'SG-CIVIL', at(day({ months: -20 })), '罚决字', penalty('MINOR', null, '未按规定接受年度检查', '《社会团体登记管理条例》第三十条'));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Rows

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A UUID-shaped (version 4 layout) id derived from the record's source reference: identical on every run. */
function deterministicUuid(seed: string): string {
  const h = sha256(seed);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Fails loudly if the generator produced a record the write path (SPEC W1, W3) would refuse. */
function assertFilable(d: Draft, subject: PlannedSubject, info: CatalogInfo, now: Date): void {
  const problems: string[] = [];
  if ((info.nature === 'NEGATIVE') !== (d.severity !== null)) problems.push('severity');
  if (d.type === 'qualification' && !d.groupCode) problems.push('group');
  if (d.type === 'tax-rating' && !['A', 'B', 'M', 'C', 'D'].includes(d.grade ?? '')) problems.push('grade');
  if (d.validFrom && d.validUntil && d.validUntil < d.validFrom) problems.push('validity');
  if (DISCLOSURE_RANK[d.disclosure!] < DISCLOSURE_RANK[info.loosest]) problems.push('disclosure');
  if (d.decidedAt > now) problems.push('decided in the future');
  if (d.type === 'dishonest-debtor' && subject.birthDate && ageOn(subject.birthDate, shanghaiDate(d.decidedAt)) < 18) problems.push('minor');
  if (ORGANIZATION_BY_CODE.get(d.sourceOrg)?.kind !== 'DEPARTMENT') problems.push('source');
  if (problems.length > 0) throw new Error(`demo seed: invalid ${d.type} record for ${subject.code}: ${problems.join(', ')}`);
}

type RecordRow = typeof records.$inferInsert;

function toRecordRow(ctx: RecordContext, subject: PlannedSubject, subjectId: number, d: Draft): RecordRow {
  const info = ctx.catalog.get(d.type)!;
  assertFilable(d, subject, info, ctx.now);
  const sequence = (ctx.sourceRefs.get(d.sourceOrg) ?? 0) + 1;
  ctx.sourceRefs.set(d.sourceOrg, sequence);
  const sourceRef = `DEMO-${ymdOf(d.decidedAt).y}-${pad(sequence, 6)}`;
  const officer = ctx.rand.weighted(words.SURNAMES) + ctx.rand.pick(words.GIVEN_NAME_CHARS) + ctx.rand.pick(words.GIVEN_NAME_CHARS);
  const details = {
    caseOfficer: officer,
    internalNote: ctx.rand.pick(words.CASE_NOTES),
    sourceSystem: `${ORGANIZATION_BY_CODE.get(d.sourceOrg)!.name}业务系统`,
  };
  const content = {
    subjectCode: subject.code, type: d.type, category: info.category, nature: info.nature, severity: d.severity, title: d.title,
    summary: d.summary, decisionNumber: d.decisionNumber, decidedAt: d.decidedAt, validFrom: d.validFrom, validUntil: d.validUntil,
    legalBasis: d.legalBasis, amount: d.amount, grade: d.grade, groupCode: d.groupCode, disclosure: d.disclosure!, details,
    sourceOrg: d.sourceOrg, sourceRef, status: d.status ?? 'ACTIVE', statusReason: d.statusReason ?? null,
  };
  const createdAt = new Date(Math.min(d.decidedAt.getTime() + ctx.rand.int(1, 72) * HOUR_MS, ctx.now.getTime()));
  const updatedAt = content.status === 'ACTIVE' ? createdAt
    : new Date(createdAt.getTime() + Math.floor(ctx.rand.next() * (ctx.now.getTime() - createdAt.getTime())));
  const { subjectCode: _code, ...columns } = content;
  return {
    ...columns,
    id: deterministicUuid(`demo-record\n${d.sourceOrg}\n${sourceRef}`),
    subjectId,
    contentHash: sha256(JSON.stringify(content)),
    version: 1,
    createdAt,
    updatedAt,
  };
}

function toSubjectRow(s: PlannedSubject, now: Date): typeof subjects.$inferInsert {
  return {
    code: s.code, kind: s.kind, name: s.name, status: s.status, registeredAt: s.registeredAt, address: s.address,
    legalRepresentative: s.legalRepresentative?.name ?? null, legalRepresentativeId: s.legalRepresentative?.code ?? null,
    birthDate: s.birthDate, codeFlagged: false, registeredBy: s.registeredBy, createdAt: now, updatedAt: now,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Entry point

const INSERT_CHUNK = 500;
/** pg_advisory_xact_lock key: two gateway processes starting on one empty database seed it once. */
const SEED_LOCK_KEY = 7_402_200_615;

/**
 * Loads the demo data set if the database has no subjects yet; returns null when it did nothing. Deterministic:
 * same `now` → byte-identical data (seeded PRNG, no Math.random, no new Date()). One transaction, inserts of at most
 * 500 rows. `subjects` (default 600) counts every subject, the five of the cast included.
 */
export async function seedDemo(db: Db, options: { now: Date; subjects?: number }): Promise<DemoSummary | null> {
  const now = new Date(options.now.getTime());
  if (Number.isNaN(now.getTime())) throw new RangeError('seedDemo needs a valid `now`.');
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY})`));
    const existing = await tx.select({ id: subjects.id }).from(subjects).limit(1);
    if (existing.length > 0) return null;

    const catalog = new Map<string, CatalogInfo>(
      (await tx.select().from(catalogTypes)).map((t) => [t.code, { category: t.category, nature: t.nature, loosest: t.loosestDisclosure, repairable: t.repairable }]),
    );
    const groups = new Set((await tx.select({ code: professionalGroups.code }).from(professionalGroups)).map((g) => g.code));
    const today = ymdOf(now);
    const { subjects: planned, cast } = planPopulation(options.subjects ?? 600, today, new Random(POPULATION_SEED));

    const insertedOrganizations = await tx.insert(organizations)
      .values(words.DEMO_ORGANIZATIONS.map((o) => ({ code: o.code, name: o.name, kind: o.kind, status: o.status, createdAt: now, updatedAt: now })))
      .onConflictDoNothing()
      .returning({ code: organizations.code });

    const subjectIds = new Map<string, number>();
    for (const chunk of chunks(planned.map((s) => toSubjectRow(s, now)), INSERT_CHUNK)) {
      for (const row of await tx.insert(subjects).values(chunk).returning({ id: subjects.id, code: subjects.code })) subjectIds.set(row.code, row.id);
    }

    const ctx: RecordContext = {
      now, today, rand: new Random(RECORDS_SEED), catalog, groups,
      sourceRefs: new Map(), documentNumbers: new Map(), taxYears: new Map(),
    };
    const byCode = new Map(planned.map((s) => [s.code, s]));
    const drafts: { subject: PlannedSubject; draft: Draft }[] = castRecords(ctx, cast).map(({ code, draft }) => ({ subject: byCode.get(code)!, draft }));
    for (const subject of planned) {
      if (!subject.cast) for (const draft of generateRecords(ctx, subject)) drafts.push({ subject, draft });
    }
    // every catalog type the generators know has at least one record, whatever the population size
    for (const type of catalog.keys()) {
      if (!GENERATORS[type] || drafts.some((d) => d.draft.type === type)) continue;
      for (const subject of planned.filter((s) => !s.cast || s.code === cast.enterprise || s.code === cast.individual)) {
        const draft = GENERATORS[type]!(ctx, subject);
        if (draft) {
          drafts.push({ subject, draft: varyLifecycle(draft, ctx) });
          break;
        }
      }
    }

    const rows = drafts.map(({ subject, draft }) => toRecordRow(ctx, subject, subjectIds.get(subject.code)!, draft));
    for (const chunk of chunks(rows, INSERT_CHUNK)) await tx.insert(records).values(chunk);

    return {
      organizations: insertedOrganizations.length,
      subjects: planned.length,
      records: rows.length,
      tokensFor: { ...cast, departments: [...cast.departments], agencies: [...cast.agencies], auditOffices: [...cast.auditOffices] },
    };
  });
}
