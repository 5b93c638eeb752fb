import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { createOrganization, createSubject, type SubjectFixture } from './factories.js';
import type { TestGateway } from './gateway.js';
import { tokens } from './tokens.js';
import { at, CREDIT_REPORT, distinctBirthDate, placeRecord } from './disclosure-e2e.js';
import { requestGrant } from './grants-e2e.js';

export interface ComparedReadsCast {
  deptA: string;
  deptB: string;
  agency: string;
  enterprise: SubjectFixture;
  person: SubjectFixture;
}

/**
 * Who the compared-reads suites (compiled execution, the folded append) read and read as: two departments, an agency,
 * an enterprise filed by the first (named `enterpriseName` when given) and an individual; their records and the
 * enterprise's grant placed by placeComparedReads through `gw`.
 */
export async function comparedReadsCast(db: Db, gw: TestGateway, enterpriseName?: string): Promise<ComparedReadsCast> {
  const deptA = await createOrganization(db, 'DEPARTMENT');
  const deptB = await createOrganization(db, 'DEPARTMENT');
  const agency = await createOrganization(db, 'AGENCY');
  const enterprise = await createSubject(db, deptA, 'ENTERPRISE', enterpriseName ? { name: enterpriseName } : {});
  const person = await createSubject(db, deptA, 'INDIVIDUAL', { birthDate: distinctBirthDate() });
  const cast = { deptA, deptB, agency, enterprise, person };
  await placeComparedReads(db, gw, cast);
  return cast;
}

/**
 * The records the compared-reads suites (compiled execution, the folded append) place: an enterprise with public,
 * expired, minor and general penalties, a tax arrear (SHARED) and a SUBJECT_ONLY licence; an individual on a
 * dishonest-debtor list with a qualification; and the enterprise's grant to `agency` (ADMINISTRATIVE, COMPLIANCE).
 */
export async function placeComparedReads(
  db: Db, gw: TestGateway, { enterprise, person, deptA, deptB, agency }: ComparedReadsCast,
): Promise<void> {
  await placeRecord(db, enterprise, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
  await placeRecord(db, enterprise, deptB, { type: 'license', decidedAt: at('2024-01-01T00:00:00Z'), validUntil: at('2025-01-01T00:00:00Z') });
  await placeRecord(db, enterprise, deptB, { type: 'penalty', severity: 'MINOR', decidedAt: at('2026-04-01T00:00:00Z') });
  await placeRecord(db, enterprise, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2023-04-01T00:00:00Z') });
  await placeRecord(db, enterprise, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
  await placeRecord(db, enterprise, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-01-15T00:00:00Z') });
  await placeRecord(db, person, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T00:00:00Z') });
  await placeRecord(db, person, deptB, { type: 'qualification', decidedAt: at('2025-03-01T00:00:00Z') });
  const granted = await requestGrant(gw, tokens.subject(enterprise.code), {
    agencyCode: agency, categories: ['ADMINISTRATIVE', 'COMPLIANCE'], purpose: CREDIT_REPORT.kind, validUntil: '2027-01-01T00:00:00Z',
  });
  expect(granted.body.errors).toBeUndefined();
}

/** One stored access event without what differs between two appends (sequence, instant, hashes). */
export interface EventRow {
  role: string;
  org: string | null;
  view: string | null;
  purpose: string | null;
  grant: string | null;
  subject: string | null;
  /** the record ids, comma-separated: as stored, or sorted when compared as sets */
  records: string;
  operation: string | null;
}

/**
 * The access events of one request. `asSets`: record ids sorted and events in a fixed order (two gateways may store a
 * request's events in another order); otherwise in chain order, record ids as stored (page order).
 */
export async function requestEvents(db: Db, requestId: string, { asSets = false } = {}): Promise<EventRow[]> {
  const rows = await queryRows<Record<string, string | null>>(db, sql`SELECT role, org_code, view, purpose_kind, purpose_reference, grant_id,
    subject_code, array_to_string(record_ids, ',') AS records, operation_name
    FROM access_events WHERE request_id = ${requestId} ORDER BY sequence`);
  const events = rows.map((r): EventRow => ({
    role: String(r.role), org: r.org_code ?? null, view: r.view ?? null, purpose: r.purpose_kind ? `${r.purpose_kind}/${r.purpose_reference}` : null,
    grant: r.grant_id ?? null, subject: r.subject_code ?? null, records: String(r.records ?? ''), operation: r.operation_name ?? null,
  }));
  if (!asSets) return events;
  return events.map((e) => ({ ...e, records: e.records ? e.records.split(',').sort().join(',') : '' }))
    .sort((x, y) => `${x.subject}|${x.operation}|${x.records}`.localeCompare(`${y.subject}|${y.operation}|${y.records}`));
}

/** Runs `send` while the access log refuses every append (its function renamed away), and restores it (L2 tests). */
export async function withAppendsRefused<T>(db: Db, send: () => Promise<T>): Promise<T> {
  await db.execute(sql`ALTER FUNCTION append_access_events(jsonb) RENAME TO append_access_events_off`);
  try {
    return await send();
  } finally {
    await db.execute(sql`ALTER FUNCTION append_access_events_off(jsonb) RENAME TO append_access_events`);
  }
}
