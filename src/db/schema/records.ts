import {
  bigint, boolean, check, index, integer, jsonb, numeric, pgSequence, pgTable, text, timestamp, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { catalogTypes, DISCLOSURES } from './catalog.js';
import { organizations } from './organizations.js';
import { subjects } from './subjects.js';

export const RECORD_STATUSES = ['ACTIVE', 'WITHDRAWN', 'REPAIRED'] as const;
export const SEVERITIES = ['MINOR', 'GENERAL', 'SERIOUS'] as const;

/**
 * Credit records, current version. Category and nature are copied from the catalog type at filing time (a
 * type never changes category) so that grant scopes can filter them with an index. Windows are NOT stored:
 * they are computed at request time (SPEC D6) by policies/windows.ts.
 */
export const records = pgTable(
  'records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull().references(() => subjects.id),
    type: text('type').notNull().references(() => catalogTypes.code),
    category: text('category').notNull(),
    nature: text('nature').notNull(),
    severity: text('severity', { enum: SEVERITIES }),
    title: text('title').notNull(),
    summary: text('summary'),
    decisionNumber: text('decision_number'),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true }),
    validUntil: timestamp('valid_until', { withTimezone: true }),
    legalBasis: text('legal_basis'),
    amount: numeric('amount', { mode: 'number' }),
    grade: text('grade'),
    groupCode: text('group_code'),
    disclosure: text('disclosure', { enum: DISCLOSURES }).notNull(),
    details: jsonb('details'),
    sourceOrg: text('source_org').notNull().references(() => organizations.code),
    sourceRef: text('source_ref').notNull(),
    status: text('status', { enum: RECORD_STATUSES }).notNull().default('ACTIVE'),
    statusReason: text('status_reason'),
    /** R1: an objection is pending, or the last one was UNDETERMINED; kept by the objection service's transactions */
    disputed: boolean('disputed').notNull().default(false),
    /** SHA-256 of the filed content: an unchanged re-submission is recognised without comparing fields */
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull().default(1),
    /** X3: a record a peer platform sent: its organisation code and the record's id there (null: filed here) */
    originPlatform: text('origin_platform').references(() => organizations.code),
    originId: text('origin_id'),
    /** X3: the peer's change sequence last applied to this record: an older change arriving again is skipped */
    originSequence: bigint('origin_sequence', { mode: 'bigint' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('records_source_ref').on(t.sourceOrg, t.sourceRef),
    // migration 0007 adds INCLUDE (status, disclosure, type, severity, valid_from, valid_until, category, nature,
    // source_org): scopes count a subject's visible records from the index alone (drizzle cannot express INCLUDE)
    index('records_subject_newest').on(t.subjectId, t.decidedAt.desc(), t.id.desc()),
    // WEB2 publicNotices: the newest records of a type (the home page's 双公示, the list pages)
    index('records_type_newest').on(t.type, t.decidedAt.desc(), t.id.desc()),
    index('records_subject_group').on(t.subjectId, t.groupCode).where(sql`${t.groupCode} IS NOT NULL`),
    index('records_group_subject').on(t.groupCode, t.subjectId).where(sql`${t.groupCode} IS NOT NULL`),
    check('records_status_valid', sql`${t.status} IN ('ACTIVE','WITHDRAWN','REPAIRED')`),
    check('records_disclosure_valid', sql`${t.disclosure} IN ('PUBLIC','SHARED','SUBJECT_ONLY')`),
    check('records_severity_valid', sql`${t.severity} IS NULL OR ${t.severity} IN ('MINOR','GENERAL','SERIOUS')`),
    check('records_origin_complete', sql`(${t.originPlatform} IS NULL) = (${t.originId} IS NULL)`),
    check('records_validity_order', sql`${t.validUntil} IS NULL OR ${t.validFrom} IS NULL OR ${t.validUntil} >= ${t.validFrom}`),
  ],
);

/** Earlier versions of a record (SPEC W2): a full snapshot of what was replaced, and which fields changed. */
export const recordVersions = pgTable(
  'record_versions',
  {
    recordId: uuid('record_id').notNull().references(() => records.id),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').notNull(),
    changedFields: text('changed_fields').array().notNull(),
    replacedAt: timestamp('replaced_at', { withTimezone: true }).notNull().defaultNow(),
    replacedBy: text('replaced_by'),
  },
  (t) => [uniqueIndex('record_versions_pk').on(t.recordId, t.version)],
);

export const RECORD_CHANGE_KINDS = ['FILED', 'VERSIONED', 'WITHDRAWN', 'REPAIRED', 'DISPUTED', 'UNDISPUTED', 'UNSHARED'] as const;

/**
 * X1: every change to a record, numbered in commit order. Rows are written by the deferred trigger of migration 0013
 * (never by application code): the record's content as of a change is its version (`records` or `record_versions`),
 * its status and dispute flag as of the change are kept here. Append-only.
 */
export const recordChangesSequence = pgSequence('record_changes_sequence', { cache: 1 });

export const recordChanges = pgTable(
  'record_changes',
  {
    /** taken at commit, under the lock of migration 0013's trigger: ascending sequence is commit order */
    sequence: bigint('sequence', { mode: 'bigint' }).primaryKey().default(sql`nextval('record_changes_sequence')`),
    /** no foreign key: the rows come from the records table's own trigger (and a per-row key check would cost filings) */
    recordId: uuid('record_id').notNull(),
    version: integer('version').notNull(),
    kind: text('kind', { enum: RECORD_CHANGE_KINDS }).notNull(),
    status: text('status', { enum: RECORD_STATUSES }).notNull(),
    disputed: boolean('disputed').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('record_changes_kind_valid', sql`${t.kind} IN ('FILED','VERSIONED','WITHDRAWN','REPAIRED','DISPUTED','UNDISPUTED','UNSHARED')`),
  ],
);

/**
 * X4: how far each exchange file of a peer has been imported. Kept in the database, written in the same transaction
 * as the batch it follows, so progress is exact and cannot be moved by whoever can write the file-drop directory.
 */
export const exchangeImports = pgTable(
  'exchange_imports',
  {
    peer: text('peer').notNull().references(() => organizations.code),
    /** SHA-256 (hex) of the file as signed */
    digest: text('digest').notNull(),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    nextLine: integer('next_line').notNull(),
    lastSequence: text('last_sequence').notNull(),
    applied: integer('applied').notNull(),
    skipped: integer('skipped').notNull(),
    rejected: integer('rejected').notNull(),
    lines: integer('lines').notNull(),
    rejectsSize: bigint('rejects_size', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('exchange_imports_pk').on(t.peer, t.digest)],
);
