/**
 * The wording of city records per catalog type, and which department files what. Data only.
 */
import { D } from './organizations.js';

export {
  ABNORMAL_OPERATION_CAUSES, CASE_NOTES, IP_INFRINGEMENTS, JUDGMENT_CAUSES, QUALIFICATIONS, REPAIR_REASONS, SELF_DECLARED_TOPICS,
  WITHDRAWAL_REASONS,
} from '../../src/db/seed/demo-names.js';

/** Relative weight of each catalog type per kind of subject (types missing from the catalog are skipped). */
export const TYPE_WEIGHTS: Record<'ENTERPRISE' | 'ADULT' | 'MINOR' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION', Record<string, number>> = {
  ENTERPRISE: {
    registration: 0.3, license: 2, penalty: 2, 'abnormal-operation': 0.5, 'dishonest-debtor': 0.4, judgment: 0.8,
    'serious-dishonesty-list': 0.15, 'contract-performance': 1, commitment: 1, 'tax-rating': 1, 'credit-grade': 0.6, honor: 0.5,
    'self-declared': 0.5, 'social-insurance-arrears': 0.4, 'tax-arrears': 0.4, 'ip-infringement': 0.2,
  },
  ADULT: {
    qualification: 2, penalty: 0.6, 'dishonest-debtor': 0.5, judgment: 0.6, 'serious-dishonesty-list': 0.15, commitment: 0.5,
    honor: 0.4, 'self-declared': 0.3, 'tax-arrears': 0.2, 'social-insurance-arrears': 0.1, 'credit-grade': 0.2, license: 0.3,
    'ip-infringement': 0.05, 'contract-performance': 0.1,
  },
  MINOR: { honor: 1, 'self-declared': 0.6, commitment: 0.3 },
  PUBLIC_INSTITUTION: {
    registration: 0.2, license: 1.5, penalty: 0.6, judgment: 0.4, 'contract-performance': 1, commitment: 1, honor: 0.8,
    'self-declared': 0.5, 'social-insurance-arrears': 0.2, 'credit-grade': 0.3, 'tax-rating': 0.3, 'tax-arrears': 0.1,
    'dishonest-debtor': 0.1,
  },
  SOCIAL_ORGANIZATION: {
    registration: 0.2, license: 0.5, penalty: 0.6, 'abnormal-operation': 0.4, commitment: 1, honor: 0.6, 'self-declared': 0.6,
    'credit-grade': 0.8, 'serious-dishonesty-list': 0.1, 'social-insurance-arrears': 0.1, 'contract-performance': 0.3,
    'tax-rating': 0.2, judgment: 0.2,
  },
};

export interface PenaltyCause { source: string; violation: string; legalBasis: string; weight: number; forIndividuals?: boolean }

