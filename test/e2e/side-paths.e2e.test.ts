import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import type { GraphQLResponse, TestGateway } from '../support/gateway.js';
import { createSubject, type SubjectFixture } from '../support/factories.js';
import { mulberry32 } from '../support/random.js';
import { tokens } from '../support/tokens.js';
import { at, CREDIT_REPORT, expectNoErrors, LICENSING, maskedId, NOW, placeRecord, uniqueToken } from '../support/disclosure-e2e.js';
import { eventsOfRequest, post, storedEvents } from '../support/access-log-e2e.js';
import { iso, plusDays, requestGrant } from '../support/grants-e2e.js';
import { FILE_OBJECTION, SUBMIT_RECORDS } from '../support/objections-e2e.js';
import { generateResidentId, generateUscc } from '../../src/domain/identifiers.js';

/**
 * Issue 13: the side paths that used to decide visibility on their own, each proved by a request against a real
 * gateway — W2a (history judged like a record of its own), L1 (every operation that returns subject data logs it;
 * one that only counts logs no subject), §10.3 (sealed cursors), I5 (the exception list is no oracle).
 */

const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const rand = mulberry32(0x13_51de);

/** A resident number with a real birth date whose check character is wrong (an early pilot number). */
function failingResidentId(): string {
  const good = generateResidentId(rand, '1990-01-01');
  const checks = '10X98765432';
  return good.slice(0, 17) + checks[(checks.indexOf(good[17]!) + 1) % checks.length]!;
}

function failingUscc(): string {
  const good = generateUscc(rand, '91');
  return good.slice(0, 17) + USCC_CHARSET[(USCC_CHARSET.indexOf(good[17]!) + 1) % USCC_CHARSET.length]!;
}

const HISTORY_QUERY = `query History($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) {
    view
    records(first: 100) { edges { node { id version title details history { version changedFields snapshot redactions { field reason } } } } }
  }
}`;

interface HistoryNode {
  id: string;
  version: number;
  title: string;
  details: unknown;
  history: { version: number; changedFields: string[]; snapshot: Record<string, unknown>; redactions: { field: string; reason: string }[] }[] | null;
}

