import { check, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const ORGANIZATION_KINDS = ['PLATFORM', 'DEPARTMENT', 'AGENCY', 'AUDIT_OFFICE', 'PEER_PLATFORM'] as const;
export const ORGANIZATION_STATUSES = ['ACTIVE', 'SUSPENDED'] as const;

/** Registered parties that call the API (SPEC §1). `PLATFORM` is created by the first migration. */
export const organizations = pgTable(
  'organizations',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ORGANIZATION_KINDS }).notNull(),
    status: text('status', { enum: ORGANIZATION_STATUSES }).notNull().default('ACTIVE'),
    /** X4: a PEER_PLATFORM's Ed25519 public key (PEM), which its exchange files are verified with */
    publicKey: text('public_key'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('organizations_code_format', sql`${t.code} ~ '^[A-Z0-9-]{2,64}$'`),
    check('organizations_kind_valid', sql`${t.kind} IN ('PLATFORM','DEPARTMENT','AGENCY','AUDIT_OFFICE','PEER_PLATFORM')`),
    check('organizations_status_valid', sql`${t.status} IN ('ACTIVE','SUSPENDED')`),
  ],
);
