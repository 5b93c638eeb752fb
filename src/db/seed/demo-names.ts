/**
 * Vocabulary of the demo data set (src/db/seed/): Shaoguan place names, Chinese personal and organisation
 * names, and the wording of records per catalog type. Data only — no logic, no randomness.
 */

/** A value and its relative weight for weighted draws. */
export type Weighted<T> = readonly [T, number];

// ---------------------------------------------------------------------------------------------------------
// Places (韶关市 and its districts / counties, with their 6-digit administrative area codes)

export const SHAOGUAN_AREAS: readonly { code: string; name: string; prefix: string }[] = [
  { code: '440203', name: '武江区', prefix: '韶关市武江区' },
  { code: '440204', name: '浈江区', prefix: '韶关市浈江区' },
  { code: '440205', name: '曲江区', prefix: '韶关市曲江区' },
  { code: '440222', name: '始兴县', prefix: '始兴县' },
  { code: '440224', name: '仁化县', prefix: '仁化县' },
  { code: '440229', name: '翁源县', prefix: '翁源县' },
  { code: '440232', name: '乳源瑶族自治县', prefix: '乳源瑶族自治县' },
  { code: '440233', name: '新丰县', prefix: '新丰县' },
  { code: '440281', name: '乐昌市', prefix: '乐昌市' },
  { code: '440282', name: '南雄市', prefix: '南雄市' },
];

/** Area codes elsewhere in Guangdong for people born outside Shaoguan. */
export const OTHER_BIRTH_AREAS = ['440103', '440106', '440304', '440402', '441302', '441481', '445102', '450103'] as const;

export const STREETS = [
  '解放路', '风度北路', '风度中路', '中山路', '东堤中路', '西河大道', '工业西路', '惠民南路', '芙蓉北路', '新华南路',
  '浈江路', '沿江路', '韶州大道', '百年东路', '五里亭路', '建国路', '和平路', '帽子峰路', '府前路', '南华路',
  '丹霞大道', '曲江大道', '马坝府前中路', '人民路', '青年路', '站南路', '乳城大道', '雄州大道', '昌山路', '新丰大道',
] as const;

export const BUILDINGS = ['', '', '', '商业中心', '大厦', '工业园', '综合楼', '科技园', '产业园'] as const;

// ---------------------------------------------------------------------------------------------------------
// People

/** Common surnames, weighted roughly by frequency; a few compound surnames (欧阳, 司马) for the masking demos. */
export const SURNAMES: readonly Weighted<string>[] = [
  ['王', 7], ['李', 7], ['张', 7], ['刘', 5], ['陈', 6], ['杨', 3], ['黄', 5], ['赵', 2], ['吴', 3], ['周', 2],
  ['徐', 2], ['孙', 1], ['马', 1], ['朱', 2], ['胡', 2], ['郭', 1], ['何', 2], ['高', 1], ['林', 3], ['罗', 3],
  ['郑', 2], ['梁', 3], ['谢', 2], ['宋', 1], ['唐', 1], ['许', 1], ['韩', 1], ['冯', 1], ['邓', 2], ['曹', 1],
  ['彭', 1], ['曾', 2], ['肖', 1], ['田', 1], ['董', 1], ['袁', 1], ['潘', 1], ['蒋', 1], ['蔡', 1], ['余', 1],
  ['叶', 2], ['程', 1], ['苏', 1], ['魏', 1], ['钟', 2], ['谭', 1], ['廖', 2], ['邱', 1], ['温', 1], ['赖', 1],
  ['欧阳', 0.6], ['司马', 0.2], ['上官', 0.2],
];

export const GIVEN_NAME_CHARS = [
  '伟', '芳', '娜', '秀', '英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '霞',
  '平', '刚', '桂', '华', '建', '国', '志', '文', '辉', '斌', '俊', '鹏', '婷', '雪', '琳', '晓', '海', '燕', '玲', '红',
  '宇', '浩', '嘉', '欣', '梓', '子', '思', '雨', '佳', '颖', '晨', '阳', '东', '荣', '春', '金', '德', '清', '永', '锋',
] as const;

