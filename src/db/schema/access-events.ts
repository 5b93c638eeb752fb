import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The access log (SPEC §6): append-only, hash-chained, range-partitioned by `at` (yearly partitions; the
 * migration that creates it is hand-finished from drizzle-kit's output, see migrations/0003_access_log.sql).
 * Rows are written only by the SQL function append_access_events(jsonb), which serialises appenders and
 * computes the chain; triggers refuse UPDATE, DELETE and TRUNCATE for every role.
 */
export const accessEvents = pgTable(
  'access_events',
  {
    sequence: bigint('sequence', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    requestId: text('request_id').notNull(),
    actor: text('actor'),
    role: text('role').notNull(),
    orgCode: text('org_code'),
    view: text('view'),
    purposeKind: text('purpose_kind'),
    purposeReference: text('purpose_reference'),
    grantId: text('grant_id'),
    subjectCode: text('subject_code'),
    recordIds: text('record_ids').array().notNull(),
    operationName: text('operation_name'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sequence, t.at] }),
    // the primary key (sequence first) also serves the chain head and sequence ranges: no index of sequence alone
    index('access_events_at').on(t.at.desc(), t.sequence.desc()),
    // the auditor's filters (L4) by organisation, actor and purpose are equalities, which a public event (no
    // organisation, actor or purpose: most events) never matches, so those events are not indexed (migration 0016)
    index('access_events_org_at').on(t.orgCode, t.at.desc(), t.sequence.desc()).where(sql`${t.orgCode} IS NOT NULL`),
    index('access_events_actor_at').on(t.actor, t.at.desc(), t.sequence.desc()).where(sql`${t.actor} IS NOT NULL`),
    index('access_events_subject_at').on(t.subjectCode, t.at.desc(), t.sequence.desc()),
    index('access_events_purpose_at').on(t.purposeKind, t.at.desc(), t.sequence.desc()).where(sql`${t.purposeKind} IS NOT NULL`),
    index('access_events_view_at').on(t.view, t.at.desc(), t.sequence.desc()),
  ],
);

/**
 * Signed checkpoints (SPEC L6), the database's own copy. The signed originals live outside the database
 * (CHECKPOINT_DIR); this copy lets verification tell a database rolled back to an older backup (its newest
 * checkpoints are gone too) from newest events deleted under a database that kept them. Append-only like the log.
 */
export const accessCheckpoints = pgTable(
  'access_checkpoints',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
    accessSequence: bigint('access_sequence', { mode: 'number' }),
    accessHash: text('access_hash'),
    caseSequence: bigint('case_sequence', { mode: 'number' }),
    caseHash: text('case_hash'),
    keyId: text('key_id').notNull(),
    signature: text('signature').notNull(),
  },
  (t) => [index('access_checkpoints_signed_at').on(t.signedAt.desc())],
);
