import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { organizations, records } from '../../src/db/schema/index.js';
import { maskPersonName, maskResidentId } from '../../src/domain/masking.js';
import { createOrganization, createRecord, createSubject, type RecordOverrides, type SubjectFixture } from './factories.js';

/**
 * A small, realistic city for the public credit website's tests (WEB1–WEB3) and its screenshots: four
 * departments with their real-looking names; enterprises with licences, penalties (one disputed, one serious, one
 * minor), list entries, honours and commitments; an adult individual on the dishonest-debtor list; a minor with an
 * entry of their own; and records the public may never see (SHARED, SUBJECT_ONLY, MINOR, WITHDRAWN), each with a
 * title that says so, so that a page showing one is caught by its title. Instants are relative to the test
 * gateway's clock, 2026-06-01.
 */
export const SITE_NOW = new Date('2026-06-01T04:00:00Z');

export interface SiteCast {
  /** the enterprise of the subject-page screenshot: records in every section, a disputed penalty */
  danxia: SubjectFixture;
  /** a second 建材 enterprise, on the serious-dishonesty list */
  wujiang: SubjectFixture;
  nanhua: SubjectFixture;
  shunda: SubjectFixture;
  hospital: SubjectFixture;
  organisations: SubjectFixture[];
  /** an adult on the dishonest-debtor list (D5: public, masked) */
  adult: SubjectFixture & { maskedName: string; maskedCode: string };
  /** a minor on the dishonest-debtor list (D5: nothing public at all) */
  minor: SubjectFixture & { maskedName: string; maskedCode: string };
  /** titles of records no member of the public may see, whatever page shows them */
  hiddenTitles: string[];
  /** the title of the disputed record */
  disputedTitle: string;
}

const DEPARTMENTS: [string, string][] = [
  ['SG-MARKET', '韶关市市场监督管理局'],
  ['SG-COURT', '韶关市中级人民法院'],
  ['SG-TAX', '国家税务总局韶关市税务局'],
  ['SG-HEALTH', '韶关市卫生健康局'],
];

const day = (iso: string) => new Date(`${iso}T02:00:00Z`);

interface RecordSpec extends RecordOverrides {
  title: string;
  summary?: string;
  legalBasis?: string;
  decisionNumber?: string;
  amount?: number;
  disputed?: boolean;
}