describe.each(testDatabaseKinds())('side paths decide nothing on their own (issue 13) on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string;
  let deptB: string;
  let agency: string;
  let auditOffice: string;

  beforeAll(async () => {
    ({ database, gw, deptA, deptB, agency, auditOffice } = await openGatewaySuite(kind, NOW));
  });
  afterEach(() => {
    if (gw) gw.clock.now = NOW;
  });
  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const db = () => database.db;
  const enterprise = () => createSubject(db(), deptA, 'ENTERPRISE');

  async function submit(org: string, rows: Record<string, unknown>[]): Promise<string[]> {
    const response = await gw.request(SUBMIT_RECORDS, { token: tokens.department(org), variables: { records: rows } });
    expectNoErrors(response);
    expect(response.body.data.submitRecords.errors).toEqual([]);
    return response.body.data.submitRecords.ids;
  }

  async function historyOf(subject: SubjectFixture, recordId: string, token?: string, purpose?: object): Promise<HistoryNode | undefined> {
    const response = await gw.request(HISTORY_QUERY, { token, variables: { code: subject.code, purpose } });
    expectNoErrors(response);
    return response.body.data.subject?.records.edges.map((e: { node: HistoryNode }) => e.node).find((n: HistoryNode) => n.id === recordId);
  }

  async function grant(subject: SubjectFixture, categories: string[]): Promise<string> {
    const response = await requestGrant(gw, tokens.subject(subject.code), {
      agencyCode: agency, categories, purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 90)),
    });
    expectNoErrors(response);
    return response.body.data.grantAuthorization.id;
  }

  // ==========================================================================================================
  describe('W2a: history discloses no more than the record', () => {
    it('W2a: a version filed SUBJECT_ONLY and re-filed SHARED is left out for another department and a granted agency; its source and the subject see it', async () => {
      const subject = await enterprise();
      const sourceRef = uniqueToken('W2A-');
      const secret = `subject-only-${randomUUID()}`;
      const base = { subjectCode: subject.code, type: 'tax-arrears', sourceRef, severity: 'GENERAL', decidedAt: iso(at('2026-03-01T00:00:00Z')) };
      const [id] = await submit(deptA, [{ ...base, title: `欠税 v1 ${secret}`, disclosure: 'SUBJECT_ONLY', details: { secret } }]);
      await submit(deptA, [{ ...base, title: '欠税公告', disclosure: 'SHARED', details: { note: 'shared now' } }]);
      await grant(subject, ['COMPLIANCE']);

      const otherDepartment = await historyOf(subject, id, tokens.department(deptB), LICENSING);
      const grantedAgency = await historyOf(subject, id, tokens.agency(agency), CREDIT_REPORT);
      for (const [viewer, seen] of [['another department', otherDepartment], ['granted agency', grantedAgency]] as const) {
        expect(seen, viewer).toMatchObject({ version: 2, title: '欠税公告', history: [] });
        expect(JSON.stringify(seen), viewer).not.toContain(secret);
      }

      const source = (await historyOf(subject, id, tokens.department(deptA), LICENSING))!;
      expect(source.history).toHaveLength(1);
      expect(source.history![0]).toMatchObject({ version: 1, redactions: [] });
      expect(source.history![0].snapshot).toMatchObject({ title: `欠税 v1 ${secret}`, disclosure: 'SUBJECT_ONLY', details: { secret }, sourceRef });

      const self = (await historyOf(subject, id, tokens.subject(subject.code)))!;
      expect(self.history![0].snapshot).toMatchObject({ details: { secret }, sourceRef: null });
      expect(self.history![0].redactions).toEqual([{ field: 'sourceRef', reason: 'NOT_PUBLIC' }]);
    });

    it('W2a: a shown version carries only CreditRecord fields that viewer may see — an agency gets an earlier PUBLIC version without details; no row ids, subject ids or content hashes reach anyone', async () => {
      const subject = await enterprise();
      const sourceRef = uniqueToken('W2A-');
      const note = `public-version-details-${randomUUID()}`;
      const base = { subjectCode: subject.code, type: 'license', sourceRef, decidedAt: iso(at('2026-04-01T00:00:00Z')) };
      const [id] = await submit(deptA, [{ ...base, title: '许可 v1', disclosure: 'PUBLIC', details: { note } }]);
      await submit(deptA, [{ ...base, title: '许可 v2', disclosure: 'SHARED', details: { note: 'v2' } }]);
      await grant(subject, ['ADMINISTRATIVE']);

      const seen = (await historyOf(subject, id, tokens.agency(agency), CREDIT_REPORT))!;
      expect(seen).toMatchObject({ title: '许可 v2', details: { note: 'v2' } });
      expect(seen.history).toHaveLength(1);
      expect(seen.history![0].snapshot).toMatchObject({ title: '许可 v1', disclosure: 'PUBLIC', details: null, sourceRef: null });
      expect(seen.history![0].redactions).toEqual([{ field: 'details', reason: 'NOT_PUBLIC' }, { field: 'sourceRef', reason: 'NOT_PUBLIC' }]);
      expect(JSON.stringify(seen)).not.toContain(note);

      const readers: [string, object | undefined][] = [
        [tokens.department(deptA), LICENSING], [tokens.department(deptB), LICENSING], [tokens.subject(subject.code), undefined], [tokens.agency(agency), CREDIT_REPORT],
      ];
      for (const [token, purpose] of readers) {
        const snapshot = (await historyOf(subject, id, token, purpose))!.history![0].snapshot;
        for (const internal of ['id', 'subject_id', 'subjectId', 'content_hash', 'contentHash', 'source_ref', 'source_org', 'created_at', 'updated_at']) {
          expect(snapshot).not.toHaveProperty(internal);
        }
      }
    });

    it('W2a: a version outside its public window is judged at the request instant — a department sees it, the public never sees history', async () => {
      const subject = await enterprise();
      const sourceRef = uniqueToken('W2A-');
      const base = { subjectCode: subject.code, type: 'penalty', sourceRef, severity: 'GENERAL', decidedAt: iso(at('2026-05-01T00:00:00Z')) };
      const [id] = await submit(deptA, [{ ...base, title: '处罚 v1', amount: 1000 }]);
      await submit(deptA, [{ ...base, title: '处罚 v2', amount: 2000 }]);
      const publicView = (await historyOf(subject, id))!;
      expect(publicView).toMatchObject({ title: '处罚 v2', history: null });
      const department = (await historyOf(subject, id, tokens.department(deptB), LICENSING))!;
      expect(department.history!.map((v) => v.snapshot.title)).toEqual(['处罚 v1']);
    });
  });

  // ==========================================================================================================
  describe('L1: every operation that returns subject data writes its events', () => {
    it('L1: a search that asks only totalCount writes one event without a subject and gives no subject a receipt; asking the nodes writes one per subject', async () => {
      const name = `侧路检索${uniqueToken('N')}`;
      const subjects = [
        await createSubject(db(), deptA, 'ENTERPRISE', { name: `${name}甲有限公司` }),
        await createSubject(db(), deptA, 'ENTERPRISE', { name: `${name}乙有限公司` }),
      ];
      const countOnly = await post(gw, `query($q: String!, $p: PurposeInput) { searchSubjects(query: $q, purpose: $p) { totalCount } }`, {
        token: tokens.department(deptB), variables: { q: name, p: LICENSING },
      });
      expectNoErrors(countOnly);
      expect(countOnly.body.data.searchSubjects.totalCount).toBe(2);
      const counted = await eventsOfRequest(db(), countOnly.requestId);
      expect(counted.map((e) => ({ subjectCode: e.subjectCode, operationName: e.operationName, recordIds: e.recordIds }))).toEqual([
        { subjectCode: null, operationName: 'searchSubjects', recordIds: [] },
      ]);
      for (const subject of subjects) expect(await storedEvents(db(), sql`subject_code = ${subject.code}`)).toEqual([]);

      const cursorsOnly = await post(gw, `query($q: String!, $p: PurposeInput) { searchSubjects(query: $q, purpose: $p) { edges { cursor } pageInfo { endCursor } } }`, {
        token: tokens.department(deptB), variables: { q: name, p: LICENSING },
      });
      expectNoErrors(cursorsOnly);
      expect((await eventsOfRequest(db(), cursorsOnly.requestId)).map((e) => e.subjectCode)).toEqual([null]);
      for (const subject of subjects) expect(JSON.stringify(cursorsOnly.body)).not.toContain(subject.code);

      const withNodes = await post(gw, `query($q: String!, $p: PurposeInput) { searchSubjects(query: $q, purpose: $p) { totalCount edges { node { code } } } }`, {
        token: tokens.department(deptB), variables: { q: name, p: LICENSING },
      });
      expect((await eventsOfRequest(db(), withNodes.requestId)).map((e) => e.subjectCode).sort()).toEqual(subjects.map((s) => s.code).sort());
    });

    it('L1: a records page that asks only totalCount names no record; the records placed are named', async () => {
      const subject = await enterprise();
      const records = [await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-04-01T00:00:00Z') })];
      const counted = await post(gw, `query($c: String!) { subject(code: $c) { records { totalCount } } }`, { variables: { c: subject.code } });
      expect(counted.body.data.subject.records.totalCount).toBe(2);
      expect((await eventsOfRequest(db(), counted.requestId)).map((e) => e.recordIds)).toEqual([[]]);
      const firstOnly = await post(gw, `query($c: String!) { subject(code: $c) { records(first: 1) { edges { node { id } } } } }`, { variables: { c: subject.code } });
      expect((await eventsOfRequest(db(), firstOnly.requestId)).map((e) => e.recordIds)).toEqual([[records[0].id]]);
    });

    it('L1, L5: objectionsToResolve, repairApplicationsToDecide and withdrawRecord write DEPARTMENT events naming the records; the subject gets receipts', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const penalty = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-12-01T00:00:00Z') });
      expectNoErrors(await gw.request(FILE_OBJECTION, { token: tokens.subject(subject.code), variables: { recordId: licence.id, reason: '记录有误' } }));
      expectNoErrors(await gw.request(`mutation($r: ID!) { applyForRepair(recordId: $r, commitment: "承诺守信经营", evidence: "缴款凭证") { id } }`, {
        token: tokens.subject(subject.code), variables: { r: penalty.id },
      }));

      const objections = await post(gw, `{ objectionsToResolve(first: 100) { edges { node { subjectCode recordId reason } } } }`, { token: tokens.department(deptA) });
      expectNoErrors(objections);
      const repairs = await post(gw, `{ repairApplicationsToDecide(first: 100) { edges { node { subjectCode recordId commitment } } } }`, { token: tokens.department(deptA) });
      expectNoErrors(repairs);
      const withdrawn = await post(gw, `mutation($id: ID!) { withdrawRecord(id: $id, reason: "撤销") { id status } }`, { token: tokens.department(deptA), variables: { id: licence.id } });
      expectNoErrors(withdrawn);

      for (const [response, operationName, recordId] of [[objections, 'objectionsToResolve', licence.id], [repairs, 'repairApplicationsToDecide', penalty.id], [withdrawn, 'withdrawRecord', licence.id]] as const) {
        const mine = (await eventsOfRequest(db(), response.requestId)).filter((e) => e.subjectCode === subject.code);
        expect(mine, operationName).toHaveLength(1);
        expect(mine[0]).toMatchObject({ operationName, view: 'DEPARTMENT', orgCode: deptA, role: 'department' });
        expect(mine[0].recordIds, operationName).toContain(recordId);
      }
      const receipts = await gw.request(`query($c: String!) { subject(code: $c) { accessReceipts(first: 100) { edges { node { organization { code } view } } } } }`, {
        token: tokens.subject(subject.code), variables: { c: subject.code },
      });
      expectNoErrors(receipts);
      expect(receipts.body.data.subject.accessReceipts.edges.filter((e: { node: { organization: { code: string } } }) => e.node.organization.code === deptA)).toHaveLength(3);
    });

    it('L1: caseEvents (auditors) and myGrants (agency) write one event per subject they show; the grant mutations one SELF event', async () => {
      const person = await createSubject(db(), deptA, 'INDIVIDUAL');
      const listing = await placeRecord(db(), person, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T00:00:00Z') });
      expectNoErrors(await gw.request(FILE_OBJECTION, { token: tokens.subject(person.code), variables: { recordId: listing.id, reason: '已履行' } }));
      const granted = await post(gw, `mutation($input: GrantInput!) { grantAuthorization(input: $input) { id subjectCode } }`, {
        token: tokens.subject(person.code), variables: { input: { agencyCode: agency, categories: ['JUDICIAL'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)) } },
      });
      expectNoErrors(granted);
      expect((await eventsOfRequest(db(), granted.requestId)).map((e) => [e.subjectCode, e.view, e.operationName])).toEqual([[person.code, 'SELF', 'grantAuthorization']]);

      const events = await post(gw, `query($f: CaseEventFilter) { caseEvents(filter: $f, first: 100) { edges { node { subjectCode recordId action } } } }`, {
        token: tokens.auditor(auditOffice), variables: { f: { subjectCode: person.code } },
      });
      expectNoErrors(events);
      expect(events.body.data.caseEvents.edges[0].node.subjectCode).toBe(person.code); // L4: the auditors' log, in full
      expect((await eventsOfRequest(db(), events.requestId)).map((e) => ({ subjectCode: e.subjectCode, view: e.view, recordIds: e.recordIds, op: e.operationName })))
        .toEqual([{ subjectCode: person.code, view: null, recordIds: [listing.id], op: 'caseEvents' }]);

      const mine = await post(gw, `{ myGrants(first: 100) { edges { node { id subjectCode } } } }`, { token: tokens.agency(agency) });
      expectNoErrors(mine);
      const node = mine.body.data.myGrants.edges.find((e: { node: { id: string } }) => e.node.id === granted.body.data.grantAuthorization.id).node;
      expect(node.subjectCode).toBe(maskedId(person.code)); // A2
      const logged = (await eventsOfRequest(db(), mine.requestId)).filter((e) => e.subjectCode === person.code);
      expect(logged).toEqual([expect.objectContaining({ view: 'AGENCY', grantId: node.id, operationName: 'myGrants' })]);
    });
  });

  // ==========================================================================================================
  describe('§10.3: cursors are opaque and tamper-evident, and carry nothing the viewer may not see', () => {
    it('§10.3: an accessReceipts cursor carries no platform-wide sequence number or instant; an altered byte → INVALID_CURSOR', async () => {
      const subject = await enterprise();
      await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      for (let i = 0; i < 3; i += 1) expectNoErrors(await gw.request(`query($c: String!, $p: PurposeInput) { subject(code: $c, purpose: $p) { code } }`, { token: tokens.department(deptB), variables: { c: subject.code, p: LICENSING } }));
      const page = await gw.request(`query($c: String!) { subject(code: $c) { accessReceipts(first: 1) { edges { cursor } pageInfo { endCursor hasNextPage } } } }`, {
        token: tokens.subject(subject.code), variables: { c: subject.code },
      });
      expectNoErrors(page);
      const cursor: string = page.body.data.subject.accessReceipts.pageInfo.endCursor;
      const [newest] = await storedEvents(db(), sql`subject_code = ${subject.code} AND view = 'DEPARTMENT'`);
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      expect(decoded).not.toContain(String(newest.sequence));
      expect(decoded).not.toContain(newest.at.slice(0, 10));

      const flipped = cursor.slice(0, 20) + (cursor[20] === 'A' ? 'B' : 'A') + cursor.slice(21);
      const next = (after: string) => gw.request(`query($c: String!, $a: String) { subject(code: $c) { accessReceipts(first: 1, after: $a) { totalCount } } }`, {
        token: tokens.subject(subject.code), variables: { c: subject.code, a: after },
      });
      expectNoErrors(await next(cursor));
      const legacy = Buffer.from(JSON.stringify([newest.at, String(newest.sequence)])).toString('base64url');
      for (const forged of [flipped, legacy, cursor.slice(0, -2)]) {
        const refused = await next(forged);
        expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
      }
    });
  });

  // ==========================================================================================================
  describe('I5: the exception list is not disclosed', () => {
    it('I5: a listed pilot code whose subject the caller cannot see answers INVALID_CODE, exactly as an unlisted failing code; a visible one answers with the subject', async () => {
      const listedAbsent = failingUscc();
      const unlisted = failingUscc();
      const listedPerson = failingResidentId(); // fails its checksum, listed as an individual
      await db().execute(sql`INSERT INTO code_exceptions (code, kind, note) VALUES (${listedAbsent}, 'ENTERPRISE', 'pilot'), (${listedPerson}, 'INDIVIDUAL', 'pilot')`);
      const ask = (code: string, token?: string, purpose?: object) => gw.request(`query($c: String!, $p: PurposeInput) { subject(code: $c, purpose: $p) { code } }`, { token, variables: { c: code, p: purpose } });
      const strip = (response: GraphQLResponse) => ({ status: response.status, errors: response.body.errors?.map((e) => ({ message: e.message, extensions: e.extensions })), data: response.body.data });
      const reference = strip(await ask(unlisted));
      expect(reference.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CODE' });
      expect(strip(await ask(listedAbsent))).toEqual(reference);
      expect(strip(await ask(listedAbsent, tokens.department(deptB), LICENSING))).toEqual(strip(await ask(unlisted, tokens.department(deptB), LICENSING)));

      // registered, an individual with no public record: hidden from the public (P3) → INVALID_CODE; a department sees it
      const registered = await gw.request(`mutation($s: [SubjectInput!]!) { registerSubjects(subjects: $s) { accepted errors { reason } } }`, {
        token: tokens.department(deptA), variables: { s: [{ code: listedPerson, kind: 'INDIVIDUAL', name: '试点期个人' }] },
      });
      expectNoErrors(registered);
      expect(registered.body.data.registerSubjects).toEqual({ accepted: 1, errors: [] });
      expect(strip(await ask(listedPerson))).toEqual(reference);
      const seen = await ask(listedPerson, tokens.department(deptB), LICENSING);
      expectNoErrors(seen);
      expect(seen.body.data.subject).toEqual({ code: listedPerson });

      const company = failingUscc();
      await db().execute(sql`INSERT INTO code_exceptions (code, kind, note) VALUES (${company}, 'ENTERPRISE', 'pilot')`);
      expectNoErrors(await gw.request(`mutation($s: [SubjectInput!]!) { registerSubjects(subjects: $s) { accepted } }`, {
        token: tokens.department(deptA), variables: { s: [{ code: company, kind: 'ENTERPRISE', name: '试点期企业有限公司' }] },
      }));
      const found = await ask(company);
      expectNoErrors(found);
      expect(found.body.data.subject).toEqual({ code: company });
      const checked = await gw.request(`query($c: String!, $p: PurposeInput!) { creditCheck(code: $c, scenario: LICENSING, purpose: $p) { verdict } }`, {
        token: tokens.department(deptB), variables: { c: listedAbsent, p: LICENSING },
      });
      expect(checked.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CODE' });
    });
  });
});