// ---------------------------------------------------------------------------------------------------------
// Organisations

/** 字号 (trade names) for companies, associations and institutions. */
export const TRADE_NAMES = [
  '丹霞', '南华', '曲江', '粤北', '马坝', '珠玑', '帽峰', '北江', '浈阳', '武江', '云门', '南岭', '翁江', '九龄',
  '风采', '宏泰', '鑫源', '恒达', '瑞丰', '盛世', '华信', '金穗', '韶华', '新港', '嘉禾', '锦程', '顺通', '汇丰达',
  '天和', '永盛', '利源', '中粤', '广韶', '东岭', '百顺', '丰源', '福瑞', '万家', '联创', '卓越', '正邦', '诚信',
  '长青', '乐源', '众鑫', '宏远', '鼎盛', '恒昌', '同德', '仁和', '大宝山', '芙蓉', '车八岭', '南水', '梅岭',
] as const;

export const INDUSTRIES = [
  '建材', '建筑工程', '食品', '物流', '贸易', '五金机电', '农业科技', '电子科技', '环保科技', '医药', '餐饮管理',
  '旅游开发', '矿业', '水泥', '稀土材料', '竹木制品', '茶业', '纺织', '汽车服务', '房地产开发', '物业管理',
  '劳务派遣', '教育咨询', '信息技术', '电力工程', '园林绿化', '钢结构', '新能源', '生物科技', '装饰工程',
] as const;

export const COMPANY_FORMS: readonly Weighted<string>[] = [['有限公司', 8], ['有限责任公司', 2], ['股份有限公司', 1]];

/** 个体工商户 (prefix 92): "<operator surname>记<trade>" shops. */
export const SHOP_TRADES = ['粉店', '五金店', '便利店', '农家菜馆', '理发店', '药店', '烟酒商行', '汽车修理店', '服装店', '茶庄'] as const;

/** 农民专业合作社 (prefix 93). */
export const COOPERATIVE_PRODUCTS = ['茶叶', '沙田柚', '香菇', '油茶', '蔬菜', '生猪养殖', '黄烟', '三华李', '毛竹', '水稻'] as const;

/** 事业单位 (prefix 12): full name patterns after a place prefix. */
export const PUBLIC_INSTITUTION_NAMES = [
  '人民医院', '中医院', '妇幼保健院', '疾病预防控制中心', '第一中学', '第二中学', '实验小学', '职业技术学校',
  '公共资源交易中心', '不动产登记中心', '图书馆', '博物馆', '广播电视台', '水利水电勘测设计院', '林业科学研究所',
  '农业技术推广中心', '社会福利院', '殡仪馆', '气象服务中心', '土地储备中心',
] as const;

/** 社会组织: 51 社会团体, 52 民办非企业单位 (社会服务机构), 53 基金会. */
export const SOCIAL_ORGANIZATION_NAMES: Readonly<Record<'51' | '52' | '53', readonly string[]>> = {
  '51': ['建筑业协会', '餐饮行业协会', '个体劳动者协会', '物流行业协会', '律师协会', '会计学会', '旅游协会', '茶叶行业协会', '潮汕商会', '客家商会', '摄影家协会', '老年人体育协会'],
  '52': ['职业培训学校', '养老服务中心', '幼儿园', '社会工作服务中心', '康复中心', '青少年活动中心', '民办医院'],
  '53': ['慈善基金会', '教育发展基金会', '助学基金会', '见义勇为基金会'],
};

// ---------------------------------------------------------------------------------------------------------
// Departments, agencies, audit office

export interface OrganizationSeed { code: string; name: string; kind: 'DEPARTMENT' | 'AGENCY' | 'AUDIT_OFFICE' | 'PEER_PLATFORM'; status: 'ACTIVE' | 'SUSPENDED'; abbreviation: string }

