/**
 * Demo issuing authority (SPEC W5, 一数一源): which demo departments may file each catalog type. Types left out
 * (licences, penalties, qualifications, commitments, contracts, credit grades, honours, self-declared records) are
 * filed by many departments, each within its own remit, so their lists stay empty (every department may file).
 * Every seeded record's source is an issuer of its type (test/integration/demo-seed.test.ts proves it).
 */
export const DEMO_ISSUERS: Readonly<Record<string, readonly string[]>> = {
  // courts: lists of dishonest judgment debtors and judgments (最高法 失信被执行人名单; 裁判文书)
  'dishonest-debtor': ['SG-COURT'],
  judgment: ['SG-COURT'],
  // the tax bureau: tax credit ratings (纳税信用等级) and tax arrears (欠税公告)
  'tax-rating': ['SG-TAX'],
  'tax-arrears': ['SG-TAX'],
  // human resources and social security: social insurance arrears
  'social-insurance-arrears': ['SG-HRSS'],
  // registrars: market regulation (enterprises), civil affairs (social organisations) and, in the demo city,
  // human resources and social security (public institutions)
  registration: ['SG-MARKET', 'SG-CIVIL', 'SG-HRSS'],
  // lists of abnormal operation: market regulation (经营异常名录) and civil affairs (社会组织活动异常名录)
  'abnormal-operation': ['SG-MARKET', 'SG-CIVIL'],
  // serious dishonesty lists are designated by the competent authority (国办发〔2020〕49号); the development and
  // reform commission (the credit office's department) designates the cross-sector ones
  'serious-dishonesty-list': ['SG-DRC', 'SG-MARKET', 'SG-TAX', 'SG-HRSS'],
  // intellectual property administration sits within market regulation
  'ip-infringement': ['SG-MARKET'],
};
