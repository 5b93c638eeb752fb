import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { type TestGateway } from '../support/gateway.js';
import { createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import type { GraphQLResponse } from '../support/gateway.js';
import {
  at, CREDIT_REPORT, distinctBirthDate, expectAbsent, expectBadUserInput, expectNoErrors, LICENSING, lookup, maskedId, NOW, placeRecord,
  recordIdsOf, residentIdEndingInX, search, sorted, uniqueToken, unknownResidentId, type PlacedRecord,
} from '../support/disclosure-e2e.js';

/**
 * SPEC §4.3–§4.4 and §5, one `describe` per viewer: departments (G1–G3), agencies without a grant (A1), subjects
 * (S1–S2), auditors and admins (U1), and the purposes each may state. Over HTTP with real signed tokens.
 */

/** A response body with the `{ field: "records", reason }` fallback redaction of G2 / A1 removed. */
function withoutRecordsRedaction(body: GraphQLResponse['body']): unknown {
  const copy = JSON.parse(JSON.stringify(body));
  if (copy.data?.subject) {
    copy.data.subject.redactions = copy.data.subject.redactions.filter((r: { field: string }) => r.field !== 'records');
  }
  return copy;
}

describe.each(testDatabaseKinds())('disclosure by viewer on %s', (kind) => {
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
  const enterprise = (overrides: { name?: string; legalRepresentativeId?: string } = {}) => createSubject(db(), deptA, 'ENTERPRISE', overrides);
  const person = (overrides: { name?: string; birthDate?: string; code?: string } = {}) => createSubject(db(), deptA, 'INDIVIDUAL', { birthDate: distinctBirthDate(), ...overrides });

  /**
   * An enterprise file with one record in every interesting state. deptA is "own" organisation of the
   * department viewer; deptB filed the SUBJECT_ONLY record that deptA must not see.
   */
  async function fullFile(subject: SubjectFixture) {
    const seen = {
      publicInside: await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') }),
      publicExpired: await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2024-01-01T00:00:00Z'), validUntil: at('2025-01-01T00:00:00Z') }),
      minorPenalty: await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'MINOR', decidedAt: at('2026-04-01T00:00:00Z') }),
      oldPenalty: await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2023-04-01T00:00:00Z') }),
      shared: await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') }),
      judgment: await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2025-11-01T00:00:00Z') }),
      subjectOnlyOwn: await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-01-15T00:00:00Z') }),
    };
    const unseen = {
      subjectOnlyOther: await placeRecord(db(), subject, deptB, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-01-16T00:00:00Z') }),
      withdrawnOwn: await placeRecord(db(), subject, deptA, { type: 'license', status: 'WITHDRAWN', decidedAt: at('2026-01-17T00:00:00Z') }),
      withdrawnOwnSubjectOnly: await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', status: 'WITHDRAWN', decidedAt: at('2026-01-18T00:00:00Z') }),
      repaired: await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', status: 'REPAIRED', decidedAt: at('2026-01-19T00:00:00Z') }),
    };
    return { seen, unseen };
  }

  const hiddenValues = (records: Record<string, PlacedRecord>) => Object.values(records).flatMap((r) => [r.id, r.title, r.note]);

  // ----------------------------------------------------------------------------------------------------------
  describe('department', () => {
    it('G1: with a purpose, every ACTIVE PUBLIC (any window) or SHARED record plus SUBJECT_ONLY records it filed, not those another department filed', async () => {
      const legalRepresentativeId = unknownResidentId('1966-06-06');
      const subject = await enterprise({ legalRepresentativeId });
      const { seen, unseen } = await fullFile(subject);
      const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: LICENSING });
      expectNoErrors(response);
      const s = response.body.data.subject;
      expect(s).toMatchObject({ code: subject.code, name: subject.name, legalRepresentativeId, view: 'DEPARTMENT', redactions: [] });
      expect(sorted(recordIdsOf(response))).toEqual(sorted(Object.values(seen).map((r) => r.id)));
      expect(s.records.totalCount).toBe(Object.keys(seen).length);
      for (const edge of s.records.edges) {
        const placed = Object.values(seen).find((r) => r.id === edge.node.id)!;
        expect(edge.node.details).toEqual({ internalNote: placed.note, caseOfficer: 'officer-7' });
        expect(edge.node.redactions).toEqual([]);
        expect(edge.node.history).toEqual([]);
        expect(edge.node.status).toBe('ACTIVE');
      }
      expectAbsent(response, ...hiddenValues(unseen));
    });

    it('G1: the department that filed the other SUBJECT_ONLY record sees it, and not the first department\'s', async () => {
      const subject = await enterprise();
      const { seen, unseen } = await fullFile(subject);
      const response = await lookup(gw, subject.code, { token: tokens.department(deptB), purpose: { kind: 'SUPERVISION', reference: 'SUP-2026-1' } });
      expectNoErrors(response);
      const expected = [...Object.values(seen).filter((r) => r !== seen.subjectOnlyOwn), unseen.subjectOnlyOther];
      expect(sorted(recordIdsOf(response))).toEqual(sorted(expected.map((r) => r.id)));
      expectAbsent(response, seen.subjectOnlyOwn.id, seen.subjectOnlyOwn.note, unseen.repaired.id, unseen.withdrawnOwn.id);
    });

    it('G1: an individual is shown with full code and name, all records kept from the public, and details', async () => {
      const subject = await person({ name: '张小三', birthDate: '1975-02-03' });
      const licence = await placeRecord(db(), subject, deptB, { type: 'license' });
      const penalty = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-04-01T00:00:00Z') });
      const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: { kind: 'HIRING', reference: '招聘-2026-3' } });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ code: subject.code, name: '张小三', view: 'DEPARTMENT', redactions: [] });
      expect(sorted(recordIdsOf(response))).toEqual(sorted([licence.id, penalty.id]));
      expect(JSON.stringify(response.body)).toContain(licence.note);
    });

    it('G1: an individual without any record is found by a department with a purpose', async () => {
      const subject = await person();
      const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: LICENSING });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ code: subject.code, view: 'DEPARTMENT' });
      expect(response.body.data.subject.records.totalCount).toBe(0);
    });

    it('G2: without a purpose, the public view with redaction {records, PURPOSE_REQUIRED}', async () => {
      const legalRepresentativeId = unknownResidentId('1966-07-07');
      const subject = await enterprise({ legalRepresentativeId });
      const { seen, unseen } = await fullFile(subject);
      const response = await lookup(gw, subject.code, { token: tokens.department(deptA) });
      expectNoErrors(response);
      const s = response.body.data.subject;
      expect(s).toMatchObject({ view: 'PUBLIC', legalRepresentativeId: null });
      expect(s.redactions).toContainEqual({ field: 'records', reason: 'PURPOSE_REQUIRED' });
      expect(recordIdsOf(response)).toEqual([seen.publicInside.id]);
      expect(s.records.edges[0].node.details).toBeNull();
      const { publicInside, ...rest } = seen;
      expectAbsent(response, legalRepresentativeId, publicInside.note, ...hiddenValues(rest), ...hiddenValues(unseen));
      // exactly the public view, plus the fallback redaction
      const publicView = await lookup(gw, subject.code);
      expect(withoutRecordsRedaction(response.body)).toEqual(publicView.body);
    });

    it('G2: the PURPOSE_REQUIRED redaction is present even when nothing is hidden', async () => {
      const subject = await enterprise();
      const only = await placeRecord(db(), subject, deptA, { type: 'honor' });
      const withRecord = await lookup(gw, subject.code, { token: tokens.department(deptA) });
      expectNoErrors(withRecord);
      expect(recordIdsOf(withRecord)).toEqual([only.id]);
      expect(withRecord.body.data.subject.redactions).toContainEqual({ field: 'records', reason: 'PURPOSE_REQUIRED' });
      const empty = await enterprise();
      const withoutRecords = await lookup(gw, empty.code, { token: tokens.department(deptA) });
      expectNoErrors(withoutRecords);
      expect(withoutRecords.body.data.subject.redactions).toContainEqual({ field: 'records', reason: 'PURPOSE_REQUIRED' });
      // the redactions of a file with hidden records equal those of a file without any (no oracle)
      const hiddenFile = await enterprise();
      await placeRecord(db(), hiddenFile, deptA, { type: 'tax-arrears' });
      const withHidden = await lookup(gw, hiddenFile.code, { token: tokens.department(deptA) });
      expect(withHidden.body.data.subject.redactions).toEqual(withoutRecords.body.data.subject.redactions);
    });

    it('G2: without a purpose, an individual with no public record is null, and one with a public record is masked', async () => {
      const hidden = await person();
      await placeRecord(db(), hidden, deptA, { type: 'license' });
      const nothing = await lookup(gw, hidden.code, { token: tokens.department(deptA) });
      expectNoErrors(nothing);
      expect(nothing.body.data).toEqual({ subject: null });

      const listed = await person({ name: '欧阳小明' });
      await placeRecord(db(), listed, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      const masked = await lookup(gw, listed.code, { token: tokens.department(deptA) });
      expectNoErrors(masked);
      expect(masked.body.data.subject).toMatchObject({ name: '欧**明', code: maskedId(listed.code), view: 'PUBLIC' });
      expect(masked.body.data.subject.redactions).toContainEqual({ field: 'records', reason: 'PURPOSE_REQUIRED' });
      expectAbsent(masked, listed.code, '欧阳小明');
    });

    it('G2: in one request, an aliased lookup without a purpose receives only the public view while the other has a purpose', async () => {
      const subject = await enterprise();
      const { seen } = await fullFile(subject);
      const query = `query Both($code: String!, $purpose: PurposeInput) {
        withPurpose: subject(code: $code, purpose: $purpose) { view records(first: 100) { totalCount edges { node { id details } } } }
        without: subject(code: $code) { view redactions { field reason } records(first: 100) { totalCount edges { node { id details } } } }
      }`;
      const response = await gw.request(query, { token: tokens.department(deptA), variables: { code: subject.code, purpose: LICENSING } });
      expectNoErrors(response);
      const { withPurpose, without } = response.body.data;
      expect(withPurpose.view).toBe('DEPARTMENT');
      expect(withPurpose.records.totalCount).toBe(Object.keys(seen).length);
      expect(without.view).toBe('PUBLIC');
      expect(without.redactions).toContainEqual({ field: 'records', reason: 'PURPOSE_REQUIRED' });
      expect(without.records).toEqual({ totalCount: 1, edges: [{ node: { id: seen.publicInside.id, details: null } }] });
    });

    it('G3: with a purpose, a department finds individuals by name (full name and code); without one it does not', async () => {
      const token = uniqueToken('Gs');
      const listed = await person({ name: `${token}李` });
      const unlisted = await person({ name: `${token}周` });
      await placeRecord(db(), listed, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      const firm = await enterprise({ name: `${token} 有限公司` });

      const withPurpose = await search(gw, token, { token: tokens.department(deptA), purpose: LICENSING });
      expectNoErrors(withPurpose);
      const nodes = withPurpose.body.data.searchSubjects.edges.map((e: { node: { code: string; name: string; view: string } }) => e.node);
      expect(sorted(nodes.map((n: { code: string }) => n.code))).toEqual(sorted([listed.code, unlisted.code, firm.code]));
      expect(nodes.find((n: { code: string }) => n.code === listed.code)).toMatchObject({ name: `${token}李`, view: 'DEPARTMENT' });
      expect(withPurpose.body.data.searchSubjects.totalCount).toBe(3);

      const onlyIndividuals = await search(gw, token, { token: tokens.department(deptA), purpose: LICENSING, kind: 'INDIVIDUAL' });
      expectNoErrors(onlyIndividuals);
      expect(sorted(onlyIndividuals.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code))).toEqual(sorted([listed.code, unlisted.code]));

      const byCode = await search(gw, listed.code, { token: tokens.department(deptA), purpose: LICENSING });
      expectNoErrors(byCode);
      expect(byCode.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([listed.code]);

      const withoutPurpose = await search(gw, token, { token: tokens.department(deptA) });
      expectNoErrors(withoutPurpose);
      expect(withoutPurpose.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([firm.code]);
      expect(withoutPurpose.body.data.searchSubjects.totalCount).toBe(1);
      expectAbsent(withoutPurpose, listed.code, unlisted.code);
    });

    it('G3: with a purpose, professionalGroup finds individuals holding a qualification of that group', async () => {
      const token = uniqueToken('Pq');
      const doctor = await person({ name: `${token}医` });
      const teacher = await person({ name: `${token}师` });
      await placeRecord(db(), doctor, deptA, { type: 'qualification', group: 'MEDICAL_WORKER' });
      await placeRecord(db(), teacher, deptA, { type: 'qualification', group: 'TEACHER' });
      const response = await search(gw, token, { token: tokens.department(deptA), purpose: LICENSING, professionalGroup: 'MEDICAL_WORKER' });
      expectNoErrors(response);
      expect(response.body.data.searchSubjects.edges.map((e: { node: { code: string } }) => e.node.code)).toEqual([doctor.code]);
      expect(response.body.data.searchSubjects.totalCount).toBe(1);
    });

    it('PURPOSE_NOT_ALLOWED: a department stating an agency purpose (LENDING) is refused', async () => {
      const subject = await enterprise();
      for (const kind of ['LENDING', 'CREDIT_REPORT', 'EMPLOYMENT_SCREENING']) {
        const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: { kind, reference: 'L-1' } });
        expectBadUserInput(response, 'PURPOSE_NOT_ALLOWED');
        expect(response.body.data?.subject ?? null).toBeNull();
        expectAbsent(response, subject.name);
        const searched = await search(gw, subject.code, { token: tokens.department(deptA), purpose: { kind, reference: 'L-1' } });
        expectBadUserInput(searched, 'PURPOSE_NOT_ALLOWED');
        expect(searched.body.data?.searchSubjects ?? null).toBeNull();
      }
    });

    it('§5: every department purpose kind is accepted', async () => {
      const subject = await enterprise();
      for (const kind of ['LICENSING', 'PROCUREMENT', 'BIDDING', 'SUBSIDY', 'QUALIFICATION', 'HIRING', 'SUPERVISION', 'LAW_ENFORCEMENT', 'JUDICIAL']) {
        const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: { kind, reference: `${kind}-1` } });
        expectNoErrors(response);
        expect(response.body.data.subject.view, kind).toBe('DEPARTMENT');
      }
    });

    it.each([
      ['empty', ''],
      ['blank', '   '],
      ['65 characters', 'R'.repeat(65)],
      ['65 Chinese characters', '案'.repeat(65)],
    ])('§5: a purpose reference that is %s is refused with BAD_USER_INPUT', async (_label, reference) => {
      const subject = await enterprise();
      const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: { kind: 'LICENSING', reference } });
      expectBadUserInput(response);
      expect(response.body.data?.subject ?? null).toBeNull();
      expectAbsent(response, subject.name);
    });

    it('§5: a purpose without a reference is refused with BAD_USER_INPUT', async () => {
      const subject = await enterprise();
      for (const purpose of [{ kind: 'LICENSING' }, { kind: 'LICENSING', reference: null }]) {
        const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose });
        expectBadUserInput(response);
        expect(response.body.data?.subject ?? null).toBeNull();
        expectAbsent(response, subject.name);
      }
    });

    it.each([
      ['1 character', '1'],
      ['64 ASCII characters', 'R'.repeat(64)],
      ['64 Chinese characters', '案'.repeat(64)],
    ])('§5: a purpose reference of %s is accepted', async (_label, reference) => {
      const subject = await enterprise();
      const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: { kind: 'LICENSING', reference } });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('DEPARTMENT');
    });

    it('§5: a purpose reference of 64 characters outside the BMP (𠮷) is accepted: the limit counts characters, not UTF-16 units', async () => {
      const subject = await enterprise();
      const response = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: { kind: 'LICENSING', reference: '𠮷'.repeat(64) } });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('DEPARTMENT');
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('agency', () => {
    it('A1: with a purpose but no grant, the public view with redaction {records, GRANT_REQUIRED}', async () => {
      const legalRepresentativeId = unknownResidentId('1966-08-08');
      const subject = await enterprise({ legalRepresentativeId });
      const { seen, unseen } = await fullFile(subject);
      const response = await lookup(gw, subject.code, { token: tokens.agency(agency), purpose: CREDIT_REPORT });
      expectNoErrors(response);
      const s = response.body.data.subject;
      expect(s).toMatchObject({ view: 'PUBLIC', legalRepresentativeId: null });
      expect(s.redactions).toContainEqual({ field: 'records', reason: 'GRANT_REQUIRED' });
      expect(recordIdsOf(response)).toEqual([seen.publicInside.id]);
      const { publicInside, ...rest } = seen;
      expectAbsent(response, legalRepresentativeId, publicInside.note, ...hiddenValues(rest), ...hiddenValues(unseen));
      const publicView = await lookup(gw, subject.code);
      expect(withoutRecordsRedaction(response.body)).toEqual(publicView.body);
    });

    it('A1: without any purpose, the public view with redaction {records, PURPOSE_REQUIRED}', async () => {
      const subject = await enterprise();
      const { seen } = await fullFile(subject);
      const response = await lookup(gw, subject.code, { token: tokens.agency(agency) });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('PUBLIC');
      expect(response.body.data.subject.redactions).toContainEqual({ field: 'records', reason: 'PURPOSE_REQUIRED' });
      expect(response.body.data.subject.redactions).not.toContainEqual({ field: 'records', reason: 'GRANT_REQUIRED' });
      expect(recordIdsOf(response)).toEqual([seen.publicInside.id]);
    });

    it('A1: the GRANT_REQUIRED redaction is present even for a subject with nothing hidden', async () => {
      const subject = await enterprise();
      const response = await lookup(gw, subject.code, { token: tokens.agency(agency), purpose: { kind: 'LENDING', reference: 'LOAN-7' } });
      expectNoErrors(response);
      expect(response.body.data.subject.redactions).toContainEqual({ field: 'records', reason: 'GRANT_REQUIRED' });
    });

    it('A1: an individual is masked (张三 → 张*) and one without a public record is null for an agency without a grant', async () => {
      const listed = await person({ name: '张三' });
      await placeRecord(db(), listed, deptA, { type: 'serious-dishonesty-list', decidedAt: at('2026-03-01T02:00:00Z') });
      const response = await lookup(gw, listed.code, { token: tokens.agency(agency), purpose: CREDIT_REPORT });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ name: '张*', code: maskedId(listed.code), view: 'PUBLIC' });
      expectAbsent(response, listed.code, '张三');

      const unlisted = await person();
      await placeRecord(db(), unlisted, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2026-03-01T02:00:00Z') });
      const nothing = await lookup(gw, unlisted.code, { token: tokens.agency(agency), purpose: CREDIT_REPORT });
      expectNoErrors(nothing);
      expect(nothing.body.data).toEqual({ subject: null });
    });

    it('A1: an agency search never finds individuals', async () => {
      const token = uniqueToken('Ag');
      const individual = await person({ name: `${token}赵` });
      await placeRecord(db(), individual, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      for (const purpose of [undefined, CREDIT_REPORT]) {
        const response = await search(gw, token, { token: tokens.agency(agency), purpose });
        expectNoErrors(response);
        expect(response.body.data.searchSubjects).toMatchObject({ totalCount: 0, edges: [] });
      }
    });

    it('PURPOSE_NOT_ALLOWED: an agency stating a department purpose is refused', async () => {
      const subject = await enterprise();
      for (const kind of ['LICENSING', 'LAW_ENFORCEMENT']) {
        const response = await lookup(gw, subject.code, { token: tokens.agency(agency), purpose: { kind, reference: 'X-1' } });
        expectBadUserInput(response, 'PURPOSE_NOT_ALLOWED');
        expect(response.body.data?.subject ?? null).toBeNull();
      }
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('subject', () => {
    it('S1: a subject sees its whole file: every class and status, expired windows, details; view SELF', async () => {
      const legalRepresentativeId = unknownResidentId('1966-09-09');
      const subject = await enterprise({ legalRepresentativeId });
      const { seen, unseen } = await fullFile(subject);
      const all = { ...seen, ...unseen };
      const response = await lookup(gw, subject.code, { token: tokens.subject(subject.code) });
      expectNoErrors(response);
      const s = response.body.data.subject;
      expect(s).toMatchObject({ code: subject.code, name: subject.name, legalRepresentativeId, view: 'SELF', redactions: [] });
      expect(sorted(recordIdsOf(response))).toEqual(sorted(Object.values(all).map((r) => r.id)));
      expect(s.records.totalCount).toBe(Object.keys(all).length);
      const byId = Object.fromEntries(s.records.edges.map((e: { node: { id: string } }) => [e.node.id, e.node]));
      for (const placed of Object.values(all)) {
        expect(byId[placed.id].details).toEqual({ internalNote: placed.note, caseOfficer: 'officer-7' });
        expect(byId[placed.id].redactions).toEqual([]);
      }
      expect(byId[unseen.withdrawnOwn.id].status).toBe('WITHDRAWN');
      expect(byId[unseen.repaired.id].status).toBe('REPAIRED');
      expect(byId[seen.subjectOnlyOwn.id].disclosure).toBe('SUBJECT_ONLY');
    });

    it('S1: an individual sees its own file unmasked, even a minor with nothing public and a person with no records', async () => {
      const minor = await person({ name: '欧阳小明', birthDate: '2011-04-04' });
      const record = await placeRecord(db(), minor, deptA, { type: 'qualification', group: 'TOUR_GUIDE', disclosure: 'SUBJECT_ONLY' });
      const response = await lookup(gw, minor.code, { token: tokens.subject(minor.code) });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ code: minor.code, name: '欧阳小明', view: 'SELF', redactions: [] });
      expect(recordIdsOf(response)).toEqual([record.id]);
      expect(response.body.data.subject.qualifications).toEqual([{ id: record.id, group: 'TOUR_GUIDE', details: { internalNote: record.note, caseOfficer: 'officer-7' } }]);

      const empty = await person();
      const own = await lookup(gw, empty.code, { token: tokens.subject(empty.code) });
      expectNoErrors(own);
      expect(own.body.data.subject).toMatchObject({ code: empty.code, view: 'SELF' });
    });

    it('S1: the own file is found when the token or the lookup spells the code with a lower-case x', async () => {
      const code = residentIdEndingInX('1990-10-10');
      const subject = await person({ code });
      const lower = await lookup(gw, ` ${code.toLowerCase()} `, { token: tokens.subject(code.toLowerCase()) });
      expectNoErrors(lower);
      expect(lower.body.data.subject).toMatchObject({ code, view: 'SELF' });
      expect(subject.code).toBe(code);
    });

    it('S2: a subject looking at another organisation gets exactly the public view', async () => {
      const viewer = await enterprise();
      const other = await enterprise({ legalRepresentativeId: unknownResidentId('1966-10-10') });
      await fullFile(other);
      const response = await lookup(gw, other.code, { token: tokens.subject(viewer.code) });
      const publicView = await lookup(gw, other.code);
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('PUBLIC');
      expect(response.body).toEqual(publicView.body);
    });

    it('S2: a subject looking at another individual gets the public view (masked, or null when nothing is public)', async () => {
      const viewer = await person();
      const listed = await person({ name: '张小三' });
      await placeRecord(db(), listed, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      await placeRecord(db(), listed, deptA, { type: 'license' });
      const response = await lookup(gw, listed.code, { token: tokens.subject(viewer.code) });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ name: '张*三', code: maskedId(listed.code), view: 'PUBLIC' });
      expect(response.body).toEqual((await lookup(gw, listed.code)).body);

      const unlisted = await person();
      await placeRecord(db(), unlisted, deptA, { type: 'license' });
      const nothing = await lookup(gw, unlisted.code, { token: tokens.subject(viewer.code) });
      expectNoErrors(nothing);
      expect(nothing.body.data).toEqual({ subject: null });
    });

    it('PURPOSE_NOT_ALLOWED: a subject stating a purpose is refused', async () => {
      const subject = await enterprise();
      const response = await lookup(gw, subject.code, { token: tokens.subject(subject.code), purpose: LICENSING });
      expectBadUserInput(response, 'PURPOSE_NOT_ALLOWED');
      expect(response.body.data?.subject ?? null).toBeNull();
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('public', () => {
    it('PURPOSE_NOT_ALLOWED: a public caller stating a purpose is refused (department or agency kind)', async () => {
      const subject = await enterprise();
      for (const purpose of [LICENSING, CREDIT_REPORT]) {
        const response = await lookup(gw, subject.code, { purpose });
        expectBadUserInput(response, 'PURPOSE_NOT_ALLOWED');
        expect(response.body.data?.subject ?? null).toBeNull();
        expectAbsent(response, subject.name);
        const searched = await search(gw, subject.code, { purpose });
        expectBadUserInput(searched, 'PURPOSE_NOT_ALLOWED');
      }
    });

    it('§4.4: names are masked for the public: 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明', async () => {
      for (const [name, masked] of [['张三', '张*'], ['张小三', '张*三'], ['欧阳小明', '欧**明']]) {
        const subject = await person({ name });
        await placeRecord(db(), subject, deptA, { type: 'qualification', group: 'TEACHER' });
        const response = await lookup(gw, subject.code);
        expectNoErrors(response);
        expect(response.body.data.subject.name).toBe(masked);
        expect(response.body.data.subject.code).toMatch(/^\d{4}\*{10}\d{3}[\dX]$/);
        expect(response.body.data.subject.code).toBe(maskedId(subject.code));
        expect(response.body.data.subject.address).toBeNull();
        expectAbsent(response, name, subject.code);
      }
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe.each([
    ['auditor', () => tokens.auditor(auditOffice)],
    ['admin', () => tokens.admin()],
  ] as const)('%s', (role, tokenFor) => {
    it(`U1: an ${role} looking at an organisation gets exactly the public view`, async () => {
      const subject = await enterprise({ legalRepresentativeId: unknownResidentId('1966-11-11') });
      const { seen, unseen } = await fullFile(subject);
      const response = await lookup(gw, subject.code, { token: tokenFor() });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ view: 'PUBLIC', legalRepresentativeId: null });
      expect(recordIdsOf(response)).toEqual([seen.publicInside.id]);
      expect(response.body).toEqual((await lookup(gw, subject.code)).body);
      const { publicInside, ...rest } = seen;
      expectAbsent(response, publicInside.note, ...hiddenValues(rest), ...hiddenValues(unseen));
    });

    it(`U1: an ${role} looking at individuals gets the public view (欧阳小明 → 欧**明; null without public records)`, async () => {
      const listed = await person({ name: '欧阳小明' });
      await placeRecord(db(), listed, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      const response = await lookup(gw, listed.code, { token: tokenFor() });
      expectNoErrors(response);
      expect(response.body.data.subject).toMatchObject({ name: '欧**明', code: maskedId(listed.code), view: 'PUBLIC' });
      expect(response.body).toEqual((await lookup(gw, listed.code)).body);

      const unlisted = await person();
      await placeRecord(db(), unlisted, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T02:00:00Z') });
      const nothing = await lookup(gw, unlisted.code, { token: tokenFor() });
      expectNoErrors(nothing);
      expect(nothing.body.data).toEqual({ subject: null });
    });

    it(`U1: an ${role} search never finds individuals`, async () => {
      const token = uniqueToken('Ux');
      const individual = await person({ name: `${token}钱` });
      await placeRecord(db(), individual, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
      const response = await search(gw, token, { token: tokenFor() });
      expectNoErrors(response);
      expect(response.body.data.searchSubjects).toMatchObject({ totalCount: 0, edges: [] });
    });

    it(`PURPOSE_NOT_ALLOWED: an ${role} stating a purpose is refused`, async () => {
      const subject = await enterprise();
      const response = await lookup(gw, subject.code, { token: tokenFor(), purpose: { kind: 'SUPERVISION', reference: 'AUD-1' } });
      expectBadUserInput(response, 'PURPOSE_NOT_ALLOWED');
      expect(response.body.data?.subject ?? null).toBeNull();
    });
  });
});
