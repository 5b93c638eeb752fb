import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { generateUscc } from '../../src/domain/identifiers.js';
import { testDatabaseKinds } from '../support/db.js';
import type { GraphQLResponse } from '../support/gateway.js';
import { createRecord, createSubject } from '../support/factories.js';
import { mulberry32 } from '../support/random.js';
import { openGatewaySuite, type GatewaySuite } from '../support/suite.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC W1–W2 and R3 under concurrency, through the HTTP API: simultaneous writes on one record or one subject give
 * one winner and clean refusals (BAD_USER_INPUT with a reason, or a W1 row error), never INTERNAL_SERVER_ERROR,
 * never a state change recorded twice, never one department's ownership over another department's data.
 * On PGlite the statements are serialised by its single connection (the planning reads still interleave); on
 * PostgreSQL the requests really race (a pool of 5 connections), so every scenario is repeated with fresh rows.
 */
const NOW = new Date('2026-06-01T04:00:00Z');
const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawRecord(id: $id, reason: $reason) { id status version } }`;
const APPLY = `mutation($id: ID!) { applyForRepair(recordId: $id, commitment: "承诺依法经营", evidence: "缴款凭证") { id status } }`;
const DECIDE = `mutation($id: ID!) { decideRepair(id: $id, approve: true, reason: "已缴清欠税") { status } }`;
const REGISTER = `mutation($subjects: [SubjectInput!]!) {
  registerSubjects(subjects: $subjects) { accepted ids errors { index reason message } } }`;

const rand = mulberry32(0x57_21_7e);
const freshCode = () => generateUscc(rand, '91');

type Refusal = { code: unknown; reason: unknown; message: string };
const refusalsOf = (responses: GraphQLResponse[]): Refusal[] =>
  responses.flatMap((r) => r.body.errors ?? []).map((e) => ({ code: e.extensions?.code, reason: e.extensions?.reason, message: e.message }));

describe.each(testDatabaseKinds())('W1–W2 writes racing on %s', (kind) => {
  let suite: GatewaySuite;

  beforeAll(async () => {
    suite = await openGatewaySuite(kind, NOW);
  });

  afterAll(async () => {
    await suite?.gw.close();
    await suite?.database.close();
  });

  const db = () => suite.database.db;

  async function ownRecord(overrides: Parameters<typeof createRecord>[3] = {}) {
    const subject = await createSubject(db(), suite.deptA, 'ENTERPRISE');
    const recordId = await createRecord(db(), subject, suite.deptA, overrides);
    return { subject, recordId };
  }

  async function storedRecord(recordId: string) {
    const [record] = await queryRows<{ status: string; version: number }>(db(), sql`SELECT status, version FROM records WHERE id = ${recordId}::uuid`);
    const versions = await queryRows<{ version: number; status: string; changed: string[] }>(db(), sql`
      SELECT version, snapshot->>'status' AS status, changed_fields AS changed FROM record_versions
       WHERE record_id = ${recordId}::uuid ORDER BY version`);
    return { status: record.status, version: Number(record.version), versions: versions.map((v) => ({ ...v, version: Number(v.version) })) };
  }

  it('W2: eight simultaneous withdrawals of one record — exactly one withdraws, the others are RECORD_NOT_ACTIVE, and the history holds the withdrawal once', async () => {
    const officer = tokens.department(suite.deptA);
    for (let round = 0; round < 5; round += 1) {
      const { recordId } = await ownRecord();
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        suite.gw.request(WITHDRAW, { token: officer, variables: { id: recordId, reason: `撤销 ${round}-${i}` } })));
      const winners = responses.filter((r) => r.body.data?.withdrawRecord?.status === 'WITHDRAWN');
      expect(winners, `round ${round}: ${JSON.stringify(refusalsOf(responses))}`).toHaveLength(1);
      expect(winners[0].body.data.withdrawRecord.version).toBe(2);
      expect(refusalsOf(responses).map(({ code, reason }) => ({ code, reason })), `round ${round}`)
        .toEqual(Array(7).fill({ code: 'BAD_USER_INPUT', reason: 'RECORD_NOT_ACTIVE' }));
      // one version: the ACTIVE content the withdrawal replaced (W2 history), written once
      expect(await storedRecord(recordId), `round ${round}`)
        .toEqual({ status: 'WITHDRAWN', version: 2, versions: [{ version: 1, status: 'ACTIVE', changed: ['status'] }] });
    }
  });

  it('W2/R3: an approved repair racing withdrawals of the same record — one wins, the others are refused cleanly, and the record changes once', async () => {
    const officer = tokens.department(suite.deptA);
    for (let round = 0; round < 8; round += 1) {
      const { subject, recordId } = await ownRecord({ type: 'tax-arrears', severity: 'GENERAL' });
      const applied = await suite.gw.request(APPLY, { token: tokens.subject(subject.code), variables: { id: recordId } });
      expect(applied.body.errors, JSON.stringify(applied.body.errors)).toBeUndefined();
      const applicationId = applied.body.data.applyForRepair.id;
      // the approval fired between two withdrawals, alternating which goes first
      const calls = [
        () => suite.gw.request(WITHDRAW, { token: officer, variables: { id: recordId, reason: `撤销 ${round}` } }),
        () => suite.gw.request(DECIDE, { token: officer, variables: { id: applicationId } }),
        () => suite.gw.request(WITHDRAW, { token: officer, variables: { id: recordId, reason: `撤销 ${round}b` } }),
      ];
      if (round % 2) calls.reverse();
      const responses = await Promise.all(calls.map((call) => call()));
      const withdrawn = responses.filter((r) => r.body.data?.withdrawRecord?.status === 'WITHDRAWN');
      const approved = responses.filter((r) => r.body.data?.decideRepair?.status === 'APPROVED');
      const refusals = refusalsOf(responses);
      expect(withdrawn.length + approved.length, `round ${round}: ${JSON.stringify(refusals)}`).toBe(1);
      expect(refusals, `round ${round}`).toHaveLength(2);
      for (const refusal of refusals) {
        expect(refusal.code, JSON.stringify(refusal)).toBe('BAD_USER_INPUT');
        expect(['RECORD_NOT_ACTIVE', 'REPAIR_ALREADY_DECIDED'], JSON.stringify(refusal)).toContain(refusal.reason);
      }
      const winner = approved.length ? 'REPAIRED' : 'WITHDRAWN';
      expect(await storedRecord(recordId), `round ${round}`)
        .toEqual({ status: winner, version: 2, versions: [{ version: 1, status: 'ACTIVE', changed: ['status'] }] });
      const actions = await queryRows<{ action: string }>(db(), sql`SELECT action FROM case_events WHERE case_id = ${applicationId}::uuid ORDER BY sequence`);
      expect(actions.map((a) => a.action), `round ${round}`).toEqual(approved.length ? ['APPLIED', 'APPROVED'] : ['APPLIED']);
    }
  });

  it('W2: a re-filing (a new version) racing a withdrawal of the same record — never a 500, never two versions with one number; the loser is refused cleanly', async () => {
    const SUBMIT = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted errors { reason } } }`;
    for (let round = 0; round < 10; round += 1) {
      const subject = await createSubject(db(), suite.deptA, 'ENTERPRISE');
      const sourceRef = `RACE-${round}-${freshCode()}`;
      const row = { subjectCode: subject.code, type: 'license', sourceRef, title: '许可 v1', decidedAt: '2026-05-01T00:00:00Z' };
      const filed = await suite.gw.request(SUBMIT, { token: tokens.department(suite.deptA), variables: { records: [row] } });
      const recordId = (await queryRows<{ id: string }>(db(), sql`SELECT id FROM records WHERE source_ref = ${sourceRef}`))[0].id;
      expect(filed.body.data.submitRecords.accepted).toBe(1);
      const [refiled, withdrawn] = await Promise.all([
        suite.gw.request(SUBMIT, { token: tokens.department(suite.deptA), variables: { records: [{ ...row, title: '许可 v2' }] } }),
        suite.gw.request(WITHDRAW, { token: tokens.department(suite.deptA), variables: { id: recordId, reason: '撤销' } }),
      ]);
      for (const refusal of refusalsOf([refiled, withdrawn])) expect(refusal.code, refusal.message).toBe('BAD_USER_INPUT');
      const stored = await storedRecord(recordId);
      expect(stored.versions.map((v) => v.version)).toEqual(Array.from({ length: stored.version - 1 }, (_, i) => i + 1));
    }
  });

  it('W2 one datum, one source: two departments registering the same new subject at once — one owns it with its own data, the other gets REGISTERED_BY_OTHER and its batch writes nothing (W1)', async () => {
    const names = { [suite.deptA]: '甲部门登记的名称有限公司', [suite.deptB]: '乙部门登记的名称有限公司' };
    const outcomes: string[] = [];
    for (let round = 0; round < 20; round += 1) {
      const raced = freshCode();
      const alongside = freshCode(); // a second new subject in B's batch: written only if B's batch is
      const row = (dept: string) => ({ code: raced, kind: 'ENTERPRISE', name: names[dept], registeredAt: '2020-01-02' });
      const [a, b] = await Promise.all([
        suite.gw.request(REGISTER, { token: tokens.department(suite.deptA), variables: { subjects: [row(suite.deptA)] } }),
        suite.gw.request(REGISTER, { token: tokens.department(suite.deptB), variables: { subjects: [row(suite.deptB), { code: alongside, kind: 'ENTERPRISE', name: '随批登记有限公司' }] } }),
      ]);
      for (const r of [a, b]) expect(r.body.errors, `round ${round}: ${JSON.stringify(r.body.errors)}`).toBeUndefined();
      const results = { [suite.deptA]: a.body.data.registerSubjects, [suite.deptB]: b.body.data.registerSubjects };
      const [stored] = await queryRows<{ name: string; registered_by: string }>(db(), sql`SELECT name, registered_by FROM subjects WHERE code = ${raced}`);
      const owner = stored.registered_by;
      const other = owner === suite.deptA ? suite.deptB : suite.deptA;
      // the stored data is the owner's (never the owner's name on the other's data, or the other way round)
      expect(stored.name, `round ${round}`).toBe(names[owner]);
      expect(results[owner].errors, `round ${round}`).toEqual([]);
      expect(results[owner].accepted, `round ${round}`).toBe(owner === suite.deptA ? 1 : 2);
      expect(results[other], `round ${round}: ${JSON.stringify(results)}`).toMatchObject({ accepted: 0, ids: [], errors: [{ index: 0, reason: 'REGISTERED_BY_OTHER' }] });
      expect(results[other].errors, `round ${round}`).toHaveLength(1);
      const [{ n }] = await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM subjects WHERE code = ${alongside}`);
      expect(Number(n), `round ${round}: B's batch is atomic`).toBe(owner === suite.deptB ? 1 : 0);
      outcomes.push(owner === suite.deptA ? 'A' : 'B');
    }
    expect(outcomes).toHaveLength(20);
  });

  it('W2 one datum, one source (one at a time): the registering department changes its registration data, another department is refused REGISTERED_BY_OTHER, the credit office changes it on the registrar\'s behalf', async () => {
    const code = freshCode();
    const register = (token: string, name: string, extra: Record<string, unknown> = {}) =>
      suite.gw.request(REGISTER, { token, variables: { subjects: [{ code, kind: 'ENTERPRISE', name, registeredAt: '2018-03-04', ...extra }] } });
    const stored = async () => (await queryRows<{ name: string; registered_at: string; address: string | null; registered_by: string }>(db(), sql`
      SELECT name, registered_at::text AS registered_at, address, registered_by FROM subjects WHERE code = ${code}`))[0];
    const asA = tokens.department(suite.deptA);
    expect((await register(asA, '原名称有限公司')).body.data.registerSubjects).toEqual({ accepted: 1, ids: [code], errors: [] });
    expect((await register(asA, '新名称有限公司', { address: '广东省韶关市新地址2号' })).body.data.registerSubjects).toEqual({ accepted: 1, ids: [code], errors: [] });
    expect(await stored()).toEqual({ name: '新名称有限公司', registered_at: '2018-03-04', address: '广东省韶关市新地址2号', registered_by: suite.deptA });
    const byB = (await register(tokens.department(suite.deptB), '乙部门的名称有限公司')).body.data.registerSubjects;
    expect(byB).toMatchObject({ accepted: 0, ids: [], errors: [{ index: 0, reason: 'REGISTERED_BY_OTHER' }] });
    expect((await stored()).name).toBe('新名称有限公司');
    expect((await register(tokens.admin(), '信用办更正名称有限公司')).body.data.registerSubjects).toEqual({ accepted: 1, ids: [code], errors: [] });
    expect(await stored()).toEqual({ name: '信用办更正名称有限公司', registered_at: '2018-03-04', address: null, registered_by: suite.deptA });
  });

  it('W1/W2: two departments registering the same new subject with identical data at once — both are accepted, one row is stored', async () => {
    for (let round = 0; round < 8; round += 1) {
      const code = freshCode();
      const row = { code, kind: 'ENTERPRISE', name: '同一登记数据有限公司', registeredAt: '2019-05-06', address: '广东省韶关市浈江区同一路1号' };
      const responses = await Promise.all([suite.deptA, suite.deptB].map((dept) =>
        suite.gw.request(REGISTER, { token: tokens.department(dept), variables: { subjects: [row] } })));
      for (const r of responses) {
        expect(r.body.errors, `round ${round}`).toBeUndefined();
        expect(r.body.data.registerSubjects, `round ${round}`).toEqual({ accepted: 1, ids: [code], errors: [] });
      }
      const rows = await queryRows<{ name: string; registered_by: string }>(db(), sql`SELECT name, registered_by FROM subjects WHERE code = ${code}`);
      expect(rows, `round ${round}`).toHaveLength(1);
      expect([suite.deptA, suite.deptB]).toContain(rows[0].registered_by);
    }
  });
});