export async function seedSiteData(db: Db): Promise<SiteCast> {
  for (const [code, name] of DEPARTMENTS) {
    await createOrganization(db, 'DEPARTMENT', { code });
    await db.update(organizations).set({ name }).where(eq(organizations.code, code));
  }
  let numbered = 0;
  const add = async (subject: SubjectFixture, source: string, spec: RecordSpec): Promise<string> => {
    const { summary, legalBasis, decisionNumber, amount, disputed, ...overrides } = spec;
    const id = await createRecord(db, subject, source, overrides);
    numbered += 1;
    await db.update(records).set({
      summary: summary ?? null,
      legalBasis: legalBasis ?? null,
      decisionNumber: decisionNumber ?? `韶${source === 'SG-COURT' ? '中法执' : '市监'}〔2026〕${100 + numbered}号`,
      amount: amount ?? null,
      disputed: disputed ?? false,
    }).where(eq(records.id, id));
    return id;
  };
  const enterprise = (name: string) => createSubject(db, 'SG-MARKET', 'ENTERPRISE', { name });
  const hiddenTitles: string[] = [];
  const hidden = async (subject: SubjectFixture, source: string, spec: RecordSpec) => {
    hiddenTitles.push(spec.title);
    await add(subject, source, spec);
  };

  const danxia = await enterprise('韶关市丹霞建材有限公司');
  await add(danxia, 'SG-MARKET', {
    type: 'license', title: '建筑材料生产许可证', decidedAt: day('2026-04-20'), validFrom: day('2026-04-20'), validUntil: day('2031-04-19'),
    summary: '准予生产预拌混凝土、水泥制品', legalBasis: '《中华人民共和国行政许可法》第三十八条', decisionNumber: '粤韶建材许〔2026〕0412号',
  });
  await add(danxia, 'SG-MARKET', {
    type: 'license', title: '排污许可证', decidedAt: day('2025-11-03'), validFrom: day('2025-11-03'), validUntil: day('2030-11-02'),
    summary: '准予按许可排放大气污染物', legalBasis: '《排污许可管理条例》第十四条',
  });
  const disputedTitle = '行政处罚：未按规定公示年度报告';
  await add(danxia, 'SG-MARKET', {
    type: 'penalty', severity: 'GENERAL', title: disputedTitle, decidedAt: day('2026-02-10'), amount: 5000, disputed: true,
    summary: '未按规定期限公示2025年度报告，处警告并罚款', legalBasis: '《企业信息公示暂行条例》第十八条',
  });
  await add(danxia, 'SG-MARKET', {
    type: 'penalty', severity: 'SERIOUS', title: '行政处罚：生产销售不合格建材产品', decidedAt: day('2025-09-18'), amount: 215000,
    summary: '生产的蒸压加气混凝土砌块抗压强度不合格，没收违法所得并罚款', legalBasis: '《中华人民共和国产品质量法》第四十九条',
  });
  await add(danxia, 'SG-MARKET', {
    type: 'abnormal-operation', title: '列入经营异常名录：未按规定报送年度报告', decidedAt: day('2025-07-01'),
    summary: '未在规定期限内报送2024年度报告', legalBasis: '《市场主体登记管理条例》第三十五条',
  });
  await add(danxia, 'SG-MARKET', {
    type: 'commitment', title: '信用承诺（证明事项告知承诺制）', decidedAt: day('2026-03-05'),
    summary: '承诺所报材料真实有效，违诺自愿接受失信惩戒',
  });
  await add(danxia, 'SG-MARKET', { type: 'honor', title: '韶关市守合同重信用企业', decidedAt: day('2025-12-01'), validUntil: day('2027-11-30'), summary: '连续两年合同履约良好' });
  // never public: D1 (a MINOR penalty), SHARED and SUBJECT_ONLY types, a withdrawn licence (D4)
  await hidden(danxia, 'SG-MARKET', { type: 'penalty', severity: 'MINOR', title: '【不公示】轻微违法首违不罚', decidedAt: day('2026-05-02') });
  await hidden(danxia, 'SG-TAX', { type: 'tax-rating', title: '【政务共享】2025年度纳税信用等级评价', decidedAt: day('2026-04-01') });
  await hidden(danxia, 'SG-TAX', { type: 'tax-arrears', title: '【政务共享】欠缴税款信息', decidedAt: day('2026-03-01') });
  await hidden(danxia, 'SG-MARKET', { type: 'self-declared', disclosure: 'SUBJECT_ONLY', title: '【不予共享】自主申报财务数据', decidedAt: day('2026-01-20') });
  await hidden(danxia, 'SG-MARKET', { type: 'license', status: 'WITHDRAWN', title: '【已撤销】临时占道许可', decidedAt: day('2026-05-20') });

  const wujiang = await enterprise('乐昌市武江建材有限公司');
  await add(wujiang, 'SG-MARKET', {
    type: 'serious-dishonesty-list', title: '严重失信主体名单：拒不履行行政处罚决定', decidedAt: day('2026-04-08'),
    summary: '有履行能力但拒不履行罚没款缴纳义务', legalBasis: '《市场监督管理严重违法失信名单管理办法》第九条',
  });
  await add(wujiang, 'SG-MARKET', {
    type: 'penalty', severity: 'SERIOUS', title: '行政处罚：使用不合格原材料生产砂浆', decidedAt: day('2026-01-12'), amount: 86000,
    legalBasis: '《建设工程质量管理条例》第五十九条',
  });
  await hidden(wujiang, 'SG-TAX', { type: 'credit-grade', title: '【政务共享】公共信用综合评价等级', decidedAt: day('2026-02-01') });

  const nanhua = await enterprise('韶关市南华食品有限公司');
  await add(nanhua, 'SG-MARKET', {
    type: 'license', title: '食品经营许可证', decidedAt: day('2026-05-12'), validFrom: day('2026-05-12'), validUntil: day('2031-05-11'),
    summary: '预包装食品销售、热食类食品制售', decisionNumber: 'JY24402030012345',
  });
  await add(nanhua, 'SG-MARKET', { type: 'honor', title: '广东省守合同重信用企业', decidedAt: day('2026-03-20'), validUntil: day('2028-03-19') });
  await add(nanhua, 'SG-MARKET', { type: 'commitment', title: '信用承诺（食品安全主体责任）', decidedAt: day('2026-02-14') });
  await hidden(nanhua, 'SG-TAX', { type: 'tax-rating', title: '【政务共享】南华纳税信用A级', decidedAt: day('2026-04-01') });

  const shunda = await enterprise('韶关市曲江区顺达物流有限公司');
  await add(shunda, 'SG-COURT', {
    type: 'dishonest-debtor', title: '失信被执行人：有履行能力而拒不履行生效法律文书', decidedAt: day('2026-03-28'),
    summary: '拒不支付货物运输合同欠款', legalBasis: '《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条',
  });
  await add(shunda, 'SG-MARKET', { type: 'abnormal-operation', title: '列入经营异常名录：通过登记的住所无法联系', decidedAt: day('2026-05-06') });
  await add(shunda, 'SG-MARKET', { type: 'license', title: '道路运输经营许可证', decidedAt: day('2025-10-09'), validUntil: day('2029-10-08') });

  const hospital = await createSubject(db, 'SG-HEALTH', 'PUBLIC_INSTITUTION', { name: '韶关市第一人民医院' });
  await add(hospital, 'SG-HEALTH', { type: 'license', title: '医疗机构执业许可证（校验）', decidedAt: day('2026-05-25'), validUntil: day('2031-05-24') });
  await add(hospital, 'SG-HEALTH', { type: 'penalty', severity: 'GENERAL', title: '行政处罚：医疗废物未分类收集', decidedAt: day('2026-05-18'), amount: 20000 });

  const adultFixture = await createSubject(db, 'SG-COURT', 'INDIVIDUAL', { name: '陈伟明', birthDate: '1984-07-12' });
  await add(adultFixture, 'SG-COURT', {
    type: 'dishonest-debtor', title: '失信被执行人：违反财产报告制度', decidedAt: day('2026-04-16'),
    summary: '未按执行通知履行给付义务并拒绝报告财产', legalBasis: '《中华人民共和国民事诉讼法》第二百六十二条',
  });
  // D5: a penalty is not public for individuals; a judgment is SHARED
  await hidden(adultFixture, 'SG-MARKET', { type: 'penalty', severity: 'GENERAL', title: '【个人不公示】无证经营处罚', decidedAt: day('2026-04-02') });
  await hidden(adultFixture, 'SG-COURT', { type: 'judgment', title: '【政务共享】民事判决书', decidedAt: day('2026-01-09') });

  const minorFixture = await createSubject(db, 'SG-COURT', 'INDIVIDUAL', { name: '林小雨', birthDate: '2012-05-20' });
  await hidden(minorFixture, 'SG-COURT', { type: 'dishonest-debtor', title: '【未成年人】失信被执行人', decidedAt: day('2026-04-30') });
  await hidden(minorFixture, 'SG-COURT', { type: 'qualification', title: '【未成年人】执业资格', decidedAt: day('2026-04-29') });

  const masked = (fixture: SubjectFixture) => ({ ...fixture, maskedName: maskPersonName(fixture.name), maskedCode: maskResidentId(fixture.code) });
  return {
    danxia, wujiang, nanhua, shunda, hospital,
    organisations: [danxia, wujiang, nanhua, shunda, hospital],
    adult: masked(adultFixture),
    minor: masked(minorFixture),
    hiddenTitles,
    disputedTitle,
  };
}
