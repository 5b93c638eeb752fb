/**
 * The record generators of the demo data set: one per catalog type, with its wording, filing department, dates and
 * type-specific fields, and the helpers they share (decision numbers, decision times, blank drafts).
 */
import { ageOn, shanghaiDate } from '../../domain/identifiers.js';
import * as words from './demo-names.js';
import { ORGANIZATION_BY_CODE, REGISTRAR, type Draft, type PlannedSubject, type RecordContext, type Severity } from './model.js';
import { at, daysBetween, shift, shiftInstant, ymdOf, ymdParse, ymdText, type Random } from './random.js';

/** A decision number (文书号) in the style of the filing department. */
export function documentNumber(ctx: RecordContext, org: string, decidedAt: Date, word: string): string {
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

export function blank(type: string, sourceOrg: string, decidedAt: Date): Draft {
  return {
    type, sourceOrg, title: '', summary: null, decisionNumber: null, decidedAt, validFrom: decidedAt, validUntil: null,
    severity: null, legalBasis: null, amount: null, grade: null, groupCode: null,
  };
}

export type Generator = (ctx: RecordContext, subject: PlannedSubject) => Draft | null;

/** One generator per catalog type: wording, filing department, dates and type-specific fields. */
export const GENERATORS: Record<string, Generator> = {
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