/** Administrative penalties: the filing department, the violation, the statute, and how common it is. */
export const PENALTY_CAUSES: readonly PenaltyCause[] = [
  { source: D.MARKET, weight: 8, violation: '销售不符合保障人体健康和人身、财产安全的国家标准的产品', legalBasis: '《中华人民共和国产品质量法》第四十九条' },
  { source: D.MARKET, weight: 8, violation: '未按规定明码标价', legalBasis: '《中华人民共和国价格法》第四十二条' },
  { source: D.MARKET, weight: 5, violation: '发布虚假广告', legalBasis: '《中华人民共和国广告法》第五十五条' },
  { source: D.MARKET, weight: 6, violation: '未取得食品经营许可从事食品经营活动', legalBasis: '《中华人民共和国食品安全法》第一百二十二条', forIndividuals: true },
  { source: D.MARKET, weight: 5, violation: '经营超过保质期的食品', legalBasis: '《中华人民共和国食品安全法》第一百二十四条', forIndividuals: true },
  { source: D.TAX, weight: 6, violation: '未按照规定期限办理纳税申报和报送纳税资料', legalBasis: '《中华人民共和国税收征收管理法》第六十二条', forIndividuals: true },
  { source: D.TAX, weight: 4, violation: '未按规定开具发票', legalBasis: '《中华人民共和国发票管理办法》第三十五条' },
  { source: D.HRSS, weight: 3, violation: '未按规定支付劳动者工资', legalBasis: '《劳动保障监察条例》第二十六条' },
  { source: D.HRSS, weight: 2, violation: '违法延长劳动者工作时间', legalBasis: '《劳动保障监察条例》第二十五条' },
  { source: D.HEALTH, weight: 2.5, violation: '医疗废物管理不符合规定', legalBasis: '《医疗废物管理条例》第四十六条' },
  { source: D.HEALTH, weight: 2.5, violation: '超出登记的诊疗科目范围开展诊疗活动', legalBasis: '《医疗机构管理条例》第四十六条', forIndividuals: true },
  { source: D.CIVIL, weight: 1, violation: '未按规定接受年度检查', legalBasis: '《社会团体登记管理条例》第三十条' },
  { source: D.EDU, weight: 1, violation: '违规举办校外培训', legalBasis: '《中华人民共和国民办教育促进法》第六十四条' },
  { source: D.JUSTICE, weight: 0.5, violation: '违反律师执业规范', legalBasis: '《中华人民共和国律师法》第四十七条', forIndividuals: true },
  { source: D.ECOLOGY, weight: 4, violation: '超过污染物排放标准排放大气污染物', legalBasis: '《中华人民共和国大气污染防治法》第九十九条' },
  { source: D.ECOLOGY, weight: 4, violation: '未依法取得排污许可证排放污染物', legalBasis: '《排污许可管理条例》第三十三条' },
  { source: D.HOUSING, weight: 4, violation: '未取得施工许可证擅自施工', legalBasis: '《中华人民共和国建筑法》第六十四条' },
  { source: D.HOUSING, weight: 4, violation: '建设工程质量不符合工程建设强制性标准', legalBasis: '《建设工程质量管理条例》第六十四条' },
  { source: D.TRANSPORT, weight: 3.5, violation: '未取得道路运输经营许可擅自从事道路运输经营', legalBasis: '《中华人民共和国道路运输条例》第六十三条', forIndividuals: true },
  { source: D.TRANSPORT, weight: 3.5, violation: '货运车辆超限运输', legalBasis: '《公路安全保护条例》第六十六条', forIndividuals: true },
  { source: D.EMERGENCY, weight: 3, violation: '未按规定对从业人员进行安全生产教育和培训', legalBasis: '《中华人民共和国安全生产法》第九十七条' },
  { source: D.EMERGENCY, weight: 3, violation: '未建立事故隐患排查治理制度', legalBasis: '《中华人民共和国安全生产法》第一百零一条' },
  { source: D.LAND, weight: 1.5, violation: '非法占用土地', legalBasis: '《中华人民共和国土地管理法》第七十七条', forIndividuals: true },
  { source: D.LAND, weight: 1.5, violation: '未取得采矿许可证擅自采矿', legalBasis: '《中华人民共和国矿产资源法》第三十九条' },
  { source: D.WATER, weight: 2, violation: '未经批准擅自取水', legalBasis: '《中华人民共和国水法》第六十九条' },
  { source: D.CULTURE, weight: 1.5, violation: '旅行社未与旅游者签订旅游合同', legalBasis: '《中华人民共和国旅游法》第一百条' },
  { source: D.CULTURE, weight: 1.5, violation: '未经批准擅自从事营业性演出', legalBasis: '《营业性演出管理条例》第四十三条' },
  { source: D.POLICE, weight: 3, violation: '旅馆未按规定登记旅客住宿信息', legalBasis: '《旅馆业治安管理办法》第十五条' },
  { source: D.MEDICAL_INSURANCE, weight: 2, violation: '骗取医疗保障基金支出', legalBasis: '《医疗保障基金使用监督管理条例》第四十条', forIndividuals: true },
  { source: D.FORESTRY, weight: 2, violation: '滥伐林木', legalBasis: '《中华人民共和国森林法》第七十六条', forIndividuals: true },
  { source: D.URBAN, weight: 2.5, violation: '擅自占用城市道路', legalBasis: '《城市道路管理条例》第四十二条', forIndividuals: true },
  { source: D.URBAN, weight: 2.5, violation: '违规倾倒建筑垃圾', legalBasis: '《城市市容和环境卫生管理条例》第三十六条' },
  { source: D.STATISTICS, weight: 1, violation: '拒绝提供统计资料', legalBasis: '《中华人民共和国统计法》第四十一条' },
  { source: D.FIRE, weight: 2.5, violation: '消防设施、器材未保持完好有效', legalBasis: '《中华人民共和国消防法》第六十条' },
  { source: D.FIRE, weight: 2.5, violation: '占用、堵塞、封闭疏散通道、安全出口', legalBasis: '《中华人民共和国消防法》第六十条' },
  { source: D.AGRICULTURE, weight: 2, violation: '经营假农药', legalBasis: '《农药管理条例》第五十五条', forIndividuals: true },
  { source: D.COMMERCE, weight: 1, violation: '单用途商业预付卡未按规定备案', legalBasis: '《单用途商业预付卡管理办法（试行）》第三十六条' },
  { source: D.FINANCE, weight: 1, violation: '政府采购供应商提供虚假材料谋取中标', legalBasis: '《中华人民共和国政府采购法》第七十七条' },
  { source: D.INDUSTRY, weight: 1, violation: '固定资产投资项目未按规定进行节能审查', legalBasis: '《中华人民共和国节约能源法》第六十八条' },
  { source: D.HOUSING_FUND, weight: 1, violation: '未按规定办理住房公积金缴存登记', legalBasis: '《住房公积金管理条例》第三十七条' },
  { source: D.CUSTOMS, weight: 1, violation: '进出口货物申报不实', legalBasis: '《中华人民共和国海关行政处罚实施条例》第十五条' },
  { source: D.WEATHER, weight: 0.3, violation: '未经批准施放气球', legalBasis: '《施放气球管理办法》第二十七条' },
];

