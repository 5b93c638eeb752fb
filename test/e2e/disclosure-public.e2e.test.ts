import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { type TestGateway } from '../support/gateway.js';
import { createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import {
  at, CREDIT_REPORT, distinctBirthDate, expectAbsent, expectBadUserInput, expectNoErrors, LICENSING, lookup, maskedId, NOW, placeRecord,
  recordIdsOf, residentIdEndingInX, search, sorted, uniqueToken, unknownOrganizationCode, unknownResidentId,
  type Purpose,
} from '../support/disclosure-e2e.js';

/**
 * SPEC §4.2–§4.4 over HTTP with real tokens: what the public view discloses (P0–P4), the publicity windows
 * (D1–D6), no oracle (D7) and lookup normalisation (I3). The clock of the gateway is 2026-06-01T04:00:00Z
 * (12:00 in Asia/Shanghai) unless a test moves it; every record is placed relative to that instant.
 */
describe.each(testDatabaseKinds())('public disclosure on %s', (kind) => {
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
    gw.clock.now = NOW;
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const db = () => database.db;
  const enterprise = (name?: string) => createSubject(db(), deptA, 'ENTERPRISE', name ? { name } : {});
  const person = (overrides: { name?: string; birthDate?: string; code?: string } = {}) =>
    createSubject(db(), deptA, 'INDIVIDUAL', { birthDate: distinctBirthDate(), ...overrides });

  /** Every kind of caller, with and without a purpose; the subject token is some unrelated registered subject. */
  async function everyViewer(): Promise<{ label: string; token?: string; purpose?: Purpose }[]> {
    const someone = await enterprise();
    return [
      { label: 'public' },
      { label: 'department without purpose', token: tokens.department(deptA) },
      { label: 'department with purpose', token: tokens.department(deptA), purpose: LICENSING },
      { label: 'agency without purpose', token: tokens.agency(agency) },
      { label: 'agency with purpose', token: tokens.agency(agency), purpose: CREDIT_REPORT },
      { label: 'subject', token: tokens.subject(someone.code) },
      { label: 'auditor', token: tokens.auditor(auditOffice) },
      { label: 'admin', token: tokens.admin() },
    ];
  }

  // ----------------------------------------------------------------------------------------------------------
  describe('P0 unknown codes', () => {
    it('P0: a valid organisation code that matches no subject returns subject null with no error, for every viewer', async () => {
      const code = unknownOrganizationCode();
      for (const viewer of [...await everyViewer(), { label: 'subject naming this very code', token: tokens.subject(code) }]) {
        const response = await lookup(gw, code, { token: viewer.token, purpose: viewer.purpose });
        expectNoErrors(response);
        expect(response.body.data, viewer.label).toEqual({ subject: null });
      }
    });

    it('P0: a valid resident identity number that matches no subject returns subject null with no error, for every viewer', async () => {
      const code = unknownResidentId();
      for (const viewer of [...await everyViewer(), { label: 'subject naming this very code', token: tokens.subject(code) }]) {
        const response = await lookup(gw, code, { token: viewer.token, purpose: viewer.purpose });
        expectNoErrors(response);
        expect(response.body.data, viewer.label).toEqual({ subject: null });
      }
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('P1 organisation fields', () => {
    it.each(['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const)(
      'P1: the public sees a %s\'s code, kind, name, status, registeredAt, address and legal representative, never legalRepresentativeId',
      async (subjectKind) => {
        const legalRepresentativeId = unknownResidentId('1970-01-02');
        const subject = await createSubject(db(), deptA, subjectKind, { legalRepresentativeId });
        const response = await lookup(gw, subject.code);
        expectNoErrors(response);
        const s = response.body.data.subject;
        expect(s).toMatchObject({
          code: subject.code,
          kind: subjectKind,
          name: subject.name,
          status: 'ACTIVE',
          registeredAt: '2015-03-01',
          address: '广东省韶关市浈江区测试路1号',
          legalRepresentative: '李四',
          legalRepresentativeId: null,
          view: 'PUBLIC',
        });
        expect(s.redactions).toContainEqual({ field: 'legalRepresentativeId', reason: 'NOT_PUBLIC' });
        expectAbsent(response, legalRepresentativeId, legalRepresentativeId.slice(-8));
      },
    );

    it('P1: an organisation without any record is found by the public', async () => {
      const subject = await enterprise();
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ code: subject.code, name: subject.name, view: 'PUBLIC' });
      expect(response.body.data.subject.records).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('P2 public records', () => {
    it('P2: only ACTIVE PUBLIC records inside their window are listed; details are null with redaction NOT_PUBLIC', async () => {
      const subject = await enterprise();
      const visible = await placeRecord(db(), subject, deptA, { type: 'license', validFrom: at('2026-01-01T00:00:00Z'), validUntil: at('2027-01-01T00:00:00Z') });
      const hidden = [
        await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SHARED' }),
        await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY' }),
        await placeRecord(db(), subject, deptA, { type: 'license', validUntil: at('2026-05-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptA, { type: 'license', validFrom: at('2026-07-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptA, { type: 'license', status: 'WITHDRAWN' }),
        await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', status: 'REPAIRED' }),
        await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'MINOR' }),
        await placeRecord(db(), subject, deptA, { type: 'judgment' }),
        await placeRecord(db(), subject, deptA, { type: 'tax-rating' }),
      ];
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      const records = response.body.data.subject.records;
      expect(records.totalCount).toBe(1);
      expect(recordIdsOf(response)).toEqual([visible.id]);
      expect(records.edges[0].node).toMatchObject({
        id: visible.id,
        title: visible.title,
        disclosure: 'PUBLIC',
        status: 'ACTIVE',
        details: null,
        history: null,
        redactions: [{ field: 'details', reason: 'NOT_PUBLIC' }],
      });
      expectAbsent(response, visible.note, ...hidden.flatMap((r) => [r.id, r.title, r.note]));
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('P3 individuals', () => {
    it('P3: an individual with a public record is found with masked name (张小三 → 张*三) and masked code (1101**********002X)', async () => {
      const subject = await person({ code: '11010519491231002X', name: '张小三' });
      const listed = await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      const s = response.body.data.subject;
      expect(s).toMatchObject({ code: '1101**********002X', name: '张*三', kind: 'INDIVIDUAL', view: 'PUBLIC' });
      expect(s.redactions).toEqual(expect.arrayContaining([
        { field: 'code', reason: 'MASKED_PERSONAL_DATA' },
        { field: 'name', reason: 'MASKED_PERSONAL_DATA' },
      ]));
      expect(recordIdsOf(response)).toEqual([listed.id]);
      expectAbsent(response, '11010519491231002X', '张小三', '19491231', listed.note);
    });

    it('P3: only the individual\'s public records are listed (types not public for individuals stay hidden)', async () => {
      const subject = await person();
      const listed = await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      const hidden = [
        await placeRecord(db(), subject, deptA, { type: 'license' }),
        await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-05-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptA, { type: 'qualification', validUntil: at('2026-01-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptA, { type: 'serious-dishonesty-list', disclosure: 'SHARED' }),
      ];
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(response.body.data.subject.code).toBe(maskedId(subject.code));
      expect(response.body.data.subject.records.totalCount).toBe(1);
      expect(recordIdsOf(response)).toEqual([listed.id]);
      expectAbsent(response, subject.code, ...hidden.flatMap((r) => [r.id, r.title, r.note]));
    });

    it('P3: an individual without any public record is null, exactly as an unknown code', async () => {
      const subject = await person();
      await placeRecord(db(), subject, deptA, { type: 'license' });
      await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2026-05-01T00:00:00Z') });
      await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', status: 'WITHDRAWN' });
      await placeRecord(db(), subject, deptA, { type: 'qualification', disclosure: 'SUBJECT_ONLY' });
      const hiddenResponse = await lookup(gw, subject.code);
      const unknownResponse = await lookup(gw, unknownResidentId());
      expectNoErrors(hiddenResponse);
      expect(hiddenResponse.body).toEqual({ data: { subject: null } });
      expect(hiddenResponse.body).toEqual(unknownResponse.body);
      expect(hiddenResponse.status).toBe(unknownResponse.status);
    });

    it('P3: an individual without any record at all is null for the public', async () => {
      const subject = await person();
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(response.body.data).toEqual({ subject: null });
    });

    it('P3: the public sees only the individual\'s public qualifications', async () => {
      const subject = await person();
      const lawyer = await placeRecord(db(), subject, deptA, { type: 'qualification', group: 'LAWYER' });
      const accountant = await placeRecord(db(), subject, deptA, { type: 'qualification', group: 'ACCOUNTANT', disclosure: 'SHARED' });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(response.body.data.subject.qualifications).toEqual([{ id: lawyer.id, group: 'LAWYER', details: null }]);
      expectAbsent(response, accountant.id, accountant.note, lawyer.note, 'ACCOUNTANT');
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('P4 public search', () => {
    it('P4: searchSubjects finds organisations whose name contains the query anywhere, case-insensitively', async () => {
      const token = uniqueToken('Zq');
      const subject = await enterprise(`Acme${token}Widget 韶关有限公司`);
      for (const query of [token.toLowerCase(), token.toUpperCase(), `acme${token.toLowerCase()}widget`, `${token.slice(2)}WIDGET 韶关`]) {
        const response = await search(gw, query);
        expectNoErrors(response);
        const codes = response.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code);
        expect(codes, query).toEqual([subject.code]);
        expect(response.body.data.searchSubjects.totalCount, query).toBe(1);
      }
    });

    it('P4: the search result is the public view of the organisation', async () => {
      const token = uniqueToken();
      const subject = await enterprise(`公开视图${token}有限公司`);
      const visible = await placeRecord(db(), subject, deptA, { type: 'honor' });
      const hidden = await placeRecord(db(), subject, deptA, { type: 'tax-arrears' });
      const response = await search(gw, token);
      expectNoErrors(response);
      const node = response.body.data.searchSubjects.edges[0].node;
      expect(node).toMatchObject({ code: subject.code, view: 'PUBLIC', legalRepresentativeId: null });
      expect(node.records.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([visible.id]);
      expect(node.records.edges[0].node.details).toBeNull();
      expectAbsent(response, hidden.id, hidden.title, hidden.note, visible.note);
    });

    it('P4: case-insensitive matching covers full-width and accented letters', async () => {
      const token = uniqueToken('W');
      const subject = await enterprise(`ＡＣＭＥ Éclair ${token} 科技有限公司`);
      for (const query of [`ａｃｍｅ éclair ${token}`, `ＡＣＭＥ ÉCLAIR ${token.toUpperCase()}`, `ＡＣＭＥ Éclair ${token}`]) {
        const response = await search(gw, query);
        expectNoErrors(response);
        expect(response.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code), query).toEqual([subject.code]);
      }
    });

    it.each(['A', '张', '𠮷', ' B ', ''])('P4: a query shorter than 2 characters (%j) is refused with BAD_USER_INPUT', async (query) => {
      const response = await search(gw, query);
      expectBadUserInput(response);
      expect(response.body.data?.searchSubjects ?? null).toBeNull();
    });

    it.each(['A', '张', '𠮷', ' B ', ''])('P4: a query shorter than 2 characters (%j) is refused with QUERY_TOO_SHORT', async (query) => {
      expectBadUserInput(await search(gw, query), 'QUERY_TOO_SHORT');
    });

    // §11: no name is longer than 200 characters, so neither may a query be (it would be probed piece by piece for nothing)
    it('P4, §11: a query of the longest name\'s length finds it; one character more is refused with QUERY_TOO_LONG', async () => {
      const token = uniqueToken('Long');
      const name = `${token}${'长'.repeat(200 - token.length - 4)}有限公司`;
      expect(name).toHaveLength(200);
      const subject = await enterprise(name);
      const found = await search(gw, name);
      expectNoErrors(found);
      expect(found.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([subject.code]);
      const refused = await search(gw, `${name}司`);
      expectBadUserInput(refused, 'QUERY_TOO_LONG');
      expect(refused.body.data?.searchSubjects ?? null).toBeNull();
    });

    it('P4: a code equal to the query is found even when the name does not contain it; a code fragment is not', async () => {
      const subject = await enterprise();
      const exact = await search(gw, subject.code);
      expectNoErrors(exact);
      expect(exact.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([subject.code]);
      const fragment = await search(gw, subject.code.slice(0, 12));
      expectNoErrors(fragment);
      expect(fragment.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).not.toContain(subject.code);
    });

    it('P4: LIKE wildcards in the query are taken literally', async () => {
      const token = uniqueToken();
      await enterprise(`通配${token}有限公司`);
      for (const query of ['%%', '__', `${token.slice(0, 3)}%${token.slice(4)}`]) {
        const response = await search(gw, query);
        expectNoErrors(response);
        expect(response.body.data.searchSubjects.totalCount, query).toBe(0);
      }
    });

    it('P4: the public never finds individuals, by name or by code, even when they have public records', async () => {
      const token = uniqueToken('Ren');
      const subject = await person({ name: `王${token}` });
      await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      expect((await lookup(gw, subject.code)).body.data.subject).not.toBeNull();
      for (const [query, kindFilter] of [[token, undefined], [subject.code, undefined], [token, 'INDIVIDUAL'], [subject.code, 'INDIVIDUAL']]) {
        const response = await search(gw, query!, { kind: kindFilter });
        expectNoErrors(response);
        expect(response.body.data.searchSubjects, `${query} ${kindFilter}`).toMatchObject({ totalCount: 0, edges: [] });
        expectAbsent(response, subject.code, token);
      }
    });

    it('P4: the kind filter keeps only organisations of that kind', async () => {
      const token = uniqueToken('Kd');
      const ent = await createSubject(db(), deptA, 'ENTERPRISE', { name: `${token} 企业` });
      const inst = await createSubject(db(), deptA, 'PUBLIC_INSTITUTION', { name: `${token} 事业单位` });
      const org = await createSubject(db(), deptA, 'SOCIAL_ORGANIZATION', { name: `${token} 社会组织` });
      const ind = await person({ name: `${token} 个人` });
      await placeRecord(db(), ind, deptA, { type: 'qualification' });
      const codesFor = async (kindFilter?: string) => {
        const response = await search(gw, token, { kind: kindFilter });
        expectNoErrors(response);
        const connection = response.body.data.searchSubjects;
        expect(connection.totalCount).toBe(connection.edges.length);
        return sorted(connection.edges.map((e: { node: { code: string } }) => e.node.code));
      };
      expect(await codesFor()).toEqual(sorted([ent.code, inst.code, org.code]));
      expect(await codesFor('ENTERPRISE')).toEqual([ent.code]);
      expect(await codesFor('PUBLIC_INSTITUTION')).toEqual([inst.code]);
      expect(await codesFor('SOCIAL_ORGANIZATION')).toEqual([org.code]);
      expect(await codesFor('INDIVIDUAL')).toEqual([]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('D1 penalties', () => {
    async function publicIds(subject: SubjectFixture): Promise<string[]> {
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      return recordIdsOf(response);
    }

    it('D1: a GENERAL penalty is public for exactly one year from decidedAt', async () => {
      const subject = await enterprise();
      const inside = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-06-01T04:00:01Z') });
      const atEnd = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-06-01T04:00:00Z') });
      const older = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2024-12-01T00:00:00Z') });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(recordIdsOf(response)).toEqual([inside.id]);
      expect(response.body.data.subject.records.edges[0].node.publicUntil).toBe('2026-06-01T04:00:01.000Z');
      expectAbsent(response, atEnd.id, older.id);
    });

    it('D1: a SERIOUS penalty is public for exactly three years from decidedAt', async () => {
      const subject = await enterprise();
      const inside = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2023-06-01T04:00:01Z') });
      const twoYears = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2024-06-01T00:00:00Z') });
      const atEnd = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2023-06-01T04:00:00Z') });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(recordIdsOf(response)).toEqual([twoYears.id, inside.id]);
      const byId = Object.fromEntries(response.body.data.subject.records.edges.map((e: { node: { id: string; publicUntil: string } }) => [e.node.id, e.node.publicUntil]));
      expect(byId[inside.id]).toBe('2026-06-01T04:00:01.000Z');
      expect(byId[twoYears.id]).toBe('2027-06-01T00:00:00.000Z');
      expectAbsent(response, atEnd.id);
    });

    it('D1: a MINOR penalty is never public, even on the day it is decided', async () => {
      const subject = await enterprise();
      const minor = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'MINOR', decidedAt: at('2026-06-01T03:00:00Z') });
      expect(await publicIds(subject)).toEqual([]);
      const department = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: LICENSING });
      expectNoErrors(department);
      expect(recordIdsOf(department)).toEqual([minor.id]);
      expect(department.body.data.subject.records.edges[0].node.publicUntil).toBeNull();
    });

    it('D1: a penalty decided after the request instant is not yet public', async () => {
      const subject = await enterprise();
      await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-06-01T04:00:01Z') });
      expect(await publicIds(subject)).toEqual([]);
    });

    it('D1: the year is a calendar year in Asia/Shanghai (decided 2024-02-29 01:00 Shanghai → public until 2025-02-28 01:00 Shanghai)', async () => {
      const subject = await enterprise();
      const leap = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2024-02-28T17:00:00Z') });
      gw.clock.now = at('2025-02-27T16:59:59Z');
      const before = await lookup(gw, subject.code);
      expectNoErrors(before);
      expect(recordIdsOf(before)).toEqual([leap.id]);
      expect(before.body.data.subject.records.edges[0].node.publicUntil).toBe('2025-02-27T17:00:00.000Z');
      // UTC arithmetic would keep it public until 2025-02-28T17:00Z
      gw.clock.now = at('2025-02-28T00:00:00Z');
      expect(await publicIds(subject)).toEqual([]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('D2 list-like and other PUBLIC types', () => {
    it('D2: a licence is public from validFrom (inclusive) while validUntil is in the future (exclusive)', async () => {
      const subject = await enterprise();
      const untilSoon = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-01-01T00:00:00Z'), validUntil: at('2026-06-01T04:00:01Z') });
      const startsNow = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-01-02T00:00:00Z'), validFrom: NOW });
      const noEnd = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2016-01-01T00:00:00Z') });
      const endedNow = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-01-03T00:00:00Z'), validUntil: NOW });
      const notYet = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-01-04T00:00:00Z'), validFrom: at('2026-06-01T04:00:01Z') });
      const decidedLater = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-06-02T00:00:00Z') });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(sorted(recordIdsOf(response))).toEqual(sorted([untilSoon.id, startsNow.id, noEnd.id]));
      const byId = Object.fromEntries(response.body.data.subject.records.edges.map((e: { node: { id: string; publicUntil: string | null } }) => [e.node.id, e.node.publicUntil]));
      expect(byId[untilSoon.id]).toBe('2026-06-01T04:00:01.000Z');
      expect(byId[noEnd.id]).toBeNull();
      expectAbsent(response, endedNow.id, notYet.id, decidedLater.id);
    });

    it('D2: a dishonest-debtor without validUntil expires 2 years after listing (validFrom, else decidedAt)', async () => {
      const subject = await enterprise();
      const byDecided = await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2024-06-01T04:00:01Z') });
      const byValidFrom = await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2024-05-01T00:00:00Z'), validFrom: at('2024-06-01T05:00:00Z') });
      const expired = await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2024-06-01T04:00:00Z') });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      const byId = Object.fromEntries(response.body.data.subject.records.edges.map((e: { node: { id: string; publicUntil: string } }) => [e.node.id, e.node.publicUntil]));
      expect(sorted(Object.keys(byId))).toEqual(sorted([byDecided.id, byValidFrom.id]));
      expect(byId[byDecided.id]).toBe('2026-06-01T04:00:01.000Z');
      expect(byId[byValidFrom.id]).toBe('2026-06-01T05:00:00.000Z');
      expectAbsent(response, expired.id);
    });

    it('D2: a serious-dishonesty-list entry without validUntil expires 3 years after listing', async () => {
      const subject = await enterprise();
      const inside = await placeRecord(db(), subject, deptA, { type: 'serious-dishonesty-list', decidedAt: at('2023-06-01T04:00:01Z') });
      const expired = await placeRecord(db(), subject, deptA, { type: 'serious-dishonesty-list', decidedAt: at('2023-06-01T04:00:00Z') });
      const explicit = await placeRecord(db(), subject, deptA, { type: 'serious-dishonesty-list', decidedAt: at('2022-01-01T00:00:00Z'), validUntil: at('2027-01-01T00:00:00Z') });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(sorted(recordIdsOf(response))).toEqual(sorted([inside.id, explicit.id]));
      expectAbsent(response, expired.id);
    });

    it('D2: an ip-infringement record ends at most 3 years after decidedAt, whatever its validUntil', async () => {
      const subject = await enterprise();
      const capped = await placeRecord(db(), subject, deptA, { type: 'ip-infringement', decidedAt: at('2023-06-01T04:00:01Z'), validUntil: at('2030-01-01T00:00:00Z') });
      const expired = await placeRecord(db(), subject, deptA, { type: 'ip-infringement', decidedAt: at('2023-06-01T04:00:00Z'), validUntil: at('2030-01-01T00:00:00Z') });
      const shorter = await placeRecord(db(), subject, deptA, { type: 'ip-infringement', decidedAt: at('2025-01-01T00:00:00Z'), validUntil: at('2026-12-31T16:00:00Z') });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      const byId = Object.fromEntries(response.body.data.subject.records.edges.map((e: { node: { id: string; publicUntil: string } }) => [e.node.id, e.node.publicUntil]));
      expect(sorted(Object.keys(byId))).toEqual(sorted([capped.id, shorter.id]));
      expect(byId[capped.id]).toBe('2026-06-01T04:00:01.000Z');
      expect(byId[shorter.id]).toBe('2026-12-31T16:00:00.000Z');
      expectAbsent(response, expired.id);
    });

    it.each(['registration', 'commitment', 'self-declared', 'honor', 'abnormal-operation', 'qualification'])(
      'D2: a PUBLIC %s record follows the validity window',
      async (type) => {
        const subject = await enterprise();
        const inside = await placeRecord(db(), subject, deptA, { type, decidedAt: at('2026-03-01T02:00:00Z'), validUntil: at('2026-09-01T00:00:00Z') });
        const ended = await placeRecord(db(), subject, deptA, { type, decidedAt: at('2025-03-01T02:00:00Z'), validUntil: at('2026-05-31T16:00:00Z') });
        const response = await lookup(gw, subject.code);
        expectNoErrors(response);
        expect(recordIdsOf(response)).toEqual([inside.id]);
        expectAbsent(response, ended.id, ended.title);
      },
    );
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('D3 outside the window', () => {
    it('D3: a PUBLIC record outside its window is gone from the public view but still seen by departments (with a purpose) and by the subject', async () => {
      const subject = await enterprise();
      const expired = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2024-01-01T00:00:00Z'), validUntil: at('2026-01-01T00:00:00Z') });
      const oldPenalty = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2024-01-01T00:00:00Z') });

      const publicView = await lookup(gw, subject.code);
      expectNoErrors(publicView);
      expect(publicView.body.data.subject.records.totalCount).toBe(0);
      expectAbsent(publicView, expired.id, oldPenalty.id, expired.note);

      for (const viewer of [
        { token: tokens.department(deptA), purpose: LICENSING },
        { token: tokens.subject(subject.code) },
      ]) {
        const response = await lookup(gw, subject.code, viewer);
        expectNoErrors(response);
        expect(sorted(recordIdsOf(response))).toEqual(sorted([expired.id, oldPenalty.id]));
        const notes = response.body.data.subject.records.edges.map((e: { node: { details: { internalNote: string } } }) => e.node.details.internalNote);
        expect(sorted(notes)).toEqual(sorted([expired.note, oldPenalty.note]));
      }
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('D4 withdrawn and repaired', () => {
    it('D4: WITHDRAWN and REPAIRED records are absent from every view but SELF, including the source department\'s', async () => {
      const subject = await enterprise();
      const active = await placeRecord(db(), subject, deptA, { type: 'license' });
      const withdrawn = await placeRecord(db(), subject, deptA, { type: 'license', status: 'WITHDRAWN' });
      const repaired = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-01-01T00:00:00Z'), status: 'REPAIRED' });
      const withdrawnOwn = await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', status: 'WITHDRAWN' });
      const other = await enterprise();
      const viewers = [
        { label: 'public' },
        { label: 'department (source) without purpose', token: tokens.department(deptA) },
        { label: 'department (source) with purpose', token: tokens.department(deptA), purpose: LICENSING },
        { label: 'other department with purpose', token: tokens.department(deptB), purpose: { kind: 'SUPERVISION', reference: 'SUP-1' } },
        { label: 'agency', token: tokens.agency(agency), purpose: CREDIT_REPORT },
        { label: 'other subject', token: tokens.subject(other.code) },
        { label: 'auditor', token: tokens.auditor(auditOffice) },
        { label: 'admin', token: tokens.admin() },
      ];
      const gone = [withdrawn, repaired, withdrawnOwn];
      for (const viewer of viewers) {
        const response = await lookup(gw, subject.code, viewer);
        expectNoErrors(response);
        expect(recordIdsOf(response), viewer.label).toEqual([active.id]);
        expect(response.body.data.subject.records.totalCount, viewer.label).toBe(1);
        expectAbsent(response, ...gone.flatMap((r) => [r.id, r.title, r.note]));
      }
      const self = await lookup(gw, subject.code, { token: tokens.subject(subject.code) });
      expectNoErrors(self);
      const statuses = Object.fromEntries(self.body.data.subject.records.edges.map((e: { node: { id: string; status: string } }) => [e.node.id, e.node.status]));
      expect(statuses).toEqual({ [active.id]: 'ACTIVE', [withdrawn.id]: 'WITHDRAWN', [repaired.id]: 'REPAIRED', [withdrawnOwn.id]: 'WITHDRAWN' });
    });

    it('D4: an individual whose only public-type record is WITHDRAWN is null for the public', async () => {
      const subject = await person();
      await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', status: 'WITHDRAWN' });
      await placeRecord(db(), subject, deptA, { type: 'serious-dishonesty-list', status: 'REPAIRED' });
      const response = await lookup(gw, subject.code);
      expectNoErrors(response);
      expect(response.body.data).toEqual({ subject: null });
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('D5 individuals', () => {
    it('D5: about an adult, only dishonest-debtor, qualification and serious-dishonesty-list are public', async () => {
      const subject = await person({ birthDate: '1988-08-08' });
      const publicTypes = [
        await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') }),
        await placeRecord(db(), subject, deptA, { type: 'qualification', decidedAt: at('2026-03-02T02:00:00Z') }),
        await placeRecord(db(), subject, deptA, { type: 'serious-dishonesty-list', decidedAt: at('2026-03-03T02:00:00Z') }),
      ];
      const keptFromPublic = [];
      for (const type of ['license', 'honor', 'registration', 'commitment', 'self-declared', 'abnormal-operation', 'ip-infringement']) {
        keptFromPublic.push(await placeRecord(db(), subject, deptA, { type, decidedAt: at('2026-03-04T02:00:00Z') }));
      }
      keptFromPublic.push(await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2026-03-05T02:00:00Z') }));

      const publicView = await lookup(gw, subject.code);
      expectNoErrors(publicView);
      expect(sorted(recordIdsOf(publicView))).toEqual(sorted(publicTypes.map((r) => r.id)));
      expect(publicView.body.data.subject.records.totalCount).toBe(3);
      expectAbsent(publicView, ...keptFromPublic.flatMap((r) => [r.id, r.title]));

      // kept from the public by D5 = SHARED (D3): departments still see them
      const department = await lookup(gw, subject.code, { token: tokens.department(deptB), purpose: LICENSING });
      expectNoErrors(department);
      expect(sorted(recordIdsOf(department))).toEqual(sorted([...publicTypes, ...keptFromPublic].map((r) => r.id)));
    });

    it('D5: a minor has nothing public: subject null for the public, found by a department with a purpose', async () => {
      const subject = await person({ birthDate: '2010-03-15' });
      const record = await placeRecord(db(), subject, deptA, { type: 'qualification', group: 'TOUR_GUIDE', decidedAt: at('2026-03-01T02:00:00Z') });
      await placeRecord(db(), subject, deptA, { type: 'serious-dishonesty-list', decidedAt: at('2026-03-01T02:00:00Z') });
      const publicView = await lookup(gw, subject.code);
      expectNoErrors(publicView);
      expect(publicView.body).toEqual({ data: { subject: null } });
      for (const token of [tokens.agency(agency), tokens.auditor(auditOffice), tokens.admin(), tokens.department(deptA)]) {
        const response = await lookup(gw, subject.code, { token });
        expectNoErrors(response);
        expect(response.body.data).toEqual({ subject: null });
      }
      const department = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: LICENSING });
      expectNoErrors(department);
      expect(department.body.data.subject).toMatchObject({ code: subject.code, view: 'DEPARTMENT' });
      expect(recordIdsOf(department)).toContain(record.id);
    });

    it('D5: an individual is an adult from their 18th birthday on the Asia/Shanghai calendar', async () => {
      const subject = await person({ birthDate: '2008-06-02' });
      const listed = await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      // 2026-06-01 23:59:59 in Shanghai: still 17
      gw.clock.now = at('2026-06-01T15:59:59Z');
      const before = await lookup(gw, subject.code);
      expectNoErrors(before);
      expect(before.body.data).toEqual({ subject: null });
      // 2026-06-02 00:00:00 in Shanghai (still 2026-06-01 in UTC): 18
      gw.clock.now = at('2026-06-01T16:00:00Z');
      const after = await lookup(gw, subject.code);
      expectNoErrors(after);
      expect(recordIdsOf(after)).toEqual([listed.id]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('D6 evaluated at the request instant', () => {
    it('D6: a penalty disappears from the public view when the clock crosses its window end, with no other change', async () => {
      const subject = await enterprise();
      const lasting = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-01-01T00:00:00Z') });
      const penalty = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-06-01T05:00:00Z') });

      gw.clock.now = at('2026-06-01T04:59:59.999Z');
      const before = await lookup(gw, subject.code);
      expectNoErrors(before);
      expect(recordIdsOf(before)).toEqual([lasting.id, penalty.id]);
      expect(before.body.data.subject.records.totalCount).toBe(2);

      gw.clock.now = at('2026-06-01T05:00:00Z');
      const after = await lookup(gw, subject.code);
      expectNoErrors(after);
      expect(recordIdsOf(after)).toEqual([lasting.id]);
      expect(after.body.data.subject.records.totalCount).toBe(1);
      expectAbsent(after, penalty.id, penalty.title);

      // the department still sees it (D3), and moving the clock back brings it back for the public
      const department = await lookup(gw, subject.code, { token: tokens.department(deptB), purpose: LICENSING });
      expect(recordIdsOf(department)).toEqual([lasting.id, penalty.id]);
      gw.clock.now = at('2026-06-01T04:59:59.999Z');
      expect(recordIdsOf(await lookup(gw, subject.code))).toEqual([lasting.id, penalty.id]);
    });

    it('D6: an individual whose only public record expires becomes null for the public at that instant', async () => {
      const subject = await person();
      await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2024-06-01T06:00:00Z') });
      gw.clock.now = at('2026-06-01T05:59:59Z');
      const before = await lookup(gw, subject.code);
      expectNoErrors(before);
      expect(before.body.data.subject).not.toBeNull();
      gw.clock.now = at('2026-06-01T06:00:00Z');
      const after = await lookup(gw, subject.code);
      expectNoErrors(after);
      expect(after.body.data).toEqual({ subject: null });
    });

    it('D6: a licence becomes public at the instant its validFrom is reached', async () => {
      const subject = await enterprise();
      const future = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z'), validFrom: at('2026-07-01T00:00:00Z') });
      expect(recordIdsOf(await lookup(gw, subject.code))).toEqual([]);
      gw.clock.now = at('2026-07-01T00:00:00Z');
      expect(recordIdsOf(await lookup(gw, subject.code))).toEqual([future.id]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('D7 no oracle', () => {
    it('D7: records(categories:) and totalCount count only visible rows', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptA, { type: 'license' });
      const minor = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'MINOR' });
      const arrears = await placeRecord(db(), subject, deptA, { type: 'tax-arrears' });
      const administrative = await lookup(gw, subject.code, { categories: ['ADMINISTRATIVE'] });
      expectNoErrors(administrative);
      expect(administrative.body.data.subject.records.totalCount).toBe(1);
      expect(recordIdsOf(administrative)).toEqual([licence.id]);
      const compliance = await lookup(gw, subject.code, { categories: ['COMPLIANCE'] });
      expectNoErrors(compliance);
      expect(compliance.body.data.subject.records).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
      expectAbsent(administrative, minor.id, arrears.id);
      expectAbsent(compliance, minor.id, arrears.id);
    });

    it('D7: a filter on a hidden type answers exactly as a filter on a type the subject does not have', async () => {
      const subject = await enterprise();
      await placeRecord(db(), subject, deptA, { type: 'license' });
      const minor = await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'MINOR' });
      const judgment = await placeRecord(db(), subject, deptA, { type: 'judgment' });
      const hiddenType = await lookup(gw, subject.code, { types: ['penalty'] });
      const hiddenShared = await lookup(gw, subject.code, { types: ['judgment'] });
      const absentType = await lookup(gw, subject.code, { types: ['honor'] });
      for (const response of [hiddenType, hiddenShared, absentType]) expectNoErrors(response);
      expect(hiddenType.body.data.subject.records).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
      expect(hiddenType.body.data.subject.records).toEqual(absentType.body.data.subject.records);
      expect(hiddenShared.body.data.subject.records).toEqual(absentType.body.data.subject.records);
      expect(hiddenType.body.data.subject.redactions).toEqual(absentType.body.data.subject.redactions);
      expectAbsent(hiddenType, minor.id);
      expectAbsent(hiddenShared, judgment.id);
    });

    it('D7: an individual\'s hidden category answers as an empty one', async () => {
      const subject = await person();
      await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2026-03-01T02:00:00Z') });
      const hidden = await lookup(gw, subject.code, { categories: ['ADMINISTRATIVE'] });
      const empty = await lookup(gw, subject.code, { categories: ['HONOR'] });
      expectNoErrors(hidden);
      expect(hidden.body.data.subject.records.totalCount).toBe(0);
      expect(hidden.body).toEqual(empty.body);
    });

    it('D7: searching with professionalGroup as the public never finds individuals', async () => {
      const token = uniqueToken('Lw');
      const lawyer = await person({ name: `律${token}` });
      await placeRecord(db(), lawyer, deptA, { type: 'qualification', group: 'LAWYER', decidedAt: at('2026-03-01T02:00:00Z') });
      expect((await lookup(gw, lawyer.code)).body.data.subject.qualifications).toHaveLength(1);
      for (const query of [token, lawyer.code]) {
        const response = await search(gw, query, { professionalGroup: 'LAWYER' });
        expectNoErrors(response);
        expect(response.body.data.searchSubjects).toMatchObject({ totalCount: 0, edges: [] });
      }
    });

    it('D7: a hidden qualification cannot make a subject match a professionalGroup search', async () => {
      const token = uniqueToken('Pg');
      const hiddenHolder = await enterprise(`${token} 隐藏资质有限公司`);
      const visibleHolder = await enterprise(`${token} 公开资质有限公司`);
      await placeRecord(db(), hiddenHolder, deptA, { type: 'qualification', group: 'ACCOUNTANT', disclosure: 'SHARED' });
      await placeRecord(db(), hiddenHolder, deptA, { type: 'qualification', group: 'ACCOUNTANT', validUntil: at('2026-01-01T00:00:00Z') });
      await placeRecord(db(), hiddenHolder, deptA, { type: 'qualification', group: 'ACCOUNTANT', status: 'WITHDRAWN' });
      await placeRecord(db(), visibleHolder, deptA, { type: 'qualification', group: 'ACCOUNTANT' });
      const response = await search(gw, token, { professionalGroup: 'ACCOUNTANT' });
      expectNoErrors(response);
      expect(response.body.data.searchSubjects.totalCount).toBe(1);
      expect(response.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([visibleHolder.code]);
      expectAbsent(response, hiddenHolder.code);
    });

    it('D7: a search totalCount counts only subjects the caller may see', async () => {
      const token = uniqueToken('Tc');
      await enterprise(`${token} 甲有限公司`);
      await enterprise(`${token} 乙有限公司`);
      const individual = await person({ name: `${token}某` });
      await placeRecord(db(), individual, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      const response = await search(gw, token);
      expectNoErrors(response);
      expect(response.body.data.searchSubjects.totalCount).toBe(2);
      expect(response.body.data.searchSubjects.edges).toHaveLength(2);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('I3 input codes', () => {
    it('I3: a lookup with a lower-case x and surrounding spaces finds the individual', async () => {
      const code = residentIdEndingInX();
      const subject = await person({ code });
      const listed = await placeRecord(db(), subject, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      for (const raw of [`  ${code.toLowerCase()}  `, `\t${code.slice(0, 17)}x\n`]) {
        const response = await lookup(gw, raw);
        expectNoErrors(response);
        expect(response.body.data.subject.code).toBe(maskedId(code));
        expect(recordIdsOf(response)).toEqual([listed.id]);
      }
      const department = await lookup(gw, ` ${code.toLowerCase()} `, { token: tokens.department(deptA), purpose: LICENSING });
      expectNoErrors(department);
      expect(department.body.data.subject.code).toBe(code);
    });

    it('I3: searchSubjects matches a code given in lower case with surrounding spaces', async () => {
      const subject = await enterprise();
      const response = await search(gw, `  ${subject.code.toLowerCase()}  `);
      expectNoErrors(response);
      expect(response.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([subject.code]);
    });

    it('I3: an organisation code is trimmed and upper-cased', async () => {
      const subject = await enterprise();
      const response = await lookup(gw, `   ${subject.code.toLowerCase()} `);
      expectNoErrors(response);
      expect(response.body.data.subject.code).toBe(subject.code);
    });

    it.each([
      ['91110000600037341N', 'USCC checksum'],
      ['9111000060003IOZSV', 'USCC charset'],
      ['36042619910102009X', 'resident checksum'],
      ['360426199113010079', 'resident date'],
      ['91110000600037341', 'too short'],
      ['', 'empty'],
      ['   ', 'blank'],
      ['not a code', 'garbage'],
    ])('I3: an invalid code %j (%s) is refused with BAD_USER_INPUT / INVALID_CODE, not treated as not found', async (code) => {
      for (const viewer of [{}, { token: tokens.department(deptA), purpose: LICENSING }, { token: tokens.admin() }]) {
        const response = await lookup(gw, code, viewer);
        expectBadUserInput(response, 'INVALID_CODE');
        expect(response.body.data?.subject ?? null).toBeNull();
      }
    });
  });
});
