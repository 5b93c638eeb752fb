import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import {
  at, CREDIT_REPORT, distinctBirthDate, LICENSING, maskedId, NOW, placeRecord, SEARCH_QUERY, sorted, SUBJECT_QUERY,
  uniqueToken, unknownOrganizationCode, unknownResidentId,
} from '../support/disclosure-e2e.js';
import {
  accessLog, appendStatements, BARE_SUBJECT_QUERY, countEvents, eventsOfRequest, expectAbsent, expectErrorCode, expectNoData,
  expectNoErrors, filterCondition, nodesOf, post, RECEIPTS_QUERY, storedEvents, VERIFY_QUERY, walkAccessLog,
  type AccessLogFilterInput, type EventNode, type HttpResult, type StoredEvent,
} from '../support/access-log-e2e.js';
import type { Db } from '../../src/db/client.js';

/**
 * SPEC §6 over HTTP with real signed tokens: what every disclosure writes (L1), failing closed when it cannot be
 * written (L2, on a scratch database whose append is broken on purpose), the auditors' log (L4) and the
 * subject's receipts (L5). L3 (the hash chain under tampering and concurrent writers) has its own suites.
 */

const SUPERVISION = { kind: 'SUPERVISION', reference: 'SUP-2026-0815' };
const JUDICIAL = { kind: 'JUDICIAL', reference: '(2026)粤0203执123号' };

const responseRecordIds = (response: HttpResult): string[] =>
  response.body.data.subject.records.edges.map((edge: { node: { id: string } }) => edge.node.id);

async function organizationName(db: Db, code: string): Promise<string> {
  const result = (await db.execute(sql`SELECT name FROM organizations WHERE code = ${code}`)) as unknown as { rows: { name: string }[] };
  return result.rows[0].name;
}

