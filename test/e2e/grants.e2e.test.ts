import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import {
  at, CREDIT_REPORT, distinctBirthDate, expectAbsent, expectNoErrors, lookup, maskedId, NOW, placeRecord, recordIdsOf,
  residentIdEndingInX, search, sorted, SUBJECT_QUERY, uniqueToken, unknownOrganizationCode, unknownResidentId, type PlacedRecord,
} from '../support/disclosure-e2e.js';
import { accessLog, eventsOfRequest, nodesOf, post, RECEIPTS_QUERY } from '../support/access-log-e2e.js';
import {
  expectRefused, iso, plusDays, plusMs, recordNode, recordNodes, requestGrant, requestMyGrants, requestRevoke, SET_STATUS_MUTATION,
  SUBJECT_GRANTS_QUERY, withoutRecordsRedaction, type GrantInputVariables, type GrantNode,
} from '../support/grants-e2e.js';
import { AGENCY_PURPOSES, DEPARTMENT_PURPOSES } from '../../policies/purposes.js';
import type { Db } from '../../src/db/client.js';

/**
 * SPEC §5 (grants), §4.3 A1–A4 and D8 (what an agency sees with and without a grant) and §6 L1/L5 for agency
 * views, over HTTP with real signed tokens. Grants are created through `grantAuthorization` at the gateway's
 * clock (`gw.clock.now`), which every window and every grant's validity is evaluated at.
 */

