import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * Joint reward and punishment measures (联合奖惩, SPEC §7 C2): data, not code. A record triggers a measure when
 * its type is in `trigger_types`, its severity in `trigger_severities` (NULL = any) and its grade in
 * `trigger_grades` (NULL = any), while it is in force; the measure applies in its `scenarios`.
 */
export const measures = pgTable(
  'measures',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    nameZh: text('name_zh').notNull(),
    kind: text('kind').notNull(),
    effect: text('effect').notNull(),
    triggerTypes: text('trigger_types').array().notNull(),
    triggerSeverities: text('trigger_severities').array(),
    triggerGrades: text('trigger_grades').array(),
    scenarios: text('scenarios').array().notNull(),
    legalBasis: text('legal_basis').notNull(),
    description: text('description'),
  },
  (t) => [
    check('measures_kind_valid', sql`${t.kind} IN ('INCENTIVE','PUNISHMENT')`),
    check('measures_effect_valid', sql`${t.effect} IN ('RESTRICT','WARN','INCENTIVE')`),
    check('measures_effect_fits_kind', sql`(${t.kind} = 'INCENTIVE') = (${t.effect} = 'INCENTIVE')`),
  ],
);

/** Stored credit checks (C1): what a check said at the time, so a licensing decision can cite it. */
export const creditChecks = pgTable(
  'credit_checks',
  {
    id: uuid('id').primaryKey(),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull(),
    orgCode: text('org_code').notNull(),
    actor: text('actor').notNull(),
    subjectCode: text('subject_code').notNull(),
    scenario: text('scenario').notNull(),
    purposeKind: text('purpose_kind').notNull(),
    purposeReference: text('purpose_reference').notNull(),
    verdict: text('verdict').notNull(),
    /** the subject as disclosed, the hits with their records and measures, exactly as answered */
    result: jsonb('result').notNull(),
  },
  (t) => [index('credit_checks_org').on(t.orgCode, t.checkedAt.desc()), index('credit_checks_subject').on(t.subjectCode, t.checkedAt.desc())],
);
