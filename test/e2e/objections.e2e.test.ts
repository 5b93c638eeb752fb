import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import {
  at, CREDIT_REPORT, distinctBirthDate, expectNoErrors, LICENSING, maskedId, NOW, placeRecord, residentIdEndingInX, uniqueToken,
} from '../support/disclosure-e2e.js';
import { expectRefused, iso, plusDays, plusMs, requestGrant } from '../support/grants-e2e.js';
import {
  allNodes, CASE_EVENTS, CHECK_DISPUTES, disputedSubject, RECEIPT_DISPUTES, OBJECTIONS_TO_RESOLVE, OVERDUE_OBJECTIONS, recordIn, requestFileObjection,
  requestResolveObjection, SUBMIT_RECORDS, type CaseEventNode, type Correction, type DisputedSubject, type ObjectionNode,
} from '../support/objections-e2e.js';

/**
 * SPEC §8 R1 and R2 over HTTP with real signed tokens: the subject files an objection, every viewer of the record
 * sees it disputed, the source department resolves it (CORRECTED, NOT_ERRONEOUS, UNDETERMINED) within a
 * working-day deadline, and every state change is kept with who and when (issue 8, points 1, 2, 4 and 5).
 * Time is the gateway's injected clock (`gw.clock.now`); NOW is Monday 2026-06-01, 12:00 in Shanghai.
 */

/** Monday 2026-06-01 in Shanghai + 5 working days (Tue–Fri, Mon) → due when Tuesday 2026-06-09 begins in Shanghai. */
const MONDAY_DEADLINE = at('2026-06-08T16:00:00.000Z');
/** With Wednesday 2026-06-03 a holiday the fifth working day is Tuesday 06-09: due when Wednesday 06-10 begins. */
const HOLIDAY = '2026-06-03';
const HOLIDAY_DEADLINE = at('2026-06-09T16:00:00.000Z');