/** Which penalty departments act on organisations other than enterprises. */
export const PENALTY_SOURCES_FOR: Record<'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION', readonly string[]> = {
  PUBLIC_INSTITUTION: [D.HEALTH, D.HRSS, D.TAX, D.EDU, D.FIRE, D.ECOLOGY],
  SOCIAL_ORGANIZATION: [D.CIVIL, D.TAX, D.HRSS, D.FIRE],
};

export interface LicenceKind { title: string; source: string; years: number | null; forIndividuals?: boolean; forInstitutions?: boolean }

export const LICENCES: readonly LicenceKind[] = [
  { title: '食品经营许可证', source: D.MARKET, years: 5, forIndividuals: true },
  { title: '工业产品生产许可证', source: D.MARKET, years: 5 },
  { title: '特种设备使用登记证', source: D.MARKET, years: null, forInstitutions: true },
  { title: '药品经营许可证', source: D.MARKET, years: 5 },
  { title: '医疗器械经营许可证', source: D.MARKET, years: 5 },
  { title: '医疗机构执业许可证', source: D.HEALTH, years: 5, forInstitutions: true },
  { title: '放射诊疗许可证', source: D.HEALTH, years: 4, forInstitutions: true },
  { title: '公共场所卫生许可证', source: D.HEALTH, years: 4, forIndividuals: true, forInstitutions: true },
  { title: '劳务派遣经营许可证', source: D.HRSS, years: 3 },
  { title: '人力资源服务许可证', source: D.HRSS, years: 5 },
  { title: '民办学校办学许可证', source: D.EDU, years: 5, forInstitutions: true },
  { title: '排污许可证', source: D.ECOLOGY, years: 5, forInstitutions: true },
  { title: '建筑业企业资质证书', source: D.HOUSING, years: 5 },
  { title: '燃气经营许可证', source: D.HOUSING, years: 3 },
  { title: '道路运输经营许可证', source: D.TRANSPORT, years: 4, forIndividuals: true },
  { title: '安全生产许可证', source: D.EMERGENCY, years: 3 },
  { title: '危险化学品经营许可证', source: D.EMERGENCY, years: 3 },
  { title: '采矿许可证', source: D.LAND, years: 10 },
  { title: '取水许可证', source: D.WATER, years: 5, forInstitutions: true },
  { title: '旅行社业务经营许可证', source: D.CULTURE, years: null },
  { title: '娱乐场所经营许可证', source: D.CULTURE, years: 2 },
  { title: '林木采伐许可证', source: D.FORESTRY, years: 1, forIndividuals: true },
  { title: '农药经营许可证', source: D.AGRICULTURE, years: 5 },
  { title: '城市建筑垃圾处置核准', source: D.URBAN, years: 2 },
  { title: '公众聚集场所投入使用、营业前消防安全检查合格证', source: D.FIRE, years: null, forInstitutions: true },
  { title: '对外贸易经营者备案登记', source: D.COMMERCE, years: null },
  { title: '报关单位备案', source: D.CUSTOMS, years: null },
  { title: '雷电防护装置检测资质证', source: D.WEATHER, years: 5 },
];

