import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject, type RecordOverrides, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { at, CREDIT_REPORT, expectNoErrors, LICENSING, lookup, NOW, recordIdsOf } from '../support/disclosure-e2e.js';
import { iso, plusDays, plusMs, requestGrant } from '../support/grants-e2e.js';
import { checkOf, hitRecordIds, runCheck } from '../support/credit-check-e2e.js';
import {
  apply, caseEvents, COMMITMENT, decide, EVIDENCE, expectError, FILE_OBJECTION_MUTATION, OWN_FILE_QUERY, steps, toDecide,
  WITHDRAW_MUTATION, type CaseEventNode, type OwnRecordNode, type RepairNode,
} from '../support/repair-e2e.js';

/**
 * SPEC §8 R3 (credit repair) over HTTP with real signed tokens: applying (the subject, on its own negative record,
 * after the minimum period of its type), the refusals with their reasons, the source department's decision, the
 * effect of an approval on every view (D4) and on the credit check (C2/C3), the role checks, and the history of
 * every state change with who and when (issue 8 point 4). Records are placed with the factories at chosen
 * instants; the gateway's clock (`gw.clock.now`) is the instant of every request.
 */

const HOUR_MS = 3_600_000;
/** A GENERAL penalty inside its 1-year public window (D1) and past its 3-month minimum repair period (R3). */
const GENERAL_PENALTY: RecordOverrides = { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-01-15T02:00:00Z') };

describe.each(testDatabaseKinds())('credit repair on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string; // another department (checks, looks up, tries to decide)
  let deptB: string; // the source department of the records
  let agency: string;
  let auditOffice: string;

  beforeAll(async () => {
    ({ database, gw, deptA, deptB, agency, auditOffice } = await openGatewaySuite(kind, NOW));
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  beforeEach(() => {
    gw.clock.now = NOW;
  });

  const db = () => database.db;
  const enterprise = () => createSubject(db(), deptA, 'ENTERPRISE');
  const place = (subject: SubjectFixture, overrides: RecordOverrides, source = deptB) => createRecord(db(), subject, source, overrides);
  /** The subject's own token; its `sub` is the actor the auditor sees. */
  const self = (subject: { code: string }) => tokens.subject(subject.code, `citizen-${subject.code.slice(-8)}`);
  const source = (officer = 'officer-src', org = deptB) => tokens.department(org, officer);

  async function applied(subject: SubjectFixture, recordId: string, commitment = COMMITMENT, evidence = EVIDENCE): Promise<RepairNode> {
    const response = await apply(gw, self(subject), recordId, commitment, evidence);
    expectNoErrors(response);
    return response.body.data.applyForRepair;
  }

  async function decided(id: string, approve: boolean, reason: string, token = source()): Promise<RepairNode> {
    const response = await decide(gw, token, id, approve, reason);
    expectNoErrors(response);
    return response.body.data.decideRepair;
  }

  async function ownFile(subject: SubjectFixture): Promise<{ view: string; repairApplications: RepairNode[] | null; records: OwnRecordNode[] }> {
    const response = await gw.request(OWN_FILE_QUERY, { token: self(subject), variables: { code: subject.code } });
    expectNoErrors(response);
    const found = response.body.data.subject;
    return { view: found.view, repairApplications: found.repairApplications, records: found.records.edges.map((e: { node: OwnRecordNode }) => e.node) };
  }

  async function ownApplications(subject: SubjectFixture): Promise<RepairNode[]> {
    const file = await ownFile(subject);
    expect(file.view).toBe('SELF');
    return file.repairApplications!;
  }

  async function ownRecord(subject: SubjectFixture, id: string): Promise<OwnRecordNode> {
    const node = (await ownFile(subject)).records.find((r) => r.id === id);
    expect(node, `record ${id} in the subject's own file`).toBeDefined();
    return node!;
  }

  /** Every pending application of an organisation's repairApplicationsToDecide, walking every page. */
  async function pendingOf(org: string): Promise<RepairNode[]> {
    const nodes: RepairNode[] = [];
    let after: string | undefined;
    for (;;) {
      const response = await toDecide(gw, source('officer-list', org), { first: 100, after });
      expectNoErrors(response);
      const connection = response.body.data.repairApplicationsToDecide;
      nodes.push(...connection.edges.map((e: { node: RepairNode }) => e.node));
      if (!connection.pageInfo.hasNextPage) return nodes;
      after = connection.pageInfo.endCursor;
    }
  }
  const pendingIdsOf = async (org: string) => (await pendingOf(org)).map((n) => n.id);

  const publicView = (subject: SubjectFixture) => lookup(gw, subject.code);
  const departmentView = (subject: SubjectFixture) => lookup(gw, subject.code, { token: tokens.department(deptA, 'officer-view'), purpose: LICENSING });
  const agencyView = (subject: SubjectFixture) => lookup(gw, subject.code, { token: tokens.agency(agency), purpose: CREDIT_REPORT });

  function visibleIds(response: GraphQLResponse, view: string): string[] {
    expectNoErrors(response);
    expect(response.body.data.subject.view).toBe(view);
    return recordIdsOf(response);
  }

  async function grantAgency(subject: SubjectFixture, categories: string[]): Promise<void> {
    const response = await requestGrant(gw, self(subject), {
      agencyCode: agency, categories, purpose: CREDIT_REPORT.kind, validUntil: iso(plusDays(gw.clock.now, 90)),
    });
    expectNoErrors(response);
  }

  /** A refused application wrote nothing: the subject still has no application at all. */
  async function expectNoApplication(subject: SubjectFixture): Promise<void> {
    expect(await ownApplications(subject)).toEqual([]);
  }

  // ----------------------------------------------------------------------------------------------------------
  describe('R3 applying and approving', () => {
    it('R3: the subject applies with a commitment and evidence → PENDING in its own repairApplications and in the source department\'s list, not in another department\'s', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const application = await applied(subject, penalty);
      expect(application).toMatchObject({
        recordId: penalty, subjectCode: subject.code, source: { code: deptB }, commitment: COMMITMENT, evidence: EVIDENCE,
        status: 'PENDING', reason: null, appliedAt: iso(NOW), decidedAt: null, redactions: [],
      });
      expect(application.id).toMatch(/^[0-9a-f-]{36}$/);

      const own = await ownApplications(subject);
      expect(own.map((a) => [a.id, a.status, a.reason])).toEqual([[application.id, 'PENDING', null]]);
      expect(own[0]).toMatchObject({ commitment: COMMITMENT, evidence: EVIDENCE, recordId: penalty });

      // the source department sees it with what it needs to decide: the full code, the commitment and the evidence
      const inList = (await pendingOf(deptB)).find((n) => n.id === application.id);
      expect(inList, 'in the source department\'s list').toBeDefined();
      expect(inList).toMatchObject({ status: 'PENDING', subjectCode: subject.code, commitment: COMMITMENT, evidence: EVIDENCE, recordId: penalty });
      expect(await pendingIdsOf(deptA)).not.toContain(application.id);
      // the record itself is unchanged while pending
      expect(await ownRecord(subject, penalty)).toMatchObject({ status: 'ACTIVE', version: 1 });
    });

    it('R3: repairApplicationsToDecide lists the department\'s pending applications oldest first, paginated, with totalCount; a decided one leaves it', async () => {
      const src = await createOrganization(db(), 'DEPARTMENT');
      const subject = await enterprise();
      const other = await enterprise();
      const [a, b, c] = [
        await place(subject, { type: 'tax-arrears', decidedAt: at('2026-02-01T02:00:00Z') }, src),
        await place(other, { type: 'tax-arrears', decidedAt: at('2026-02-01T02:00:00Z') }, src),
        await place(subject, { ...GENERAL_PENALTY }, src),
      ];
      const elsewhere = await place(subject, { type: 'tax-arrears', decidedAt: at('2026-02-01T02:00:00Z') }, deptB);
      // applied out of order: c first (latest instant), then a (earliest), then b
      gw.clock.now = NOW;
      const appC = await applied(subject, c);
      gw.clock.now = plusMs(NOW, -2 * HOUR_MS);
      const appA = await applied(subject, a);
      gw.clock.now = plusMs(NOW, -1 * HOUR_MS);
      const appB = await applied(other, b);
      await applied(subject, elsewhere);
      gw.clock.now = NOW;

      const token = source('officer-page', src);
      const first = await toDecide(gw, token, { first: 2 });
      expectNoErrors(first);
      const page1 = first.body.data.repairApplicationsToDecide;
      expect(page1.totalCount).toBe(3);
      expect(page1.edges.map((e: { node: RepairNode }) => e.node.id)).toEqual([appA.id, appB.id]);
      expect(page1.edges.map((e: { node: RepairNode }) => e.node.appliedAt)).toEqual([iso(plusMs(NOW, -2 * HOUR_MS)), iso(plusMs(NOW, -HOUR_MS))]);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const second = await toDecide(gw, token, { first: 2, after: page1.pageInfo.endCursor });
      expectNoErrors(second);
      const page2 = second.body.data.repairApplicationsToDecide;
      expect(page2.totalCount).toBe(3);
      expect(page2.edges.map((e: { node: RepairNode }) => e.node.id)).toEqual([appC.id]);
      expect(page2.pageInfo.hasNextPage).toBe(false);

      await decided(appB.id, true, '欠税已缴清', token);
      const after = await toDecide(gw, token, { first: 10 });
      expectNoErrors(after);
      expect(after.body.data.repairApplicationsToDecide.totalCount).toBe(2);
      expect(after.body.data.repairApplicationsToDecide.edges.map((e: { node: RepairNode }) => e.node.id)).toEqual([appA.id, appC.id]);
    });

    it('R3: repairApplicationsToDecide follows the connection rules — first above 100 is FIRST_TOO_LARGE, a malformed cursor INVALID_CURSOR', async () => {
      expectError(await toDecide(gw, source(), { first: 101 }), 'repairApplicationsToDecide', 'BAD_USER_INPUT', 'FIRST_TOO_LARGE');
      expectError(await toDecide(gw, source(), { after: 'not-a-cursor' }), 'repairApplicationsToDecide', 'BAD_USER_INPUT', 'INVALID_CURSOR');
    });

    it('D4: approval (with a reason) makes the record REPAIRED at the next request — gone from the public, department (G1) and granted agency views; only the subject sees it, as REPAIRED, with its earlier version kept', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const licence = await place(subject, { type: 'license', decidedAt: at('2026-03-01T02:00:00Z') });
      await grantAgency(subject, ['ADMINISTRATIVE']);
      // before: every view that can see it does
      expect(visibleIds(await publicView(subject), 'PUBLIC')).toContain(penalty);
      expect(visibleIds(await departmentView(subject), 'DEPARTMENT')).toContain(penalty);
      expect(visibleIds(await agencyView(subject), 'AGENCY')).toContain(penalty);

      const application = await applied(subject, penalty);
      const decisionAt = plusDays(NOW, 2);
      gw.clock.now = decisionAt;
      const reason = '当事人已履行处罚决定并完成整改，准予信用修复。';
      const approved = await decided(application.id, true, reason);
      expect(approved).toMatchObject({ id: application.id, status: 'APPROVED', reason, decidedAt: iso(decisionAt), appliedAt: iso(NOW) });

      // the next requests
      const publicIds = visibleIds(await publicView(subject), 'PUBLIC');
      expect(publicIds).not.toContain(penalty);
      expect(publicIds).toContain(licence);
      const departmentIds = visibleIds(await departmentView(subject), 'DEPARTMENT');
      expect(departmentIds).not.toContain(penalty);
      expect(departmentIds).toContain(licence);
      const agencyIds = visibleIds(await agencyView(subject), 'AGENCY');
      expect(agencyIds).not.toContain(penalty);
      expect(agencyIds).toContain(licence);
      // … even to the source department itself
      expect(visibleIds(await lookup(gw, subject.code, { token: source(), purpose: LICENSING }), 'DEPARTMENT')).not.toContain(penalty);

      const own = await ownRecord(subject, penalty);
      expect(own.status).toBe('REPAIRED');
      expect(own.version).toBe(2);
      expect(own.history, 'the earlier version is kept (W2)').toHaveLength(1);
      expect(own.history![0]).toMatchObject({ version: 1, replacedAt: iso(decisionAt), changedFields: ['status'] });
      // W2a: the snapshot carries CreditRecord fields (no row id), the subject's own view: details, no sourceRef
      expect(own.history![0].snapshot).toMatchObject({ type: 'penalty', status: 'ACTIVE', sourceRef: null });
      expect(own.history![0].snapshot).not.toHaveProperty('id');

      const [ownApplication] = await ownApplications(subject);
      expect(ownApplication).toMatchObject({ id: application.id, status: 'APPROVED', reason, decidedAt: iso(decisionAt) });
      expect(await pendingIdsOf(deptB)).not.toContain(application.id);
    });

    it('D4: a repaired SHARED record (tax arrears) leaves the department and agency views too', async () => {
      const subject = await enterprise();
      const arrears = await place(subject, { type: 'tax-arrears', decidedAt: at('2026-05-01T02:00:00Z') });
      await grantAgency(subject, ['COMPLIANCE']);
      expect(visibleIds(await publicView(subject), 'PUBLIC')).not.toContain(arrears);
      expect(visibleIds(await departmentView(subject), 'DEPARTMENT')).toContain(arrears);
      expect(visibleIds(await agencyView(subject), 'AGENCY')).toContain(arrears);
      const application = await applied(subject, arrears);
      await decided(application.id, true, '欠缴税款及滞纳金已全部缴清');
      expect(visibleIds(await departmentView(subject), 'DEPARTMENT')).not.toContain(arrears);
      expect(visibleIds(await agencyView(subject), 'AGENCY')).not.toContain(arrears);
      expect((await ownRecord(subject, arrears)).status).toBe('REPAIRED');
    });

    it('R3: Subject.repairApplications is the subject\'s own (S1): null in the public, department and agency views', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      await grantAgency(subject, ['ADMINISTRATIVE']);
      await applied(subject, penalty);
      const variants: [string, { token?: string; purpose?: { kind: string; reference: string } }][] = [
        ['PUBLIC', {}],
        ['DEPARTMENT', { token: source(), purpose: LICENSING }],
        ['AGENCY', { token: tokens.agency(agency), purpose: CREDIT_REPORT }],
        ['PUBLIC', { token: tokens.auditor(auditOffice) }],
        ['PUBLIC', { token: tokens.admin() }],
      ];
      for (const [view, { token, purpose }] of variants) {
        const response = await gw.request(OWN_FILE_QUERY, { token, variables: { code: subject.code, ...(purpose ? { purpose } : {}) } });
        expectNoErrors(response);
        expect(response.body.data.subject.view).toBe(view);
        expect(response.body.data.subject.repairApplications, view).toBeNull();
      }
      expect(await ownApplications(subject)).toHaveLength(1);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('C2/C3 the credit check and repaired records', () => {
    const cases: [string, RecordOverrides, string, string][] = [
      // a serious-dishonesty-list entry listed 13 months ago: in force (3-year default), repairable after 1 year
      ['serious-dishonesty-list entry 13 months old (PROCUREMENT)', { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2025-05-01T02:00:00Z') }, 'PROCUREMENT', 'RESTRICT'],
      ['GENERAL penalty inside its public window (LICENSING)', GENERAL_PENALTY, 'LICENSING', 'WARN'],
    ];

    it.each(cases)('C3: a %s counts while the repair is pending, and no longer once approved (verdict → CLEAR)', async (_label, overrides, scenario, verdict) => {
      const subject = await enterprise();
      const negative = await place(subject, overrides);
      const checker = tokens.department(deptA, 'officer-check');
      const purpose = { kind: scenario, reference: `APP-${scenario}-0815` };
      const checkNow = async () => {
        const response = await runCheck(gw, checker, subject.code, scenario, purpose);
        expectNoErrors(response);
        return checkOf(response);
      };
      const before = await checkNow();
      expect(before.verdict).toBe(verdict);
      expect(hitRecordIds(verdict === 'RESTRICT' ? before.restrictions : before.warnings)).toEqual([negative]);

      const application = await applied(subject, negative);
      const pending = await checkNow();
      expect(pending.verdict, 'a pending application changes nothing').toBe(verdict);

      await decided(application.id, true, '已完成信用修复');
      const after = await checkNow();
      expect(after.verdict).toBe('CLEAR');
      expect([...after.restrictions, ...after.warnings].map((h) => h.record.id)).not.toContain(negative);
    });

    it('C3: repairing one of two triggers leaves the other — RESTRICT becomes WARN', async () => {
      const subject = await enterprise();
      const listed = await place(subject, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2025-05-01T02:00:00Z') });
      const penalty = await place(subject, GENERAL_PENALTY);
      const response = () => runCheck(gw, tokens.department(deptA), subject.code, 'BIDDING', { kind: 'BIDDING', reference: 'ZB-2026-031' });
      const before = checkOf(await response());
      expect(before.verdict).toBe('RESTRICT');
      expect(hitRecordIds(before.restrictions)).toEqual([listed]);
      await decided((await applied(subject, listed)).id, true, '已退出严重失信主体名单');
      const after = checkOf(await response());
      expect(after.verdict).toBe('WARN');
      expect(after.restrictions).toEqual([]);
      expect(hitRecordIds(after.warnings)).toEqual([penalty]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('R3 rejection', () => {
    it('R3: rejection → REJECTED with its reason; the record stays ACTIVE and visible; the subject may apply again', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const first = await applied(subject, penalty);
      gw.clock.now = plusDays(NOW, 1);
      const reason = '整改材料不齐全，不予修复。';
      const rejected = await decided(first.id, false, reason);
      expect(rejected).toMatchObject({ id: first.id, status: 'REJECTED', reason, decidedAt: iso(plusDays(NOW, 1)) });

      expect(await ownRecord(subject, penalty)).toMatchObject({ status: 'ACTIVE', version: 1, history: [] });
      expect(visibleIds(await publicView(subject), 'PUBLIC')).toContain(penalty);
      expect(visibleIds(await departmentView(subject), 'DEPARTMENT')).toContain(penalty);
      expect(await pendingIdsOf(deptB)).not.toContain(first.id);

      gw.clock.now = plusDays(NOW, 5);
      const second = await applied(subject, penalty, '补充承诺：按期完成整改。', '补充的整改报告与验收意见。');
      expect(second.id).not.toBe(first.id);
      expect(second.status).toBe('PENDING');
      const own = await ownApplications(subject);
      expect(own.map((a) => [a.id, a.status, a.reason])).toEqual([[second.id, 'PENDING', null], [first.id, 'REJECTED', reason]]);
      expect(await pendingIdsOf(deptB)).toContain(second.id);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('R3 refusals of applyForRepair', () => {
    it('R3: MIN_PERIOD_NOT_REACHED — a GENERAL penalty decided 2 months ago (the message names the earliest instant)', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-04-01T04:00:00Z') });
      const response = await apply(gw, self(subject), penalty);
      expectError(response, 'applyForRepair', 'BAD_USER_INPUT', 'MIN_PERIOD_NOT_REACHED');
      expect(response.body.errors![0].message).toContain('2026-07-01T04:00:00.000Z');
      await expectNoApplication(subject);
    });

    it('R3: MIN_PERIOD_NOT_REACHED boundary — a GENERAL penalty is repairable at decidedAt + 3 Asia/Shanghai calendar months: refused 1 ms before, accepted at the instant', async () => {
      const subject = await enterprise();
      // 2025-11-29T17:00Z is 30 November 01:00 in Shanghai; + 3 months = 28 February 01:00 Shanghai
      // (= 2026-02-27T17:00Z, a day before the UTC calendar's 2026-02-28T17:00Z)
      const penalty = await place(subject, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-11-29T17:00:00Z') });
      const boundary = at('2026-02-27T17:00:00Z');
      gw.clock.now = plusMs(boundary, -1);
      expectError(await apply(gw, self(subject), penalty), 'applyForRepair', 'BAD_USER_INPUT', 'MIN_PERIOD_NOT_REACHED');
      await expectNoApplication(subject);
      gw.clock.now = boundary;
      const application = await applied(subject, penalty);
      expect(application).toMatchObject({ status: 'PENDING', appliedAt: iso(boundary) });
    });

    it('R3: MIN_PERIOD_NOT_REACHED — a SERIOUS penalty needs 1 year (10 months refused; boundary at decidedAt + 1 year)', async () => {
      const subject = await enterprise();
      const recent = await place(subject, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2025-08-01T04:00:00Z') });
      expectError(await apply(gw, self(subject), recent), 'applyForRepair', 'BAD_USER_INPUT', 'MIN_PERIOD_NOT_REACHED');
      const yearOld = await place(subject, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2025-06-01T04:00:00Z') });
      gw.clock.now = plusMs(NOW, -1);
      expectError(await apply(gw, self(subject), yearOld), 'applyForRepair', 'BAD_USER_INPUT', 'MIN_PERIOD_NOT_REACHED');
      await expectNoApplication(subject);
      gw.clock.now = NOW; // 2025-06-01T04:00Z + 1 year
      expect((await applied(subject, yearOld)).status).toBe('PENDING');
    });

    it('R3: MIN_PERIOD_NOT_REACHED — abnormal-operation counts 1 year from validFrom, not from decidedAt', async () => {
      const subject = await enterprise();
      const decidedAt = at('2025-01-01T02:00:00Z'); // decidedAt + 1 year is long past
      const listed = await place(subject, { type: 'abnormal-operation', severity: 'GENERAL', decidedAt, validFrom: at('2025-09-01T02:00:00Z') });
      const response = await apply(gw, self(subject), listed);
      expectError(response, 'applyForRepair', 'BAD_USER_INPUT', 'MIN_PERIOD_NOT_REACHED');
      expect(response.body.errors![0].message).toContain('2026-09-01T02:00:00.000Z');
      gw.clock.now = at('2026-09-01T01:59:59.999Z');
      expectError(await apply(gw, self(subject), listed), 'applyForRepair', 'BAD_USER_INPUT', 'MIN_PERIOD_NOT_REACHED');
      await expectNoApplication(subject);
      gw.clock.now = at('2026-09-01T02:00:00Z');
      expect((await applied(subject, listed)).status).toBe('PENDING');
      // without validFrom the same decision date is repairable already
      gw.clock.now = NOW;
      const unlisted = await place(subject, { type: 'abnormal-operation', severity: 'GENERAL', decidedAt, validFrom: null });
      expect((await applied(subject, unlisted)).status).toBe('PENDING');
    });

    const notRepairable: [string, RecordOverrides][] = [
      ['dishonest-debtor', { type: 'dishonest-debtor', severity: 'SERIOUS', decidedAt: at('2025-01-01T02:00:00Z') }],
      ['judgment', { type: 'judgment', severity: 'GENERAL', decidedAt: at('2024-01-01T02:00:00Z') }],
      ['MINOR penalty', { type: 'penalty', severity: 'MINOR', decidedAt: at('2024-01-01T02:00:00Z') }],
    ];
    it.each(notRepairable)('R3: NOT_REPAIRABLE — a %s', async (_label, overrides) => {
      const subject = await enterprise();
      const record = await place(subject, overrides);
      expectError(await apply(gw, self(subject), record), 'applyForRepair', 'BAD_USER_INPUT', 'NOT_REPAIRABLE');
      await expectNoApplication(subject);
    });

    it.each(['tax-arrears', 'social-insurance-arrears'])('R3: `%s` has no minimum period — accepted at the very instant of its decision', async (type) => {
      const subject = await enterprise();
      const arrears = await place(subject, { type, severity: 'GENERAL', decidedAt: NOW });
      expect(await applied(subject, arrears)).toMatchObject({ status: 'PENDING', recordId: arrears, appliedAt: iso(NOW) });
    });

    it.each(['license', 'honor'])('R3: NOT_NEGATIVE — a `%s`', async (type) => {
      const subject = await enterprise();
      const record = await place(subject, { type, decidedAt: at('2024-01-01T02:00:00Z') });
      expectError(await apply(gw, self(subject), record), 'applyForRepair', 'BAD_USER_INPUT', 'NOT_NEGATIVE');
      await expectNoApplication(subject);
    });

    it('R1/R3: another subject\'s record answers NOT_FOUND, exactly as an unknown id (no existence oracle)', async () => {
      const subject = await enterprise();
      const other = await enterprise();
      const theirs = await place(other, GENERAL_PENALTY);
      const refused = await apply(gw, self(subject), theirs);
      expectError(refused, 'applyForRepair', 'NOT_FOUND');
      const unknown = await apply(gw, self(subject), '00000000-0000-4000-8000-000000000000');
      expect(refused.body.errors![0].message).toBe(unknown.body.errors![0].message);
      expect(refused.body.errors![0].extensions).toEqual(unknown.body.errors![0].extensions);
      await expectNoApplication(subject);
      await expectNoApplication(other);
    });

    it('R3: ALREADY_REPAIRED — applying again after an approval', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      await decided((await applied(subject, penalty)).id, true, '准予修复');
      expectError(await apply(gw, self(subject), penalty), 'applyForRepair', 'BAD_USER_INPUT', 'ALREADY_REPAIRED');
      expect(await ownApplications(subject)).toHaveLength(1);
    });

    it('R3: RECORD_WITHDRAWN — a record its source withdrew', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const withdrawn = await gw.request(WITHDRAW_MUTATION, { token: source(), variables: { id: penalty, reason: '处罚决定已被撤销' } });
      expectNoErrors(withdrawn);
      expect(withdrawn.body.data.withdrawRecord.status).toBe('WITHDRAWN');
      expectError(await apply(gw, self(subject), penalty), 'applyForRepair', 'BAD_USER_INPUT', 'RECORD_WITHDRAWN');
      await expectNoApplication(subject);
    });

    it('R3: REPAIR_PENDING — a second application while one is pending', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const first = await applied(subject, penalty);
      expectError(await apply(gw, self(subject), penalty, '再次承诺', '再次提交'), 'applyForRepair', 'BAD_USER_INPUT', 'REPAIR_PENDING');
      expect((await ownApplications(subject)).map((a) => a.id)).toEqual([first.id]);
    });

    it('R3: INVALID_COMMITMENT / INVALID_EVIDENCE — a blank commitment or blank evidence', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      expectError(await apply(gw, self(subject), penalty, '', EVIDENCE), 'applyForRepair', 'BAD_USER_INPUT', 'INVALID_COMMITMENT');
      expectError(await apply(gw, self(subject), penalty, ' \n\t ', EVIDENCE), 'applyForRepair', 'BAD_USER_INPUT', 'INVALID_COMMITMENT');
      expectError(await apply(gw, self(subject), penalty, COMMITMENT, ''), 'applyForRepair', 'BAD_USER_INPUT', 'INVALID_EVIDENCE');
      expectError(await apply(gw, self(subject), penalty, COMMITMENT, '   '), 'applyForRepair', 'BAD_USER_INPUT', 'INVALID_EVIDENCE');
      await expectNoApplication(subject);
    });

    it('R3: NOT_FOUND — an unknown record id (well-formed or not)', async () => {
      const subject = await enterprise();
      expectError(await apply(gw, self(subject), randomUUID()), 'applyForRepair', 'NOT_FOUND');
      expectError(await apply(gw, self(subject), 'no-such-record'), 'applyForRepair', 'NOT_FOUND');
      await expectNoApplication(subject);
    });

    it('R3: a pending objection does not block repair — file an objection first, then apply: accepted', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const objection = await gw.request(FILE_OBJECTION_MUTATION, { token: self(subject), variables: { recordId: penalty, reason: '处罚金额记载有误' } });
      expectNoErrors(objection);
      expect(objection.body.data.fileObjection.status).toBe('PENDING');
      const application = await applied(subject, penalty);
      expect(application.status).toBe('PENDING');
      expect(await ownRecord(subject, penalty)).toMatchObject({ status: 'ACTIVE', disputed: true });
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('R3 refusals of decideRepair', () => {
    it('R3: FORBIDDEN — another department cannot decide; the application stays PENDING and the record ACTIVE', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const application = await applied(subject, penalty);
      expectError(await decide(gw, tokens.department(deptA, 'officer-intruder'), application.id, true, '越权批准'), 'decideRepair', 'FORBIDDEN');
      expectError(await decide(gw, tokens.department(deptA, 'officer-intruder'), application.id, false, '越权驳回'), 'decideRepair', 'FORBIDDEN');
      const [own] = await ownApplications(subject);
      expect(own).toMatchObject({ id: application.id, status: 'PENDING', reason: null, decidedAt: null });
      expect(own.history.map((e) => e.action)).toEqual(['APPLIED']);
      expect((await ownRecord(subject, penalty)).status).toBe('ACTIVE');
      expect(await pendingIdsOf(deptB)).toContain(application.id);
    });

    it('R3: REPAIR_ALREADY_DECIDED — deciding twice (approve then approve, reject then approve)', async () => {
      const subject = await enterprise();
      const approvedRecord = await place(subject, GENERAL_PENALTY);
      const rejectedRecord = await place(subject, GENERAL_PENALTY);
      const first = await applied(subject, approvedRecord);
      await decided(first.id, true, '准予修复');
      expectError(await decide(gw, source(), first.id, true, '再次批准'), 'decideRepair', 'BAD_USER_INPUT', 'REPAIR_ALREADY_DECIDED');
      expectError(await decide(gw, source(), first.id, false, '改为驳回'), 'decideRepair', 'BAD_USER_INPUT', 'REPAIR_ALREADY_DECIDED');
      const second = await applied(subject, rejectedRecord);
      await decided(second.id, false, '不予修复');
      expectError(await decide(gw, source(), second.id, true, '改为批准'), 'decideRepair', 'BAD_USER_INPUT', 'REPAIR_ALREADY_DECIDED');
      const own = await ownApplications(subject);
      expect(own.find((a) => a.id === first.id)).toMatchObject({ status: 'APPROVED', reason: '准予修复' });
      expect(own.find((a) => a.id === second.id)).toMatchObject({ status: 'REJECTED', reason: '不予修复' });
      expect((await ownRecord(subject, rejectedRecord)).status).toBe('ACTIVE');
      expect((await ownRecord(subject, approvedRecord)).version, 'approved once: one new version').toBe(2);
    });

    it('R3: INVALID_REASON — a blank reason; the application stays PENDING', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const application = await applied(subject, penalty);
      expectError(await decide(gw, source(), application.id, true, ''), 'decideRepair', 'BAD_USER_INPUT', 'INVALID_REASON');
      expectError(await decide(gw, source(), application.id, false, '   '), 'decideRepair', 'BAD_USER_INPUT', 'INVALID_REASON');
      expect((await ownApplications(subject))[0]).toMatchObject({ status: 'PENDING', reason: null });
      expect((await ownRecord(subject, penalty)).status).toBe('ACTIVE');
    });

    it('R3: RECORD_NOT_ACTIVE — approving after the source withdrew the record; the application stays PENDING, nothing half-written', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const application = await applied(subject, penalty);
      const withdrawn = await gw.request(WITHDRAW_MUTATION, { token: source(), variables: { id: penalty, reason: '原处罚决定被复议撤销' } });
      expectNoErrors(withdrawn);
      const versionAfterWithdrawal = (await ownRecord(subject, penalty)).version;
      gw.clock.now = plusDays(NOW, 1);
      expectError(await decide(gw, source(), application.id, true, '准予修复'), 'decideRepair', 'BAD_USER_INPUT', 'RECORD_NOT_ACTIVE');
      const [own] = await ownApplications(subject);
      expect(own).toMatchObject({ id: application.id, status: 'PENDING', reason: null, decidedAt: null });
      expect(own.history.map((e) => e.action)).toEqual(['APPLIED']);
      const record = await ownRecord(subject, penalty);
      expect(record.status).toBe('WITHDRAWN');
      expect(record.version, 'no REPAIRED version written').toBe(versionAfterWithdrawal);
      expect(await pendingIdsOf(deptB)).toContain(application.id);
      const events = await caseEvents(gw, tokens.auditor(auditOffice), { caseKind: 'REPAIR', subjectCode: subject.code });
      expectNoErrors(events);
      expect(events.body.data.caseEvents.edges.map((e: { node: CaseEventNode }) => e.node.action)).toEqual(['APPLIED']);
    });

    it('R3: NOT_FOUND — an unknown application id (well-formed or not)', async () => {
      expectError(await decide(gw, source(), randomUUID(), true, '准予修复'), 'decideRepair', 'NOT_FOUND');
      expectError(await decide(gw, source(), 'no-such-application', true, '准予修复'), 'decideRepair', 'NOT_FOUND');
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  // concurrent applications and decisions: test/integration/subject-rights-races.test.ts

  describe('R3 role checks', () => {
    it('R3: only the subject applies — department, agency, auditor, admin → FORBIDDEN; the public → UNAUTHENTICATED; nothing written', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      for (const token of [source(), tokens.department(deptA), tokens.agency(agency), tokens.auditor(auditOffice), tokens.admin()]) {
        expectError(await apply(gw, token, penalty), 'applyForRepair', 'FORBIDDEN');
      }
      expectError(await apply(gw, undefined, penalty), 'applyForRepair', 'UNAUTHENTICATED');
      await expectNoApplication(subject);
    });

    it('R3: only the source department decides — the subject itself, agency, auditor, admin → FORBIDDEN; the public → UNAUTHENTICATED; the application stays PENDING', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const application = await applied(subject, penalty);
      for (const token of [self(subject), tokens.agency(agency), tokens.auditor(auditOffice), tokens.admin()]) {
        expectError(await decide(gw, token, application.id, true, '准予修复'), 'decideRepair', 'FORBIDDEN');
      }
      expectError(await decide(gw, undefined, application.id, true, '准予修复'), 'decideRepair', 'UNAUTHENTICATED');
      expect((await ownApplications(subject))[0]).toMatchObject({ status: 'PENDING', history: [expect.objectContaining({ action: 'APPLIED' })] });
      expect((await ownRecord(subject, penalty)).status).toBe('ACTIVE');
    });

    it('R3: repairApplicationsToDecide is for departments — subject, agency, auditor, admin → FORBIDDEN; the public → UNAUTHENTICATED', async () => {
      const subject = await enterprise();
      await applied(subject, await place(subject, GENERAL_PENALTY));
      for (const token of [self(subject), tokens.agency(agency), tokens.auditor(auditOffice), tokens.admin()]) {
        expectError(await toDecide(gw, token), 'repairApplicationsToDecide', 'FORBIDDEN');
      }
      expectError(await toDecide(gw, undefined), 'repairApplicationsToDecide', 'UNAUTHENTICATED');
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('issue 8 point 4: every state change with who and when', () => {
    const T_APPLY = plusMs(NOW, 37 * 60_000 + 250);
    const T_DECIDE = plusMs(NOW, 3 * 86_400_000 + 123);

    async function auditorEvents(subject: SubjectFixture, filter: Record<string, unknown> = {}): Promise<{ totalCount: number; nodes: CaseEventNode[] }> {
      const response = await caseEvents(gw, tokens.auditor(auditOffice, 'auditor-7'), { caseKind: 'REPAIR', subjectCode: subject.code, ...filter }, { first: 50 });
      expectNoErrors(response);
      const connection = response.body.data.caseEvents;
      return { totalCount: connection.totalCount, nodes: connection.edges.map((e: { node: CaseEventNode }) => e.node) };
    }

    it.each([
      [true, 'APPROVED'],
      [false, 'REJECTED'],
    ] as const)('R3: history (approve=%s) shows APPLIED then %s with role, organisation and the clock at each step; actor hidden from the subject and the department, shown to auditors in caseEvents', async (approve, action) => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      // an objection on the same subject: an OBJECTION case event the REPAIR filter must leave out
      expectNoErrors(await gw.request(FILE_OBJECTION_MUTATION, { token: self(subject), variables: { recordId: penalty, reason: '处罚依据引用有误' } }));

      gw.clock.now = T_APPLY;
      const application = await applied(subject, penalty);
      const appliedStep = { action: 'APPLIED', role: 'subject', org: null, at: iso(T_APPLY), actor: null };
      expect(steps(application.history)).toEqual([appliedStep]);

      gw.clock.now = T_DECIDE;
      const decision = await decided(application.id, approve, approve ? '准予修复' : '不予修复', source('officer-decider'));
      const decidedStep = { action, role: 'department', org: deptB, at: iso(T_DECIDE), actor: null };
      expect(steps(decision.history), 'the department sees the steps, not the officers\' ids').toEqual([appliedStep, decidedStep]);

      const [own] = await ownApplications(subject);
      expect(steps(own.history), 'the subject sees the steps, not the actors').toEqual([appliedStep, decidedStep]);
      for (const event of own.history) {
        expect(event).toMatchObject({ caseKind: 'REPAIR', caseId: application.id, recordId: penalty, subjectCode: subject.code, outcome: null });
      }
      expect(own.history[0].sequence).toBeLessThan(own.history[1].sequence);

      // auditors: newest first, with the actor (token sub) of each step
      const { totalCount, nodes } = await auditorEvents(subject);
      expect(totalCount).toBe(2);
      expect(steps(nodes)).toEqual([
        { ...decidedStep, actor: 'officer-decider' },
        { ...appliedStep, actor: `citizen-${subject.code.slice(-8)}` },
      ]);
      expect(nodes.map((n) => n.caseId)).toEqual([application.id, application.id]);
      expect(nodes.map((n) => n.sequence)).toEqual(own.history.map((e) => e.sequence).reverse());
      // the objection's FILED event is there under caseKind OBJECTION, not under REPAIR
      const objections = await auditorEvents(subject, { caseKind: 'OBJECTION' });
      expect(objections.nodes.map((n) => n.action)).toEqual(['FILED']);
    });

    it('R3: refused calls change nothing in the history', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, GENERAL_PENALTY);
      const application = await applied(subject, penalty);
      await decide(gw, tokens.department(deptA), application.id, true, '越权批准');
      await decide(gw, source(), application.id, true, '');
      await apply(gw, self(subject), penalty);
      const { totalCount, nodes } = await auditorEvents(subject);
      expect(totalCount).toBe(1);
      expect(nodes.map((n) => [n.action, n.role, n.organization])).toEqual([['APPLIED', 'subject', null]]);
    });
  });
});
