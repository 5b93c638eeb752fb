/**
 * The organisations of the city data set: 30 municipal departments (CITY-DEPT-01, the market regulator, is "the
 * department" the benchmarks query as), 5 credit service agencies and one audit office.
 */
export interface CityOrganization {
  code: string;
  name: string;
  kind: 'DEPARTMENT' | 'AGENCY' | 'AUDIT_OFFICE';
  /** the abbreviation used in decision numbers (文书号) */
  abbreviation: string;
}

const DEPARTMENT_NAMES: readonly (readonly [string, string])[] = [
  ['韶关市市场监督管理局', '韶市监'],
  ['国家税务总局韶关市税务局', '韶税'],
  ['韶关市中级人民法院', '粤02'],
  ['韶关市人力资源和社会保障局', '韶人社'],
  ['韶关市发展和改革局', '韶发改'],
  ['韶关市民政局', '韶民'],
  ['韶关市司法局', '韶司'],
  ['韶关市教育局', '韶教'],
  ['韶关市卫生健康局', '韶卫健'],
  ['韶关市财政局', '韶财'],
  ['韶关市生态环境局', '韶环'],
  ['韶关市住房和城乡建设管理局', '韶建'],
  ['韶关市交通运输局', '韶交'],
  ['韶关市农业农村局', '韶农'],
  ['韶关市应急管理局', '韶应急'],
  ['韶关市自然资源局', '韶自然资'],
  ['韶关市水务局', '韶水'],
  ['韶关市文化广电旅游体育局', '韶文旅'],
  ['韶关市商务局', '韶商'],
  ['韶关市公安局', '韶公'],
  ['韶关市医疗保障局', '韶医保'],
  ['韶关市林业局', '韶林'],
  ['韶关市城市管理和综合执法局', '韶城管'],
  ['韶关市统计局', '韶统'],
  ['韶关市消防救援支队', '韶消'],
  ['中共韶关市委机构编制委员会办公室', '韶编'],
  ['韶关市工业和信息化局', '韶工信'],
  ['韶关市住房公积金管理中心', '韶公积金'],
  ['韶关海关', '韶关关'],
  ['韶关市气象局', '韶气'],
];

const pad2 = (n: number) => String(n).padStart(2, '0');

export const DEPARTMENTS: readonly CityOrganization[] = DEPARTMENT_NAMES.map(([name, abbreviation], i) => ({
  code: `CITY-DEPT-${pad2(i + 1)}`, name, kind: 'DEPARTMENT', abbreviation,
}));

/** Department codes by role, for the record generators (D.MARKET = 'CITY-DEPT-01', …). */
export const D = {
  MARKET: 'CITY-DEPT-01', TAX: 'CITY-DEPT-02', COURT: 'CITY-DEPT-03', HRSS: 'CITY-DEPT-04', DRC: 'CITY-DEPT-05',
  CIVIL: 'CITY-DEPT-06', JUSTICE: 'CITY-DEPT-07', EDU: 'CITY-DEPT-08', HEALTH: 'CITY-DEPT-09', FINANCE: 'CITY-DEPT-10',
  ECOLOGY: 'CITY-DEPT-11', HOUSING: 'CITY-DEPT-12', TRANSPORT: 'CITY-DEPT-13', AGRICULTURE: 'CITY-DEPT-14',
  EMERGENCY: 'CITY-DEPT-15', LAND: 'CITY-DEPT-16', WATER: 'CITY-DEPT-17', CULTURE: 'CITY-DEPT-18', COMMERCE: 'CITY-DEPT-19',
  POLICE: 'CITY-DEPT-20', MEDICAL_INSURANCE: 'CITY-DEPT-21', FORESTRY: 'CITY-DEPT-22', URBAN: 'CITY-DEPT-23',
  STATISTICS: 'CITY-DEPT-24', FIRE: 'CITY-DEPT-25', ESTABLISHMENT: 'CITY-DEPT-26', INDUSTRY: 'CITY-DEPT-27',
  HOUSING_FUND: 'CITY-DEPT-28', CUSTOMS: 'CITY-DEPT-29', WEATHER: 'CITY-DEPT-30',
} as const;

export const AGENCIES: readonly CityOrganization[] = [
  ['粤信信用评级服务有限公司', '粤信'],
  ['岭南征信有限公司', '岭南征信'],
  ['韶关市信用管理服务中心有限公司', '韶信'],
  ['广东南粤信用评估有限公司', '南粤信评'],
  ['北江融资担保征信服务有限公司', '北江征信'],
].map(([name, abbreviation], i) => ({ code: `CITY-AGENCY-${pad2(i + 1)}`, name: name!, kind: 'AGENCY', abbreviation: abbreviation! }));

export const AUDIT_OFFICE: CityOrganization = { code: 'CITY-AUDIT', name: '韶关市审计局（公共信用信息查询审计）', kind: 'AUDIT_OFFICE', abbreviation: '韶审' };

export const CITY_ORGANIZATIONS: readonly CityOrganization[] = [...DEPARTMENTS, ...AGENCIES, AUDIT_OFFICE];

export const ABBREVIATION = new Map(CITY_ORGANIZATIONS.map((o) => [o.code, o.abbreviation]));

/** Who registers each kind of subject. */
export const REGISTRAR = {
  ENTERPRISE: D.MARKET, INDIVIDUAL: D.HRSS, PUBLIC_INSTITUTION: D.ESTABLISHMENT, SOCIAL_ORGANIZATION: D.CIVIL,
} as const;