export const CONTRACT_KINDS: readonly { title: string; source: string; forIndividuals?: boolean }[] = [
  { title: '政府采购合同履约', source: D.FINANCE },
  { title: '政府投资项目建设工程合同履约', source: D.DRC },
  { title: '公共卫生服务采购合同履约', source: D.HEALTH },
  { title: '职业技能培训服务合同履约', source: D.HRSS },
  { title: '市政工程施工合同履约', source: D.HOUSING },
  { title: '公路养护工程合同履约', source: D.TRANSPORT },
  { title: '住房公积金贷款合同履约', source: D.HOUSING_FUND, forIndividuals: true },
];

export const COMMITMENT_KINDS: readonly { title: string; source: string }[] = [
  { title: '信用承诺（行政审批告知承诺制）', source: D.MARKET },
  { title: '信用承诺（证明事项告知承诺制）', source: D.DRC },
  { title: '信用承诺（申请财政资金）', source: D.FINANCE },
  { title: '信用承诺（信用修复）', source: D.DRC },
  { title: '信用承诺（社会保险待遇领取）', source: D.HRSS },
  { title: '信用承诺（工程建设项目审批）', source: D.HOUSING },
  { title: '信用承诺（环境影响评价告知承诺）', source: D.ECOLOGY },
  { title: '信用承诺（道路运输经营）', source: D.TRANSPORT },
];

