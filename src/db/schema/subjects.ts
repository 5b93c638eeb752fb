import { bigint, boolean, check, date, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { organizations } from './organizations.js';

export const SUBJECT_KINDS = ['ENTERPRISE', 'INDIVIDUAL', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const;
export const SUBJECT_STATUSES = ['ACTIVE', 'DEREGISTERED', 'REVOKED'] as const;

/** Credit subjects (SPEC §1). The internal id never leaves the database; the API speaks in codes. */
export const subjects = pgTable(
  'subjects',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    code: text('code').notNull().unique(),
    kind: text('kind', { enum: SUBJECT_KINDS }).notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: SUBJECT_STATUSES }).notNull().default('ACTIVE'),
    registeredAt: date('registered_at', { mode: 'string' }),
    address: text('address'),
    legalRepresentative: text('legal_representative'),
    legalRepresentativeId: text('legal_representative_id'),
    /** individuals: the birth date encoded in the identity number (a fact of the code, not a stale window) */
    birthDate: date('birth_date', { mode: 'string' }),
    /** I5: accepted only through the exception table */
    codeFlagged: boolean('code_flagged').notNull().default(false),
    registeredBy: text('registered_by').notNull().references(() => organizations.code),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('subjects_kind_valid', sql`${t.kind} IN ('ENTERPRISE','INDIVIDUAL','PUBLIC_INSTITUTION','SOCIAL_ORGANIZATION')`),
    check('subjects_status_valid', sql`${t.status} IN ('ACTIVE','DEREGISTERED','REVOKED')`),
    check('subjects_individual_birth_date', sql`(${t.kind} = 'INDIVIDUAL') = (${t.birthDate} IS NOT NULL)`),
    // Kept for now (migration 0014 does not drop it: DROP INDEX would lock subjects against reads for the whole
    // migration); unused by search since 0014, a later migration may drop it
    index('subjects_name_trgm').using('gin', sql`lower(${t.name}) gin_trgm_ops`),
    // P4 counts (totalCount, only when a response asks for it): the subjects whose lower-cased name holds every
    // two-character piece of the query (migration 0014 defines subject_name_bigrams), read through this index
    index('subjects_name_bigrams').using('gin', sql`subject_name_bigrams(lower(${t.name}))`),
    index('subjects_kind_name').on(t.kind, t.name),
  ],
);

/**
 * Search postings (P4, G3; issue 18): one row for every distinct two-character piece (`gram`) of a subject's
 * lower-cased name, with the name, code and kind copied from `subjects`. Its index lists, for one piece, the
 * subjects whose names hold it in the order a search page shows them (name, code in "C" collation): a page of
 * "names containing 科技" is the first rows of that list that contain the whole query, read from the index alone,
 * however common the piece and wherever in the alphabet its names lie. Kept in step with `subjects` by the
 * statement triggers of migration 0014 (insert, update, delete, truncate); never written by the application.
 */
export const subjectNameGrams = pgTable(
  'subject_name_grams',
  {
    gram: text('gram').notNull(),
    name: text('name').notNull(),
    code: text('code').notNull(),
    kind: text('kind').notNull(),
  },
  (t) => [uniqueIndex('subject_name_grams_walk').on(t.gram, sql`${t.name} COLLATE "C"`, sql`${t.code} COLLATE "C"`, t.kind)],
);