describe.each(testDatabaseKinds())('access log on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string;
  let deptB: string;
  let agency: string;
  let auditOffice: string;

  beforeAll(async () => {
    ({ database, gw, deptA, deptB, agency, auditOffice } = await openGatewaySuite(kind, NOW));
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const db = () => database.db;
  const auditor = () => tokens.auditor(auditOffice, 'auditor-main');
  const enterprise = (name?: string) => createSubject(db(), deptA, 'ENTERPRISE', name ? { name } : {});
  const person = (name = '王小明') => createSubject(db(), deptA, 'INDIVIDUAL', { birthDate: distinctBirthDate(), name });

  let ticks = 0;
  /** Moves the gateway clock to a fresh instant (unique to the millisecond) after `base`, and returns it. */
  function tick(base: Date = NOW): Date {
    ticks += 1;
    const instant = new Date(base.getTime() + ticks * 61_000 + ticks);
    gw.clock.now = instant;
    return instant;
  }

  /** The one event a request wrote about a subject, read back as an auditor and checked against the table. */
  async function loggedEvent(response: HttpResult, subjectCode: string): Promise<EventNode> {
    const stored = await eventsOfRequest(db(), response.requestId);
    expect(stored, 'events stored for this request').toHaveLength(1);
    const log = await accessLog(gw, auditor(), { filter: { subjectCode }, first: 100 });
    expectNoErrors(log);
    const mine = nodesOf(log).filter((node) => node.requestId === response.requestId);
    expect(mine).toHaveLength(1);
    expect(mine[0].sequence).toBe(stored[0].sequence);
    expect(mine[0].hash).toMatch(/^[0-9a-f]{64}$/);
    return mine[0];
  }

  // ----------------------------------------------------------------------------------------------------------
  describe('L1 one event per resolved subject', () => {
    async function enterpriseFile() {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-04-01T00:00:00Z') });
      const ownSubjectOnly = await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-03-01T00:00:00Z') });
      await placeRecord(db(), subject, deptB, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-02-01T00:00:00Z') });
      await placeRecord(db(), subject, deptB, { type: 'license', status: 'WITHDRAWN', decidedAt: at('2026-01-01T00:00:00Z') });
      return { subject, licence, arrears, ownSubjectOnly };
    }

    it('L1: a public lookup writes one event: time, request id, role public, no actor or organisation, view PUBLIC, no purpose, full code, returned record ids, operation', async () => {
      const { subject, licence } = await enterpriseFile();
      const now = tick();
      const response = await post(gw, SUBJECT_QUERY, { variables: { code: subject.code } });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ code: subject.code, view: 'PUBLIC' });
      expect(responseRecordIds(response)).toEqual([licence.id]);
      const event = await loggedEvent(response, subject.code);
      expect(event).toMatchObject({
        at: now.toISOString(), requestId: response.requestId, actor: null, role: 'public', organization: null, view: 'PUBLIC',
        purpose: null, grantId: null, subjectCode: subject.code, recordIds: [licence.id], operationName: 'subject',
      });
      expect(event.sequence).toBeGreaterThan(0);
    });

    it('L1: a department with a purpose is logged with its officer (token sub), role, organisation, view DEPARTMENT and purpose kind + reference', async () => {
      const { subject, licence, arrears, ownSubjectOnly } = await enterpriseFile();
      const officer = `officer-${uniqueToken()}`;
      const now = tick();
      const response = await post(gw, SUBJECT_QUERY, { token: tokens.department(deptA, officer), variables: { code: subject.code, purpose: LICENSING } });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('DEPARTMENT');
      const returned = responseRecordIds(response);
      expect(sorted(returned)).toEqual(sorted([licence.id, arrears.id, ownSubjectOnly.id]));
      const event = await loggedEvent(response, subject.code);
      expect(event).toMatchObject({
        at: now.toISOString(), requestId: response.requestId, actor: officer, role: 'department',
        organization: { code: deptA, name: await organizationName(db(), deptA) }, view: 'DEPARTMENT', purpose: LICENSING,
        grantId: null, subjectCode: subject.code, operationName: 'subject',
      });
      expect(sorted(event.recordIds)).toEqual(sorted(returned));
    });

    it('L1: a department without a purpose is logged with view PUBLIC and purpose null (G2)', async () => {
      const { subject, licence } = await enterpriseFile();
      const officer = `officer-${uniqueToken()}`;
      const now = tick();
      const response = await post(gw, SUBJECT_QUERY, { token: tokens.department(deptA, officer), variables: { code: subject.code } });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('PUBLIC');
      const event = await loggedEvent(response, subject.code);
      expect(event).toMatchObject({
        at: now.toISOString(), actor: officer, role: 'department', organization: { code: deptA }, view: 'PUBLIC', purpose: null,
        grantId: null, subjectCode: subject.code, recordIds: [licence.id], operationName: 'subject',
      });
    });

    it('L1: an agency stating a purpose without a grant is logged with view PUBLIC, the purpose it stated and no grant id (A1)', async () => {
      const { subject, licence } = await enterpriseFile();
      const analyst = `analyst-${uniqueToken()}`;
      const now = tick();
      const response = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency, analyst), variables: { code: subject.code, purpose: CREDIT_REPORT } });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('PUBLIC');
      const event = await loggedEvent(response, subject.code);
      expect(event).toMatchObject({
        at: now.toISOString(), actor: analyst, role: 'agency', organization: { code: agency }, view: 'PUBLIC', purpose: CREDIT_REPORT,
        grantId: null, subjectCode: subject.code, recordIds: [licence.id], operationName: 'subject',
      });
    });

    it('L1: the public view of an individual masks its code in the response, but the event holds the full code', async () => {
      const subject = await person('张小三');
      const qualification = await placeRecord(db(), subject, deptB, { type: 'qualification', decidedAt: at('2025-01-01T00:00:00Z') });
      await placeRecord(db(), subject, deptB, { type: 'license' }); // not public for individuals (D5)
      tick();
      const response = await post(gw, SUBJECT_QUERY, { variables: { code: subject.code } });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ code: maskedId(subject.code), name: '张*三', view: 'PUBLIC' });
      expectAbsent(response, subject.code);
      const event = await loggedEvent(response, subject.code);
      expect(event).toMatchObject({ subjectCode: subject.code, view: 'PUBLIC', role: 'public', recordIds: [qualification.id] });
    });

    it('L1: recordIds are exactly the records of the page returned (3 of 10), and the next page logs the next 3', async () => {
      const subject = await enterprise();
      for (let i = 0; i < 10; i += 1) {
        await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: new Date(Date.UTC(2025, i, 3, 2)) });
      }
      tick();
      const first = await post(gw, SUBJECT_QUERY, { variables: { code: subject.code, first: 3 } });
      expectNoErrors(first);
      expect(first.body.data.subject.records.totalCount).toBe(10);
      const firstIds = responseRecordIds(first);
      expect(firstIds).toHaveLength(3);
      expect(sorted((await loggedEvent(first, subject.code)).recordIds)).toEqual(sorted(firstIds));

      tick();
      const second = await post(gw, SUBJECT_QUERY, {
        variables: { code: subject.code, first: 3, after: first.body.data.subject.records.pageInfo.endCursor },
      });
      expectNoErrors(second);
      const secondIds = responseRecordIds(second);
      expect(secondIds).toHaveLength(3);
      expect(secondIds.filter((id) => firstIds.includes(id))).toEqual([]);
      expect(sorted((await loggedEvent(second, subject.code)).recordIds)).toEqual(sorted(secondIds));
    });

    it('L1: a lookup that asks for no records logs the subject with recordIds []', async () => {
      const { subject } = await enterpriseFile();
      tick();
      const response = await post(gw, BARE_SUBJECT_QUERY, { token: tokens.department(deptA), variables: { code: subject.code, purpose: LICENSING } });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ code: subject.code, name: subject.name, view: 'DEPARTMENT' });
      expect(await loggedEvent(response, subject.code)).toMatchObject({ view: 'DEPARTMENT', recordIds: [], subjectCode: subject.code });
    });

    it('L1: records returned without their id field are still logged by id', async () => {
      const { subject, licence } = await enterpriseFile();
      tick();
      const titlesOnly = await post(gw, `query T($code: String!) { subject(code: $code) { code records { edges { node { title } } } } }`, {
        variables: { code: subject.code },
      });
      expectNoErrors(titlesOnly);
      expect(titlesOnly.body.data.subject.records.edges).toEqual([{ node: { title: licence.title } }]);
      expect(await loggedEvent(titlesOnly, subject.code)).toMatchObject({ subjectCode: subject.code, recordIds: [licence.id] });
    });

    it('L1: a lookup asking only for records.totalCount returns no record, and logs recordIds []', async () => {
      const { subject, licence, arrears, ownSubjectOnly } = await enterpriseFile();
      tick();
      const countOnly = await post(gw, `query C($code: String!, $purpose: PurposeInput) {
        subject(code: $code, purpose: $purpose) { code records { totalCount } } }`, {
        token: tokens.department(deptA), variables: { code: subject.code, purpose: LICENSING },
      });
      expectNoErrors(countOnly);
      expect(countOnly.body.data.subject).toEqual({ code: subject.code, records: { totalCount: 3 } });
      expectAbsent(countOnly, licence.id, arrears.id, ownSubjectOnly.id);
      expect(await loggedEvent(countOnly, subject.code)).toMatchObject({ subjectCode: subject.code, view: 'DEPARTMENT', recordIds: [] });
    });

    it('L1: a GET /graphql lookup is logged like a POST, under the x-request-id it answered with', async () => {
      const { subject, licence } = await enterpriseFile();
      const now = tick();
      const query = `query G($code: String!) { subject(code: $code) { code records { edges { node { id } } } } }`;
      const url = `${gw.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ code: subject.code }))}`;
      const response = await fetch(url, { headers: { accept: 'application/json' } });
      const body = (await response.json()) as { data: { subject: { code: string } } };
      expect(response.status).toBe(200);
      expect(body.data.subject.code).toBe(subject.code);
      const requestId = response.headers.get('x-request-id')!;
      expect(await eventsOfRequest(db(), requestId)).toEqual([expect.objectContaining({
        at: now.toISOString(), subjectCode: subject.code, view: 'PUBLIC', recordIds: [licence.id], operationName: 'subject',
      })]);
    });

    it('L1: qualifications returned count as disclosed records, alone or together with a page of records', async () => {
      const subject = await person();
      const lawyer = await placeRecord(db(), subject, deptB, { type: 'qualification', group: 'LAWYER', decidedAt: at('2024-01-01T00:00:00Z') });
      const teacher = await placeRecord(db(), subject, deptB, { type: 'qualification', group: 'TEACHER', decidedAt: at('2023-01-01T00:00:00Z') });
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const token = tokens.department(deptA);

      tick();
      const onlyQualifications = await post(gw, `query Q($code: String!, $purpose: PurposeInput) {
        subject(code: $code, purpose: $purpose) { code qualifications { id group } } }`, { token, variables: { code: subject.code, purpose: LICENSING } });
      expectNoErrors(onlyQualifications);
      const qualificationIds = onlyQualifications.body.data.subject.qualifications.map((q: { id: string }) => q.id);
      expect(sorted(qualificationIds)).toEqual(sorted([lawyer.id, teacher.id]));
      expect(sorted((await loggedEvent(onlyQualifications, subject.code)).recordIds)).toEqual(sorted([lawyer.id, teacher.id]));

      tick();
      const both = await post(gw, SUBJECT_QUERY, { token, variables: { code: subject.code, purpose: LICENSING, first: 1 } });
      expectNoErrors(both);
      expect(responseRecordIds(both)).toEqual([licence.id]);
      expect(sorted((await loggedEvent(both, subject.code)).recordIds)).toEqual(sorted([licence.id, lawyer.id, teacher.id]));
    });

    it('L1: a subject looking at itself writes a SELF event; at another subject, a PUBLIC event (role subject, no organisation)', async () => {
      const self = await enterprise();
      const other = await enterprise();
      const own = await placeRecord(db(), self, deptB, { type: 'license', disclosure: 'SUBJECT_ONLY' });
      const otherLicence = await placeRecord(db(), other, deptB, { type: 'license' });
      const user = `user-${uniqueToken()}`;

      const selfAt = tick();
      const selfLookup = await post(gw, SUBJECT_QUERY, { token: tokens.subject(self.code, user), variables: { code: self.code } });
      expectNoErrors(selfLookup);
      expect(selfLookup.body.data.subject.view).toBe('SELF');
      expect(await loggedEvent(selfLookup, self.code)).toMatchObject({
        at: selfAt.toISOString(), actor: user, role: 'subject', organization: null, view: 'SELF', purpose: null, recordIds: [own.id],
        subjectCode: self.code, operationName: 'subject',
      });

      const otherAt = tick();
      const otherLookup = await post(gw, SUBJECT_QUERY, { token: tokens.subject(self.code, user), variables: { code: other.code } });
      expectNoErrors(otherLookup);
      expect(await loggedEvent(otherLookup, other.code)).toMatchObject({
        at: otherAt.toISOString(), actor: user, role: 'subject', organization: null, view: 'PUBLIC', recordIds: [otherLicence.id],
        subjectCode: other.code,
      });
    });

    it('L1: auditors and admins looking at a subject write PUBLIC events with their role and organisation (U1)', async () => {
      const { subject, licence } = await enterpriseFile();
      for (const [role, token, org] of [['auditor', auditor(), auditOffice], ['admin', tokens.admin('admin-l1'), 'PLATFORM']] as const) {
        const now = tick();
        const response = await post(gw, SUBJECT_QUERY, { token, variables: { code: subject.code } });
        expectNoErrors(response);
        expect(await loggedEvent(response, subject.code), role).toMatchObject({
          at: now.toISOString(), role, organization: { code: org }, view: 'PUBLIC', purpose: null, recordIds: [licence.id],
          subjectCode: subject.code,
        });
      }
    });

    it('L1: a lookup of a valid code that matches no subject (P0) writes no event, for the public and for a department', async () => {
      for (const code of [unknownOrganizationCode(), unknownResidentId('1981-04-05')]) {
        for (const token of [undefined, tokens.department(deptA)]) {
          tick();
          const before = await countEvents(db());
          const response = await post(gw, SUBJECT_QUERY, { token, variables: { code, purpose: token ? LICENSING : undefined } });
          expectNoErrors(response);
          expect(response.body.data).toEqual({ subject: null });
          expect(await countEvents(db())).toBe(before);
          expect(await eventsOfRequest(db(), response.requestId)).toEqual([]);
        }
      }
    });

    it('L1: the public looking up an individual with nothing public (P3) writes no event; a department finding it writes one', async () => {
      const subject = await person();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license' }); // kept from the public (D5)
      tick();
      const before = await countEvents(db());
      const hidden = await post(gw, SUBJECT_QUERY, { variables: { code: subject.code } });
      expectNoErrors(hidden);
      expect(hidden.body.data).toEqual({ subject: null });
      expect(await countEvents(db())).toBe(before);
      expect(await storedEvents(db(), sql`subject_code = ${subject.code}`)).toEqual([]);

      tick();
      const found = await post(gw, SUBJECT_QUERY, { token: tokens.department(deptA), variables: { code: subject.code, purpose: LICENSING } });
      expectNoErrors(found);
      expect(await loggedEvent(found, subject.code)).toMatchObject({ view: 'DEPARTMENT', recordIds: [licence.id] });
    });

    it('L1: searchSubjects returning 20 subjects writes exactly 20 events, in one append statement; the 21st match, not returned, none', async () => {
      const word = uniqueToken('搜');
      const subjects: SubjectFixture[] = [];
      const recordOf = new Map<string, string>();
      for (let i = 0; i < 21; i += 1) {
        const subject = await enterprise(`${word}检索${String(i).padStart(2, '0')}有限公司`);
        subjects.push(subject);
        recordOf.set(subject.code, (await placeRecord(db(), subject, deptB, { type: 'license' })).id);
      }
      const now = tick();
      database.resetStatements();
      const response = await post(gw, SEARCH_QUERY, { variables: { query: word, first: 20 } });
      const statements = [...database.statements];
      expectNoErrors(response);
      const connection = response.body.data.searchSubjects;
      expect(connection.totalCount).toBe(21);
      const returned: string[] = connection.edges.map((edge: { node: { code: string } }) => edge.node.code);
      expect(returned).toHaveLength(20);

      expect(appendStatements(statements), statements.join('\n')).toHaveLength(1);
      expect(statements.filter((s) => /insert\s+into\s+"?access_events/i.test(s))).toEqual([]);

      const events = await eventsOfRequest(db(), response.requestId);
      expect(events).toHaveLength(20);
      expect(sorted(events.map((e) => e.subjectCode!))).toEqual(sorted(returned));
      const sequences = events.map((e) => e.sequence).sort((a, b) => a - b);
      expect(sequences[19] - sequences[0]).toBe(19); // one contiguous segment of the chain
      for (const event of events) {
        expect(event).toMatchObject({
          at: now.toISOString(), requestId: response.requestId, role: 'public', actor: null, orgCode: null, view: 'PUBLIC',
          purposeKind: null, operationName: 'searchSubjects', recordIds: [recordOf.get(event.subjectCode!)],
        });
      }
      const notReturned = subjects.find((s) => !returned.includes(s.code))!;
      expect(await storedEvents(db(), sql`subject_code = ${notReturned.code}`)).toEqual([]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('L2 fail closed (scratch database with a broken append)', () => {
    let scratch: TestDatabase;
    let gw2: TestGateway;
    let dept: string;
    let office: string;

    beforeAll(async () => {
      scratch = await openTestDatabase(kind);
      gw2 = await startTestGateway(scratch, { now: NOW });
      dept = await createOrganization(scratch.db, 'DEPARTMENT');
      office = await createOrganization(scratch.db, 'AUDIT_OFFICE');
    });

    afterAll(async () => {
      await gw2?.close();
      await scratch?.close();
    });

    async function withAppendRenamed<T>(body: () => Promise<T>): Promise<T> {
      await scratch.db.execute(sql`ALTER FUNCTION append_access_events(jsonb) RENAME TO append_access_events_off`);
      try {
        return await body();
      } finally {
        await scratch.db.execute(sql`ALTER FUNCTION append_access_events_off(jsonb) RENAME TO append_access_events`);
      }
    }

    async function scratchFile(name = `失败关闭${uniqueToken()}有限公司`) {
      const subject = await createSubject(scratch.db, dept, 'ENTERPRISE', { name });
      const licence = await placeRecord(scratch.db, subject, dept, { type: 'license' });
      return { subject, licence };
    }

    function expectAuditUnavailable(response: HttpResult, ...hidden: string[]): void {
      expectErrorCode(response, 'AUDIT_UNAVAILABLE');
      expect(response.body.errors).toHaveLength(1);
      expectNoData(response);
      expectAbsent(response, ...hidden);
    }

    it('L2: while events cannot be stored, a subject lookup (public, department, self) gets HTTP 503 AUDIT_UNAVAILABLE, no data and none of its values', async () => {
      const { subject, licence } = await scratchFile();
      const before = await countEvents(scratch.db);
      await withAppendRenamed(async () => {
        for (const [viewer, token, purpose] of [
          ['public', undefined, undefined],
          ['department', tokens.department(dept), LICENSING],
          ['self', tokens.subject(subject.code), undefined],
        ] as const) {
          const response = await post(gw2, SUBJECT_QUERY, { token, variables: { code: subject.code, purpose } });
          expect(response.status, viewer).toBe(503);
          expectAuditUnavailable(response, subject.name, subject.code, licence.id, licence.title, licence.note);
        }
      });
      expect(await countEvents(scratch.db)).toBe(before);
    });

    it('L2: while events cannot be stored, a lookup that discloses nothing still answers normally', async () => {
      const hiddenPerson = await createSubject(scratch.db, dept, 'INDIVIDUAL', { birthDate: distinctBirthDate() });
      await placeRecord(scratch.db, hiddenPerson, dept, { type: 'license' }); // nothing public (D5)
      await withAppendRenamed(async () => {
        for (const code of [unknownOrganizationCode(), hiddenPerson.code]) {
          const response = await post(gw2, SUBJECT_QUERY, { variables: { code } });
          expectNoErrors(response);
          expect(response.body.data).toEqual({ subject: null });
        }
        const me = await post(gw2, '{ me { role } }', { token: tokens.department(dept) });
        expectNoErrors(me);
        expect(me.body.data).toEqual({ me: { role: 'department' } });
      });
    });

    it('L2: while events cannot be stored, an auditor\'s accessLog and verifyAccessLog fail with AUDIT_UNAVAILABLE and return no events', async () => {
      const { subject } = await scratchFile();
      const seen = await post(gw2, SUBJECT_QUERY, { variables: { code: subject.code } });
      expectNoErrors(seen);
      const before = await countEvents(scratch.db);
      await withAppendRenamed(async () => {
        const log = await accessLog(gw2, tokens.auditor(office), { first: 100 });
        expectAuditUnavailable(log, subject.code, seen.requestId);
        const verify = await post(gw2, VERIFY_QUERY, { token: tokens.auditor(office) });
        expectAuditUnavailable(verify);
      });
      expect(await countEvents(scratch.db)).toBe(before);
    });

    it('L2: an append refused on the third subject of a search stores none of that request\'s events and discloses no subject', async () => {
      const word = uniqueToken('半');
      const files = [];
      for (let i = 0; i < 5; i += 1) files.push(await scratchFile(`${word}批次${i}有限公司`));
      const refused = files[2].subject.code;
      expect(refused).toMatch(/^[0-9A-Z]{18}$/);
      const before = await countEvents(scratch.db);
      await scratch.db.execute(sql.raw(`CREATE FUNCTION l2_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.subject_code = '${refused}' THEN RAISE EXCEPTION 'refused by the L2 test'; END IF; RETURN NEW; END $$`));
      await scratch.db.execute(sql`CREATE TRIGGER l2_refuse_event BEFORE INSERT ON access_events FOR EACH ROW EXECUTE FUNCTION l2_refuse_event()`);
      try {
        const response = await post(gw2, SEARCH_QUERY, { variables: { query: word } });
        expect(response.status).toBe(503);
        expectAuditUnavailable(response, ...files.flatMap(({ subject, licence }) => [subject.name, subject.code, licence.id, licence.title]));
        expect(await countEvents(scratch.db)).toBe(before);
        expect(await eventsOfRequest(scratch.db, response.requestId)).toEqual([]);
      } finally {
        await scratch.db.execute(sql`DROP TRIGGER l2_refuse_event ON access_events`);
        await scratch.db.execute(sql`DROP FUNCTION l2_refuse_event()`);
      }
      const again = await post(gw2, SEARCH_QUERY, { variables: { query: word } });
      expectNoErrors(again);
      expect(again.body.data.searchSubjects.totalCount).toBe(5);
      expect(await eventsOfRequest(scratch.db, again.requestId)).toHaveLength(5);
    });

    it('L2: once the log is restored, lookups answer and are logged again, and the chain verifies with no half-written events', async () => {
      const { subject, licence } = await scratchFile();
      const before = await countEvents(scratch.db);
      await withAppendRenamed(async () => {
        const refused = await post(gw2, SUBJECT_QUERY, { variables: { code: subject.code } });
        expect(refused.status).toBe(503);
        expectErrorCode(refused, 'AUDIT_UNAVAILABLE');
      });
      expect(await countEvents(scratch.db)).toBe(before);

      const answered = await post(gw2, SUBJECT_QUERY, { variables: { code: subject.code } });
      expectNoErrors(answered);
      expect(answered.body.data.subject).toMatchObject({ code: subject.code, name: subject.name });
      const events = await eventsOfRequest(scratch.db, answered.requestId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ subjectCode: subject.code, recordIds: [licence.id] });
      expect(await countEvents(scratch.db)).toBe(before + 1);

      const verify = await post(gw2, VERIFY_QUERY, { token: tokens.auditor(office) });
      expectNoErrors(verify);
      const total = await countEvents(scratch.db);
      expect(verify.body.data.verifyAccessLog).toEqual({ valid: true, checked: total, firstBrokenSequence: null });
      const sequences = (await storedEvents(scratch.db)).map((e) => e.sequence).sort((a, b) => a - b);
      expect(sequences).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('L4 only auditors read the log', () => {
    const refusals: [string, string, () => string | undefined][] = [
      ['department', 'FORBIDDEN', () => tokens.department(deptA)],
      ['agency', 'FORBIDDEN', () => tokens.agency(agency)],
      ['subject', 'FORBIDDEN', () => tokens.subject('91110000600037341L')],
      ['admin', 'FORBIDDEN', () => tokens.admin()],
      ['public', 'UNAUTHENTICATED', () => undefined],
    ];

    it.each(refusals)('L4: %s → accessLog and verifyAccessLog refused with %s, no data', async (_viewer, code, token) => {
      const log = await accessLog(gw, token(), { first: 5 });
      expectErrorCode(log, code);
      expectNoData(log);
      const verify = await post(gw, VERIFY_QUERY, { token: token() });
      expectErrorCode(verify, code);
      expectNoData(verify);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('L4 auditor queries', () => {
    /** Known events in a window of their own (March 2031); the auditor reads later (AUDITOR_AT). */
    const WINDOW_FROM = '2031-03-01T00:00:00.000Z';
    const WINDOW_TO = '2031-03-10T00:00:00.000Z';
    const AUDITOR_AT = new Date('2031-03-20T00:00:00.000Z');

    interface Known {
      requestId: string;
      sequence: number;
      at: string;
      orgCode: string | null;
      actor: string | null;
      subjectCode: string;
      view: string;
      purposeKind: string | null;
    }

    const known: Known[] = [];
    let deptX: string;
    let deptY: string;
    let agencyZ: string;
    let a: SubjectFixture;
    let b: SubjectFixture;
    let p: SubjectFixture;
    const officerX1 = `officer-x1-${randomUUID().slice(0, 6)}`;
    const officerX2 = `officer-x2-${randomUUID().slice(0, 6)}`;
    const officerY1 = `officer-y1-${randomUUID().slice(0, 6)}`;
    const analystZ1 = `analyst-z1-${randomUUID().slice(0, 6)}`;
    const userB = `user-b-${randomUUID().slice(0, 6)}`;
    const auditorSub = `auditor-l4-${randomUUID().slice(0, 6)}`;
    const auditorToken = () => tokens.auditor(auditOffice, auditorSub);

    /** One request at an instant of the window; checks what it stored and adds it to the known set. */
    async function view(
      instant: string,
      request: { query?: string; token?: string; variables: Record<string, unknown> },
      expected: Omit<Known, 'requestId' | 'sequence' | 'at' | 'subjectCode'> & { subjects: string[] },
    ): Promise<void> {
      gw.clock.now = new Date(instant);
      const response = await post(gw, request.query ?? SUBJECT_QUERY, { token: request.token, variables: request.variables });
      expectNoErrors(response);
      const stored = await eventsOfRequest(db(), response.requestId);
      expect(sorted(stored.map((e) => e.subjectCode!))).toEqual(sorted(expected.subjects));
      for (const event of stored) {
        expect(event).toMatchObject({ at: instant, orgCode: expected.orgCode, actor: expected.actor, view: expected.view, purposeKind: expected.purposeKind });
        known.push({
          requestId: response.requestId, sequence: event.sequence, at: instant, orgCode: expected.orgCode, actor: expected.actor,
          subjectCode: event.subjectCode!, view: expected.view, purposeKind: expected.purposeKind,
        });
      }
    }

    beforeAll(async () => {
      deptX = await createOrganization(db(), 'DEPARTMENT');
      deptY = await createOrganization(db(), 'DEPARTMENT');
      agencyZ = await createOrganization(db(), 'AGENCY');
      const word = uniqueToken('审');
      a = await enterprise(`${word}甲有限公司`);
      b = await enterprise(`${word}乙有限公司`);
      p = await person('赵小明');
      await placeRecord(db(), a, deptX, { type: 'license' });
      await placeRecord(db(), b, deptX, { type: 'license' });
      await placeRecord(db(), p, deptX, { type: 'qualification' });
      const ref = (kind: string) => ({ kind, reference: `${kind}-2031-${word}` });
      await view('2031-03-01T01:00:00.000Z', { token: tokens.department(deptX, officerX1), variables: { code: a.code, purpose: ref('LICENSING') } },
        { orgCode: deptX, actor: officerX1, view: 'DEPARTMENT', purposeKind: 'LICENSING', subjects: [a.code] });
      await view('2031-03-02T01:00:00.000Z', { token: tokens.department(deptX, officerX2), variables: { code: b.code, purpose: ref('SUPERVISION') } },
        { orgCode: deptX, actor: officerX2, view: 'DEPARTMENT', purposeKind: 'SUPERVISION', subjects: [b.code] });
      await view('2031-03-03T01:00:00.000Z', { token: tokens.department(deptY, officerY1), variables: { code: b.code, purpose: ref('LICENSING') } },
        { orgCode: deptY, actor: officerY1, view: 'DEPARTMENT', purposeKind: 'LICENSING', subjects: [b.code] });
      await view('2031-03-04T01:00:00.000Z', { token: tokens.department(deptY, officerY1), variables: { code: a.code } },
        { orgCode: deptY, actor: officerY1, view: 'PUBLIC', purposeKind: null, subjects: [a.code] });
      await view('2031-03-05T01:00:00.000Z', { token: tokens.agency(agencyZ, analystZ1), variables: { code: a.code, purpose: ref('CREDIT_REPORT') } },
        { orgCode: agencyZ, actor: analystZ1, view: 'PUBLIC', purposeKind: 'CREDIT_REPORT', subjects: [a.code] });
      await view('2031-03-06T01:00:00.000Z', { variables: { code: p.code } },
        { orgCode: null, actor: null, view: 'PUBLIC', purposeKind: null, subjects: [p.code] });
      await view('2031-03-07T01:00:00.000Z', { token: tokens.subject(b.code, userB), variables: { code: b.code } },
        { orgCode: null, actor: userB, view: 'SELF', purposeKind: null, subjects: [b.code] });
      await view('2031-03-08T01:00:00.000Z', { query: SEARCH_QUERY, token: tokens.department(deptX, officerX1), variables: { query: word, purpose: ref('LICENSING') } },
        { orgCode: deptX, actor: officerX1, view: 'DEPARTMENT', purposeKind: 'LICENSING', subjects: [a.code, b.code] });
      await view('2031-03-09T01:00:00.000Z', { token: tokens.department(deptX, officerX1), variables: { code: p.code, purpose: ref('JUDICIAL') } },
        { orgCode: deptX, actor: officerX1, view: 'DEPARTMENT', purposeKind: 'JUDICIAL', subjects: [p.code] });
      // newest first: at DESC, then sequence DESC (the two search events share their instant)
      known.sort((x, y) => (x.at === y.at ? y.sequence - x.sequence : y.at.localeCompare(x.at)));
    });

    function matches(filter: AccessLogFilterInput, event: Known): boolean {
      return (!filter.from || event.at >= filter.from)
        && (!filter.to || event.at <= filter.to)
        && (!filter.orgCode || event.orgCode === filter.orgCode)
        && (!filter.actor || event.actor === filter.actor)
        && (!filter.subjectCode || event.subjectCode === filter.subjectCode)
        && (!filter.view || event.view === filter.view)
        && (!filter.purpose || event.purposeKind === filter.purpose);
    }

    const knownKey = (event: { requestId: string; subjectCode: string | null }) => `${event.requestId}/${event.subjectCode}`;

    /** Walks the log for a filter and compares it with the table (SQL) and with the known set (by construction). */
    async function expectExactly(filter: AccessLogFilterInput): Promise<EventNode[]> {
      gw.clock.now = AUDITOR_AT;
      const walk = await walkAccessLog(gw, auditorToken(), filter, 100);
      const stored: StoredEvent[] = (await storedEvents(db(), filterCondition(filter)))
        .filter((event) => !walk.laterRequestIds.includes(event.requestId));
      expect(walk.events.map((e) => e.sequence)).toEqual(stored.map((e) => e.sequence));
      expect(walk.totals[0]).toBe(stored.length);
      const knownKeys = new Set(known.map(knownKey));
      expect(walk.events.filter((e) => knownKeys.has(knownKey(e))).map(knownKey)).toEqual(known.filter((k) => matches(filter, k)).map(knownKey));
      return walk.events;
    }

    const f = () => ({
      from: { from: '2031-03-05T12:00:00.000Z' },
      to: { to: '2031-03-03T12:00:00.000Z' },
      orgCode: { orgCode: deptX },
      actor: { actor: officerX1 },
      subjectCode: { subjectCode: a.code },
      viewDepartment: { view: 'DEPARTMENT' },
      viewPublic: { view: 'PUBLIC' },
      viewSelf: { view: 'SELF' },
      purpose: { purpose: 'LICENSING' },
    } satisfies Record<string, AccessLogFilterInput>);

    it('L4: each filter alone (from, to, orgCode, actor, subjectCode, view, purpose) returns exactly the matching events, newest first', async () => {
      for (const [name, filter] of Object.entries(f())) {
        const events = await expectExactly(filter);
        expect(events.length, name).toBeGreaterThan(0);
      }
      // the filters that single out this suite's parties are exact against the known set alone
      expect((await expectExactly({ orgCode: deptX })).map(knownKey)).toEqual(known.filter((k) => k.orgCode === deptX).map(knownKey));
      expect((await expectExactly({ actor: officerY1 })).map(knownKey)).toEqual(known.filter((k) => k.actor === officerY1).map(knownKey));
      expect((await expectExactly({ subjectCode: p.code })).map((e) => e.requestId)).toEqual(known.filter((k) => k.subjectCode === p.code).map((k) => k.requestId));
      expect((await expectExactly({ subjectCode: b.code, view: 'SELF' })).map((e) => e.actor)).toEqual([userB]);
    });

    it('L4: filters combined return exactly the events matching all of them', async () => {
      const cases: [AccessLogFilterInput, number][] = [
        [{ from: '2031-03-01T12:00:00.000Z', to: '2031-03-08T12:00:00.000Z', orgCode: deptX }, 3],
        [{ subjectCode: a.code, view: 'PUBLIC' }, 2],
        [{ actor: officerY1, purpose: 'LICENSING' }, 1],
        [{ from: WINDOW_FROM, to: WINDOW_TO, view: 'DEPARTMENT', purpose: 'LICENSING' }, 4],
        [{ from: WINDOW_FROM, to: WINDOW_TO, orgCode: agencyZ, view: 'PUBLIC', purpose: 'CREDIT_REPORT' }, 1],
        [{ from: WINDOW_FROM, to: WINDOW_TO, orgCode: deptX, actor: officerX1, subjectCode: b.code, view: 'DEPARTMENT', purpose: 'LICENSING' }, 1],
        [{ orgCode: deptY, subjectCode: p.code }, 0],
        [{ from: WINDOW_FROM, to: WINDOW_TO, view: 'SELF', actor: officerX1 }, 0],
      ];
      for (const [filter, count] of cases) {
        const events = await expectExactly(filter);
        expect(events.length, JSON.stringify(filter)).toBe(count);
      }
    });

    it('L4: newest first — by time, and by sequence between events of the same instant', async () => {
      const events = await expectExactly({ from: WINDOW_FROM, to: WINDOW_TO });
      expect(events.map(knownKey)).toEqual(known.map(knownKey));
      expect(events).toHaveLength(10);
      for (let i = 1; i < events.length; i += 1) {
        const [newer, older] = [events[i - 1], events[i]];
        expect(newer.at >= older.at).toBe(true);
        if (newer.at === older.at) expect(newer.sequence).toBeGreaterThan(older.sequence);
      }
      const searchPair = events.filter((e) => e.at === '2031-03-08T01:00:00.000Z');
      expect(searchPair).toHaveLength(2);
      expect(searchPair[0].sequence).toBe(searchPair[1].sequence + 1);
    });

    it('L4: keyset pagination with first: 2 walks every event exactly once, totalCount constant and correct', async () => {
      gw.clock.now = AUDITOR_AT;
      const filter = { from: WINDOW_FROM, to: WINDOW_TO };
      const walk = await walkAccessLog(gw, auditorToken(), filter, 2);
      expect(walk.pages).toBe(5);
      expect(walk.totals).toEqual([10, 10, 10, 10, 10]);
      expect(walk.events.map(knownKey)).toEqual(known.map(knownKey));
      expect(new Set(walk.events.map((e) => e.sequence)).size).toBe(10);

      // the auditor's own events count too: by organisation and actor the total grows by one per call
      const own = await walkAccessLog(gw, auditorToken(), { actor: auditorSub, from: AUDITOR_AT.toISOString() }, 2);
      const ownStored = await storedEvents(db(), sql`actor = ${auditorSub} AND at >= ${AUDITOR_AT.toISOString()}::timestamptz`);
      expect(own.totals[0]).toBe(ownStored.length - own.laterRequestIds.length);
      own.totals.forEach((total, i) => expect(total).toBe(own.totals[0] + i));
      expect(own.events.map((e) => e.sequence)).toEqual(
        ownStored.filter((e) => !own.laterRequestIds.includes(e.requestId)).map((e) => e.sequence),
      );
    });

    it('L4: a malformed cursor → BAD_USER_INPUT INVALID_CURSOR; first above 100 → FIRST_TOO_LARGE; no data', async () => {
      const wrongShape = Buffer.from(JSON.stringify(['2031-03-01T00:00:00.000Z']), 'utf8').toString('base64url');
      const notAnInstant = Buffer.from(JSON.stringify(['yesterday', '12']), 'utf8').toString('base64url');
      for (const after of ['not a cursor!', 'eyJ4Ijox', wrongShape, notAnInstant]) {
        const response = await accessLog(gw, auditorToken(), { first: 2, after });
        expectErrorCode(response, 'BAD_USER_INPUT', 'INVALID_CURSOR');
        expectNoData(response);
      }
      const tooMany = await accessLog(gw, auditorToken(), { first: 101 });
      expectErrorCode(tooMany, 'BAD_USER_INPUT', 'FIRST_TOO_LARGE');
      expectNoData(tooMany);
    });

    it('L4: an auditor\'s own accessLog call is an event of its own result (role auditor, no subject, no view, operation accessLog) and is counted', async () => {
      const office = await createOrganization(db(), 'AUDIT_OFFICE');
      const sub = `auditor-own-${uniqueToken()}`;
      const token = tokens.auditor(office, sub);
      const firstAt = tick(new Date('2031-05-01T00:00:00.000Z'));
      const first = await accessLog(gw, token, { filter: { actor: sub } });
      expectNoErrors(first);
      expect(first.body.data.accessLog.totalCount).toBe(1);
      const ownEvent = {
        actor: sub, role: 'auditor', organization: { code: office, name: await organizationName(db(), office) }, view: null, purpose: null,
        grantId: null, subjectCode: null, recordIds: [], operationName: 'accessLog',
      };
      expect(nodesOf(first)).toEqual([expect.objectContaining({ ...ownEvent, requestId: first.requestId, at: firstAt.toISOString() })]);

      const secondAt = tick(new Date('2031-05-01T00:00:00.000Z'));
      const second = await accessLog(gw, token, { filter: { orgCode: office } });
      expectNoErrors(second);
      expect(second.body.data.accessLog.totalCount).toBe(2);
      expect(nodesOf(second)).toEqual([
        expect.objectContaining({ ...ownEvent, requestId: second.requestId, at: secondAt.toISOString() }),
        expect.objectContaining({ ...ownEvent, requestId: first.requestId, at: firstAt.toISOString() }),
      ]);
      expect(await eventsOfRequest(db(), second.requestId)).toHaveLength(1);
    });

    it('L4: verifyAccessLog calls are events too (operation verifyAccessLog), returned and counted by accessLog', async () => {
      const office = await createOrganization(db(), 'AUDIT_OFFICE');
      const sub = `auditor-verify-${uniqueToken()}`;
      const token = tokens.auditor(office, sub);
      const verifyAt = tick(new Date('2031-05-02T00:00:00.000Z'));
      const verify = await post(gw, VERIFY_QUERY, { token });
      expectNoErrors(verify);
      expect(verify.body.data.verifyAccessLog).toMatchObject({ valid: true, firstBrokenSequence: null });
      expect(verify.body.data.verifyAccessLog.checked).toBe(await countEvents(db()));

      const logAt = tick(new Date('2031-05-02T00:00:00.000Z'));
      const log = await accessLog(gw, token, { filter: { actor: sub } });
      expectNoErrors(log);
      expect(log.body.data.accessLog.totalCount).toBe(2);
      expect(nodesOf(log)).toEqual([
        expect.objectContaining({ requestId: log.requestId, at: logAt.toISOString(), operationName: 'accessLog', role: 'auditor', subjectCode: null, view: null }),
        expect.objectContaining({
          requestId: verify.requestId, at: verifyAt.toISOString(), operationName: 'verifyAccessLog', role: 'auditor', actor: sub,
          organization: expect.objectContaining({ code: office }), subjectCode: null, view: null, purpose: null, recordIds: [],
        }),
      ]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('L5 access receipts', () => {
    const BASE = new Date('2027-02-01T02:00:00.000Z');

    /** A subject viewed by everyone in turn; returns the two department views that must become receipts. */
    async function viewedSubject(subject: SubjectFixture) {
      await placeRecord(db(), subject, deptB, { type: subject.kind === 'INDIVIDUAL' ? 'qualification' : 'license' });
      const other = await enterprise();
      const officerA = `officer-pid-${uniqueToken()}`;
      const officerB = `officer-pid-${uniqueToken()}`;
      const reference = { ...LICENSING, reference: `许可-${uniqueToken()}` };
      const supervision = { ...SUPERVISION, reference: `监管-${uniqueToken()}` };
      const must = async (response: Promise<HttpResult>) => {
        const result = await response;
        expectNoErrors(result);
        return result;
      };

      const firstAt = tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { token: tokens.department(deptA, officerA), variables: { code: subject.code, purpose: reference } }));
      tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { variables: { code: subject.code } })); // public: soft inquiry
      tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { token: tokens.department(deptA, officerA), variables: { code: subject.code } })); // G2 fallback: PUBLIC
      tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { token: tokens.agency(agency), variables: { code: subject.code, purpose: CREDIT_REPORT } })); // A1: PUBLIC
      tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { token: auditor(), variables: { code: subject.code } }));
      tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { token: tokens.admin(), variables: { code: subject.code } }));
      tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { token: tokens.subject(subject.code), variables: { code: subject.code } })); // SELF
      tick(BASE);
      await must(post(gw, SUBJECT_QUERY, { token: tokens.department(deptB, officerB), variables: { code: other.code, purpose: JUDICIAL } })); // another subject
      const secondAt = tick(BASE);
      const found = await must(post(gw, SEARCH_QUERY, { token: tokens.department(deptB, officerB), variables: { query: subject.name, purpose: supervision } }));
      expect(found.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([subject.code]);

      // the department officers' personal ids are in the log (so their absence from receipts means something)
      expect((await storedEvents(db(), sql`subject_code = ${subject.code} AND actor = ${officerA}`)).length).toBe(2);

      const receipts = [
        { at: secondAt.toISOString(), organization: { code: deptB, name: await organizationName(db(), deptB) }, view: 'DEPARTMENT', purpose: supervision, grantId: null },
        { at: firstAt.toISOString(), organization: { code: deptA, name: await organizationName(db(), deptA) }, view: 'DEPARTMENT', purpose: reference, grantId: null },
      ];
      return { other, officers: [officerA, officerB], receipts };
    }

    const receiptsOf = (response: HttpResult) => response.body.data.subject.accessReceipts.edges.map((edge: { node: unknown }) => edge.node);

    it('L5: an enterprise\'s receipts list exactly the DEPARTMENT views of it, newest first, with time, organisation code and name, view, purpose, grant id', async () => {
      const subject = await enterprise();
      const { receipts, officers } = await viewedSubject(subject);
      tick(BASE);
      const response = await post(gw, RECEIPTS_QUERY, { token: tokens.subject(subject.code), variables: { code: subject.code, first: 20 } });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('SELF');
      expect(response.body.data.subject.accessReceipts.totalCount).toBe(2);
      expect(receiptsOf(response)).toEqual(receipts);
      expectAbsent(response, ...officers, 'officer-1', 'analyst-1', 'auditor-main', 'admin-1', 'user-1');
    });

    it('L5: an individual\'s receipts list the DEPARTMENT views of it — not public, self, fallback or other subjects\' views, never an officer id', async () => {
      const subject = await person(`钱${uniqueToken('')}`);
      const { receipts, officers, other } = await viewedSubject(subject);
      tick(BASE);
      const response = await post(gw, RECEIPTS_QUERY, { token: tokens.subject(subject.code), variables: { code: subject.code } });
      expectNoErrors(response);
      expect(response.body.data.subject.accessReceipts.totalCount).toBe(2);
      expect(receiptsOf(response)).toEqual(receipts);
      expectAbsent(response, ...officers, other.code);
      // the other subject's own receipts show the JUDICIAL view of it, not this subject's
      tick(BASE);
      const others = await post(gw, RECEIPTS_QUERY, { token: tokens.subject(other.code), variables: { code: other.code } });
      expectNoErrors(others);
      expect(receiptsOf(others)).toEqual([expect.objectContaining({ view: 'DEPARTMENT', purpose: JUDICIAL, organization: expect.objectContaining({ code: deptB }) })]);
      expectAbsent(others, ...officers);
    });

    it('L5: receipts page newest first with keyset cursors; a malformed cursor → INVALID_CURSOR', async () => {
      const subject = await enterprise();
      const { receipts } = await viewedSubject(subject);
      const token = tokens.subject(subject.code);
      tick(BASE);
      const first = await post(gw, RECEIPTS_QUERY, { token, variables: { code: subject.code, first: 1 } });
      expectNoErrors(first);
      expect(first.body.data.subject.accessReceipts).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
      expect(receiptsOf(first)).toEqual([receipts[0]]);
      tick(BASE);
      const second = await post(gw, RECEIPTS_QUERY, {
        token, variables: { code: subject.code, first: 1, after: first.body.data.subject.accessReceipts.pageInfo.endCursor },
      });
      expectNoErrors(second);
      expect(second.body.data.subject.accessReceipts).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: false } });
      expect(receiptsOf(second)).toEqual([receipts[1]]);

      const malformed = await post(gw, RECEIPTS_QUERY, { token, variables: { code: subject.code, after: 'not a cursor!' } });
      expectErrorCode(malformed, 'BAD_USER_INPUT', 'INVALID_CURSOR');
      expect(malformed.body.data?.subject?.accessReceipts ?? null).toBeNull();
    });

    describe('L5 receipts are the subject\'s own', () => {
      const viewers: [string, (self: SubjectFixture, other: SubjectFixture) => { token?: string; purpose?: object }][] = [
        ['the public', () => ({})],
        ['a department with a purpose', () => ({ token: tokens.department(deptA), purpose: LICENSING })],
        ['a department without a purpose', () => ({ token: tokens.department(deptA) })],
        ['an agency with a purpose', () => ({ token: tokens.agency(agency), purpose: CREDIT_REPORT })],
        ['another subject', (_self, other) => ({ token: tokens.subject(other.code) })],
        ['an auditor', () => ({ token: auditor() })],
        ['an admin', () => ({ token: tokens.admin() })],
      ];

      it.each(viewers)('L5: for %s, accessReceipts is null', async (_name, viewer) => {
        const subject = await enterprise();
        const other = await enterprise();
        await viewedSubject(subject);
        const { token, purpose } = viewer(subject, other);
        tick(BASE);
        const response = await post(gw, `query R($code: String!, $purpose: PurposeInput) {
          subject(code: $code, purpose: $purpose) { code view accessReceipts(first: 20) { totalCount edges { node { at } } } } }`,
        { token, variables: { code: subject.code, purpose } });
        expectNoErrors(response);
        expect(response.body.data.subject.code).toBe(subject.code);
        expect(response.body.data.subject.view).not.toBe('SELF');
        expect(response.body.data.subject.accessReceipts).toBeNull();
      });
    });
  });
});
