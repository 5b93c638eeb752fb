import { boolean, check, interval, pgTable, text } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const RECORD_CATEGORIES = [
  'REGISTRATION', 'JUDICIAL', 'ADMINISTRATIVE', 'PROFESSIONAL', 'ABNORMAL_OPERATION', 'SERIOUS_DISHONESTY',
  'CONTRACT', 'COMMITMENT', 'EVALUATION', 'HONOR', 'SELF_DECLARED', 'COMPLIANCE', 'INTELLECTUAL_PROPERTY',
] as const;
export const RECORD_NATURES = ['BASIC', 'POSITIVE', 'NEGATIVE'] as const;
export const DISCLOSURES = ['PUBLIC', 'SHARED', 'SUBJECT_ONLY'] as const;
/** How a type's public window is computed (SPEC D1, D2): see policies/windows.ts. */
export const PUBLICITY_RULES = ['BY_SEVERITY', 'BY_VALIDITY'] as const;

/**
 * The record catalog (SPEC §3): nothing outside it can be filed. Every disclosure number is a column so that
 * a credit office can change it without a release (SPEC §4.2 "all numbers are configuration").
 */
export const catalogTypes = pgTable(
  'catalog_types',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    nameZh: text('name_zh').notNull(),
    category: text('category', { enum: RECORD_CATEGORIES }).notNull(),
    nature: text('nature', { enum: RECORD_NATURES }).notNull(),
    /** the loosest disclosure class a record of this type may have (SPEC §4.1) */
    loosestDisclosure: text('loosest_disclosure', { enum: DISCLOSURES }).notNull(),
    publicityRule: text('publicity_rule', { enum: PUBLICITY_RULES }).notNull(),
    /** BY_SEVERITY: how long a GENERAL / SERIOUS record is public after decidedAt (MINOR: never) */
    generalPublicPeriod: interval('general_public_period'),
    seriousPublicPeriod: interval('serious_public_period'),
    /** BY_VALIDITY: the end of the window when validUntil is unset, counted from validFrom (else decidedAt) */
    defaultPublicPeriod: interval('default_public_period'),
    /** BY_VALIDITY: the window never ends later than decidedAt + this */
    maxPublicPeriod: interval('max_public_period'),
    publicForIndividuals: boolean('public_for_individuals').notNull().default(false),
    repairable: boolean('repairable').notNull().default(false),
    /**
     * R3 minimum periods before a repair may be applied for. BY_SEVERITY: after decidedAt, per severity (MINOR is
     * never public: nothing to repair). BY_VALIDITY: after validFrom (else decidedAt); null = no minimum.
     */
    generalRepairPeriod: interval('general_repair_period'),
    seriousRepairPeriod: interval('serious_repair_period'),
    repairPeriod: interval('repair_period'),
    /** a qualification record names its key professional group */
    requiresGroup: boolean('requires_group').notNull().default(false),
    legalBasis: text('legal_basis'),
  },
  (t) => [
    check('catalog_category_valid', sql`${t.category} IN ('REGISTRATION','JUDICIAL','ADMINISTRATIVE','PROFESSIONAL','ABNORMAL_OPERATION','SERIOUS_DISHONESTY','CONTRACT','COMMITMENT','EVALUATION','HONOR','SELF_DECLARED','COMPLIANCE','INTELLECTUAL_PROPERTY')`),
    check('catalog_nature_valid', sql`${t.nature} IN ('BASIC','POSITIVE','NEGATIVE')`),
    check('catalog_disclosure_valid', sql`${t.loosestDisclosure} IN ('PUBLIC','SHARED','SUBJECT_ONLY')`),
    check('catalog_publicity_rule_valid', sql`${t.publicityRule} IN ('BY_SEVERITY','BY_VALIDITY')`),
  ],
);

/** Key professional groups (SPEC §3): data, not code. */
export const professionalGroups = pgTable('professional_groups', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  nameZh: text('name_zh').notNull(),
});

/** I4: registration prefixes beyond the built-in ones that are accepted as ENTERPRISE. */
export const enterprisePrefixes = pgTable('enterprise_prefixes', {
  prefix: text('prefix').primaryKey(),
  note: text('note'),
});

/** I5: real codes that fail the checksum (early pilot codes), accepted and flagged. */
export const codeExceptions = pgTable('code_exceptions', {
  code: text('code').primaryKey(),
  kind: text('kind').notNull(),
  note: text('note'),
});
