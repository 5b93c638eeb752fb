/**
 * The record catalog as SPEC §3, §4.2 (D1, D2, D5) and §8 (R3) state its defaults, hard-coded from the text — the
 * model never reads the gateway's catalog (a separate test compares the two).
 */
export type Disclosure = 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY';
export const DISCLOSURE_ORDER: readonly Disclosure[] = ['PUBLIC', 'SHARED', 'SUBJECT_ONLY'];
export type Nature = 'BASIC' | 'NEGATIVE' | 'POSITIVE';
export type Severity = 'MINOR' | 'GENERAL' | 'SERIOUS';

export interface SpecType {
  code: string;
  category: string;
  nature: Nature;
  /** §3: the default and loosest class */
  loosest: Disclosure;
  /** D1 (penalty: by severity) or D2 (everything else: by validity) */
  rule: 'BY_SEVERITY' | 'BY_VALIDITY';
  /** D2: expiry in months after listing when validUntil is unset */
  defaultPeriodMonths: number | null;
  /** D2: the window ends at most this many months after decidedAt */
  maxPeriodMonths: number | null;
  /** D5 */
  publicForIndividuals: boolean;
  /** R3: null = not repairable; otherwise minimum months (per severity for penalties) */
  repair: null | { months: number } | { generalMonths: number; seriousMonths: number };
  requiresGroup: boolean;
}

const t = (
  code: string, category: string, nature: Nature, loosest: Disclosure,
  extra: Partial<Omit<SpecType, 'code' | 'category' | 'nature' | 'loosest'>> = {},
): SpecType => ({
  code, category, nature, loosest, rule: 'BY_VALIDITY', defaultPeriodMonths: null, maxPeriodMonths: null,
  publicForIndividuals: false, repair: null, requiresGroup: false, ...extra,
});

export const SPEC_TYPES: readonly SpecType[] = [
  t('registration', 'REGISTRATION', 'BASIC', 'PUBLIC'),
  t('dishonest-debtor', 'JUDICIAL', 'NEGATIVE', 'PUBLIC', { defaultPeriodMonths: 24, publicForIndividuals: true }),
  t('judgment', 'JUDICIAL', 'NEGATIVE', 'SHARED'),
  t('license', 'ADMINISTRATIVE', 'BASIC', 'PUBLIC'),
  t('penalty', 'ADMINISTRATIVE', 'NEGATIVE', 'PUBLIC', { rule: 'BY_SEVERITY', repair: { generalMonths: 3, seriousMonths: 12 } }),
  t('qualification', 'PROFESSIONAL', 'BASIC', 'PUBLIC', { publicForIndividuals: true, requiresGroup: true }),
  t('abnormal-operation', 'ABNORMAL_OPERATION', 'NEGATIVE', 'PUBLIC', { repair: { months: 12 } }),
  t('serious-dishonesty-list', 'SERIOUS_DISHONESTY', 'NEGATIVE', 'PUBLIC', { defaultPeriodMonths: 36, publicForIndividuals: true, repair: { months: 12 } }),
  t('contract-performance', 'CONTRACT', 'BASIC', 'SHARED'),
  t('commitment', 'COMMITMENT', 'BASIC', 'PUBLIC'),
  t('tax-rating', 'EVALUATION', 'BASIC', 'SHARED'),
  t('credit-grade', 'EVALUATION', 'BASIC', 'SHARED'),
  t('honor', 'HONOR', 'POSITIVE', 'PUBLIC'),
  t('self-declared', 'SELF_DECLARED', 'BASIC', 'PUBLIC'),
  t('social-insurance-arrears', 'COMPLIANCE', 'NEGATIVE', 'SHARED', { repair: { months: 0 } }),
  t('tax-arrears', 'COMPLIANCE', 'NEGATIVE', 'SHARED', { repair: { months: 0 } }),
  t('ip-infringement', 'INTELLECTUAL_PROPERTY', 'NEGATIVE', 'PUBLIC', { maxPeriodMonths: 36, repair: { months: 12 } }),
];

export const SPEC_TYPE = new Map(SPEC_TYPES.map((type) => [type.code, type]));
export const specType = (code: string): SpecType => {
  const type = SPEC_TYPE.get(code);
  if (!type) throw new Error(`not a catalog type: ${code}`);
  return type;
};

/** D1: a penalty is public for 12 months (GENERAL) or 36 months (SERIOUS) from decidedAt; MINOR never. */
export const PENALTY_PUBLIC_MONTHS: Record<Severity, number | null> = { MINOR: null, GENERAL: 12, SERIOUS: 36 };

export const CATEGORIES = [
  'REGISTRATION', 'JUDICIAL', 'ADMINISTRATIVE', 'PROFESSIONAL', 'ABNORMAL_OPERATION', 'SERIOUS_DISHONESTY', 'CONTRACT',
  'COMMITMENT', 'EVALUATION', 'HONOR', 'SELF_DECLARED', 'COMPLIANCE', 'INTELLECTUAL_PROPERTY',
] as const;

/** §5 */
export const DEPARTMENT_PURPOSES = ['LICENSING', 'PROCUREMENT', 'BIDDING', 'SUBSIDY', 'QUALIFICATION', 'HIRING', 'SUPERVISION', 'LAW_ENFORCEMENT', 'JUDICIAL'] as const;
export const AGENCY_PURPOSES = ['CREDIT_REPORT', 'LENDING', 'LEASING', 'CONTRACTING', 'EMPLOYMENT_SCREENING'] as const;

/** §7 C2 */
export const SCENARIOS = ['LICENSING', 'PROCUREMENT', 'BIDDING', 'SUBSIDY', 'QUALIFICATION', 'HIRING', 'HONORS'] as const;

/**
 * C2's seeded defaults, as the SPEC states them: the gateway's measure catalog must contain at least these (it is
 * data and may hold more; the model then takes the catalog's triggers as they are, C2).
 */
export const SPEC_DEFAULT_MEASURES: readonly { types: string[]; severities: string[] | null; grades: string[] | null; effect: string; scenarios: readonly string[] }[] = [
  { types: ['serious-dishonesty-list'], severities: null, grades: null, effect: 'RESTRICT', scenarios: ['PROCUREMENT', 'BIDDING', 'SUBSIDY', 'HONORS', 'LICENSING'] },
  { types: ['dishonest-debtor'], severities: null, grades: null, effect: 'RESTRICT', scenarios: ['PROCUREMENT', 'BIDDING', 'SUBSIDY', 'HONORS', 'LICENSING'] },
  { types: ['penalty'], severities: ['GENERAL', 'SERIOUS'], grades: null, effect: 'WARN', scenarios: SCENARIOS },
  { types: ['honor'], severities: null, grades: null, effect: 'INCENTIVE', scenarios: SCENARIOS },
  { types: ['tax-rating'], severities: null, grades: ['A'], effect: 'INCENTIVE', scenarios: SCENARIOS },
];

/** A3: agencies never receive an individual's negative record decided more than five years ago (beyond the public view). */
export const AGENCY_LOOKBACK_MONTHS = 60;
/** D5 */
export const ADULT_YEARS = 18;

export const isLooser = (a: Disclosure, b: Disclosure) => DISCLOSURE_ORDER.indexOf(a) < DISCLOSURE_ORDER.indexOf(b);
