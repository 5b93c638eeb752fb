import { D, REGISTRAR } from './organizations.js';
import { ENTERPRISE, INDIVIDUAL, KINDS, PUBLIC_INSTITUTION, SOCIAL_ORGANIZATION } from './plan.js';
import * as words from './record-words.js';
import type { RecordContext } from './records.js';
import { Weighted } from './rng.js';
import type { CitySubject } from './subjects.js';
import { addMonths, addYears, DAY_MS, instantAt, localDayOf, yearOfDay } from './time.js';

/**
 * One generator per catalog type of SPEC §3: wording, filing department, dates and windows (D1/D2), severity for
 * negative types, amounts, grades, professional groups, and a few type-specific `details` keys. Adapted from the
 * demo's generators (src/db/seed/records.ts) for 30 departments and a million subjects.
 */
export interface Draft {
  type: string;
  sourceOrg: string;
  title: string;
  summary: string | null;
  decisionNumber: string | null;
  /** epoch milliseconds */
  decidedAt: number;
  validFrom: number | null;
  validUntil: number | null;
  severity: 'MINOR' | 'GENERAL' | 'SERIOUS' | null;
  legalBasis: string | null;
  amount: number | null;
  grade: string | null;
  groupCode: string | null;
  /** extra JSON members, each starting with ',' */
  details: string | null;
}

type DraftFn = (ctx: RecordContext, s: CitySubject, option?: boolean | Set<number>) => Draft | null;

function blank(type: string, sourceOrg: string, decidedAt: number): Draft {
  return {
    type, sourceOrg, title: '', summary: null, decisionNumber: null, decidedAt, validFrom: decidedAt, validUntil: null, severity: null,
    legalBasis: null, amount: null, grade: null, groupCode: null, details: null,
  };
}

const amount = (ctx: RecordContext, min: number, max: number, step: number): number =>
  Math.max(min, Math.round((min + ctx.rng.next() * (max - min)) / step) * step);

function severity(ctx: RecordContext, minor: number, general: number, serious: number): 'MINOR' | 'GENERAL' | 'SERIOUS' {
  const r = ctx.rng.next() * (minor + general + serious);
  return r < minor ? 'MINOR' : r < minor + general ? 'GENERAL' : 'SERIOUS';
}

const PENALTIES = {
  INDIVIDUAL: new Weighted(words.PENALTY_CAUSES.filter((c) => c.forIndividuals).map((c) => [c, c.weight] as const)),
  ENTERPRISE: new Weighted(words.PENALTY_CAUSES.filter((c) => c.source !== D.CIVIL && c.source !== D.JUSTICE).map((c) => [c, c.weight] as const)),
  PUBLIC_INSTITUTION: new Weighted(words.PENALTY_CAUSES.filter((c) => words.PENALTY_SOURCES_FOR.PUBLIC_INSTITUTION.includes(c.source) && c.source !== D.CIVIL).map((c) => [c, c.weight] as const)),
  SOCIAL_ORGANIZATION: new Weighted(words.PENALTY_CAUSES.filter((c) => words.PENALTY_SOURCES_FOR.SOCIAL_ORGANIZATION.includes(c.source) && c.source !== D.JUSTICE).map((c) => [c, c.weight] as const)),
};
const LICENCES = {
  INDIVIDUAL: words.LICENCES.filter((l) => l.forIndividuals),
  ENTERPRISE: words.LICENCES,
  PUBLIC_INSTITUTION: words.LICENCES.filter((l) => l.forInstitutions),
  SOCIAL_ORGANIZATION: words.LICENCES.filter((l) => l.forInstitutions),
};
const HONORS = Object.fromEntries(KINDS.map((k) => [k, words.HONORS.filter((h) => h.kinds.includes(k))]));
const MINOR_HONORS = words.HONORS.filter((h) => h.title === '见义勇为先进个人' || h.title === '韶关市优秀志愿者');
const SERIOUS_CAUSES = { INDIVIDUAL: words.SERIOUS_DISHONESTY_CAUSES.filter((c) => c.forIndividuals), OTHERS: words.SERIOUS_DISHONESTY_CAUSES };
const QUALIFICATION_TITLES = new Map(words.QUALIFICATIONS.map((q) => [q.group, q.title]));