export const DEMO_ORGANIZATIONS: readonly OrganizationSeed[] = [
  { code: 'SG-MARKET', name: '韶关市市场监督管理局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶市监' },
  { code: 'SG-TAX', name: '国家税务总局韶关市税务局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶税' },
  { code: 'SG-COURT', name: '韶关市中级人民法院', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '粤02' },
  { code: 'SG-HRSS', name: '韶关市人力资源和社会保障局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶人社' },
  { code: 'SG-DRC', name: '韶关市发展和改革局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶发改' },
  { code: 'SG-CIVIL', name: '韶关市民政局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶民' },
  { code: 'SG-JUSTICE', name: '韶关市司法局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶司' },
  { code: 'SG-EDU', name: '韶关市教育局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶教' },
  { code: 'SG-HEALTH', name: '韶关市卫生健康局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶卫健' },
  { code: 'SG-FINANCE', name: '韶关市财政局', kind: 'DEPARTMENT', status: 'ACTIVE', abbreviation: '韶财' },
  { code: 'SG-SUSPENDED', name: '韶关市原城市综合管理局（已撤并，账户停用）', kind: 'DEPARTMENT', status: 'SUSPENDED', abbreviation: '韶城管' },
  { code: 'AG-CREDITCHINA-RATING', name: '粤信信用评级服务有限公司', kind: 'AGENCY', status: 'ACTIVE', abbreviation: '粤信' },
  { code: 'AG-LINGNAN-CREDITREF', name: '岭南征信有限公司', kind: 'AGENCY', status: 'ACTIVE', abbreviation: '岭南征信' },
  { code: 'AUDIT-SG', name: '韶关市审计局（公共信用信息查询审计）', kind: 'AUDIT_OFFICE', status: 'ACTIVE', abbreviation: '韶审' },
  { code: 'GD-PROVINCE', name: '广东省公共信用信息管理系统', kind: 'PEER_PLATFORM', status: 'ACTIVE', abbreviation: '粤信用' },
];

// ---------------------------------------------------------------------------------------------------------
// Record wording

/** Professional groups seeded for individuals (weights), with the qualification title and the filing department. */
export const QUALIFICATIONS: readonly { group: string; weight: number; title: string; source: string }[] = [
  { group: 'TEACHER', weight: 5, title: '教师资格证书（高级中学）', source: 'SG-EDU' },
  { group: 'MEDICAL_WORKER', weight: 5, title: '医师执业证书', source: 'SG-HEALTH' },
  { group: 'LAWYER', weight: 3, title: '律师执业证', source: 'SG-JUSTICE' },
  { group: 'ACCOUNTANT', weight: 3, title: '会计专业技术资格（中级）', source: 'SG-FINANCE' },
  { group: 'TOUR_GUIDE', weight: 2, title: '导游证', source: 'SG-HRSS' },
  { group: 'PROJECT_MANAGER', weight: 2, title: '二级建造师注册证书', source: 'SG-HRSS' },
  { group: 'LEGAL_REPRESENTATIVE', weight: 2, title: '企业法定代表人任职登记', source: 'SG-MARKET' },
  { group: 'PUBLIC_INSTITUTION_STAFF', weight: 1, title: '事业单位工作人员聘用备案', source: 'SG-HRSS' },
  { group: 'CIVIL_SERVANT', weight: 1, title: '公务员登记', source: 'SG-HRSS' },
  { group: 'NOTARY', weight: 1, title: '公证员执业证', source: 'SG-JUSTICE' },
  { group: 'TAX_AGENT', weight: 1, title: '税务师职业资格证书', source: 'SG-TAX' },
  { group: 'FIRE_ENGINEER', weight: 1, title: '一级注册消防工程师注册证', source: 'SG-HRSS' },
  { group: 'VETERINARIAN', weight: 0.5, title: '执业兽医资格证书', source: 'SG-HRSS' },
  { group: 'PATENT_AGENT', weight: 0.5, title: '专利代理师资格证', source: 'SG-MARKET' },
  { group: 'JOURNALIST', weight: 0.5, title: '新闻记者证', source: 'SG-HRSS' },
  { group: 'INSURANCE_BROKER', weight: 0.5, title: '保险经纪从业人员执业登记', source: 'SG-HRSS' },
];