export const HONORS: readonly { title: string; source: string; kinds: readonly string[] }[] = [
  { title: '广东省守合同重信用企业', source: D.MARKET, kinds: ['ENTERPRISE'] },
  { title: '韶关市诚信示范企业', source: D.DRC, kinds: ['ENTERPRISE'] },
  { title: '劳动保障守法诚信示范单位', source: D.HRSS, kinds: ['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] },
  { title: '安全生产标准化一级企业', source: D.EMERGENCY, kinds: ['ENTERPRISE'] },
  { title: '环保诚信企业', source: D.ECOLOGY, kinds: ['ENTERPRISE'] },
  { title: '韶关市文明单位', source: D.DRC, kinds: ['PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] },
  { title: '韶关市先进社会组织', source: D.CIVIL, kinds: ['SOCIAL_ORGANIZATION'] },
  { title: '韶关市优秀教师', source: D.EDU, kinds: ['INDIVIDUAL'] },
  { title: '韶关市“最美医生”', source: D.HEALTH, kinds: ['INDIVIDUAL'] },
  { title: '见义勇为先进个人', source: D.DRC, kinds: ['INDIVIDUAL'] },
  { title: '韶关市优秀志愿者', source: D.CIVIL, kinds: ['INDIVIDUAL'] },
];

export const CREDIT_GRADE_SCHEMES: Record<string, readonly { title: string; source: string; grades: readonly string[] }[]> = {
  ENTERPRISE: [
    { title: '建筑市场主体信用评价', source: D.HOUSING, grades: ['AAA', 'AA', 'A', 'B', 'C'] },
    { title: '道路运输企业质量信誉考核', source: D.TRANSPORT, grades: ['AAA', 'AA', 'A', 'B'] },
    { title: '企业环境信用评价', source: D.ECOLOGY, grades: ['环保诚信', '环保良好', '环保警示', '环保不良'] },
    { title: '旅行社信用等级评价', source: D.CULTURE, grades: ['A', 'B', 'C'] },
  ],
  SOCIAL_ORGANIZATION: [{ title: '社会组织评估等级', source: D.CIVIL, grades: ['5A', '4A', '3A', '2A', '1A'] }],
  INDIVIDUAL: [{ title: '导游服务质量信用评价', source: D.CULTURE, grades: ['A', 'B', 'C'] }],
  PUBLIC_INSTITUTION: [{ title: '公共服务机构信用综合评价', source: D.DRC, grades: ['A', 'B', 'C'] }],
};

export const SERIOUS_DISHONESTY_CAUSES: readonly { source: string; cause: string; forIndividuals?: boolean }[] = [
  { source: D.MARKET, cause: '被列入经营异常名录届满3年仍未履行相关义务' },
  { source: D.HRSS, cause: '拒不支付劳动报酬，拖欠农民工工资数额较大' },
  { source: D.TAX, cause: '重大税收违法失信（偷税数额较大）', forIndividuals: true },
  { source: D.DRC, cause: '提供虚假材料骗取政府财政补贴', forIndividuals: true },
  { source: D.ECOLOGY, cause: '篡改、伪造自动监测数据，逃避监管排放污染物' },
  { source: D.EMERGENCY, cause: '发生较大以上生产安全责任事故' },
  { source: D.MEDICAL_INSURANCE, cause: '以欺诈、伪造证明材料等手段骗取医疗保障基金', forIndividuals: true },
  { source: D.STATISTICS, cause: '统计严重失信（提供虚假统计资料）' },
];

/** The department that registers each key professional group's qualification. */
export const GROUP_SOURCE: Record<string, string> = {
  TEACHER: D.EDU, MEDICAL_WORKER: D.HEALTH, LAWYER: D.JUSTICE, NOTARY: D.JUSTICE, ACCOUNTANT: D.FINANCE, TAX_AGENT: D.TAX,
  TOUR_GUIDE: D.CULTURE, PROJECT_MANAGER: D.HOUSING, FIRE_ENGINEER: D.FIRE, VETERINARIAN: D.AGRICULTURE, PATENT_AGENT: D.MARKET,
  LEGAL_REPRESENTATIVE: D.MARKET, CIVIL_SERVANT: D.HRSS, PUBLIC_INSTITUTION_STAFF: D.ESTABLISHMENT, STATISTICIAN: D.STATISTICS,
  CERTIFICATION_INSPECTION: D.MARKET, AUDITOR: D.FINANCE, APPRAISER: D.FINANCE, SECURITIES_FUTURES: D.FINANCE,
  LISTED_COMPANY_EXECUTIVE: D.FINANCE, INSURANCE_BROKER: D.FINANCE, JOURNALIST: D.CULTURE, RESEARCHER: D.INDUSTRY,
};

export const REGISTRATION_CHANGES = ['法定代表人', '注册资本', '住所', '经营范围', '股东', '名称'] as const;

export const TAXES = ['增值税', '企业所得税', '个人所得税', '城镇土地使用税', '房产税', '印花税'] as const;