const unit = (s: CitySubject) => (s.kind === INDIVIDUAL ? '当事人' : '当事单位');

export const draftByType: Record<string, DraftFn> = {
  registration(ctx, s, first) {
    const source = REGISTRAR[KINDS[s.kind]!];
    const founding = first === true;
    const decidedAt = founding ? instantAt(s.registeredDay!, 10) : ctx.decisionTime(s);
    const d = blank('registration', source, decidedAt);
    if (founding) {
      d.title = s.kind === ENTERPRISE ? ({ '92': '个体工商户注册登记', '93': '农民专业合作社设立登记' }[s.prefix] ?? '企业设立登记')
        : s.kind === PUBLIC_INSTITUTION ? '事业单位法人登记' : '社会组织成立登记';
      const capital = s.kind === ENTERPRISE ? `；注册资本：${amount(ctx, 10, 5000, 10)}万元人民币` : '';
      d.summary = `名称：${s.name}；住所：${s.address ?? ''}；法定代表人：${s.legalRepresentative ?? ''}${capital}`;
    } else {
      const change = ctx.rng.pick(words.REGISTRATION_CHANGES);
      d.title = `${change}变更登记`;
      d.summary = `准予${change}变更登记。`;
    }
    d.decisionNumber = ctx.documentNumber(source, d.decidedAt, '登');
    d.legalBasis = s.kind === ENTERPRISE ? '《中华人民共和国市场主体登记管理条例》' : s.kind === PUBLIC_INSTITUTION ? '《事业单位登记管理暂行条例》' : '《社会团体登记管理条例》';
    return d;
  },

  penalty(ctx, s) {
    const cause = PENALTIES[KINDS[s.kind]!].draw(ctx.rng);
    const d = blank('penalty', cause.source, ctx.decisionTime(s));
    d.validFrom = null;
    d.severity = severity(ctx, 3, 5.5, 1.5);
    d.amount = d.severity === 'MINOR' ? (ctx.rng.chance(0.5) ? null : amount(ctx, 200, 2000, 100))
      : d.severity === 'GENERAL' ? amount(ctx, 2000, 50000, 100) : amount(ctx, 50000, 500000, 1000);
    d.title = `行政处罚：${cause.violation}`;
    d.summary = `${unit(s)}${cause.violation}，依据${cause.legalBasis}，${d.amount === null ? '予以警告' : `处罚款人民币${d.amount}元`}。`;
    d.legalBasis = cause.legalBasis;
    d.decisionNumber = ctx.documentNumber(cause.source, d.decidedAt, '罚决字');
    d.details = `,"inspectors":["执法证${ctx.rng.int(10000, 99999)}","执法证${ctx.rng.int(10000, 99999)}"]`;
    return d;
  },

  'dishonest-debtor'(ctx, s) {
    const d = blank('dishonest-debtor', D.COURT, ctx.decisionTime(s));
    if (s.birthDay !== null && localDayOf(d.decidedAt) < s.birthDay + 18 * 365 + 5) return null; // W3: never about a minor
    d.severity = severity(ctx, 0, 4, 6);
    d.amount = amount(ctx, 10000, 2000000, 100);
    d.title = '失信被执行人';
    d.summary = `${ctx.rng.pick(['有履行能力而拒不履行生效法律文书确定义务', '违反限制消费令', '以隐匿、转移财产等方法规避执行'])}，执行标的${d.amount}元。`;
    const r = ctx.rng.next();
    d.validUntil = r < 0.5 ? null : r < 0.8 ? addYears(d.decidedAt, 2) : addYears(d.decidedAt, 3);
    d.legalBasis = '《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条';
    d.decisionNumber = ctx.documentNumber(D.COURT, d.decidedAt, '执');
    d.details = `,"executionCase":"${d.decisionNumber}"`;
    return d;
  },

  judgment(ctx, s) {
    const d = blank('judgment', D.COURT, ctx.decisionTime(s));
    const cause = ctx.rng.pick(words.JUDGMENT_CAUSES);
    d.severity = severity(ctx, 3, 6, 1);
    d.amount = amount(ctx, 5000, 3000000, 100);
    d.title = `民事判决书（${cause}）`;
    d.summary = `${cause}一案，判决${s.kind === INDIVIDUAL ? '被告' : '被告单位'}支付${d.amount}元及利息。`;
    d.legalBasis = '《中华人民共和国民法典》';
    d.decisionNumber = ctx.documentNumber(D.COURT, d.decidedAt, ctx.rng.chance(0.7) ? '民初' : '民终');
    return d;
  },

  license(ctx, s) {
    const licence = ctx.rng.pick(LICENCES[KINDS[s.kind]!]);
    const d = blank('license', licence.source, ctx.decisionTime(s));
    d.validFrom = d.decidedAt + ctx.rng.int(0, 10) * DAY_MS;
    d.validUntil = licence.years === null ? null : addYears(d.validFrom, licence.years);
    d.title = licence.title;
    d.summary = `准予行政许可：${licence.title}${licence.years === null ? '，长期有效' : `，有效期${licence.years}年`}。`;
    d.legalBasis = '《中华人民共和国行政许可法》';
    d.decisionNumber = ctx.documentNumber(licence.source, d.decidedAt, '许');
    d.details = `,"licenceNo":"${ctx.rng.int(100000, 999999)}${ctx.rng.int(100000, 999999)}"`;
    return d;
  },

  qualification(ctx, s) {
    if (s.kind !== INDIVIDUAL || s.primaryGroup === null && ctx.rng.chance(0.5)) return null;
    const group = s.primaryGroup !== null && ctx.rng.chance(0.7) ? s.primaryGroup : ctx.rng.pick(ctx.groups).code;
    const nameZh = ctx.groups.find((g) => g.code === group)?.nameZh ?? group;
    const source = words.GROUP_SOURCE[group] ?? D.HRSS;
    const d = blank('qualification', source, ctx.decisionTime(s));
    d.groupCode = group;
    d.validUntil = ctx.rng.chance(0.4) ? null : addYears(d.decidedAt, 5);
    d.title = QUALIFICATION_TITLES.get(group) ?? `${nameZh}执业资格证书`;
    d.summary = `取得${d.title}，证书状态：${d.validUntil ? '定期注册' : '长期有效'}。`;
    d.legalBasis = '重点职业人群信用记录管理办法';
    d.decisionNumber = ctx.documentNumber(source, d.decidedAt, '证');
    return d;
  },

  'abnormal-operation'(ctx, s) {
    if (s.kind === INDIVIDUAL || s.kind === PUBLIC_INSTITUTION) return null;
    const source = s.kind === SOCIAL_ORGANIZATION ? D.CIVIL : D.MARKET;
    const d = blank('abnormal-operation', source, ctx.decisionTime(s));
    d.severity = severity(ctx, 3, 7, 0);
    d.title = s.kind === SOCIAL_ORGANIZATION ? '列入活动异常名录' : '列入经营异常名录';
    d.summary = `列入事由：${ctx.rng.pick(words.ABNORMAL_OPERATION_CAUSES)}。`;
    d.validUntil = ctx.rng.chance(0.4) ? addMonths(d.decidedAt, ctx.rng.int(2, 18)) : null;
    d.legalBasis = '《企业信息公示暂行条例》第十七条';
    d.decisionNumber = ctx.documentNumber(source, d.decidedAt, '异');
    return d;
  },

  'serious-dishonesty-list'(ctx, s) {
    const cause = ctx.rng.pick(s.kind === INDIVIDUAL ? SERIOUS_CAUSES.INDIVIDUAL : SERIOUS_CAUSES.OTHERS);
    const d = blank('serious-dishonesty-list', cause.source, ctx.decisionTime(s));
    if (s.birthDay !== null && localDayOf(d.decidedAt) < s.birthDay + 18 * 365 + 5) return null;
    d.severity = 'SERIOUS';
    d.title = '列入严重失信主体名单';
    d.summary = `列入事由：${cause.cause}。`;
    d.validUntil = ctx.rng.chance(0.5) ? null : addYears(d.decidedAt, ctx.rng.int(1, 3));
    d.legalBasis = '严重失信主体名单认定办法';
    d.decisionNumber = ctx.documentNumber(cause.source, d.decidedAt, '失信');
    return d;
  },

  'contract-performance'(ctx, s) {
    const kinds = words.CONTRACT_KINDS.filter((k) => (s.kind === INDIVIDUAL) === (k.forIndividuals === true));
    const kind = ctx.rng.pick(kinds);
    const d = blank('contract-performance', kind.source, ctx.decisionTime(s));
    d.amount = s.kind === INDIVIDUAL ? amount(ctx, 100000, 1200000, 1000) : amount(ctx, 50000, 5000000, 1000);
    d.validUntil = addMonths(d.decidedAt, ctx.rng.int(6, 24));
    d.title = kind.title;
    d.summary = `合同金额${d.amount}元，履约情况：${ctx.rng.pick(['按期履约', '按期履约', '按期履约', '履约中', '履约中', '逾期履约，已整改'])}。`;
    d.legalBasis = '《中华人民共和国民法典》合同编';
    d.decisionNumber = ctx.documentNumber(kind.source, d.decidedAt, '合');
    return d;
  },

  commitment(ctx, s) {
    const kind = ctx.rng.pick(words.COMMITMENT_KINDS);
    const d = blank('commitment', kind.source, ctx.decisionTime(s));
    d.validUntil = addYears(d.decidedAt, 1);
    d.title = kind.title;
    d.summary = `承诺所提交材料真实、合法、有效，如有违反自愿接受约束和惩戒。履约状态：${ctx.rng.chance(0.7) ? '已履约' : '履约中'}。`;
    d.legalBasis = '信用承诺制度实施指引';
    return d;
  },

  'tax-rating'(ctx, s, used) {
    if (s.kind === INDIVIDUAL) return null;
    const taken = used as Set<number>;
    const registeredYear = s.registeredDay !== null ? yearOfDay(s.registeredDay) : 0;
    const anchorYear = yearOfDay(ctx.anchorDay);
    const years: number[] = [];
    for (let y = anchorYear - 7; y <= anchorYear; y++) {
      if (y > registeredYear && !taken.has(y) && instantAt(Date.UTC(y, 3, 28) / DAY_MS, 18) < ctx.anchor) years.push(y);
    }
    if (years.length === 0) return null;
    const year = ctx.rng.pick(years);
    taken.add(year);
    const d = blank('tax-rating', D.TAX, instantAt(Date.UTC(year, 3, ctx.rng.int(8, 27)) / DAY_MS, ctx.rng.int(9, 17), ctx.rng.int(0, 59)));
    const r = ctx.rng.next();
    d.grade = r < 0.25 ? 'A' : r < 0.65 ? 'B' : r < 0.85 ? 'M' : r < 0.95 ? 'C' : 'D';
    d.validUntil = addYears(d.decidedAt, 1);
    d.title = `${year - 1}年度纳税信用等级评价`;
    d.summary = `${year - 1}年度纳税信用评价结果：${d.grade}级。`;
    d.legalBasis = '《纳税信用管理办法（试行）》';
    d.decisionNumber = ctx.documentNumber(D.TAX, d.decidedAt, '评');
    d.details = `,"score":${ctx.rng.int(40, 100)}`;
    return d;
  },

  'credit-grade'(ctx, s) {
    const scheme = ctx.rng.pick(words.CREDIT_GRADE_SCHEMES[KINDS[s.kind]!]!);
    const d = blank('credit-grade', scheme.source, ctx.decisionTime(s));
    d.grade = ctx.rng.pick(scheme.grades);
    d.validUntil = addYears(d.decidedAt, 2);
    d.title = scheme.title;
    d.summary = `评价结果：${d.grade}。`;
    d.legalBasis = '行业信用评价办法';
    d.decisionNumber = ctx.documentNumber(scheme.source, d.decidedAt, '评');
    return d;
  },

  honor(ctx, s) {
    const minor = s.birthDay !== null && s.birthDay > ctx.anchorDay - 18 * 365;
    const honor = ctx.rng.pick(minor ? MINOR_HONORS : HONORS[KINDS[s.kind]!]!);
    const d = blank('honor', honor.source, ctx.decisionTime(s));
    d.validUntil = ctx.rng.chance(0.6) ? addYears(d.decidedAt, 2) : null;
    d.title = honor.title;
    d.summary = `经评审，授予“${honor.title}”称号。`;
    d.legalBasis = '守信联合激励措施';
    d.decisionNumber = ctx.documentNumber(honor.source, d.decidedAt, '表');
    return d;
  },

  'self-declared'(ctx, s) {
    const topic = ctx.rng.pick(words.SELF_DECLARED_TOPICS);
    const d = blank('self-declared', D.DRC, ctx.decisionTime(s));
    d.validUntil = ctx.rng.chance(0.5) ? addYears(d.decidedAt, 1) : null;
    d.title = `自主申报：${topic}`;
    d.summary = `信用主体通过“信用韶关”网站自主申报的${topic}，经核验后归集。`;
    return d;
  },

  'social-insurance-arrears'(ctx, s) {
    const medical = ctx.rng.chance(0.3);
    const source = medical ? D.MEDICAL_INSURANCE : D.HRSS;
    const d = blank('social-insurance-arrears', source, ctx.decisionTime(s));
    d.amount = amount(ctx, 3000, 300000, 10);
    d.severity = d.amount < 20000 ? 'MINOR' : d.amount < 100000 ? 'GENERAL' : 'SERIOUS';
    d.title = medical ? '欠缴医疗保险费' : '欠缴社会保险费';
    d.summary = `欠缴${ctx.rng.int(2, 18)}个月${medical ? '职工基本医疗保险费' : '职工基本养老保险费'}${d.amount}元。`;
    d.validUntil = ctx.rng.chance(0.4) ? addMonths(d.decidedAt, ctx.rng.int(1, 12)) : null;
    d.legalBasis = '《中华人民共和国社会保险法》第八十六条';
    d.decisionNumber = ctx.documentNumber(source, d.decidedAt, '社保催');
    return d;
  },

  'tax-arrears'(ctx, s) {
    const d = blank('tax-arrears', D.TAX, ctx.decisionTime(s));
    d.amount = amount(ctx, 1000, 800000, 10);
    d.severity = d.amount < 20000 ? 'MINOR' : d.amount < 200000 ? 'GENERAL' : 'SERIOUS';
    d.title = '欠税公告';
    d.summary = `欠缴${ctx.rng.pick(words.TAXES)}${d.amount}元。`;
    d.validUntil = ctx.rng.chance(0.4) ? addMonths(d.decidedAt, ctx.rng.int(1, 12)) : null;
    d.legalBasis = '《中华人民共和国税收征收管理法》第四十五条';
    d.decisionNumber = ctx.documentNumber(D.TAX, d.decidedAt, '欠税');
    return d;
  },

  'ip-infringement'(ctx, s) {
    const d = blank('ip-infringement', D.MARKET, ctx.decisionTime(s));
    const what = ctx.rng.pick(words.IP_INFRINGEMENTS);
    d.severity = severity(ctx, 0, 7, 3);
    d.amount = amount(ctx, 5000, 300000, 100);
    d.title = `知识产权侵权：${what}`;
    d.summary = `${what}，责令停止侵权并处罚款${d.amount}元。`;
    d.legalBasis = '《中华人民共和国商标法》第六十条；《中华人民共和国专利法》第六十八条';
    d.decisionNumber = ctx.documentNumber(D.MARKET, d.decidedAt, '知罚');
    return d;
  },
};