/** Penalties per filing department: the violation and the statute it breaches. */
export const PENALTY_CAUSES: readonly { source: string; violation: string; legalBasis: string; forIndividuals?: boolean }[] = [
  { source: 'SG-MARKET', violation: '销售不符合保障人体健康和人身、财产安全的国家标准的产品', legalBasis: '《中华人民共和国产品质量法》第四十九条' },
  { source: 'SG-MARKET', violation: '未按规定明码标价', legalBasis: '《中华人民共和国价格法》第四十二条' },
  { source: 'SG-MARKET', violation: '发布虚假广告', legalBasis: '《中华人民共和国广告法》第五十五条' },
  { source: 'SG-MARKET', violation: '未取得食品经营许可从事食品经营活动', legalBasis: '《中华人民共和国食品安全法》第一百二十二条', forIndividuals: true },
  { source: 'SG-TAX', violation: '未按照规定期限办理纳税申报和报送纳税资料', legalBasis: '《中华人民共和国税收征收管理法》第六十二条', forIndividuals: true },
  { source: 'SG-TAX', violation: '未按规定开具发票', legalBasis: '《中华人民共和国发票管理办法》第三十五条' },
  { source: 'SG-HRSS', violation: '未按规定支付劳动者工资', legalBasis: '《劳动保障监察条例》第二十六条' },
  { source: 'SG-HRSS', violation: '违法延长劳动者工作时间', legalBasis: '《劳动保障监察条例》第二十五条' },
  { source: 'SG-HEALTH', violation: '医疗废物管理不符合规定', legalBasis: '《医疗废物管理条例》第四十六条' },
  { source: 'SG-HEALTH', violation: '超出登记的诊疗科目范围开展诊疗活动', legalBasis: '《医疗机构管理条例》第四十六条', forIndividuals: true },
  { source: 'SG-CIVIL', violation: '未按规定接受年度检查', legalBasis: '《社会团体登记管理条例》第三十条' },
  { source: 'SG-EDU', violation: '违规举办校外培训', legalBasis: '《中华人民共和国民办教育促进法》第六十四条' },
  { source: 'SG-JUSTICE', violation: '违反律师执业规范', legalBasis: '《中华人民共和国律师法》第四十七条', forIndividuals: true },
];

export const LICENSES: readonly { title: string; source: string; forIndividuals?: boolean; forInstitutions?: boolean }[] = [
  { title: '食品经营许可证', source: 'SG-MARKET', forIndividuals: true },
  { title: '工业产品生产许可证', source: 'SG-MARKET' },
  { title: '特种设备使用登记证', source: 'SG-MARKET', forInstitutions: true },
  { title: '药品经营许可证', source: 'SG-MARKET' },
  { title: '医疗机构执业许可证', source: 'SG-HEALTH', forInstitutions: true },
  { title: '放射诊疗许可证', source: 'SG-HEALTH', forInstitutions: true },
  { title: '劳务派遣经营许可证', source: 'SG-HRSS' },
  { title: '人力资源服务许可证', source: 'SG-HRSS' },
  { title: '民办学校办学许可证', source: 'SG-EDU', forInstitutions: true },
  { title: '公共场所卫生许可证', source: 'SG-HEALTH', forIndividuals: true, forInstitutions: true },
];

export const ABNORMAL_OPERATION_CAUSES = [
  '未依照规定期限公示年度报告',
  '通过登记的住所或者经营场所无法联系',
  '公示企业信息隐瞒真实情况、弄虚作假',
  '未在市场监督管理部门责令的期限内公示有关企业信息',
] as const;

