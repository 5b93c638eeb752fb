import { bigint, boolean, check, date, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
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
    index('subjects_name_trgm').using('gin', sql`lower(${t.name}) gin_trgm_ops`),
    index('subjects_kind_name').on(t.kind, t.name),
  ],
);
