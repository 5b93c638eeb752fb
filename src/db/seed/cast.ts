/**
 * The fixed cast of the demo data set (DEMO_CAST): the organisations and the five subjects whose codes the README
 * and the start banner print, and their records — every state the demos need, several just inside or just outside
 * a window relative to `now`.
 */
import { ageOn, residentIdCheckChar, usccCheckChar } from '../../domain/identifiers.js';
import * as words from './demo-names.js';
import type { Draft, Person, PlannedSubject, RecordContext, Severity } from './model.js';
import { at, HOUR_MS, pad, shift, shiftInstant, ymdParse, ymdText, type Ymd } from './random.js';
import { blank, documentNumber } from './records.js';

export interface DemoCast {
  departments: string[];
  agencies: string[];
  auditOffices: string[];
  /** §12: the provincial platform the city exchanges with */
  peerPlatforms: string[];
  /** a department whose status is SUSPENDED: its tokens are refused (demos of §10.2) */
  suspendedDepartment: string;
  enterprise: string;
  individual: string;
  minor: string;
  publicInstitution: string;
  socialOrganization: string;
}

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
  peerPlatforms: words.DEMO_ORGANIZATIONS.filter((o) => o.kind === 'PEER_PLATFORM').map((o) => o.code),
  suspendedDepartment: 'SG-SUSPENDED',
  enterprise: uscc('91440203MA4UQ8R2X'),
  individual: residentId('44020319840712035'),
  minor: residentId(`${MINOR_AREA}${MINOR_BIRTH_DATE.replaceAll('-', '')}${MINOR_SEQUENCE}`),
  publicInstitution: uscc('12440200455800317'),
  socialOrganization: uscc('51440200MJ4A73529'),
});

/** The minor of the cast: born MINOR_BIRTH_DATE while that makes them 10–17 at `now`; otherwise (a clock after
 *  2029-03-14, or before 2021) someone born 15 years before `now`, so that there is always exactly one minor. */
function castMinor(today: Ymd): { code: string; birthDate: string } {
  const age = ageOn(MINOR_BIRTH_DATE, ymdText(today));
  if (age >= 10 && age < 18) return { code: DEMO_CAST.minor, birthDate: MINOR_BIRTH_DATE };
  const birth = shift(today, { years: -15, months: -2 });
  const first17 = `${MINOR_AREA}${pad(birth.y, 4)}${pad(birth.m)}${pad(birth.d)}${MINOR_SEQUENCE}`;
  return { code: residentId(first17), birthDate: ymdText(birth) };
}

/** Adds the five subjects of the cast to `pop`; the cast with the minor valid at `today`. */
export function planCast(pop: { add(subject: PlannedSubject): void }, today: Ymd): DemoCast {
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

/** Every state the demos need; several records sit just inside or just outside a window (relative to `now`). */
export function castRecords(ctx: RecordContext, cast: DemoCast): { code: string; draft: Draft }[] {
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