export const SERIOUS_DISHONESTY_CAUSES: readonly { source: string; cause: string; forIndividuals?: boolean }[] = [
  { source: 'SG-MARKET', cause: '被列入经营异常名录届满3年仍未履行相关义务' },
  { source: 'SG-HRSS', cause: '拒不支付劳动报酬，拖欠农民工工资数额较大' },
  { source: 'SG-TAX', cause: '重大税收违法失信（偷税数额较大）', forIndividuals: true },
  { source: 'SG-DRC', cause: '提供虚假材料骗取政府财政补贴', forIndividuals: true },
  { source: 'SG-DRC', cause: '铁路旅客严重失信行为', forIndividuals: true },
];

export const JUDGMENT_CAUSES = ['买卖合同纠纷', '建设工程施工合同纠纷', '民间借贷纠纷', '劳动争议', '租赁合同纠纷', '金融借款合同纠纷', '侵害商标权纠纷'] as const;

export const CONTRACT_KINDS: readonly { title: string; source: string }[] = [
  { title: '政府采购合同履约', source: 'SG-FINANCE' },
  { title: '政府投资项目建设工程合同履约', source: 'SG-DRC' },
  { title: '公共卫生服务采购合同履约', source: 'SG-HEALTH' },
  { title: '职业技能培训服务合同履约', source: 'SG-HRSS' },
];

export const COMMITMENT_KINDS: readonly { title: string; source: string }[] = [
  { title: '信用承诺（行政审批告知承诺制）', source: 'SG-MARKET' },
  { title: '信用承诺（证明事项告知承诺制）', source: 'SG-DRC' },
  { title: '信用承诺（申请财政资金）', source: 'SG-FINANCE' },
  { title: '信用承诺（信用修复）', source: 'SG-DRC' },
  { title: '信用承诺（社会保险待遇领取）', source: 'SG-HRSS' },
];

export const HONORS: readonly { title: string; source: string; kinds: readonly string[] }[] = [
  { title: '广东省守合同重信用企业', source: 'SG-MARKET', kinds: ['ENTERPRISE'] },
  { title: '韶关市诚信示范企业', source: 'SG-DRC', kinds: ['ENTERPRISE'] },
  { title: '劳动保障守法诚信示范单位', source: 'SG-HRSS', kinds: ['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] },
  { title: '韶关市文明单位', source: 'SG-DRC', kinds: ['PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] },
  { title: '韶关市先进社会组织', source: 'SG-CIVIL', kinds: ['SOCIAL_ORGANIZATION'] },
  { title: '韶关市优秀教师', source: 'SG-EDU', kinds: ['INDIVIDUAL'] },
  { title: '韶关市“最美医生”', source: 'SG-HEALTH', kinds: ['INDIVIDUAL'] },
  { title: '见义勇为先进个人', source: 'SG-DRC', kinds: ['INDIVIDUAL'] },
];

export const SELF_DECLARED_TOPICS = ['经营状况', '社会责任履行情况', '知识产权获得情况', '志愿服务记录', '纳税与社保缴纳情况', '产品质量承诺履行情况'] as const;

export const IP_INFRINGEMENTS = ['侵犯注册商标专用权', '假冒专利', '侵犯著作权（盗版软件）'] as const;

export const CASE_NOTES = [
  '已现场核查，当事人已签收文书',
  '部门共享交换平台自动归集',
  '材料齐全，经科室负责人审核',
  '当事人提出陈述申辩，未予采纳',
  '复核无误',
  '待下一季度回访',
  '与12345热线投诉线索关联',
] as const;

export const WITHDRAWAL_REASONS = ['原决定经行政复议被依法撤销', '录入错误，依职权撤回', '许可事项依法撤回', '已履行法律文书确定的义务，删除失信信息'] as const;

export const REPAIR_REASONS = ['已提交信用承诺书并完成信用修复培训，准予修复', '已补报年度报告并申请移出，准予修复', '已补缴全部欠款及滞纳金，准予修复'] as const;
