import { bigint, bigserial, check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { organizations } from './organizations.js';
import { records } from './records.js';
import { subjects } from './subjects.js';

export const OBJECTION_STATUSES = ['PENDING', 'RESOLVED'] as const;
export const OBJECTION_OUTCOMES = ['CORRECTED', 'NOT_ERRONEOUS', 'UNDETERMINED'] as const;
export const REPAIR_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
export const CASE_KINDS = ['OBJECTION', 'REPAIR'] as const;
export const CASE_ACTIONS = ['FILED', 'RESOLVED', 'APPLIED', 'APPROVED', 'REJECTED'] as const;

/**
 * Objections (异议, SPEC R1–R2): a subject contests one of its records; the record's source department resolves
 * it. At most one pending objection per record. The record's `disputed` flag is kept in the same transaction as
 * every change here. The deadline is not stored: it is computed from `filed_at` with the working-day calendar
 * in force at the request (policies/working-days.ts).
 */
export const objections = pgTable(
  'objections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recordId: uuid('record_id').notNull().references(() => records.id),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull().references(() => subjects.id),
    subjectCode: text('subject_code').notNull(),
    /** the record's source organisation: the only one that resolves (W2) */
    sourceOrg: text('source_org').notNull().references(() => organizations.code),
    reason: text('reason').notNull(),
    status: text('status', { enum: OBJECTION_STATUSES }).notNull().default('PENDING'),
    outcome: text('outcome', { enum: OBJECTION_OUTCOMES }),
    note: text('note'),
    /** the record's version when the objection was filed, and after a CORRECTED resolution */
    recordVersion: integer('record_version').notNull(),
    correctedVersion: integer('corrected_version'),
    filedAt: timestamp('filed_at', { withTimezone: true }).notNull(),
    filedBy: text('filed_by').notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: text('resolved_by'),
  },
  (t) => [
    uniqueIndex('objections_one_pending_per_record').on(t.recordId).where(sql`${t.status} = 'PENDING'`),
    index('objections_record').on(t.recordId, t.filedAt.desc()),
    index('objections_subject').on(t.subjectId, t.filedAt.desc()),
    index('objections_pending_by_source').on(t.sourceOrg, t.filedAt, t.id).where(sql`${t.status} = 'PENDING'`),
    index('objections_pending').on(t.filedAt, t.id).where(sql`${t.status} = 'PENDING'`),
    check('objections_status_valid', sql`${t.status} IN ('PENDING','RESOLVED')`),
    check('objections_outcome_valid', sql`(${t.status} = 'PENDING' AND ${t.outcome} IS NULL AND ${t.resolvedAt} IS NULL)
      OR (${t.status} = 'RESOLVED' AND ${t.outcome} IN ('CORRECTED','NOT_ERRONEOUS','UNDETERMINED') AND ${t.note} IS NOT NULL AND ${t.resolvedAt} IS NOT NULL)`),
  ],
);

/**
 * Credit repair applications (信用修复, SPEC R3): a subject asks for one of its negative records to be taken out
 * of every view but its own; the record's source department approves (the record becomes REPAIRED, D4) or
 * rejects, with a reason. At most one pending application per record.
 */
export const repairApplications = pgTable(
  'repair_applications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recordId: uuid('record_id').notNull().references(() => records.id),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull().references(() => subjects.id),
    subjectCode: text('subject_code').notNull(),
    sourceOrg: text('source_org').notNull().references(() => organizations.code),
    commitment: text('commitment').notNull(),
    evidence: text('evidence').notNull(),
    status: text('status', { enum: REPAIR_STATUSES }).notNull().default('PENDING'),
    decisionReason: text('decision_reason'),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull(),
    appliedBy: text('applied_by').notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
  },
  (t) => [
    uniqueIndex('repair_applications_one_pending_per_record').on(t.recordId).where(sql`${t.status} = 'PENDING'`),
    index('repair_applications_subject').on(t.subjectId, t.appliedAt.desc()),
    index('repair_applications_pending_by_source').on(t.sourceOrg, t.appliedAt, t.id).where(sql`${t.status} = 'PENDING'`),
    check('repair_applications_status_valid', sql`(${t.status} = 'PENDING' AND ${t.decidedAt} IS NULL)
      OR (${t.status} IN ('APPROVED','REJECTED') AND ${t.decisionReason} IS NOT NULL AND ${t.decidedAt} IS NOT NULL)`),
  ],
);

/**
 * Every state change of an objection or a repair application (SPEC §8, issue 8 point 4): who (token `sub`, role,
 * organisation) and when. Append-only for every role, like the access log.
 */
export const caseEvents = pgTable(
  'case_events',
  {
    sequence: bigserial('sequence', { mode: 'number' }).primaryKey(),
    caseKind: text('case_kind', { enum: CASE_KINDS }).notNull(),
    caseId: uuid('case_id').notNull(),
    recordId: uuid('record_id').notNull(),
    subjectCode: text('subject_code').notNull(),
    action: text('action', { enum: CASE_ACTIONS }).notNull(),
    /** CORRECTED / NOT_ERRONEOUS / UNDETERMINED for RESOLVED */
    outcome: text('outcome'),
    actor: text('actor'),
    role: text('role').notNull(),
    orgCode: text('org_code'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** L6: chained like the access log; sequence, prev_hash and hash are set by the insert trigger */
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('case_events_case').on(t.caseId, t.sequence),
    index('case_events_at').on(t.at.desc(), t.sequence.desc()),
    index('case_events_subject').on(t.subjectCode, t.at.desc()),
    check('case_events_kind_valid', sql`${t.caseKind} IN ('OBJECTION','REPAIR')`),
    check('case_events_action_valid', sql`${t.action} IN ('FILED','RESOLVED','APPLIED','APPROVED','REJECTED')`),
  ],
);