const LENDING = { kind: 'LENDING', reference: 'LOAN-2026-0007' };
const SUBMIT = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids errors { index reason message } } }`;

async function organizationName(db: Db, code: string): Promise<string> {
  const result = (await db.execute(sql`SELECT name FROM organizations WHERE code = ${code}`)) as unknown as { rows: { name: string }[] };
  return result.rows[0].name;
}

const notesOf = (records: PlacedRecord[]) => records.flatMap((r) => [r.id, r.title, r.note]);

describe.each(testDatabaseKinds())('grants on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string;
  let deptB: string;
  let agency: string;
  let otherAgency: string;
  let auditOffice: string;

  beforeAll(async () => {
    ({ database, gw, deptA, deptB, agency, auditOffice } = await openGatewaySuite(kind, NOW));
    otherAgency = await createOrganization(database.db, 'AGENCY');
  });

  afterEach(() => {
    if (gw) gw.clock.now = NOW;
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const db = () => database.db;
  const enterprise = (overrides: { name?: string; legalRepresentativeId?: string } = {}) => createSubject(db(), deptA, 'ENTERPRISE', overrides);
  const person = (overrides: { name?: string; birthDate?: string; code?: string } = {}) =>
    createSubject(db(), deptA, 'INDIVIDUAL', { birthDate: distinctBirthDate(), ...overrides });

  /** A grant from `subject` (its own token), by default to `agency` for CREDIT_REPORT, ADMINISTRATIVE + COMPLIANCE, 90 days. */
  async function grant(subject: { code: string }, overrides: Partial<GrantInputVariables> = {}): Promise<GrantNode> {
    const response = await requestGrant(gw, tokens.subject(subject.code), {
      agencyCode: agency,
      categories: ['ADMINISTRATIVE', 'COMPLIANCE'],
      purpose: 'CREDIT_REPORT',
      validUntil: iso(plusDays(gw.clock.now, 90)),
      ...overrides,
    });
    expectNoErrors(response);
    return response.body.data.grantAuthorization;
  }

  /** The agency's lookup of a subject (SUBJECT_QUERY: subject fields, records with details and history). */
  const asAgency = (code: string, options: { purpose?: { kind: string; reference: string } | null; org?: string; categories?: string[]; types?: string[]; first?: number; after?: string } = {}) => {
    const { purpose = CREDIT_REPORT, org = agency, ...rest } = options;
    return lookup(gw, code, { token: tokens.agency(org), ...(purpose ? { purpose } : {}), ...rest });
  };

  async function grantsOf(subject: { code: string }): Promise<GrantNode[]> {
    const response = await gw.request(SUBJECT_GRANTS_QUERY, { token: tokens.subject(subject.code), variables: { code: subject.code } });
    expectNoErrors(response);
    expect(response.body.data.subject.view).toBe('SELF');
    return response.body.data.subject.grants;
  }

  function expectAgencyView(response: GraphQLResponse): void {
    expectNoErrors(response);
    expect(response.body.data.subject.view).toBe('AGENCY');
    expect(response.body.data.subject.redactions).not.toContainEqual(expect.objectContaining({ field: 'records' }));
  }

  function expectFallback(response: GraphQLResponse, reason: 'GRANT_REQUIRED' | 'PURPOSE_REQUIRED'): void {
    expectNoErrors(response);
    expect(response.body.data.subject.view).toBe('PUBLIC');
    expect(response.body.data.subject.redactions).toContainEqual({ field: 'records', reason });
  }

  /** An enterprise with one record in every state an agency view distinguishes (grant: ADMINISTRATIVE + COMPLIANCE). */
  async function enterpriseFile(subject: SubjectFixture) {
    const publicPart = {
      licence: await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') }),
      honour: await placeRecord(db(), subject, deptB, { type: 'honor', decidedAt: at('2026-04-20T00:00:00Z') }),
    };
    const granted = {
      // D3: a GENERAL penalty is public for one year; this one's window closed in 2025 → effectively SHARED
      expiredPenalty: await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2024-01-01T02:00:00Z') }),
      // D1: a MINOR penalty is never public → SHARED
      minorPenalty: await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'MINOR', decidedAt: at('2026-04-01T00:00:00Z') }),
      arrears: await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') }),
    };
    const hidden = {
      judgment: await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2025-11-01T00:00:00Z') }),
      contract: await placeRecord(db(), subject, deptB, { type: 'contract-performance', decidedAt: at('2025-10-01T00:00:00Z') }),
      expiredLicenceOtherCategory: await placeRecord(db(), subject, deptB, { type: 'commitment', decidedAt: at('2024-01-01T00:00:00Z'), validUntil: at('2025-01-01T00:00:00Z') }),
      subjectOnlyLicence: await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-01-15T00:00:00Z') }),
      subjectOnlyArrears: await placeRecord(db(), subject, deptB, { type: 'tax-arrears', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-01-16T00:00:00Z') }),
      withdrawnArrears: await placeRecord(db(), subject, deptB, { type: 'tax-arrears', status: 'WITHDRAWN', decidedAt: at('2026-01-17T00:00:00Z') }),
      withdrawnLicence: await placeRecord(db(), subject, deptB, { type: 'license', status: 'WITHDRAWN', decidedAt: at('2026-01-18T00:00:00Z') }),
      repairedPenalty: await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', status: 'REPAIRED', decidedAt: at('2026-01-19T00:00:00Z') }),
    };
    return { publicPart, granted, hidden };
  }

  // ==========================================================================================================
  describe('§5 grants: the subject grants and revokes, the agency lists', () => {
    it('§5: a subject grants an agency for itself — the grant names the token\'s subject, the agency, the categories, the purpose; validFrom defaults to now', async () => {
      const subject = await enterprise();
      const validUntil = iso(plusDays(NOW, 30));
      const response = await requestGrant(gw, tokens.subject(subject.code), {
        agencyCode: agency, categories: ['COMPLIANCE', 'ADMINISTRATIVE', 'COMPLIANCE'], purpose: 'LENDING', validUntil,
      });
      expectNoErrors(response);
      const created: GrantNode = response.body.data.grantAuthorization;
      expect(created).toMatchObject({
        subjectCode: subject.code, agency: { code: agency, kind: 'AGENCY', status: 'ACTIVE' }, purpose: 'LENDING',
        validFrom: iso(NOW), validUntil, revokedAt: null, active: true, createdAt: iso(NOW),
      });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/i);
      expect(sorted(created.categories)).toEqual(['ADMINISTRATIVE', 'COMPLIANCE']);
      expect(await grantsOf(subject)).toEqual([created]);
    });

    it('§5: the grant is always for the token\'s own subject: an individual\'s lower-case `x` token grants for the normalised code, and the agency sees that subject', async () => {
      const code = residentIdEndingInX(distinctBirthDate());
      const subject = await person({ code, birthDate: undefined });
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-03-01T00:00:00Z') });
      const response = await requestGrant(gw, tokens.subject(code.toLowerCase()), {
        agencyCode: agency, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)),
      });
      expectNoErrors(response);
      expect(response.body.data.grantAuthorization.subjectCode).toBe(code);
      const seen = await asAgency(code);
      expectAgencyView(seen);
      expect(recordIdsOf(seen)).toEqual([arrears.id]);
    });

    it('§5: only the subject may grant or revoke — department, agency, auditor, admin → FORBIDDEN; the public → UNAUTHENTICATED; nothing changes', async () => {
      const subject = await enterprise();
      const existing = await grant(subject);
      const input = { agencyCode: agency, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)) };
      for (const token of [tokens.department(deptA), tokens.agency(agency), tokens.auditor(auditOffice), tokens.admin()]) {
        expectRefused(await requestGrant(gw, token, input), 'grantAuthorization', 'FORBIDDEN');
        expectRefused(await requestRevoke(gw, token, existing.id), 'revokeAuthorization', 'FORBIDDEN');
      }
      expectRefused(await requestGrant(gw, undefined, input), 'grantAuthorization', 'UNAUTHENTICATED');
      expectRefused(await requestRevoke(gw, undefined, existing.id), 'revokeAuthorization', 'UNAUTHENTICATED');
      expect(await grantsOf(subject)).toEqual([existing]);
      expectAgencyView(await asAgency(subject.code));
    });

    it('§5: an unregistered subject cannot grant → SUBJECT_NOT_REGISTERED', async () => {
      for (const code of [unknownResidentId('1981-03-04'), unknownOrganizationCode()]) {
        const response = await requestGrant(gw, tokens.subject(code), {
          agencyCode: agency, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)),
        });
        expectRefused(response, 'grantAuthorization', 'BAD_USER_INPUT', 'SUBJECT_NOT_REGISTERED');
      }
    });

    it('§5: an unknown agency, or an organisation that is not an agency (department, audit office, PLATFORM) → AGENCY_NOT_FOUND', async () => {
      const subject = await enterprise();
      for (const agencyCode of [`NO-SUCH-AGENCY-${uniqueToken()}`, deptA, auditOffice, 'PLATFORM']) {
        const response = await requestGrant(gw, tokens.subject(subject.code), {
          agencyCode, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)),
        });
        expectRefused(response, 'grantAuthorization', 'BAD_USER_INPUT', 'AGENCY_NOT_FOUND');
      }
      expect(await grantsOf(subject)).toEqual([]);
    });

    it('§5: a suspended agency cannot be granted → AGENCY_NOT_ACTIVE', async () => {
      const subject = await enterprise();
      const suspended = await createOrganization(db(), 'AGENCY', { status: 'SUSPENDED' });
      const response = await requestGrant(gw, tokens.subject(subject.code), {
        agencyCode: suspended, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)),
      });
      expectRefused(response, 'grantAuthorization', 'BAD_USER_INPUT', 'AGENCY_NOT_ACTIVE');
      expect(await grantsOf(subject)).toEqual([]);
    });

    it('§5: a department purpose (LICENSING …) → PURPOSE_NOT_ALLOWED; every agency purpose is accepted', async () => {
      const subject = await enterprise();
      for (const purpose of DEPARTMENT_PURPOSES) {
        const response = await requestGrant(gw, tokens.subject(subject.code), {
          agencyCode: agency, categories: ['COMPLIANCE'], purpose, validUntil: iso(plusDays(NOW, 30)),
        });
        expectRefused(response, 'grantAuthorization', 'BAD_USER_INPUT', 'PURPOSE_NOT_ALLOWED');
      }
      expect(await grantsOf(subject)).toEqual([]);
      for (const purpose of AGENCY_PURPOSES) expect((await grant(subject, { purpose })).purpose).toBe(purpose);
      expect(sorted((await grantsOf(subject)).map((g) => g.purpose))).toEqual(sorted(AGENCY_PURPOSES));
    });

    it('§5: validUntil at or before validFrom → INVALID_VALIDITY', async () => {
      const subject = await enterprise();
      const start = plusDays(NOW, 10);
      const cases: Partial<GrantInputVariables>[] = [
        { validUntil: iso(NOW) }, // validFrom omitted = now
        { validUntil: iso(plusMs(NOW, -1)) },
        { validFrom: iso(start), validUntil: iso(start) },
        { validFrom: iso(start), validUntil: iso(plusMs(start, -1)) },
        { validFrom: iso(start), validUntil: iso(plusDays(NOW, 5)) },
      ];
      for (const overrides of cases) {
        const response = await requestGrant(gw, tokens.subject(subject.code), {
          agencyCode: agency, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: '', ...overrides,
        });
        expectRefused(response, 'grantAuthorization', 'BAD_USER_INPUT', 'INVALID_VALIDITY');
      }
      expect(await grantsOf(subject)).toEqual([]);
      // 1 ms is long enough
      expect((await grant(subject, { validUntil: iso(plusMs(NOW, 1)) })).active).toBe(true);
    });

    it('§5: a grant cannot start in the past → INVALID_VALIDITY', async () => {
      const subject = await enterprise();
      for (const validFrom of [plusDays(NOW, -1), plusMs(NOW, -3_600_000), plusDays(NOW, -400)]) {
        const response = await requestGrant(gw, tokens.subject(subject.code), {
          agencyCode: agency, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validFrom: iso(validFrom), validUntil: iso(plusDays(NOW, 30)),
        });
        expectRefused(response, 'grantAuthorization', 'BAD_USER_INPUT', 'INVALID_VALIDITY');
      }
      expect(await grantsOf(subject)).toEqual([]);
    });

    it('§5: a grant lasts at most one calendar year (Asia/Shanghai): exactly one year is accepted, 1 ms more → GRANT_TOO_LONG', async () => {
      const subject = await enterprise();
      const cases: { validFrom?: string; exactlyOneYear: string }[] = [
        // validFrom omitted = now (2026-06-01 12:00 Shanghai)
        { exactlyOneYear: '2027-06-01T04:00:00.000Z' },
        // a year that contains 29 February is 366 days long
        { validFrom: '2027-03-01T12:00:00+08:00', exactlyOneYear: '2028-03-01T04:00:00.000Z' },
        // midnight of 1 March in Shanghai is still 28/29 February in UTC: the year is counted on the Shanghai calendar
        { validFrom: '2027-03-01T00:00:00+08:00', exactlyOneYear: '2028-02-29T16:00:00.000Z' },
      ];
      for (const { validFrom, exactlyOneYear } of cases) {
        const tooLong = await requestGrant(gw, tokens.subject(subject.code), {
          agencyCode: agency, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', ...(validFrom ? { validFrom } : {}),
          validUntil: iso(plusMs(new Date(exactlyOneYear), 1)),
        });
        expectRefused(tooLong, 'grantAuthorization', 'BAD_USER_INPUT', 'GRANT_TOO_LONG');
        const created = await grant(subject, { ...(validFrom ? { validFrom } : {}), validUntil: exactlyOneYear });
        expect(created).toMatchObject({ validFrom: validFrom ? iso(new Date(validFrom)) : iso(NOW), validUntil: exactlyOneYear });
      }
      expect(await grantsOf(subject)).toHaveLength(cases.length);
    });

    it('§5: a grant names at least one category → CATEGORIES_REQUIRED; an unknown category is refused by the schema', async () => {
      const subject = await enterprise();
      const empty = await requestGrant(gw, tokens.subject(subject.code), {
        agencyCode: agency, categories: [], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)),
      });
      expectRefused(empty, 'grantAuthorization', 'BAD_USER_INPUT', 'CATEGORIES_REQUIRED');
      const unknown = await requestGrant(gw, tokens.subject(subject.code), {
        agencyCode: agency, categories: ['GOSSIP'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)),
      });
      expectRefused(unknown, 'grantAuthorization', 'BAD_USER_INPUT');
      expect(await grantsOf(subject)).toEqual([]);
    });

    it('§5: Subject.grants (self) lists every grant the subject gave — revoked, expired and not yet started included — each with `active` at the request\'s instant', async () => {
      const subject = await enterprise();
      const other = await enterprise();
      const expiring = await grant(subject, { validUntil: iso(plusMs(NOW, 3_600_000)) });
      gw.clock.now = plusMs(NOW, 60_000);
      const revoked = await grant(subject, { agencyCode: otherAgency });
      expectNoErrors(await requestRevoke(gw, tokens.subject(subject.code), revoked.id));
      gw.clock.now = plusMs(NOW, 120_000);
      const future = await grant(subject, { validFrom: iso(plusDays(NOW, 30)), validUntil: iso(plusDays(NOW, 60)), purpose: 'LEASING' });
      expect(future.active).toBe(false);
      gw.clock.now = plusMs(NOW, 180_000);
      const current = await grant(subject, { categories: ['JUDICIAL'] });
      const othersGrant = await grant(other);

      gw.clock.now = plusMs(NOW, 2 * 3_600_000);
      const listed = await grantsOf(subject);
      expect(sorted(listed.map((g) => g.id))).toEqual(sorted([expiring.id, revoked.id, future.id, current.id]));
      const byId = new Map(listed.map((g) => [g.id, g]));
      expect(byId.get(expiring.id)).toEqual({ ...expiring, active: false });
      expect(byId.get(revoked.id)).toEqual({ ...revoked, revokedAt: iso(plusMs(NOW, 60_000)), active: false });
      expect(byId.get(future.id)).toEqual({ ...future, active: false });
      expect(byId.get(current.id)).toEqual({ ...current, active: true });
      expect(listed.every((g) => g.subjectCode === subject.code)).toBe(true);
      expect(JSON.stringify(listed)).not.toContain(othersGrant.id);
    });

    it('§5: Subject.grants is null for everyone but the subject itself (the agency it granted, departments, other subjects, the public)', async () => {
      const subject = await enterprise();
      await grant(subject);
      const viewers: [string, string | undefined, { kind: string; reference: string } | undefined, string][] = [
        ['the granted agency', tokens.agency(agency), CREDIT_REPORT, 'AGENCY'],
        ['a department with a purpose', tokens.department(deptA), { kind: 'LICENSING', reference: 'L-1' }, 'DEPARTMENT'],
        ['another subject', tokens.subject((await enterprise()).code), undefined, 'PUBLIC'],
        ['the public', undefined, undefined, 'PUBLIC'],
        ['an auditor', tokens.auditor(auditOffice), undefined, 'PUBLIC'],
      ];
      for (const [label, token, purpose, view] of viewers) {
        const response = await gw.request(SUBJECT_GRANTS_QUERY, { token, variables: { code: subject.code, purpose } });
        expectNoErrors(response);
        expect(response.body.data.subject, label).toEqual({ code: subject.code, view, grants: null });
      }
    });

    it('§5: myGrants lists the grants the agency holds (not other agencies\'), an individual\'s identity number masked, paginated with totalCount', async () => {
      const holder = await createOrganization(db(), 'AGENCY');
      const company = await enterprise();
      const individual = await person({ name: '李小龙' });
      const a = await grant(company, { agencyCode: holder });
      gw.clock.now = plusMs(NOW, 1_000);
      const b = await grant(individual, { agencyCode: holder, purpose: 'LENDING', categories: ['CONTRACT'] });
      gw.clock.now = plusMs(NOW, 2_000);
      const c = await grant(individual, { agencyCode: holder });
      expectNoErrors(await requestRevoke(gw, tokens.subject(individual.code), c.id));
      await grant(company, { agencyCode: otherAgency });
      await grant(individual, { agencyCode: otherAgency });

      const seen: GrantNode[] = [];
      let after: string | undefined;
      const pages: { totalCount: number; size: number; hasNextPage: boolean }[] = [];
      for (;;) {
        const response = await requestMyGrants(gw, tokens.agency(holder), { first: 2, after });
        expectNoErrors(response);
        const connection = response.body.data.myGrants;
        expectAbsent(response, individual.code);
        seen.push(...connection.edges.map((edge: { node: GrantNode }) => edge.node));
        pages.push({ totalCount: connection.totalCount, size: connection.edges.length, hasNextPage: connection.pageInfo.hasNextPage });
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(pages).toEqual([{ totalCount: 3, size: 2, hasNextPage: true }, { totalCount: 3, size: 1, hasNextPage: false }]);
      expect(sorted(seen.map((g) => g.id))).toEqual(sorted([a.id, b.id, c.id]));
      const byId = new Map(seen.map((g) => [g.id, g]));
      expect(byId.get(a.id)).toMatchObject({ subjectCode: company.code, agency: { code: holder }, active: true });
      expect(byId.get(b.id)).toMatchObject({ subjectCode: maskedId(individual.code), purpose: 'LENDING', categories: ['CONTRACT'], active: true });
      expect(byId.get(c.id)).toMatchObject({ subjectCode: maskedId(individual.code), active: false, revokedAt: iso(plusMs(NOW, 2_000)) });

      const tooMany = await requestMyGrants(gw, tokens.agency(holder), { first: 101 });
      expectRefused(tooMany, 'myGrants', 'BAD_USER_INPUT', 'FIRST_TOO_LARGE');
      const badCursor = await requestMyGrants(gw, tokens.agency(holder), { after: 'not a cursor!' });
      expectRefused(badCursor, 'myGrants', 'BAD_USER_INPUT', 'INVALID_CURSOR');
      const empty = await requestMyGrants(gw, tokens.agency(await createOrganization(db(), 'AGENCY')));
      expectNoErrors(empty);
      expect(empty.body.data.myGrants).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
    });

    it('§5: myGrants is for agencies only — department, subject, auditor, admin → FORBIDDEN; the public → UNAUTHENTICATED', async () => {
      const subject = await enterprise();
      for (const token of [tokens.department(deptA), tokens.subject(subject.code), tokens.auditor(auditOffice), tokens.admin()]) {
        expectRefused(await requestMyGrants(gw, token), 'myGrants', 'FORBIDDEN');
      }
      expectRefused(await requestMyGrants(gw, undefined), 'myGrants', 'UNAUTHENTICATED');
    });

    it('§5: revoking another subject\'s grant, an unknown id or a malformed id → NOT_FOUND, and the grant stays in force', async () => {
      const owner = await enterprise();
      const stranger = await enterprise();
      const theirs = await grant(owner);
      for (const id of [theirs.id, randomUUID(), 'not-a-grant-id']) {
        const response = await requestRevoke(gw, tokens.subject(stranger.code), id);
        expectRefused(response, 'revokeAuthorization', 'NOT_FOUND');
      }
      expect(await grantsOf(owner)).toEqual([theirs]);
      expectAgencyView(await asAgency(owner.code));
    });

    it('§5: revoking is idempotent — a second revocation returns the grant unchanged, revokedAt from the first', async () => {
      const subject = await enterprise();
      const given = await grant(subject);
      gw.clock.now = plusMs(NOW, 5_000);
      const first = await requestRevoke(gw, tokens.subject(subject.code), given.id);
      expectNoErrors(first);
      expect(first.body.data.revokeAuthorization).toEqual({ ...given, revokedAt: iso(plusMs(NOW, 5_000)), active: false });
      gw.clock.now = plusMs(NOW, 60_000);
      const second = await requestRevoke(gw, tokens.subject(subject.code), given.id);
      expectNoErrors(second);
      expect(second.body.data.revokeAuthorization).toEqual(first.body.data.revokeAuthorization);
      expect(await grantsOf(subject)).toEqual([first.body.data.revokeAuthorization]);
    });
  });

  // ==========================================================================================================
  describe('A1 agency without a usable grant', () => {
    it('A1: with a purpose but no grant from that subject, exactly the public view plus {records, GRANT_REQUIRED}', async () => {
      const legalRepresentativeId = unknownResidentId('1966-06-06');
      const subject = await enterprise({ legalRepresentativeId });
      const { publicPart, granted, hidden } = await enterpriseFile(subject);
      const response = await asAgency(subject.code);
      expectFallback(response, 'GRANT_REQUIRED');
      expect(sorted(recordIdsOf(response))).toEqual(sorted(Object.values(publicPart).map((r) => r.id)));
      for (const node of recordNodes(response)) expect(node).toMatchObject({ details: null, history: null });
      expect(response.body.data.subject.legalRepresentativeId).toBeNull();
      expectAbsent(response, legalRepresentativeId, ...Object.values(publicPart).map((r) => r.note), ...notesOf(Object.values(granted)), ...notesOf(Object.values(hidden)));
      const publicView = await lookup(gw, subject.code);
      expect(withoutRecordsRedaction(response.body)).toEqual(publicView.body);
    });

    it('A1: without a purpose, the public view with {records, PURPOSE_REQUIRED} — even for an agency holding a grant from that subject', async () => {
      const subject = await enterprise();
      const { publicPart, granted } = await enterpriseFile(subject);
      await grant(subject);
      const response = await asAgency(subject.code, { purpose: null });
      expectFallback(response, 'PURPOSE_REQUIRED');
      expect(response.body.data.subject.redactions).not.toContainEqual({ field: 'records', reason: 'GRANT_REQUIRED' });
      expect(sorted(recordIdsOf(response))).toEqual(sorted(Object.values(publicPart).map((r) => r.id)));
      expectAbsent(response, ...notesOf(Object.values(granted)));
      expect(withoutRecordsRedaction(response.body)).toEqual((await lookup(gw, subject.code)).body);
    });

    it('A1: a grant to another agency does not help', async () => {
      const subject = await enterprise();
      const { publicPart, granted } = await enterpriseFile(subject);
      await grant(subject, { agencyCode: otherAgency });
      const response = await asAgency(subject.code);
      expectFallback(response, 'GRANT_REQUIRED');
      expect(sorted(recordIdsOf(response))).toEqual(sorted(Object.values(publicPart).map((r) => r.id)));
      expectAbsent(response, ...notesOf(Object.values(granted)));
      // the agency that was granted does see them
      const granteeView = await asAgency(subject.code, { org: otherAgency });
      expectAgencyView(granteeView);
      expect(recordIdsOf(granteeView)).toEqual(expect.arrayContaining(Object.values(granted).map((r) => r.id)));
    });

    it('A1: a grant from another subject does not help — an organisation stays public with GRANT_REQUIRED, an individual without a public record stays null', async () => {
      const granting = await enterprise();
      await grant(granting, { categories: ['ADMINISTRATIVE', 'COMPLIANCE', 'JUDICIAL', 'CONTRACT'] });
      const company = await enterprise();
      const { publicPart, granted, hidden } = await enterpriseFile(company);
      const response = await asAgency(company.code);
      expectFallback(response, 'GRANT_REQUIRED');
      expect(sorted(recordIdsOf(response))).toEqual(sorted(Object.values(publicPart).map((r) => r.id)));
      expectAbsent(response, ...notesOf(Object.values(granted)), ...notesOf(Object.values(hidden)));

      const individual = await person();
      const arrears = await placeRecord(db(), individual, deptB, { type: 'tax-arrears' });
      const nobody = await asAgency(individual.code);
      expectNoErrors(nobody);
      expect(nobody.body.data.subject).toBeNull();
      expectAbsent(nobody, arrears.id, arrears.note);
    });
  });

  // ==========================================================================================================
  describe('A2 agency with a grant', () => {
    it('A2: an organisation — view AGENCY; public records (details null) plus the SHARED records of the granted categories with details and history; never other categories\' SHARED, SUBJECT_ONLY, WITHDRAWN or REPAIRED; legalRepresentativeId masked', async () => {
      const legalRepresentativeId = unknownResidentId('1968-08-08');
      const subject = await enterprise({ legalRepresentativeId });
      const { publicPart, granted, hidden } = await enterpriseFile(subject);
      await grant(subject, { categories: ['ADMINISTRATIVE', 'COMPLIANCE'] });
      const response = await asAgency(subject.code);
      expectAgencyView(response);
      const s = response.body.data.subject;
      expect(s).toMatchObject({ code: subject.code, name: subject.name, legalRepresentative: '李四', legalRepresentativeId: maskedId(legalRepresentativeId) });
      expect(s.redactions).toEqual([{ field: 'legalRepresentativeId', reason: 'MASKED_PERSONAL_DATA' }]);
      expect(sorted(recordIdsOf(response))).toEqual(sorted([...Object.values(publicPart), ...Object.values(granted)].map((r) => r.id)));
      expect(s.records.totalCount).toBe(5);
      for (const record of Object.values(granted)) {
        const node = recordNode(response, record.id);
        expect(node.details).toEqual({ internalNote: record.note, caseOfficer: 'officer-7' });
        expect(node.history).toEqual([]);
        expect(node.redactions).toEqual([]);
      }
      for (const record of Object.values(publicPart)) {
        const node = recordNode(response, record.id);
        expect(node).toMatchObject({ details: null, history: null, redactions: [{ field: 'details', reason: 'NOT_PUBLIC' }] });
      }
      expectAbsent(response, legalRepresentativeId, ...Object.values(publicPart).map((r) => r.note), ...notesOf(Object.values(hidden)));
    });

    it('A2: SUBJECT_ONLY is never delivered, even in a granted category; WITHDRAWN and REPAIRED never, even SHARED ones', async () => {
      const subject = await enterprise();
      const { hidden } = await enterpriseFile(subject);
      await grant(subject, { categories: ['ADMINISTRATIVE', 'COMPLIANCE', 'JUDICIAL', 'CONTRACT', 'COMMITMENT'] });
      const response = await asAgency(subject.code);
      expectAgencyView(response);
      const { subjectOnlyLicence, subjectOnlyArrears, withdrawnArrears, withdrawnLicence, repairedPenalty, ...shared } = hidden;
      // with every category granted, the other categories' SHARED records appear …
      expect(recordIdsOf(response)).toEqual(expect.arrayContaining(Object.values(shared).map((r) => r.id)));
      // … but these never do
      expectAbsent(response, ...notesOf([subjectOnlyLicence, subjectOnlyArrears, withdrawnArrears, withdrawnLicence, repairedPenalty]));
      expect(response.body.data.subject.records.totalCount).toBe(recordIdsOf(response).length);
    });

    it('A2: an individual — name in full, identity number masked (code redaction MASKED_PERSONAL_DATA); PUBLIC-class records kept from the public (D5) count as SHARED and come with details', async () => {
      const subject = await person({ name: '欧阳小明' });
      const listed = await placeRecord(db(), subject, deptB, { type: 'dishonest-debtor', decidedAt: at('2026-01-10T00:00:00Z'), validFrom: at('2026-01-10T00:00:00Z') });
      const penalty = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-04-01T00:00:00Z') });
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-03-01T00:00:00Z') });
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      const subjectOnly = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-02-02T00:00:00Z') });
      await grant(subject, { categories: ['ADMINISTRATIVE', 'JUDICIAL'] });

      const response = await asAgency(subject.code);
      expectAgencyView(response);
      const s = response.body.data.subject;
      expect(s).toMatchObject({ code: maskedId(subject.code), name: '欧阳小明', kind: 'INDIVIDUAL' });
      expect(s.redactions).toContainEqual({ field: 'code', reason: 'MASKED_PERSONAL_DATA' });
      expect(s.redactions).not.toContainEqual(expect.objectContaining({ field: 'name' }));
      expect(sorted(recordIdsOf(response))).toEqual(sorted([listed.id, penalty.id, licence.id]));
      expect(s.records.totalCount).toBe(3);
      expect(recordNode(response, listed.id)).toMatchObject({ details: null, history: null });
      for (const record of [penalty, licence]) {
        expect(recordNode(response, record.id)).toMatchObject({ details: { internalNote: record.note }, history: [] });
      }
      expectAbsent(response, subject.code, listed.note, ...notesOf([arrears, subjectOnly]));

      // the public sees the listing only, masked
      const publicView = await lookup(gw, subject.code);
      expect(recordIdsOf(publicView)).toEqual([listed.id]);
      expect(publicView.body.data.subject.name).toBe('欧**明');
    });

    it('A2: an individual with no public record becomes findable for the agency holding a grant — and only for it', async () => {
      const subject = await person({ name: '赵钱孙' });
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      expect((await lookup(gw, subject.code)).body.data.subject).toBeNull();
      expect((await asAgency(subject.code)).body.data.subject).toBeNull();
      await grant(subject, { categories: ['COMPLIANCE'] });
      const response = await asAgency(subject.code);
      expectAgencyView(response);
      expect(response.body.data.subject).toMatchObject({ code: maskedId(subject.code), name: '赵钱孙' });
      expect(recordIdsOf(response)).toEqual([arrears.id]);
      expect(recordNode(response, arrears.id).details).toEqual({ internalNote: arrears.note, caseOfficer: 'officer-7' });
      // another agency, the same agency for another purpose, and the public still get nothing
      for (const other of [await asAgency(subject.code, { org: otherAgency }), await asAgency(subject.code, { purpose: LENDING }), await lookup(gw, subject.code)]) {
        expectNoErrors(other);
        expect(other.body.data.subject).toBeNull();
        expectAbsent(other, arrears.note, arrears.id);
      }
    });

    it('A2/D7: totalCount and the category/type filters count only rows the agency may see; pages walk exactly those', async () => {
      const subject = await enterprise();
      const judgments = [
        await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2025-01-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2025-02-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2025-03-01T00:00:00Z') }),
      ];
      const listed = await placeRecord(db(), subject, deptB, { type: 'dishonest-debtor', decidedAt: at('2026-01-01T00:00:00Z'), validFrom: at('2026-01-01T00:00:00Z') });
      const arrears = [
        await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') }),
        await placeRecord(db(), subject, deptB, { type: 'social-insurance-arrears', decidedAt: at('2026-03-01T00:00:00Z') }),
      ];
      await placeRecord(db(), subject, deptB, { type: 'tax-arrears', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-03-05T00:00:00Z') });
      await grant(subject, { categories: ['COMPLIANCE'] });

      const judicial = await asAgency(subject.code, { categories: ['JUDICIAL'] });
      expectAgencyView(judicial);
      expect(judicial.body.data.subject.records.totalCount).toBe(1);
      expect(recordIdsOf(judicial)).toEqual([listed.id]);
      const byType = await asAgency(subject.code, { types: ['judgment'] });
      expect(byType.body.data.subject.records.totalCount).toBe(0);
      expect(recordIdsOf(byType)).toEqual([]);
      const compliance = await asAgency(subject.code, { categories: ['COMPLIANCE'] });
      expect(compliance.body.data.subject.records.totalCount).toBe(2);
      expect(sorted(recordIdsOf(compliance))).toEqual(sorted(arrears.map((r) => r.id)));

      const walked: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await asAgency(subject.code, { first: 1, after });
        expectAgencyView(page);
        expect(page.body.data.subject.records.totalCount).toBe(3);
        walked.push(...recordIdsOf(page));
        if (!page.body.data.subject.records.pageInfo.hasNextPage) break;
        after = page.body.data.subject.records.pageInfo.endCursor;
      }
      expect(sorted(walked)).toEqual(sorted([listed.id, ...arrears.map((r) => r.id)]));
      expect(judgments).toHaveLength(3);
      for (const response of [judicial, byType, compliance]) expectAbsent(response, ...notesOf(judgments));
    });

    it('A2: a SHARED record\'s earlier versions are shown to the agency; a public record\'s history stays null', async () => {
      const subject = await enterprise();
      await grant(subject, { categories: ['COMPLIANCE', 'ADMINISTRATIVE'] });
      const tag = uniqueToken('V');
      const arrears = { subjectCode: subject.code, type: 'tax-arrears', sourceRef: `arrears-${tag}`, title: `欠税 ${tag}`, severity: 'GENERAL',
        decidedAt: '2026-02-01T09:00:00+08:00', details: { internalNote: `arrears-v1-${tag}` } };
      const licence = { subjectCode: subject.code, type: 'license', sourceRef: `licence-${tag}`, title: `许可 ${tag}`,
        decidedAt: '2026-03-01T09:00:00+08:00', details: { internalNote: `licence-v1-${tag}` } };
      const submit = async (records: unknown[]) => {
        const response = await gw.request(SUBMIT, { token: tokens.department(deptB), variables: { records } });
        expectNoErrors(response);
        expect(response.body.data.submitRecords.errors).toEqual([]);
        return response.body.data.submitRecords.ids as string[];
      };
      const [arrearsId, licenceId] = await submit([arrears, licence]);
      await submit([
        { ...arrears, title: `欠税（更正） ${tag}`, details: { internalNote: `arrears-v2-${tag}` } },
        { ...licence, title: `许可（更正） ${tag}`, details: { internalNote: `licence-v2-${tag}` } },
      ]);
      const response = await gw.request(`query($code: String!, $purpose: PurposeInput) { subject(code: $code, purpose: $purpose) { view
        records(first: 10) { edges { node { id title details history { version changedFields snapshot } } } } } }`,
      { token: tokens.agency(agency), variables: { code: subject.code, purpose: CREDIT_REPORT } });
      expectNoErrors(response);
      expect(response.body.data.subject.view).toBe('AGENCY');
      const nodes = new Map(response.body.data.subject.records.edges.map((e: { node: { id: string } }) => [e.node.id, e.node]));
      const sharedNode = nodes.get(arrearsId) as { details: unknown; history: { version: number; changedFields: string[] }[] };
      expect(sharedNode.details).toEqual({ internalNote: `arrears-v2-${tag}` });
      expect(sharedNode.history.map((h) => h.version)).toEqual([1]);
      expect(sharedNode.history[0].changedFields).toEqual(expect.arrayContaining(['title']));
      expect(nodes.get(licenceId)).toMatchObject({ title: `许可（更正） ${tag}`, details: null, history: null });
      expectAbsent(response, `licence-v1-${tag}`, `licence-v2-${tag}`, `许可 ${tag}`);
    });

    it('A2: an agency search shows a granting organisation under the AGENCY view and the others under the public view with GRANT_REQUIRED; never individuals', async () => {
      const token = uniqueToken('检索');
      const granting = await enterprise({ name: `${token}甲有限公司` });
      const notGranting = await enterprise({ name: `${token}乙有限公司` });
      const grantedArrears = await placeRecord(db(), granting, deptB, { type: 'tax-arrears' });
      const hiddenArrears = await placeRecord(db(), notGranting, deptB, { type: 'tax-arrears' });
      const individual = await person({ name: `${token}个人` });
      await placeRecord(db(), individual, deptB, { type: 'dishonest-debtor', validFrom: at('2026-01-01T00:00:00Z'), decidedAt: at('2026-01-01T00:00:00Z') });
      await grant(granting, { categories: ['COMPLIANCE'] });
      await grant(individual, { categories: ['COMPLIANCE', 'JUDICIAL'] });

      const response = await search(gw, token, { token: tokens.agency(agency), purpose: CREDIT_REPORT });
      expectNoErrors(response);
      const found = response.body.data.searchSubjects;
      expect(found.totalCount).toBe(2);
      const byCode = new Map(found.edges.map((e: { node: { code: string } }) => [e.node.code, e.node]));
      expect(sorted([...byCode.keys()] as string[])).toEqual(sorted([granting.code, notGranting.code]));
      const grantedNode = byCode.get(granting.code) as { view: string; redactions: unknown[]; records: { edges: { node: { id: string; details: unknown } }[] } };
      expect(grantedNode.view).toBe('AGENCY');
      expect(grantedNode.records.edges.map((e) => e.node)).toEqual([{ id: grantedArrears.id, title: grantedArrears.title, details: { internalNote: grantedArrears.note, caseOfficer: 'officer-7' } }]);
      const otherNode = byCode.get(notGranting.code) as { view: string; redactions: unknown[] };
      expect(otherNode.view).toBe('PUBLIC');
      expect(otherNode.redactions).toContainEqual({ field: 'records', reason: 'GRANT_REQUIRED' });
      expectAbsent(response, ...notesOf([hiddenArrears]), individual.code, maskedId(individual.code));
    });

    it('A2: an agency holding grants from 5,000 other subjects still gets the AGENCY view of a subject that granted it', async () => {
      const holder = await createOrganization(db(), 'AGENCY');
      const tag = uniqueToken('BULK');
      await db().execute(sql`INSERT INTO subjects (code, kind, name, registered_by)
        SELECT ${tag} || '-' || n, 'ENTERPRISE', '批量客户 ' || ${tag} || '-' || n, ${deptA} FROM generate_series(1, 5000) AS n`);
      await db().execute(sql`INSERT INTO grants (subject_id, subject_code, agency_code, categories, purpose_kind, valid_from, valid_until, granted_by, created_at)
        SELECT s.id, s.code, ${holder}, ARRAY['COMPLIANCE', 'JUDICIAL'], 'CREDIT_REPORT', ${iso(NOW)}::timestamptz, ${iso(plusDays(NOW, 90))}::timestamptz, 'bulk', ${iso(NOW)}::timestamptz
        FROM subjects s WHERE s.code LIKE ${`${tag}-%`}`);
      const subject = await enterprise();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      const given = await grant(subject, { agencyCode: holder, categories: ['COMPLIANCE'] });
      const mine = await requestMyGrants(gw, tokens.agency(holder), { first: 1 });
      expectNoErrors(mine);
      expect(mine.body.data.myGrants.totalCount).toBe(5001);

      const response = await post(gw, SUBJECT_QUERY, { token: tokens.agency(holder), variables: { code: subject.code, purpose: CREDIT_REPORT } });
      expectAgencyView(response);
      expect(recordIdsOf(response)).toEqual([arrears.id]);
      expect(recordNode(response, arrears.id).details).toEqual({ internalNote: arrears.note, caseOfficer: 'officer-7' });
      expect((await eventsOfRequest(db(), response.requestId)).map((e) => e.grantId)).toEqual([given.id]);
    }, 120_000);
  });

  // ==========================================================================================================
  describe('A3 an individual\'s negative records older than five years', () => {
    const FIVE_YEARS_BEFORE_NOW = at('2021-06-01T04:00:00Z'); // 2021-06-01 12:00 Shanghai; NOW is 2026-06-01 12:00 Shanghai

    it('A3: an individual\'s negative SHARED record decided exactly 5 years before the request is delivered; 1 ms later it is not', async () => {
      const subject = await person();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: FIVE_YEARS_BEFORE_NOW });
      // a PUBLIC-class penalty long outside its window (D3): effectively SHARED, negative
      const penalty = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'SERIOUS', decidedAt: FIVE_YEARS_BEFORE_NOW });
      const younger = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: plusMs(FIVE_YEARS_BEFORE_NOW, 1) });
      await grant(subject, { categories: ['ADMINISTRATIVE', 'COMPLIANCE'] });

      const atBoundary = await asAgency(subject.code);
      expectAgencyView(atBoundary);
      expect(sorted(recordIdsOf(atBoundary))).toEqual(sorted([arrears.id, penalty.id, younger.id]));
      expect(recordNode(atBoundary, arrears.id).details).toEqual({ internalNote: arrears.note, caseOfficer: 'officer-7' });

      gw.clock.now = plusMs(NOW, 1);
      const after = await asAgency(subject.code);
      expectAgencyView(after);
      expect(recordIdsOf(after)).toEqual([younger.id]);
      expect(after.body.data.subject.records.totalCount).toBe(1);
      expectAbsent(after, ...notesOf([arrears, penalty]));

      gw.clock.now = plusMs(NOW, 2);
      const later = await asAgency(subject.code);
      expect(recordIdsOf(later)).toEqual([]);
      expect(later.body.data.subject.records.totalCount).toBe(0);
      // the subject itself and a department still see them (A3 is about agencies)
      const self = await lookup(gw, subject.code, { token: tokens.subject(subject.code) });
      expect(recordIdsOf(self)).toEqual(expect.arrayContaining([arrears.id, penalty.id]));
      const department = await lookup(gw, subject.code, { token: tokens.department(deptA), purpose: { kind: 'LICENSING', reference: 'L-A3' } });
      expect(recordIdsOf(department)).toEqual(expect.arrayContaining([arrears.id, penalty.id]));
    });

    it('A3: an organisation\'s negative record of the same age is delivered, and so is an individual\'s BASIC or POSITIVE one', async () => {
      const company = await enterprise();
      const companyArrears = await placeRecord(db(), company, deptB, { type: 'tax-arrears', decidedAt: FIVE_YEARS_BEFORE_NOW });
      const companyOld = await placeRecord(db(), company, deptB, { type: 'judgment', decidedAt: at('2015-01-01T00:00:00Z') });
      const individual = await person();
      const contract = await placeRecord(db(), individual, deptB, { type: 'contract-performance', decidedAt: FIVE_YEARS_BEFORE_NOW });
      const licence = await placeRecord(db(), individual, deptB, { type: 'license', decidedAt: at('2015-01-01T00:00:00Z') });
      const honour = await placeRecord(db(), individual, deptB, { type: 'honor', decidedAt: FIVE_YEARS_BEFORE_NOW });
      const negative = await placeRecord(db(), individual, deptB, { type: 'tax-arrears', decidedAt: FIVE_YEARS_BEFORE_NOW });
      const categories = ['COMPLIANCE', 'JUDICIAL', 'CONTRACT', 'ADMINISTRATIVE', 'HONOR'];
      await grant(company, { categories });
      await grant(individual, { categories });

      gw.clock.now = plusMs(NOW, 1);
      const companyView = await asAgency(company.code);
      expectAgencyView(companyView);
      expect(sorted(recordIdsOf(companyView))).toEqual(sorted([companyArrears.id, companyOld.id]));
      expect(recordNode(companyView, companyArrears.id).details).toEqual({ internalNote: companyArrears.note, caseOfficer: 'officer-7' });
      const individualView = await asAgency(individual.code);
      expectAgencyView(individualView);
      expect(sorted(recordIdsOf(individualView))).toEqual(sorted([contract.id, licence.id, honour.id]));
      expectAbsent(individualView, ...notesOf([negative]));
    });

    it('A3: an individual\'s negative record that is still PUBLIC stays visible through the public part (details null)', async () => {
      const subject = await person();
      // listed in 2020 until 2027: public for individuals (D2, D5) although decided more than 5 years ago
      const listed = await placeRecord(db(), subject, deptB, {
        type: 'dishonest-debtor', decidedAt: at('2020-01-01T00:00:00Z'), validFrom: at('2020-01-01T00:00:00Z'), validUntil: at('2027-01-01T00:00:00Z'),
      });
      // the same, delisted in 2026: effectively SHARED, so A3 applies
      const delisted = await placeRecord(db(), subject, deptB, {
        type: 'dishonest-debtor', decidedAt: at('2020-02-01T00:00:00Z'), validFrom: at('2020-02-01T00:00:00Z'), validUntil: at('2026-01-01T00:00:00Z'),
      });
      await grant(subject, { categories: ['JUDICIAL'] });
      const response = await asAgency(subject.code);
      expectAgencyView(response);
      expect(recordIdsOf(response)).toEqual([listed.id]);
      expect(recordNode(response, listed.id)).toMatchObject({ details: null, history: null });
      expectAbsent(response, listed.note, ...notesOf([delisted]));
      expect(recordIdsOf(await lookup(gw, subject.code))).toEqual([listed.id]);
    });

    it('A3: the five years are calendar years in Asia/Shanghai time (a leap day; a Shanghai date that differs from the UTC date)', async () => {
      gw.clock.now = at('2025-02-27T00:00:00Z');
      const subject = await person();
      // 2020-02-29 12:00 Shanghai + 5 years = 2025-02-28 12:00 Shanghai
      const leapDay = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2020-02-29T04:00:00Z') });
      // 2020-02-29 00:30 Shanghai (still 28 February in UTC) + 5 years = 2025-02-28 00:30 Shanghai = 2025-02-27T16:30Z
      const shanghaiMidnight = await placeRecord(db(), subject, deptB, { type: 'social-insurance-arrears', decidedAt: at('2020-02-28T16:30:00Z') });
      await grant(subject, { categories: ['COMPLIANCE'] });

      const idsAt = async (instant: string) => {
        gw.clock.now = at(instant);
        const response = await asAgency(subject.code);
        expectAgencyView(response);
        return sorted(recordIdsOf(response));
      };
      expect(await idsAt('2025-02-27T16:30:00.000Z')).toEqual(sorted([leapDay.id, shanghaiMidnight.id]));
      expect(await idsAt('2025-02-27T16:30:00.001Z')).toEqual([leapDay.id]);
      expect(await idsAt('2025-02-28T04:00:00.000Z')).toEqual([leapDay.id]);
      expect(await idsAt('2025-02-28T04:00:00.001Z')).toEqual([]);
    });
  });

  // ==========================================================================================================
  describe('A4 revocation, expiry and suspension take effect at the next request', () => {
    it('A4: revocation stops access at the very next request — back to the public view with GRANT_REQUIRED', async () => {
      const subject = await enterprise();
      const { publicPart, granted } = await enterpriseFile(subject);
      const given = await grant(subject);
      const before = await asAgency(subject.code);
      expectAgencyView(before);
      expect(recordIdsOf(before)).toEqual(expect.arrayContaining(Object.values(granted).map((r) => r.id)));
      expectNoErrors(await requestRevoke(gw, tokens.subject(subject.code), given.id));
      const after = await asAgency(subject.code);
      expectFallback(after, 'GRANT_REQUIRED');
      expect(sorted(recordIdsOf(after))).toEqual(sorted(Object.values(publicPart).map((r) => r.id)));
      expectAbsent(after, ...notesOf(Object.values(granted)));
      expect(withoutRecordsRedaction(after.body)).toEqual((await lookup(gw, subject.code)).body);
    });

    it('A4: expiry at an injected instant — at validUntil − 1 ms the AGENCY view, at validUntil the public view with GRANT_REQUIRED', async () => {
      const subject = await person();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears' });
      const listed = await placeRecord(db(), subject, deptB, { type: 'dishonest-debtor', decidedAt: at('2026-01-01T00:00:00Z'), validFrom: at('2026-01-01T00:00:00Z') });
      const validUntil = plusMs(plusDays(NOW, 7), 123);
      const given = await grant(subject, { categories: ['COMPLIANCE'], validUntil: iso(validUntil) });

      gw.clock.now = plusMs(validUntil, -1);
      const last = await asAgency(subject.code);
      expectAgencyView(last);
      expect(sorted(recordIdsOf(last))).toEqual(sorted([arrears.id, listed.id]));
      expect((await grantsOf(subject))[0]).toMatchObject({ id: given.id, active: true });

      gw.clock.now = validUntil;
      const expired = await asAgency(subject.code);
      expectFallback(expired, 'GRANT_REQUIRED');
      expect(recordIdsOf(expired)).toEqual([listed.id]);
      expectAbsent(expired, ...notesOf([arrears]), subject.code);
      expect((await grantsOf(subject))[0]).toMatchObject({ id: given.id, active: false, revokedAt: null });
    });

    it('A4: a grant that has not started gives nothing (public view, GRANT_REQUIRED); from validFrom on it does', async () => {
      const subject = await enterprise();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears' });
      const validFrom = plusDays(NOW, 3);
      const given = await grant(subject, { categories: ['COMPLIANCE'], validFrom: iso(validFrom), validUntil: iso(plusDays(NOW, 30)) });
      expect(given.active).toBe(false);
      const early = await asAgency(subject.code);
      expectFallback(early, 'GRANT_REQUIRED');
      expectAbsent(early, ...notesOf([arrears]));
      gw.clock.now = plusMs(validFrom, -1);
      expectFallback(await asAgency(subject.code), 'GRANT_REQUIRED');
      gw.clock.now = validFrom;
      const started = await asAgency(subject.code);
      expectAgencyView(started);
      expect(recordIdsOf(started)).toEqual([arrears.id]);
    });

    it('A4: of two grants for the same purpose, revoking one withdraws its categories only; the views then carry the remaining grant\'s id', async () => {
      const subject = await enterprise();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      const judgment = await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2026-03-01T00:00:00Z') });
      const compliance = await grant(subject, { categories: ['COMPLIANCE'] });
      const judicial = await grant(subject, { categories: ['JUDICIAL'] });
      const both = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency), variables: { code: subject.code, purpose: CREDIT_REPORT } });
      expectAgencyView(both);
      expect(sorted(recordIdsOf(both))).toEqual(sorted([arrears.id, judgment.id]));
      expect([compliance.id, judicial.id]).toContain((await eventsOfRequest(db(), both.requestId))[0].grantId);

      expectNoErrors(await requestRevoke(gw, tokens.subject(subject.code), compliance.id));
      const after = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency), variables: { code: subject.code, purpose: CREDIT_REPORT } });
      expectAgencyView(after);
      expect(recordIdsOf(after)).toEqual([judgment.id]);
      expectAbsent(after, ...notesOf([arrears]));
      expect((await eventsOfRequest(db(), after.requestId)).map((e) => e.grantId)).toEqual([judicial.id]);
    });

    it('A4: suspending the agency (admin setOrganizationStatus) makes its next request 401 UNAUTHENTICATED with no data; reactivated, its grant serves again', async () => {
      const suspendable = await createOrganization(db(), 'AGENCY');
      const subject = await enterprise();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears' });
      await grant(subject, { agencyCode: suspendable, categories: ['COMPLIANCE'] });
      expectAgencyView(await asAgency(subject.code, { org: suspendable }));

      const suspend = await gw.request(SET_STATUS_MUTATION, { token: tokens.admin(), variables: { code: suspendable, status: 'SUSPENDED' } });
      expectNoErrors(suspend);
      expect(suspend.body.data.setOrganizationStatus).toEqual({ code: suspendable, status: 'SUSPENDED' });

      for (const response of [await asAgency(subject.code, { org: suspendable }), await requestMyGrants(gw, tokens.agency(suspendable))]) {
        expect(response.status).toBe(401);
        expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        expect(response.body.data ?? null).toBeNull();
        expectAbsent(response, arrears.note, arrears.id);
      }
      // and no new grant can be given to it
      const refused = await requestGrant(gw, tokens.subject(subject.code), {
        agencyCode: suspendable, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 30)),
      });
      expectRefused(refused, 'grantAuthorization', 'BAD_USER_INPUT', 'AGENCY_NOT_ACTIVE');

      const reactivate = await gw.request(SET_STATUS_MUTATION, { token: tokens.admin(), variables: { code: suspendable, status: 'ACTIVE' } });
      expectNoErrors(reactivate);
      const again = await asAgency(subject.code, { org: suspendable });
      expectAgencyView(again);
      expect(recordIdsOf(again)).toEqual([arrears.id]);
    });
  });

  // ==========================================================================================================
  describe('D8 the purpose binds the grant', () => {
    it('D8: a grant for LENDING does not serve a CREDIT_REPORT request — public view, GRANT_REQUIRED', async () => {
      const subject = await enterprise();
      const { publicPart, granted } = await enterpriseFile(subject);
      await grant(subject, { purpose: 'LENDING' });
      const response = await asAgency(subject.code, { purpose: CREDIT_REPORT });
      expectFallback(response, 'GRANT_REQUIRED');
      expect(sorted(recordIdsOf(response))).toEqual(sorted(Object.values(publicPart).map((r) => r.id)));
      expectAbsent(response, ...notesOf(Object.values(granted)));
      const lending = await asAgency(subject.code, { purpose: LENDING });
      expectAgencyView(lending);
      expect(recordIdsOf(lending)).toEqual(expect.arrayContaining(Object.values(granted).map((r) => r.id)));
    });

    it('D8: two grants for different purposes serve each purpose its own categories only; revoking one leaves the other', async () => {
      const subject = await person();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      const judgment = await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2026-03-01T00:00:00Z') });
      const lendingGrant = await grant(subject, { purpose: 'LENDING', categories: ['COMPLIANCE'] });
      const reportGrant = await grant(subject, { purpose: 'CREDIT_REPORT', categories: ['JUDICIAL'] });

      const lending = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency), variables: { code: subject.code, purpose: LENDING } });
      expectAgencyView(lending);
      expect(recordIdsOf(lending)).toEqual([arrears.id]);
      expectAbsent(lending, ...notesOf([judgment]));
      expect((await eventsOfRequest(db(), lending.requestId)).map((e) => e.grantId)).toEqual([lendingGrant.id]);

      const report = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency), variables: { code: subject.code, purpose: CREDIT_REPORT } });
      expectAgencyView(report);
      expect(recordIdsOf(report)).toEqual([judgment.id]);
      expectAbsent(report, ...notesOf([arrears]));
      expect((await eventsOfRequest(db(), report.requestId)).map((e) => e.grantId)).toEqual([reportGrant.id]);

      expectNoErrors(await requestRevoke(gw, tokens.subject(subject.code), lendingGrant.id));
      const lendingAfter = await asAgency(subject.code, { purpose: LENDING });
      expectNoErrors(lendingAfter);
      expect(lendingAfter.body.data.subject).toBeNull(); // an individual with no public record (P3)
      expectAbsent(lendingAfter, ...notesOf([arrears, judgment]));
      expect(recordIdsOf(await asAgency(subject.code, { purpose: CREDIT_REPORT }))).toEqual([judgment.id]);
    });

    it('D8: in one request, a lookup under LENDING and one under CREDIT_REPORT each get their own grant\'s categories and are logged with their own grant id', async () => {
      const subject = await enterprise();
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      const judgment = await placeRecord(db(), subject, deptB, { type: 'judgment', decidedAt: at('2026-03-01T00:00:00Z') });
      const lendingGrant = await grant(subject, { purpose: 'LENDING', categories: ['COMPLIANCE'] });
      const reportGrant = await grant(subject, { purpose: 'CREDIT_REPORT', categories: ['JUDICIAL'] });
      const response = await post(gw, `query Both($code: String!, $lending: PurposeInput, $report: PurposeInput) {
        lending: subject(code: $code, purpose: $lending) { view records { totalCount edges { node { id details } } } }
        report: subject(code: $code, purpose: $report) { view records { totalCount edges { node { id details } } } }
        bare: subject(code: $code) { view redactions { field reason } records { totalCount edges { node { id details } } } }
      }`, { token: tokens.agency(agency), variables: { code: subject.code, lending: LENDING, report: CREDIT_REPORT } });
      expectNoErrors(response);
      const ids = (alias: string) => response.body.data[alias].records.edges.map((e: { node: { id: string } }) => e.node.id);
      expect(response.body.data.lending.view).toBe('AGENCY');
      expect(ids('lending')).toEqual([arrears.id]);
      expect(response.body.data.report.view).toBe('AGENCY');
      expect(ids('report')).toEqual([judgment.id]);
      expect(response.body.data.bare.view).toBe('PUBLIC');
      expect(response.body.data.bare.redactions).toContainEqual({ field: 'records', reason: 'PURPOSE_REQUIRED' });
      expect(ids('bare')).toEqual([]);
      const events = await eventsOfRequest(db(), response.requestId);
      expect(events.map((e) => ({ view: e.view, purposeKind: e.purposeKind, grantId: e.grantId, recordIds: e.recordIds })).sort((a, b) => String(a.purposeKind).localeCompare(String(b.purposeKind))))
        .toEqual([
          { view: 'AGENCY', purposeKind: 'CREDIT_REPORT', grantId: reportGrant.id, recordIds: [judgment.id] },
          { view: 'AGENCY', purposeKind: 'LENDING', grantId: lendingGrant.id, recordIds: [arrears.id] },
          { view: 'PUBLIC', purposeKind: null, grantId: null, recordIds: [] },
        ].sort((a, b) => String(a.purposeKind).localeCompare(String(b.purposeKind))));
    });
  });

  // ==========================================================================================================
  describe('L1 / L5 agency views in the access log and the subject\'s receipts', () => {
    let ticks = 0;
    /** Moves the clock to a fresh instant (unique to the millisecond) after NOW, and returns it. */
    function tick(): Date {
      ticks += 1;
      const instant = new Date(NOW.getTime() + ticks * 61_000 + ticks);
      gw.clock.now = instant;
      return instant;
    }

    it('L1: an agency view is logged with view AGENCY, the grant id, the purpose kind and reference, the full code and the records returned', async () => {
      const subject = await person({ name: '孙小美' });
      const arrears = await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      const penalty = await placeRecord(db(), subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T00:00:00Z') });
      const given = await grant(subject);
      const purpose = { kind: 'CREDIT_REPORT', reference: `CR-${uniqueToken()}` };
      const when = tick();
      const response = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency, 'analyst-42'), variables: { code: subject.code, purpose } });
      expectAgencyView(response);
      expect(sorted(recordIdsOf(response))).toEqual(sorted([arrears.id, penalty.id]));

      const stored = await eventsOfRequest(db(), response.requestId);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        at: when.toISOString(), actor: 'analyst-42', role: 'agency', orgCode: agency, view: 'AGENCY',
        purposeKind: purpose.kind, purposeReference: purpose.reference, grantId: given.id, subjectCode: subject.code, operationName: 'subject',
      });
      expect(sorted(stored[0].recordIds)).toEqual(sorted([arrears.id, penalty.id]));

      tick();
      const log = await accessLog(gw, tokens.auditor(auditOffice), { filter: { subjectCode: subject.code, view: 'AGENCY' }, first: 100 });
      expectNoErrors(log);
      const mine = nodesOf(log).filter((node) => node.requestId === response.requestId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        view: 'AGENCY', grantId: given.id, purpose, subjectCode: subject.code, role: 'agency', actor: 'analyst-42',
        organization: { code: agency }, operationName: 'subject',
      });
    });

    it('L1: the agency\'s fallback views are logged as PUBLIC without a grant id', async () => {
      const subject = await enterprise();
      const licence = await placeRecord(db(), subject, deptB, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      await grant(subject, { purpose: 'LENDING' });
      tick();
      const noPurpose = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency), variables: { code: subject.code } });
      tick();
      const otherPurpose = await post(gw, SUBJECT_QUERY, { token: tokens.agency(agency), variables: { code: subject.code, purpose: CREDIT_REPORT } });
      tick();
      const otherAgencyView = await post(gw, SUBJECT_QUERY, { token: tokens.agency(otherAgency), variables: { code: subject.code, purpose: LENDING } });
      for (const [response, purpose, org] of [[noPurpose, null, agency], [otherPurpose, CREDIT_REPORT, agency], [otherAgencyView, LENDING, otherAgency]] as const) {
        expectNoErrors(response);
        expect(response.body.data.subject.view).toBe('PUBLIC');
        const stored = await eventsOfRequest(db(), response.requestId);
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({
          view: 'PUBLIC', grantId: null, orgCode: org, subjectCode: subject.code, recordIds: [licence.id],
          purposeKind: purpose?.kind ?? null, purposeReference: purpose?.reference ?? null,
        });
      }
    });

    it('L5: the subject\'s receipts list its AGENCY views with the grant id and the agency — not the agency\'s public fallbacks', async () => {
      const subject = await person({ name: '周小红' });
      await placeRecord(db(), subject, deptB, { type: 'dishonest-debtor', decidedAt: at('2026-01-01T00:00:00Z'), validFrom: at('2026-01-01T00:00:00Z') });
      await placeRecord(db(), subject, deptB, { type: 'tax-arrears', decidedAt: at('2026-02-01T00:00:00Z') });
      const view = async (token: string, purpose?: { kind: string; reference: string }) => {
        const response = await post(gw, SUBJECT_QUERY, { token, variables: { code: subject.code, purpose } });
        expectNoErrors(response);
        return response.body.data.subject.view as string;
      };
      tick();
      expect(await view(tokens.agency(agency))).toBe('PUBLIC'); // PURPOSE_REQUIRED
      tick();
      expect(await view(tokens.agency(agency), CREDIT_REPORT)).toBe('PUBLIC'); // GRANT_REQUIRED
      tick();
      const given = await grant(subject, { categories: ['COMPLIANCE'] });
      tick();
      expect(await view(tokens.agency(agency), LENDING)).toBe('PUBLIC'); // D8
      tick();
      expect(await view(tokens.agency(otherAgency), CREDIT_REPORT)).toBe('PUBLIC'); // another agency
      const reference = { kind: 'CREDIT_REPORT', reference: `CR-${uniqueToken()}` };
      const agencyAt = tick();
      expect(await view(tokens.agency(agency, 'analyst-secret-7'), reference)).toBe('AGENCY');
      tick();
      expectNoErrors(await requestRevoke(gw, tokens.subject(subject.code), given.id));
      tick();
      expect(await view(tokens.agency(agency), CREDIT_REPORT)).toBe('PUBLIC'); // revoked
      tick();
      expect(await view(tokens.subject(subject.code))).toBe('SELF');

      tick();
      const receipts = await post(gw, RECEIPTS_QUERY, { token: tokens.subject(subject.code), variables: { code: subject.code } });
      expectNoErrors(receipts);
      expect(receipts.body.data.subject.accessReceipts.totalCount).toBe(1);
      expect(receipts.body.data.subject.accessReceipts.edges.map((e: { node: unknown }) => e.node)).toEqual([{
        at: agencyAt.toISOString(), organization: { code: agency, name: await organizationName(db(), agency) }, view: 'AGENCY',
        purpose: reference, grantId: given.id,
      }]);
      expectAbsent(receipts, 'analyst-secret-7', otherAgency);
    });
  });
});
