import type { Disclosure, PublicityRule, TypeWindowRule } from '../../policies/windows.js';

/**
 * The 17 catalog types of migrations/0002_seed_platform_and_catalog.sql, copied column for column (only the
 * columns the disclosure rules read). Unit tests build their TypeWindowRule objects from these rows;
 * test/integration/windows-sql-parity.test.ts asserts that they equal what `listCatalogTypes` returns from a
 * freshly migrated database, so this copy cannot drift from the seed.
 */
export interface CatalogWindowRow extends TypeWindowRule {
  code: string;
  category: string;
  nature: 'BASIC' | 'POSITIVE' | 'NEGATIVE';
  loosestDisclosure: Disclosure;
}

const row = (
  code: string,
  category: string,
  nature: CatalogWindowRow['nature'],
  loosestDisclosure: Disclosure,
  publicityRule: PublicityRule,
  generalPublicPeriod: string | null,
  seriousPublicPeriod: string | null,
  defaultPublicPeriod: string | null,
  maxPublicPeriod: string | null,
  publicForIndividuals: boolean,
): CatalogWindowRow => ({
  code, category, nature, loosestDisclosure, publicityRule, generalPublicPeriod, seriousPublicPeriod,
  defaultPublicPeriod, maxPublicPeriod, publicForIndividuals,
});

// prettier-ignore
export const CATALOG_WINDOW_ROWS: readonly CatalogWindowRow[] = [
  row('registration',             'REGISTRATION',          'BASIC',    'PUBLIC', 'BY_VALIDITY', null, null, null, null, false),
  row('dishonest-debtor',         'JUDICIAL',              'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', null, null, '2 years', null, true),
  row('judgment',                 'JUDICIAL',              'NEGATIVE', 'SHARED', 'BY_VALIDITY', null, null, null, null, false),
  row('license',                  'ADMINISTRATIVE',        'BASIC',    'PUBLIC', 'BY_VALIDITY', null, null, null, null, false),
  row('penalty',                  'ADMINISTRATIVE',        'NEGATIVE', 'PUBLIC', 'BY_SEVERITY', '1 year', '3 years', null, null, false),
  row('qualification',            'PROFESSIONAL',          'BASIC',    'PUBLIC', 'BY_VALIDITY', null, null, null, null, true),
  row('abnormal-operation',       'ABNORMAL_OPERATION',    'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', null, null, null, null, false),
  row('serious-dishonesty-list',  'SERIOUS_DISHONESTY',    'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', null, null, '3 years', null, true),
  row('contract-performance',     'CONTRACT',              'BASIC',    'SHARED', 'BY_VALIDITY', null, null, null, null, false),
  row('commitment',               'COMMITMENT',            'BASIC',    'PUBLIC', 'BY_VALIDITY', null, null, null, null, false),
  row('tax-rating',               'EVALUATION',            'BASIC',    'SHARED', 'BY_VALIDITY', null, null, null, null, false),
  row('credit-grade',             'EVALUATION',            'BASIC',    'SHARED', 'BY_VALIDITY', null, null, null, null, false),
  row('honor',                    'HONOR',                 'POSITIVE', 'PUBLIC', 'BY_VALIDITY', null, null, null, null, false),
  row('self-declared',            'SELF_DECLARED',         'BASIC',    'PUBLIC', 'BY_VALIDITY', null, null, null, null, false),
  row('social-insurance-arrears', 'COMPLIANCE',            'NEGATIVE', 'SHARED', 'BY_VALIDITY', null, null, null, null, false),
  row('tax-arrears',              'COMPLIANCE',            'NEGATIVE', 'SHARED', 'BY_VALIDITY', null, null, null, null, false),
  row('ip-infringement',          'INTELLECTUAL_PROPERTY', 'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', null, null, null, '3 years', false),
];

export const CATALOG_TYPE_CODES: readonly string[] = CATALOG_WINDOW_ROWS.map((r) => r.code);

export function catalogRow(code: string): CatalogWindowRow {
  const found = CATALOG_WINDOW_ROWS.find((r) => r.code === code);
  if (!found) throw new Error(`no catalog row '${code}' in test/unit/windows.catalog.ts`);
  return found;
}

/** The TypeWindowRule of a catalog type, exactly as policies/windows.ts receives it. */
export function windowRule(code: string): TypeWindowRule {
  const { publicityRule, generalPublicPeriod, seriousPublicPeriod, defaultPublicPeriod, maxPublicPeriod, publicForIndividuals } = catalogRow(code);
  return { publicityRule, generalPublicPeriod, seriousPublicPeriod, defaultPublicPeriod, maxPublicPeriod, publicForIndividuals };
}

/** The disclosure classes a record of this type may carry (§4.1: its default and anything stricter). */
export function allowedDisclosures(code: string): Disclosure[] {
  return catalogRow(code).loosestDisclosure === 'PUBLIC' ? ['PUBLIC', 'SHARED', 'SUBJECT_ONLY'] : ['SHARED', 'SUBJECT_ONLY'];
}

/** The subset of a catalog_types row (from `listCatalogTypes`) that this helper copies. */
export function toCatalogWindowRow(r: {
  code: string; category: string; nature: string; loosestDisclosure: string; publicityRule: string;
  generalPublicPeriod: string | null; seriousPublicPeriod: string | null; defaultPublicPeriod: string | null;
  maxPublicPeriod: string | null; publicForIndividuals: boolean;
}): CatalogWindowRow {
  return {
    code: r.code,
    category: r.category,
    nature: r.nature as CatalogWindowRow['nature'],
    loosestDisclosure: r.loosestDisclosure as Disclosure,
    publicityRule: r.publicityRule as PublicityRule,
    generalPublicPeriod: r.generalPublicPeriod,
    seriousPublicPeriod: r.seriousPublicPeriod,
    defaultPublicPeriod: r.defaultPublicPeriod,
    maxPublicPeriod: r.maxPublicPeriod,
    publicForIndividuals: r.publicForIndividuals,
  };
}
