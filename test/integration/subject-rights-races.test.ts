import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { openGatewaySuite, type GatewaySuite } from '../support/suite.js';
import { testDatabaseKinds } from '../support/db.js';
import { createRecord, createSubject } from '../support/factories.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC R1–R3 under concurrency: simultaneous requests on one case never leave two pending objections (or
 * applications) on a record, never decide a case twice, and never write a state change without its history event.
 * On PGlite the requests are serialised by its single connection; on PostgreSQL they really race (pool of 5).
 */
const NOW = new Date('2026-06-01T04:00:00Z');
const FILE = `mutation($id: ID!, $reason: String!) { fileObjection(recordId: $id, reason: $reason) { id status } }`;
const APPLY = `mutation($id: ID!) { applyForRepair(recordId: $id, commitment: "承诺依法经营", evidence: "缴款凭证") { id status } }`;
const DECIDE = `mutation($id: ID!, $approve: Boolean!) { decideRepair(id: $id, approve: $approve, reason: "复核") { status } }`;

describe.each(testDatabaseKinds())('subject rights under concurrency on %s', (kind) => {
  let suite: GatewaySuite;

  beforeAll(async () => {
    suite = await openGatewaySuite(kind, NOW);
  });

  afterAll(async () => {
    await suite?.gw.close();
    await suite?.database.close();
  });

  async function ownRecord(overrides: Parameters<typeof createRecord>[3] = {}) {
    const subject = await createSubject(suite.database.db, suite.deptA, 'ENTERPRISE');
    const recordId = await createRecord(suite.database.db, subject, suite.deptA, overrides);
    return { subject, recordId };
  }

  const reasonsOf = (responses: { body: { errors?: { extensions?: Record<string, unknown> }[] } }[]) =>
    responses.flatMap((r) => r.body.errors ?? []).map((e) => e.extensions?.reason);

  it('R1: eight simultaneous objections to one record — exactly one is filed, the others are OBJECTION_PENDING', async () => {
    const { subject, recordId } = await ownRecord();
    const token = tokens.subject(subject.code);
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => suite.gw.request(FILE, { token, variables: { id: recordId, reason: `理由 ${i}` } })));
    expect(responses.filter((r) => r.body.data?.fileObjection?.status === 'PENDING')).toHaveLength(1);
    expect(reasonsOf(responses)).toEqual(Array(7).fill('OBJECTION_PENDING'));
    const [{ n }] = await queryRows<{ n: number }>(suite.database.db, sql`SELECT count(*)::int AS n FROM objections WHERE record_id = ${recordId}::uuid`);
    const [{ events }] = await queryRows<{ events: number }>(suite.database.db, sql`SELECT count(*)::int AS events FROM case_events WHERE record_id = ${recordId}::uuid`);
    expect([n, events]).toEqual([1, 1]);
  });

  it('R3: eight simultaneous repair applications — exactly one is pending, the others are REPAIR_PENDING', async () => {
    const { subject, recordId } = await ownRecord({ type: 'tax-arrears', severity: 'GENERAL' });
    const token = tokens.subject(subject.code);
    const responses = await Promise.all(Array.from({ length: 8 }, () => suite.gw.request(APPLY, { token, variables: { id: recordId } })));
    expect(responses.filter((r) => r.body.data?.applyForRepair?.status === 'PENDING')).toHaveLength(1);
    expect(reasonsOf(responses)).toEqual(Array(7).fill('REPAIR_PENDING'));
  });

  it('R3: an approval and a rejection racing on one application — one decides, the other is REPAIR_ALREADY_DECIDED, and the record agrees with the winner', async () => {
    const { subject, recordId } = await ownRecord({ type: 'tax-arrears', severity: 'GENERAL' });
    const applied = await suite.gw.request(APPLY, { token: tokens.subject(subject.code), variables: { id: recordId } });
    const id = applied.body.data.applyForRepair.id;
    const officer = tokens.department(suite.deptA);
    const responses = await Promise.all([true, false, true, false].map((approve) => suite.gw.request(DECIDE, { token: officer, variables: { id, approve } })));
    const winners = responses.map((r) => r.body.data?.decideRepair?.status).filter(Boolean);
    expect(winners).toHaveLength(1);
    expect(reasonsOf(responses)).toEqual(Array(3).fill('REPAIR_ALREADY_DECIDED'));
    const [record] = await queryRows<{ status: string; version: number }>(suite.database.db, sql`SELECT status, version FROM records WHERE id = ${recordId}::uuid`);
    expect(record).toEqual(winners[0] === 'APPROVED' ? { status: 'REPAIRED', version: 2 } : { status: 'ACTIVE', version: 1 });
    const actions = await queryRows<{ action: string }>(suite.database.db, sql`SELECT action FROM case_events WHERE case_id = ${id}::uuid ORDER BY sequence`);
    expect(actions.map((a) => a.action)).toEqual(['APPLIED', winners[0]]);
  });
});