describe.each(testDatabaseKinds())('§8 objections on %s', (kind) => {
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
  const person = () => createSubject(db(), deptA, 'INDIVIDUAL', { birthDate: distinctBirthDate() });
  const reasonText = () => `记录有误，请核实 ${uniqueToken('R')}`;
  const noteText = () => `经核查 ${uniqueToken('N')}`;

  /** Roles that are not the subject (fileObjection) and not a department (resolveObjection). */
  const otherRoles = () => ({
    department: tokens.department(deptA), agency: tokens.agency(agency), auditor: tokens.auditor(auditOffice), admin: tokens.admin(),
  });

  /** A record filed through `submitRecords` by `dept` (the real write path: content hash, version 1). */
  async function submitLicence(dept: string, subject: SubjectFixture, overrides: Record<string, unknown> = {}): Promise<{ id: string; title: string }> {
    const title = `食品经营许可证 ${uniqueToken('T')}`;
    const response = await gw.request(SUBMIT_RECORDS, {
      token: tokens.department(dept),
      variables: {
        records: [{
          subjectCode: subject.code, type: 'license', sourceRef: uniqueToken('lic-'), title, decidedAt: '2026-05-01T00:00:00Z',
          validFrom: '2026-05-01T00:00:00Z', ...overrides,
        }],
      },
    });
    expectNoErrors(response);
    expect(response.body.data.submitRecords.errors).toEqual([]);
    return { id: response.body.data.submitRecords.ids[0], title: (overrides.title as string | undefined) ?? title };
  }

  async function fileObjection(subject: { code: string }, recordId: string, reason = reasonText(), sub?: string): Promise<ObjectionNode> {
    const response = await requestFileObjection(gw, tokens.subject(subject.code, sub), recordId, reason);
    expectNoErrors(response);
    return response.body.data.fileObjection;
  }

  async function resolve(dept: string, id: string, outcome: string, note = noteText(), correction?: Correction, sub?: string): Promise<ObjectionNode> {
    const response = await requestResolveObjection(gw, tokens.department(dept, sub), id, outcome, note, correction);
    expectNoErrors(response);
    return response.body.data.resolveObjection;
  }

  const asSelf = async (subject: { code: string }) => (await disputedSubject(gw, subject.code, tokens.subject(subject.code)))!;
  const asDepartment = async (dept: string, subject: { code: string }) => (await disputedSubject(gw, subject.code, tokens.department(dept), LICENSING))!;
  const asPublic = (subject: { code: string }) => disputedSubject(gw, subject.code);

  async function objectionsOf(subject: { code: string }): Promise<ObjectionNode[]> {
    const self = await asSelf(subject);
    expect(self.view).toBe('SELF');
    return self.objections!;
  }

  async function objectionOf(subject: { code: string }, id: string): Promise<ObjectionNode> {
    const found = (await objectionsOf(subject)).find((o) => o.id === id);
    expect(found, `objection ${id} in Subject.objections`).toBeDefined();
    return found!;
  }

  const overdueIds = async (token = tokens.auditor(auditOffice), gateway = gw) =>
    (await allNodes<ObjectionNode>(gateway, OVERDUE_OBJECTIONS, 'overdueObjections', token)).map((o) => o.id);

  // ==========================================================================================================
  describe('R1 filing an objection', () => {
    it('R1: once the subject objects, every viewer who can see the record sees disputed: true — the public, departments (G1), a granted agency (A2), the subject; a viewer who cannot see the record learns nothing', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') }); // PUBLIC, in window
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') }); // SHARED, COMPLIANCE
      const ownOnly = await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-04-01T00:00:00Z') });
      const untouched = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-04-15T00:00:00Z') });
      const granted = await requestGrant(gw, tokens.subject(subject.code), {
        agencyCode: agency, categories: ['COMPLIANCE', 'ADMINISTRATIVE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 90)),
      });
      expectNoErrors(granted);

      const views = async () => {
        const seen = {
          public: (await asPublic(subject))!,
          deptA: await asDepartment(deptA, subject),
          deptB: await asDepartment(deptB, subject),
          agency: (await disputedSubject(gw, subject.code, tokens.agency(agency), CREDIT_REPORT))!,
          self: await asSelf(subject),
        };
        expect([seen.public.view, seen.deptA.view, seen.deptB.view, seen.agency.view, seen.self.view]).toEqual(['PUBLIC', 'DEPARTMENT', 'DEPARTMENT', 'AGENCY', 'SELF']);
        return seen;
      };
      const visible = {
        public: [licence.id, untouched.id], deptA: [licence.id, arrears.id, ownOnly.id, untouched.id], deptB: [licence.id, arrears.id, untouched.id],
        agency: [licence.id, arrears.id, untouched.id], self: [licence.id, arrears.id, ownOnly.id, untouched.id],
      };
      const before = await views();
      for (const [viewer, seen] of Object.entries(before) as [keyof typeof visible, DisputedSubject][]) {
        expect(seen.records.map((r) => r.id).sort(), viewer).toEqual([...visible[viewer]].sort());
        for (const record of seen.records) {
          expect(record.disputed, `${viewer} ${record.id}`).toBe(false);
          expect(record.dispute).toBeNull();
        }
      }

      const reasons = { licence: reasonText(), arrears: reasonText(), ownOnly: reasonText() };
      await fileObjection(subject, licence.id, reasons.licence);
      await fileObjection(subject, arrears.id, reasons.arrears);
      await fileObjection(subject, ownOnly.id, reasons.ownOnly);

      const after = await views();
      const contested = [licence.id, arrears.id, ownOnly.id];
      for (const [viewer, seen] of Object.entries(after) as [keyof typeof visible, DisputedSubject][]) {
        expect(seen.records.map((r) => r.id).sort(), viewer).toEqual([...visible[viewer]].sort());
        for (const record of seen.records) expect(record.disputed, `${viewer} ${record.id}`).toBe(contested.includes(record.id));
      }
      const pending = (statement: string) => ({ status: 'PENDING', outcome: null, statement, note: null, filedAt: iso(NOW), resolvedAt: null, redactions: [] });
      // R1: the statement is the subject's and the source department's only; every other viewer gets it withheld
      const withheld = { status: 'PENDING', outcome: null, statement: null, note: null, filedAt: iso(NOW), resolvedAt: null, redactions: [{ field: 'statement', reason: 'NOT_PUBLIC' }] };

      // the public: the flag, not the texts (withheld and named)
      expect(recordIn(after.public, licence.id)!.dispute).toBeNull();
      expect(recordIn(after.public, licence.id)!.redactions).toContainEqual({ field: 'dispute', reason: 'NOT_PUBLIC' });
      expect(recordIn(after.public, untouched.id)!.redactions).not.toContainEqual(expect.objectContaining({ field: 'dispute' }));
      // the source departments (deptB filed licence and arrears, deptA the SUBJECT_ONLY one): the flag and the statement
      expect(recordIn(after.deptB, licence.id)!.dispute).toEqual(pending(reasons.licence));
      expect(recordIn(after.deptB, arrears.id)!.dispute).toEqual(pending(reasons.arrears));
      expect(recordIn(after.deptA, ownOnly.id)!.dispute).toEqual(pending(reasons.ownOnly));
      expect(recordIn(after.deptB, untouched.id)!.dispute).toBeNull();
      // another department (G1): the flag and the dispute's state, not the statement
      expect(recordIn(after.deptA, licence.id)!.dispute).toEqual(withheld);
      expect(recordIn(after.deptA, arrears.id)!.dispute).toEqual(withheld);
      expect(JSON.stringify(after.deptA)).not.toContain(reasons.licence);
      expect(JSON.stringify(after.deptA)).not.toContain(reasons.arrears);
      // the agency: the granted SHARED record's dispute without its statement (R1); the public part as the public sees it
      expect(recordIn(after.agency, arrears.id)!.dispute).toEqual(withheld);
      expect(JSON.stringify(after.agency)).not.toContain(reasons.arrears);
      expect(recordIn(after.agency, licence.id)!.dispute).toBeNull();
      expect(recordIn(after.agency, licence.id)!.redactions).toContainEqual({ field: 'dispute', reason: 'NOT_PUBLIC' });
      // the subject
      expect(recordIn(after.self, ownOnly.id)!.dispute).toEqual(pending(reasons.ownOnly));
      expect(recordIn(after.self, licence.id)!.dispute).toEqual(pending(reasons.licence));
      // deptB, the agency and the public cannot see the SUBJECT_ONLY record: nothing of it or of its objection reaches them
      for (const seen of [after.public, after.deptB, after.agency]) {
        const text = JSON.stringify(seen);
        expect(text).not.toContain(ownOnly.id);
        expect(text).not.toContain(reasons.ownOnly);
      }
      expect(JSON.stringify(after.public)).not.toContain(reasons.licence);
    });

    it('R1: Subject.objections shows the subject its objection PENDING (statement, record version, filedAt = clock, dueAt); it is null for every other viewer', async () => {
      const subject = await person();
      // a dishonest-debtor is public about individuals (D5): the public finds the subject (P3)
      const listing = await placeRecord(db(), subject, deptB, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T00:00:00Z'), validFrom: at('2026-03-01T00:00:00Z') });
      const filedAt = plusMs(NOW, 90_000);
      gw.clock.now = filedAt;
      const reason = reasonText();
      const filed = await fileObjection(subject, listing.id, reason);
      const expected = {
        id: filed.id, recordId: listing.id, subjectCode: subject.code, source: { code: deptB }, reason, status: 'PENDING', outcome: null, note: null,
        recordVersion: 1, correctedVersion: null, filedAt: iso(filedAt), dueAt: iso(MONDAY_DEADLINE), overdue: false, resolvedAt: null, redactions: [],
      };
      expect(filed).toMatchObject(expected);
      const own = await objectionsOf(subject);
      expect(own).toHaveLength(1);
      expect(own[0]).toMatchObject(expected);

      const others: [string, string | undefined, { kind: string; reference: string } | undefined][] = [
        ['public', undefined, undefined], ['source department', tokens.department(deptB), LICENSING], ['other department', tokens.department(deptA), LICENSING],
        ['agency', tokens.agency(agency), CREDIT_REPORT], ['auditor', tokens.auditor(auditOffice), undefined], ['admin', tokens.admin(), undefined],
        ['another subject', tokens.subject((await enterprise()).code), undefined],
      ];
      for (const [viewer, token, purpose] of others) {
        const seen = await disputedSubject(gw, subject.code, token, purpose);
        expect(seen, viewer).not.toBeNull();
        expect(seen!.view, viewer).not.toBe('SELF');
        expect(seen!.objections, viewer).toBeNull();
        expect(recordIn(seen, listing.id)!.disputed, viewer).toBe(true);
      }
    });

    it('R1: a department\'s credit check sees the contested record disputed (the flag; the statement only when it is the record\'s source)', async () => {
      const subject = await enterprise();
      // a GENERAL penalty inside its public window warns in every scenario (C2)
      const penalty = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T00:00:00Z') });
      const check = async () => {
        const response = await gw.request(CHECK_DISPUTES, { token: tokens.department(deptA), variables: { code: subject.code, scenario: 'LICENSING', purpose: LICENSING } });
        expectNoErrors(response);
        const hit = response.body.data.creditCheck.warnings.find((h: { record: { id: string } }) => h.record.id === penalty.id);
        expect(hit, 'the penalty warns').toBeDefined();
        return hit.record;
      };
      expect(await check()).toMatchObject({ disputed: false, dispute: null });
      const reason = reasonText();
      await fileObjection(subject, penalty.id, reason);
      expect(await check()).toMatchObject({ disputed: true, dispute: { status: 'PENDING', statement: null, note: null, redactions: [{ field: 'statement', reason: 'NOT_PUBLIC' }] } });
      // the source department checking the same subject sees its statement
      const bySource = await gw.request(CHECK_DISPUTES, { token: tokens.department(deptB), variables: { code: subject.code, scenario: 'LICENSING', purpose: LICENSING } });
      expectNoErrors(bySource);
      const own = bySource.body.data.creditCheck.warnings.find((h: { record: { id: string } }) => h.record.id === penalty.id).record;
      expect(own).toMatchObject({ disputed: true, dispute: { status: 'PENDING', statement: reason, redactions: [] } });
    });

    it('R1: the subject is the token\'s normalised subject — an individual\'s lower-case `x` token files on its own record', async () => {
      const code = residentIdEndingInX(distinctBirthDate());
      const subject = await createSubject(db(), deptA, 'INDIVIDUAL', { code });
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const response = await requestFileObjection(gw, tokens.subject(code.toLowerCase()), licence.id, reasonText());
      expectNoErrors(response);
      expect(response.body.data.fileObjection).toMatchObject({ recordId: licence.id, subjectCode: code, status: 'PENDING' });
      expect(recordIn(await asDepartment(deptA, subject), licence.id)!.disputed).toBe(true);
    });

    it('R1: a reason is required — empty or blank → INVALID_REASON; nothing is filed', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      for (const reason of ['', '   ', '\n\t', 'x'.repeat(4001)]) {
        expectRefused(await requestFileObjection(gw, tokens.subject(subject.code), licence.id, reason), 'fileObjection', 'BAD_USER_INPUT', 'INVALID_REASON');
      }
      expect(await objectionsOf(subject)).toEqual([]);
      expect(recordIn(await asPublic(subject), licence.id)!.disputed).toBe(false);
    });

    it('R1: only on its own record — another subject\'s record answers NOT_FOUND exactly as an unknown or malformed id (no existence oracle)', async () => {
      const subject = await enterprise();
      const other = await enterprise();
      const theirs = await placeRecord(db(), other, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const refused = await requestFileObjection(gw, tokens.subject(subject.code), theirs.id, reasonText());
      expectRefused(refused, 'fileObjection', 'NOT_FOUND');
      const unknown = await requestFileObjection(gw, tokens.subject(subject.code), '00000000-0000-4000-8000-000000000000', reasonText());
      expect(refused.body).toEqual(unknown.body);
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-record-id', '']) {
        expectRefused(await requestFileObjection(gw, tokens.subject(subject.code), id, reasonText()), 'fileObjection', 'NOT_FOUND');
      }
      expect(await objectionsOf(subject)).toEqual([]);
      expect(await objectionsOf(other)).toEqual([]);
      expect(recordIn(await asPublic(other), theirs.id)!.disputed).toBe(false);
    });

    it('R1: a WITHDRAWN (or REPAIRED) record is shown to no one but the subject → RECORD_NOT_ACTIVE', async () => {
      const subject = await enterprise();
      const withdrawn = await placeRecord(db(), subject, deptB, { type: 'license', status: 'WITHDRAWN', decidedAt: at('2026-05-01T00:00:00Z') });
      const repaired = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', status: 'REPAIRED', decidedAt: at('2025-09-01T00:00:00Z') });
      for (const record of [withdrawn, repaired]) {
        expectRefused(await requestFileObjection(gw, tokens.subject(subject.code), record.id, reasonText()), 'fileObjection', 'BAD_USER_INPUT', 'RECORD_NOT_ACTIVE');
      }
      expect(await objectionsOf(subject)).toEqual([]);
      const self = await asSelf(subject);
      expect(recordIn(self, withdrawn.id)!.disputed).toBe(false);
      expect(recordIn(self, repaired.id)!.disputed).toBe(false);
    });

    it('R1: one pending objection per record — a second → OBJECTION_PENDING; once resolved, the subject may object again', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const first = await fileObjection(subject, licence.id);
      gw.clock.now = plusMs(NOW, 60_000);
      expectRefused(await requestFileObjection(gw, tokens.subject(subject.code), licence.id, reasonText()), 'fileObjection', 'BAD_USER_INPUT', 'OBJECTION_PENDING');
      expect((await objectionsOf(subject)).map((o) => o.id)).toEqual([first.id]);

      await resolve(deptB, first.id, 'NOT_ERRONEOUS');
      gw.clock.now = plusMs(NOW, 120_000);
      const second = await fileObjection(subject, licence.id);
      expect((await objectionsOf(subject)).map((o) => [o.id, o.status])).toEqual([[second.id, 'PENDING'], [first.id, 'RESOLVED']]);
      expect(recordIn(await asPublic(subject), licence.id)!.disputed).toBe(true);
    });

    it('R1: concurrent filings on one record — exactly one is filed, the others → OBJECTION_PENDING (never an internal error)', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const responses = await Promise.all([0, 1, 2, 3].map(() => requestFileObjection(gw, tokens.subject(subject.code), licence.id, reasonText())));
      const filed = responses.filter((r) => !r.body.errors);
      expect(filed).toHaveLength(1);
      for (const refused of responses.filter((r) => r.body.errors)) expectRefused(refused, 'fileObjection', 'BAD_USER_INPUT', 'OBJECTION_PENDING');
      const own = await objectionsOf(subject);
      expect(own.map((o) => o.id)).toEqual([filed[0].body.data.fileObjection.id]);
      expect(own[0].history.map((e) => e.action)).toEqual(['FILED']);
    });

    it('R1: only the subject files — department, agency, auditor, admin → FORBIDDEN; the public → UNAUTHENTICATED; nothing is filed', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      // another department and the record's own source department alike
      for (const token of [...Object.values(otherRoles()), tokens.department(deptB)]) {
        expectRefused(await requestFileObjection(gw, token, licence.id, reasonText()), 'fileObjection', 'FORBIDDEN');
      }
      expectRefused(await requestFileObjection(gw, undefined, licence.id, reasonText()), 'fileObjection', 'UNAUTHENTICATED');
      expect(await objectionsOf(subject)).toEqual([]);
      expect(recordIn(await asPublic(subject), licence.id)!.disputed).toBe(false);
    });
  });

  // ==========================================================================================================
  describe('R2 outcomes', () => {
    it('R2: CORRECTED changes the record through a new version — every viewer sees the new title, history keeps the old one (W2), correctedVersion = recordVersion + 1, the flag clears', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      expect(objection.recordVersion).toBe(1);
      const resolvedAt = plusDays(NOW, 2);
      gw.clock.now = resolvedAt;
      const note = noteText();
      const newTitle = `食品经营许可证（更正） ${uniqueToken('T')}`;
      const resolved = await resolve(deptA, objection.id, 'CORRECTED', note, { title: newTitle });
      expect(resolved).toMatchObject({
        id: objection.id, status: 'RESOLVED', outcome: 'CORRECTED', note, recordVersion: 1, correctedVersion: 2, resolvedAt: iso(resolvedAt), overdue: false,
      });

      const publicView = recordIn(await asPublic(subject), licence.id)!;
      expect(publicView).toMatchObject({ title: newTitle, version: 2, disputed: false, dispute: null, history: null });
      expect(publicView.redactions).not.toContainEqual(expect.objectContaining({ field: 'dispute' }));
      const sourceView = await asDepartment(deptA, subject);
      for (const seen of [await asDepartment(deptB, subject), sourceView, await asSelf(subject)]) {
        const record = recordIn(seen, licence.id)!;
        expect(record).toMatchObject({ title: newTitle, version: 2, status: 'ACTIVE', disputed: false, dispute: null });
        expect(record.history).toHaveLength(1);
        expect(record.history![0]).toMatchObject({ version: 1, changedFields: ['title'] });
        // W2a: CreditRecord fields only — no row ids, no hashes; the sourceRef only to the source (deptA)
        expect(record.history![0].snapshot).toMatchObject({ title: licence.title, type: 'license' });
        for (const internal of ['id', 'subject_id', 'content_hash', 'source_ref', 'subjectId']) expect(record.history![0].snapshot).not.toHaveProperty(internal);
        expect((record.history![0].snapshot as { sourceRef: string | null }).sourceRef !== null).toBe(seen === sourceView);
      }
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'RESOLVED', outcome: 'CORRECTED', note, correctedVersion: 2 });
    });

    it('R2: NOT_ERRONEOUS clears the flag and leaves the record as it was', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      const note = noteText();
      const resolved = await resolve(deptA, objection.id, 'NOT_ERRONEOUS', note);
      expect(resolved).toMatchObject({ status: 'RESOLVED', outcome: 'NOT_ERRONEOUS', note, correctedVersion: null, resolvedAt: iso(NOW) });
      for (const seen of [await asDepartment(deptB, subject), await asSelf(subject)]) {
        expect(recordIn(seen, licence.id)).toMatchObject({ title: licence.title, version: 1, disputed: false, dispute: null, history: [] });
      }
      const publicView = recordIn(await asPublic(subject), licence.id)!;
      expect(publicView).toMatchObject({ title: licence.title, disputed: false, dispute: null });
      expect(publicView.redactions).toEqual([{ field: 'details', reason: 'NOT_PUBLIC' }]);
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'RESOLVED', outcome: 'NOT_ERRONEOUS', note });
    });

    it('R2: UNDETERMINED keeps the flag and both texts — a department sees statement and note, the public sees dispute: null with a NOT_PUBLIC redaction', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const reason = reasonText();
      const objection = await fileObjection(subject, licence.id, reason);
      const resolvedAt = plusDays(NOW, 1);
      gw.clock.now = resolvedAt;
      const note = noteText();
      await resolve(deptA, objection.id, 'UNDETERMINED', note);
      const dispute = { status: 'RESOLVED', outcome: 'UNDETERMINED', statement: reason, note, filedAt: iso(NOW), resolvedAt: iso(resolvedAt), redactions: [] };
      for (const seen of [await asDepartment(deptA, subject), await asSelf(subject)]) {
        expect(recordIn(seen, licence.id)).toMatchObject({ title: licence.title, version: 1, disputed: true, dispute });
      }
      // R1: another department sees the outcome, not the texts
      const otherDepartment = await asDepartment(deptB, subject);
      expect(recordIn(otherDepartment, licence.id)).toMatchObject({
        disputed: true,
        dispute: { ...dispute, statement: null, note: null, redactions: [{ field: 'statement', reason: 'NOT_PUBLIC' }, { field: 'note', reason: 'NOT_PUBLIC' }] },
      });
      expect(JSON.stringify(otherDepartment)).not.toContain(note);
      const publicSubject = await asPublic(subject);
      const publicView = recordIn(publicSubject, licence.id)!;
      expect(publicView).toMatchObject({ disputed: true, dispute: null });
      expect(publicView.redactions).toContainEqual({ field: 'dispute', reason: 'NOT_PUBLIC' });
      expect(JSON.stringify(publicSubject)).not.toContain(note);
      expect(JSON.stringify(publicSubject)).not.toContain(reason);
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'RESOLVED', outcome: 'UNDETERMINED', reason, note, correctedVersion: null });
    });

    it('R2: every outcome needs a note — empty or blank → INVALID_REASON; the objection stays PENDING', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      const attempts: [string, Correction | undefined][] = [['CORRECTED', { title: 'corrected title' }], ['NOT_ERRONEOUS', undefined], ['UNDETERMINED', undefined]];
      for (const [outcome, correction] of attempts) {
        for (const note of ['', '  \n ']) {
          const response = await requestResolveObjection(gw, tokens.department(deptA), objection.id, outcome, note, correction);
          expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', 'INVALID_REASON');
        }
      }
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'PENDING', outcome: null, note: null });
      expect(recordIn(await asDepartment(deptA, subject), licence.id)).toMatchObject({ title: licence.title, version: 1, disputed: true });
    });

    it('R2: CORRECTED without a correction → CORRECTION_REQUIRED; NOT_ERRONEOUS or UNDETERMINED with one → CORRECTION_NOT_ALLOWED', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      const token = tokens.department(deptA);
      expectRefused(await requestResolveObjection(gw, token, objection.id, 'CORRECTED', noteText()), 'resolveObjection', 'BAD_USER_INPUT', 'CORRECTION_REQUIRED');
      for (const outcome of ['NOT_ERRONEOUS', 'UNDETERMINED']) {
        const response = await requestResolveObjection(gw, token, objection.id, outcome, noteText(), { title: 'a new title' });
        expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', 'CORRECTION_NOT_ALLOWED');
      }
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'PENDING' });
      expect(recordIn(await asDepartment(deptA, subject), licence.id)).toMatchObject({ title: licence.title, version: 1, disputed: true, history: [] });
    });

    it('R2: a correction that changes nothing → CORRECTION_UNCHANGED; nothing is written', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      for (const correction of [{ title: licence.title }, {}, { validFrom: '2026-05-01T00:00:00.000Z' }]) {
        const response = await requestResolveObjection(gw, tokens.department(deptA), objection.id, 'CORRECTED', noteText(), correction);
        expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', 'CORRECTION_UNCHANGED');
      }
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'PENDING', correctedVersion: null });
      expect(recordIn(await asDepartment(deptA, subject), licence.id)).toMatchObject({ title: licence.title, version: 1, disputed: true, history: [] });
    });

    it('R2: a correction of a record whose stored hash predates its content (imported, migrated) that changes no field → CORRECTION_UNCHANGED', async () => {
      const subject = await enterprise();
      // the factory stores a content hash that is not the hash of the record's content: only the field comparison can tell
      const recordId = await createRecord(db(), subject, deptA, { type: 'license', title: `许可 ${uniqueToken('T')}` });
      const objection = await fileObjection(subject, recordId);
      const [{ title }] = (await db().execute(sql`SELECT title FROM records WHERE id = ${recordId}::uuid`) as unknown as { rows: { title: string }[] }).rows;
      const response = await requestResolveObjection(gw, tokens.department(deptA), objection.id, 'CORRECTED', noteText(), { title });
      expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', 'CORRECTION_UNCHANGED');
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'PENDING', correctedVersion: null });
    });

    it('R2: a correction that breaks W3 (validUntil before validFrom) → INVALID_VALIDITY; the objection stays PENDING and the record unchanged (no half-write)', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      gw.clock.now = plusDays(NOW, 1);
      const response = await requestResolveObjection(gw, tokens.department(deptA), objection.id, 'CORRECTED', noteText(), {
        title: `should not land ${uniqueToken('T')}`, validUntil: '2026-04-01T00:00:00Z',
      });
      expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', 'INVALID_VALIDITY');
      const pending = await objectionOf(subject, objection.id);
      expect(pending).toMatchObject({ status: 'PENDING', outcome: null, note: null, correctedVersion: null, resolvedAt: null });
      expect(pending.history.map((e) => e.action)).toEqual(['FILED']);
      expect(recordIn(await asDepartment(deptA, subject), licence.id)).toMatchObject({
        title: licence.title, version: 1, disputed: true, history: [], dispute: { status: 'PENDING' },
      });
      // still resolvable afterwards
      expect((await resolve(deptA, objection.id, 'CORRECTED', noteText(), { validUntil: '2027-05-01T00:00:00Z' })).correctedVersion).toBe(2);
    });

    it('R2: resolving twice → OBJECTION_ALREADY_RESOLVED; the first outcome stands', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      const note = noteText();
      await resolve(deptA, objection.id, 'NOT_ERRONEOUS', note);
      gw.clock.now = plusDays(NOW, 1);
      for (const [outcome, correction] of [['UNDETERMINED', undefined], ['NOT_ERRONEOUS', undefined], ['CORRECTED', { title: 'late correction' }]] as const) {
        const response = await requestResolveObjection(gw, tokens.department(deptA), objection.id, outcome, noteText(), correction);
        expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', 'OBJECTION_ALREADY_RESOLVED');
      }
      const stored = await objectionOf(subject, objection.id);
      expect(stored).toMatchObject({ status: 'RESOLVED', outcome: 'NOT_ERRONEOUS', note, resolvedAt: iso(NOW) });
      expect(stored.history.map((e) => e.action)).toEqual(['FILED', 'RESOLVED']);
      expect(recordIn(await asDepartment(deptA, subject), licence.id)).toMatchObject({ title: licence.title, version: 1, disputed: false });
    });

    it('R2: concurrent resolutions — exactly one outcome is kept, the other → OBJECTION_ALREADY_RESOLVED; one RESOLVED event', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      const attempts: [string, Correction | undefined][] = [['CORRECTED', { title: `race ${uniqueToken('T')}` }], ['UNDETERMINED', undefined], ['NOT_ERRONEOUS', undefined]];
      const responses = await Promise.all(attempts.map(([outcome, correction]) =>
        requestResolveObjection(gw, tokens.department(deptA), objection.id, outcome, noteText(), correction)));
      const won = responses.findIndex((r) => !r.body.errors);
      expect(won).toBeGreaterThanOrEqual(0);
      responses.forEach((response, i) => {
        if (i !== won) expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', 'OBJECTION_ALREADY_RESOLVED');
      });
      const [outcome, correction] = attempts[won];
      const stored = await objectionOf(subject, objection.id);
      expect(stored).toMatchObject({ status: 'RESOLVED', outcome });
      expect(stored.history.map((e) => e.action)).toEqual(['FILED', 'RESOLVED']);
      expect(recordIn(await asDepartment(deptA, subject), licence.id)).toMatchObject({
        title: correction?.title ?? licence.title, version: correction ? 2 : 1, disputed: outcome === 'UNDETERMINED',
      });
    });

    it('R2: a correction is validated like a filing (W3) — a negative record without severity → SEVERITY_REQUIRED, a looser disclosure → DISCLOSURE_TOO_LOOSE; nothing is written', async () => {
      const subject = await enterprise();
      const { id } = await submitLicence(deptA, subject, { type: 'tax-arrears', severity: 'GENERAL', validFrom: null, title: `欠税 ${uniqueToken('T')}` });
      const objection = await fileObjection(subject, id);
      const cases: [Correction, string][] = [[{ severity: null }, 'SEVERITY_REQUIRED'], [{ disclosure: 'PUBLIC' }, 'DISCLOSURE_TOO_LOOSE']];
      for (const [correction, reason] of cases) {
        const response = await requestResolveObjection(gw, tokens.department(deptA), objection.id, 'CORRECTED', noteText(), correction);
        expectRefused(response, 'resolveObjection', 'BAD_USER_INPUT', reason);
      }
      expect(await objectionOf(subject, objection.id)).toMatchObject({ status: 'PENDING' });
      expect(recordIn(await asDepartment(deptB, subject), id)).toMatchObject({ version: 1, disputed: true, history: [] });
    });

    it('R2: only the source department resolves — another department → FORBIDDEN and nothing changes; subject, agency, auditor, admin → FORBIDDEN; the public → UNAUTHENTICATED; an unknown id → NOT_FOUND', async () => {
      const subject = await enterprise();
      const licence = await submitLicence(deptA, subject);
      const objection = await fileObjection(subject, licence.id);
      for (const outcome of ['NOT_ERRONEOUS', 'UNDETERMINED', 'CORRECTED']) {
        const correction = outcome === 'CORRECTED' ? { title: 'not the source' } : undefined;
        expectRefused(await requestResolveObjection(gw, tokens.department(deptB), objection.id, outcome, noteText(), correction), 'resolveObjection', 'FORBIDDEN');
      }
      const { department: _source, ...notDepartments } = otherRoles();
      for (const token of [tokens.subject(subject.code), ...Object.values(notDepartments)]) {
        expectRefused(await requestResolveObjection(gw, token, objection.id, 'NOT_ERRONEOUS', noteText()), 'resolveObjection', 'FORBIDDEN');
      }
      expectRefused(await requestResolveObjection(gw, undefined, objection.id, 'NOT_ERRONEOUS', noteText()), 'resolveObjection', 'UNAUTHENTICATED');
      for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
        expectRefused(await requestResolveObjection(gw, tokens.department(deptA), id, 'NOT_ERRONEOUS', noteText()), 'resolveObjection', 'NOT_FOUND');
      }
      const stored = await objectionOf(subject, objection.id);
      expect(stored).toMatchObject({ status: 'PENDING', outcome: null });
      expect(stored.history.map((e) => e.action)).toEqual(['FILED']);
      expect(recordIn(await asDepartment(deptB, subject), licence.id)).toMatchObject({ title: licence.title, version: 1, disputed: true, history: [] });
    });
  });

  describe('C1 stored credit checks and disputes', () => {
    it('C1: a stored credit check keeps the dispute as it was at the check — a later resolution changes neither the flag nor the texts of the receipt', async () => {
      const subject = await enterprise();
      const penalty = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T00:00:00Z') });
      const reason = reasonText();
      const objection = await fileObjection(subject, penalty.id, reason);
      gw.clock.now = plusMs(NOW, 60_000);
      const checked = await gw.request(CHECK_DISPUTES, { token: tokens.department(deptA), variables: { code: subject.code, scenario: 'LICENSING', purpose: LICENSING } });
      expectNoErrors(checked);
      const atCheck = checked.body.data.creditCheck.warnings.find((h: { record: { id: string } }) => h.record.id === penalty.id).record;
      // deptA is not the source (deptB is): the dispute as it stood, without the statement (R1)
      expect(atCheck).toMatchObject({ disputed: true, dispute: { status: 'PENDING', outcome: null, statement: null, note: null } });

      gw.clock.now = plusDays(NOW, 1);
      const note = noteText();
      await resolve(deptB, objection.id, 'NOT_ERRONEOUS', note);
      const receipt = await gw.request(RECEIPT_DISPUTES, { token: tokens.department(deptA), variables: { checkId: checked.body.data.creditCheck.checkId } });
      expectNoErrors(receipt);
      const stored = receipt.body.data.creditCheckReceipt.warnings.find((h: { record: { id: string } }) => h.record.id === penalty.id).record;
      expect(stored.disputed).toBe(true);
      expect(stored).toEqual(atCheck);
      expect(JSON.stringify(receipt.body)).not.toContain(note);
    });
  });

  // ==========================================================================================================
  describe('R2 deadlines (5 working days, injected clock)', () => {
    it('R2: filed on a Monday (Asia/Shanghai), an objection is due when the Tuesday of the next week begins: not overdue 1 ms before, overdue exactly then; dueAt and overdue agree', async () => {
      const subject = await enterprise();
      const records = await Promise.all([0, 1, 2, 3].map(() => placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') })));
      const fileAt = async (instant: Date, recordId: string) => {
        gw.clock.now = instant;
        return fileObjection(subject, recordId);
      };
      const monday = [
        await fileAt(at('2026-05-31T16:00:00.000Z'), records[0].id), // Monday 00:00:00.000 in Shanghai
        await fileAt(NOW, records[1].id), // Monday 12:00
        await fileAt(at('2026-06-01T15:59:59.999Z'), records[2].id), // Monday 23:59:59.999
      ];
      // Sunday 23:59:59.999 in Shanghai: the fifth working day is Friday → due when Saturday 06-06 begins
      const sunday = await fileAt(at('2026-05-31T15:59:59.999Z'), records[3].id);
      for (const objection of monday) expect(objection.dueAt).toBe(iso(MONDAY_DEADLINE));
      expect(sunday.dueAt).toBe('2026-06-05T16:00:00.000Z');

      gw.clock.now = plusMs(MONDAY_DEADLINE, -1);
      let overdue = await overdueIds();
      for (const objection of monday) expect(overdue).not.toContain(objection.id);
      expect(overdue).toContain(sunday.id);
      let own = await objectionsOf(subject);
      for (const objection of own) {
        expect(objection.overdue, objection.id).toBe(objection.id === sunday.id);
        expect(objection.overdue).toBe(Date.parse(objection.dueAt) <= gw.clock.now.getTime());
      }

      gw.clock.now = MONDAY_DEADLINE;
      overdue = await overdueIds();
      for (const objection of [...monday, sunday]) expect(overdue).toContain(objection.id);
      own = await objectionsOf(subject);
      expect(own).toHaveLength(4);
      for (const objection of own) expect(objection.overdue, objection.id).toBe(true);
      const listed = await allNodes<ObjectionNode>(gw, OVERDUE_OBJECTIONS, 'overdueObjections', tokens.admin());
      for (const objection of monday) expect(listed.find((o) => o.id === objection.id)).toMatchObject({ overdue: true, dueAt: iso(MONDAY_DEADLINE), status: 'PENDING' });
    });

    it('R2: a configured holiday inside the period pushes the deadline by one working day; a make-up workday pulls it in (gateways on the same database)', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const objection = await fileObjection(subject, licence.id); // Monday 2026-06-01 12:00 in Shanghai
      const withHoliday = await startTestGateway(database, { now: MONDAY_DEADLINE, subjectRights: { objectionWorkingDays: 5, holidays: [HOLIDAY], extraWorkdays: [] } });
      // a make-up working day on Saturday 06-06: Tue, Wed, Thu, Fri, Sat → due when Sunday 06-07 begins
      const withSaturday = await startTestGateway(database, { now: NOW, subjectRights: { objectionWorkingDays: 5, holidays: [], extraWorkdays: ['2026-06-06'] } });
      try {
        const seenBy = async (gateway: TestGateway) => {
          const seen = await disputedSubject(gateway, subject.code, tokens.subject(subject.code));
          return seen!.objections!.find((o) => o.id === objection.id)!;
        };
        expect(await seenBy(withHoliday)).toMatchObject({ dueAt: iso(HOLIDAY_DEADLINE), overdue: false });
        expect(await overdueIds(tokens.auditor(auditOffice), withHoliday)).not.toContain(objection.id);
        gw.clock.now = MONDAY_DEADLINE; // the default calendar: overdue
        expect(await overdueIds()).toContain(objection.id);

        withHoliday.clock.now = plusMs(HOLIDAY_DEADLINE, -1);
        expect(await overdueIds(tokens.auditor(auditOffice), withHoliday)).not.toContain(objection.id);
        expect((await seenBy(withHoliday)).overdue).toBe(false);
        withHoliday.clock.now = HOLIDAY_DEADLINE;
        expect(await overdueIds(tokens.auditor(auditOffice), withHoliday)).toContain(objection.id);
        expect((await seenBy(withHoliday)).overdue).toBe(true);

        const saturdayDeadline = at('2026-06-06T16:00:00.000Z');
        expect((await seenBy(withSaturday)).dueAt).toBe(iso(saturdayDeadline));
        withSaturday.clock.now = plusMs(saturdayDeadline, -1);
        expect(await overdueIds(tokens.admin(), withSaturday)).not.toContain(objection.id);
        withSaturday.clock.now = saturdayDeadline;
        expect(await overdueIds(tokens.admin(), withSaturday)).toContain(objection.id);
        expect((await seenBy(withSaturday)).overdue).toBe(true);
      } finally {
        await withHoliday.close();
        await withSaturday.close();
      }
    });

    it('R2: overdueObjections is for the credit office (admin) and auditors — department, subject, agency → FORBIDDEN; the public → UNAUTHENTICATED', async () => {
      const subject = await enterprise();
      for (const token of [tokens.department(deptA), tokens.subject(subject.code), tokens.agency(agency)]) {
        expectRefused(await gw.request(OVERDUE_OBJECTIONS, { token }), 'overdueObjections', 'FORBIDDEN');
      }
      expectRefused(await gw.request(OVERDUE_OBJECTIONS, {}), 'overdueObjections', 'UNAUTHENTICATED');
      for (const token of [tokens.admin(), tokens.auditor(auditOffice)]) {
        const response = await gw.request(OVERDUE_OBJECTIONS, { token });
        expectNoErrors(response);
        expect(typeof response.body.data.overdueObjections.totalCount).toBe('number');
      }
    });

    it('R2, U1, L4: oversight sees overdue objections with the statements withheld (NOT_PUBLIC); an individual\'s code masked for admins (as the public sees it), in full for auditors (as in the access log); a resolved objection leaves the list', async () => {
      const individual = await person();
      const company = await enterprise();
      const listing = await placeRecord(db(), individual, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const licence = await placeRecord(db(), company, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const reasons = { individual: reasonText(), company: reasonText() };
      const ofIndividual = await fileObjection(individual, listing.id, reasons.individual);
      const ofCompany = await fileObjection(company, licence.id, reasons.company);
      gw.clock.now = MONDAY_DEADLINE;

      for (const [token, masked] of [[tokens.auditor(auditOffice), false], [tokens.admin(), true]] as const) {
        const response = await gw.request(OVERDUE_OBJECTIONS, { token, variables: { first: 100 } });
        expectNoErrors(response);
        expect(JSON.stringify(response.body).includes(individual.code)).toBe(!masked);
        for (const reason of Object.values(reasons)) expect(JSON.stringify(response.body)).not.toContain(reason);
        const nodes = await allNodes<ObjectionNode>(gw, OVERDUE_OBJECTIONS, 'overdueObjections', token);
        const personCase = nodes.find((o) => o.id === ofIndividual.id)!;
        const shownCode = masked ? maskedId(individual.code) : individual.code;
        expect(personCase).toMatchObject({ subjectCode: shownCode, reason: null, note: null, status: 'PENDING', overdue: true, source: { code: deptB } });
        expect(personCase.redactions).toEqual([
          ...(masked ? [{ field: 'subjectCode', reason: 'MASKED_PERSONAL_DATA' }] : []), { field: 'reason', reason: 'NOT_PUBLIC' },
        ]);
        expect(personCase.history.map((e) => e.subjectCode)).toEqual([shownCode]);
        const companyCase = nodes.find((o) => o.id === ofCompany.id)!;
        expect(companyCase).toMatchObject({ subjectCode: company.code, reason: null, note: null });
        expect(companyCase.redactions).toEqual([{ field: 'reason', reason: 'NOT_PUBLIC' }]);
      }

      await resolve(deptB, ofIndividual.id, 'NOT_ERRONEOUS');
      const after = await overdueIds();
      expect(after).not.toContain(ofIndividual.id);
      expect(after).toContain(ofCompany.id);
    });

    it('R2: objectionsToResolve lists only the caller department\'s pending objections, oldest first, paginated (first/after) with totalCount', async () => {
      const dept = await createOrganization(db(), 'DEPARTMENT');
      const subject = await enterprise();
      const mine = await Promise.all([0, 1, 2, 3, 4].map(() => placeRecord(db(), subject, dept, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') })));
      const elsewhere = await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const fileAt = async (offsetMs: number, recordId: string) => {
        gw.clock.now = plusMs(NOW, offsetMs);
        return fileObjection(subject, recordId);
      };
      const resolved = await fileAt(0, mine[4].id);
      await fileAt(1_000, elsewhere.id);
      const a = await fileAt(2_000, mine[1].id);
      const [b1, b2] = [await fileAt(3_000, mine[0].id), await fileAt(3_000, mine[3].id)]; // the same instant: ordered by id
      const c = await fileAt(4_000, mine[2].id);
      await resolve(dept, resolved.id, 'NOT_ERRONEOUS');
      const expectedOrder = [a.id, ...[b1.id, b2.id].sort(), c.id];

      const token = tokens.department(dept);
      const page1 = await gw.request(OBJECTIONS_TO_RESOLVE, { token, variables: { first: 2 } });
      expectNoErrors(page1);
      const first = page1.body.data.objectionsToResolve;
      expect(first.totalCount).toBe(4);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const page2 = await gw.request(OBJECTIONS_TO_RESOLVE, { token, variables: { first: 2, after: first.pageInfo.endCursor } });
      expectNoErrors(page2);
      const second = page2.body.data.objectionsToResolve;
      expect(second.totalCount).toBe(4);
      expect(second.pageInfo.hasNextPage).toBe(false);
      const nodes: ObjectionNode[] = [...first.edges, ...second.edges].map((e: { node: ObjectionNode }) => e.node);
      expect(nodes.map((o) => o.id)).toEqual(expectedOrder);
      // the source department sees the case in full
      expect(nodes[0]).toMatchObject({ subjectCode: subject.code, reason: a.reason, status: 'PENDING', redactions: [], source: { code: dept } });

      const all = await allNodes<ObjectionNode>(gw, OBJECTIONS_TO_RESOLVE, 'objectionsToResolve', tokens.department(deptA));
      expect(all.map((o) => o.id)).not.toContain(a.id);
      expect(all.every((o) => o.source.code === deptA && o.status === 'PENDING')).toBe(true);

      const tooMany = await gw.request(OBJECTIONS_TO_RESOLVE, { token, variables: { first: 101 } });
      expectRefused(tooMany, 'objectionsToResolve', 'BAD_USER_INPUT', 'FIRST_TOO_LARGE');
      expectRefused(await gw.request(OBJECTIONS_TO_RESOLVE, { token, variables: { after: 'not-a-cursor' } }), 'objectionsToResolve', 'BAD_USER_INPUT', 'INVALID_CURSOR');
      for (const other of [tokens.subject(subject.code), tokens.agency(agency), tokens.auditor(auditOffice), tokens.admin()]) {
        expectRefused(await gw.request(OBJECTIONS_TO_RESOLVE, { token: other }), 'objectionsToResolve', 'FORBIDDEN');
      }
      expectRefused(await gw.request(OBJECTIONS_TO_RESOLVE, {}), 'objectionsToResolve', 'UNAUTHENTICATED');
    });
  });

  // ==========================================================================================================
  describe('R1/R2 state history (who and when)', () => {
    /** An individual's objection filed at NOW + 5 min by token sub `citizen-9`, resolved a day later by `officer-42` of deptB. */
    async function contestedCase() {
      const subject = await person();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      const filedAt = plusMs(NOW, 5 * 60_000);
      gw.clock.now = filedAt;
      const filed = await fileObjection(subject, licence.id, reasonText(), 'citizen-9');
      const resolvedAt = plusDays(NOW, 1);
      gw.clock.now = resolvedAt;
      const resolved = await resolve(deptB, filed.id, 'NOT_ERRONEOUS', noteText(), undefined, 'officer-42');
      return { subject, licence, filed, resolved, filedAt, resolvedAt };
    }

    it('R1/R2: Objection.history shows FILED then RESOLVED with role, organisation and the clock at each step; the subject sees no actor', async () => {
      const { subject, licence, filed, resolved, filedAt, resolvedAt } = await contestedCase();
      const filedEvent = {
        at: iso(filedAt), caseKind: 'OBJECTION', caseId: filed.id, recordId: licence.id, subjectCode: subject.code, action: 'FILED',
        outcome: null, actor: null, role: 'subject', organization: null,
      };
      const resolvedEvent = {
        at: iso(resolvedAt), caseKind: 'OBJECTION', caseId: filed.id, recordId: licence.id, subjectCode: subject.code, action: 'RESOLVED',
        outcome: 'NOT_ERRONEOUS', actor: null, role: 'department', organization: { code: deptB },
      };
      expect(filed.history).toMatchObject([filedEvent]);
      expect(resolved.history).toMatchObject([filedEvent, resolvedEvent]); // the department's view: no officer ids either
      const own = await objectionOf(subject, filed.id);
      expect(own.history).toMatchObject([filedEvent, resolvedEvent]);
      expect(own.history[0].sequence).toBeLessThan(own.history[1].sequence);
      expect(own.filedAt).toBe(iso(filedAt));
      expect(own.resolvedAt).toBe(iso(resolvedAt));
      expect(JSON.stringify(own)).not.toContain('officer-42');
    });

    it('R1/R2: auditors see the same changes in caseEvents(filter: { subjectCode }), newest first, with the actor (token sub)', async () => {
      const { subject, filed } = await contestedCase();
      const history = (await objectionOf(subject, filed.id)).history;
      const response = await gw.request(CASE_EVENTS, { token: tokens.auditor(auditOffice), variables: { filter: { subjectCode: subject.code.toLowerCase() } } });
      expectNoErrors(response);
      const events: CaseEventNode[] = response.body.data.caseEvents.edges.map((e: { node: CaseEventNode }) => e.node);
      expect(response.body.data.caseEvents.totalCount).toBe(2);
      expect(events.map((e) => [e.action, e.actor])).toEqual([['RESOLVED', 'officer-42'], ['FILED', 'citizen-9']]);
      expect(events.map(({ actor: _actor, ...rest }) => rest)).toEqual([...history].reverse().map(({ actor: _actor, ...rest }) => rest));

      // one page at a time, newest first
      const page1 = await gw.request(CASE_EVENTS, { token: tokens.auditor(auditOffice), variables: { filter: { subjectCode: subject.code }, first: 1 } });
      expectNoErrors(page1);
      expect(page1.body.data.caseEvents.edges.map((e: { node: CaseEventNode }) => e.node.action)).toEqual(['RESOLVED']);
      expect(page1.body.data.caseEvents.pageInfo.hasNextPage).toBe(true);
      const page2 = await gw.request(CASE_EVENTS, {
        token: tokens.auditor(auditOffice), variables: { filter: { subjectCode: subject.code }, first: 1, after: page1.body.data.caseEvents.pageInfo.endCursor },
      });
      expectNoErrors(page2);
      expect(page2.body.data.caseEvents.edges.map((e: { node: CaseEventNode }) => e.node.action)).toEqual(['FILED']);
      expect(page2.body.data.caseEvents.pageInfo.hasNextPage).toBe(false);
    });

    it('R1/R2: caseEvents is for auditors only — department, subject, agency, admin → FORBIDDEN; the public → UNAUTHENTICATED', async () => {
      const { subject } = await contestedCase();
      for (const token of [tokens.department(deptB), tokens.subject(subject.code), tokens.agency(agency), tokens.admin()]) {
        expectRefused(await gw.request(CASE_EVENTS, { token, variables: { filter: { subjectCode: subject.code } } }), 'caseEvents', 'FORBIDDEN');
      }
      expectRefused(await gw.request(CASE_EVENTS, { variables: { filter: { subjectCode: subject.code } } }), 'caseEvents', 'UNAUTHENTICATED');
    });

    it('R1/R2: case_events is append-only in the database — UPDATE, DELETE and TRUNCATE raise errors and change nothing', async () => {
      const { filed } = await contestedCase();
      const rowsOf = async () => {
        const result = (await db().execute(sql`SELECT sequence, action, actor, at FROM case_events WHERE case_id = ${filed.id}::uuid ORDER BY sequence`)) as unknown as { rows: unknown[] };
        return JSON.stringify(result.rows);
      };
      const before = await rowsOf();
      expect(JSON.parse(before)).toHaveLength(2);
      await expect(db().execute(sql`UPDATE case_events SET actor = 'tampered' WHERE case_id = ${filed.id}::uuid`)).rejects.toThrow();
      await expect(db().execute(sql`DELETE FROM case_events WHERE case_id = ${filed.id}::uuid`)).rejects.toThrow();
      await expect(db().execute(sql`TRUNCATE case_events`)).rejects.toThrow();
      expect(await rowsOf()).toBe(before);
    });
  });
});
