import { bigint, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { organizations } from './organizations.js';
import { subjects } from './subjects.js';

/**
 * Authorisations (授权, SPEC §5): a subject lets one credit service agency read SHARED records of some
 * categories, for one purpose, for at most a year. Never cached: every request reads the grants in force.
 */
export const grants = pgTable(
  'grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull().references(() => subjects.id),
    subjectCode: text('subject_code').notNull(),
    agencyCode: text('agency_code').notNull().references(() => organizations.code),
    categories: text('categories').array().notNull(),
    purposeKind: text('purpose_kind').notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    grantedBy: text('granted_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('grants_agency_purpose').on(t.agencyCode, t.purposeKind, t.validUntil),
    index('grants_subject').on(t.subjectId, t.createdAt.desc()),
    check('grants_validity_order', sql`${t.validUntil} > ${t.validFrom}`),
    check('grants_categories_present', sql`cardinality(${t.categories}) > 0`),
  ],
);
