import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject } from '../support/factories.js';
import { rawToken, TEST_SECRET, tokenFor, tokens } from '../support/tokens.js';
import { AGENCY_PURPOSES, DEPARTMENT_PURPOSES } from '../../policies/purposes.js';

/**
 * SPEC §10.2 Tokens, end to end over HTTP with real signed JWTs: who the gateway believes is asking, and the
 * refusals (HTTP 401, UNAUTHENTICATED, no `data`) that must never be downgraded to the public viewer.
 */
const ME = `{ me { role actor subjectCode allowedPurposes organization { code kind status } } }`;

const SUBMIT = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids errors { index reason } } }`;
const REGISTER_ORG = `mutation($input: OrganizationInput!) { registerOrganization(input: $input) { code kind status } }`;
const REGISTER_SUBJECTS = `mutation($subjects: [SubjectInput!]!) { registerSubjects(subjects: $subjects) { accepted ids } }`;
const SET_STATUS = `mutation($code: String!, $status: OrganizationStatus!) { setOrganizationStatus(code: $code, status: $status) { code status } }`;
const WITHDRAW = `mutation($id: ID!) { withdrawRecord(id: $id, reason: "r") { id status } }`;

const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** A token assembled by hand: `header.payload.signature` (for algorithms jsonwebtoken refuses to produce). */
function handMadeToken(header: Record<string, unknown>, payload: Record<string, unknown>, sign?: (input: string) => string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign ? sign(input) : ''}`;
}

function expectRefused(response: GraphQLResponse): void {
  expect(response.status).toBe(401);
  expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  // never downgraded to public: no data at all, not even `data: null`
  expect(Object.keys(response.body)).not.toContain('data');
}

describe.each(testDatabaseKinds())('§10.2 tokens on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let department: string;
  let agency: string;
  let auditOffice: string;

  const me = (token?: string) => gw.request(ME, { token });
  const meWithHeader = (authorization: string) => gw.request(ME, { headers: { authorization } });
  const claims = (overrides: Record<string, unknown> = {}) => ({ sub: 'officer-9', role: 'department', org: department, exp: nowSeconds() + 600, ...overrides });

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database);
    department = await createOrganization(database.db, 'DEPARTMENT');
    agency = await createOrganization(database.db, 'AGENCY');
    auditOffice = await createOrganization(database.db, 'AUDIT_OFFICE');
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  describe('valid tokens', () => {
    it('§10.2: a request without a token is public', async () => {
      const response = await me();
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me).toEqual({ role: 'public', actor: null, subjectCode: null, allowedPurposes: [], organization: null });
    });

    it('§10.2: a department token → role department, its organisation, the department purposes', async () => {
      const response = await me(tokens.department(department, 'officer-42'));
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me).toEqual({
        role: 'department', actor: 'officer-42', subjectCode: null, allowedPurposes: [...DEPARTMENT_PURPOSES],
        organization: { code: department, kind: 'DEPARTMENT', status: 'ACTIVE' },
      });
    });

    it('§10.2: an agency token → role agency, its organisation, the agency purposes', async () => {
      const response = await me(tokens.agency(agency, 'analyst-7'));
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me).toEqual({
        role: 'agency', actor: 'analyst-7', subjectCode: null, allowedPurposes: [...AGENCY_PURPOSES],
        organization: { code: agency, kind: 'AGENCY', status: 'ACTIVE' },
      });
    });

    it('§10.2: a subject token → role subject, its (normalised) subject code, no organisation, no purposes', async () => {
      const subject = await createSubject(database.db, department, 'ENTERPRISE');
      const response = await me(tokenFor({ sub: 'user-3', role: 'subject', subject: `  ${subject.code.toLowerCase()} ` }));
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me).toEqual({ role: 'subject', actor: 'user-3', subjectCode: subject.code, allowedPurposes: [], organization: null });
    });

    it('§10.2: an auditor token → role auditor of its audit office, no purposes', async () => {
      const response = await me(tokens.auditor(auditOffice, 'auditor-5'));
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me).toEqual({
        role: 'auditor', actor: 'auditor-5', subjectCode: null, allowedPurposes: [],
        organization: { code: auditOffice, kind: 'AUDIT_OFFICE', status: 'ACTIVE' },
      });
    });

    it('§10.2: an admin token → role admin of PLATFORM, no purposes', async () => {
      const response = await me(tokens.admin('admin-9'));
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me).toEqual({
        role: 'admin', actor: 'admin-9', subjectCode: null, allowedPurposes: [],
        organization: { code: 'PLATFORM', kind: 'PLATFORM', status: 'ACTIVE' },
      });
    });

    it('§10.2: a token that expired 3 s ago is still accepted (5 s clock tolerance)', async () => {
      const response = await me(rawToken(claims({ exp: nowSeconds() - 3 })));
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me.role).toBe('department');
    });
  });

  describe('refused with HTTP 401 UNAUTHENTICATED and no data', () => {
    it('§10.2: a bad signature (signed with another secret)', async () => {
      expectRefused(await me(rawToken(claims(), `${TEST_SECRET}-not`)));
    });

    it('§10.2: a tampered payload (claims changed after signing)', async () => {
      const [header, , signature] = rawToken(claims()).split('.');
      expectRefused(await me(`${header}.${b64url(claims({ role: 'admin', org: 'PLATFORM' }))}.${signature}`));
    });

    it('§10.2: an expired token (exp beyond the 5 s tolerance)', async () => {
      expectRefused(await me(rawToken(claims({ exp: nowSeconds() - 10 }))));
      expectRefused(await me(rawToken(claims({ exp: nowSeconds() - 3600 }))));
    });

    it('§10.2: alg none (unsigned token built by hand)', async () => {
      expectRefused(await me(handMadeToken({ alg: 'none', typ: 'JWT' }, claims())));
      expectRefused(await me(handMadeToken({ alg: 'none' }, claims({ role: 'admin', org: 'PLATFORM' }))));
    });

    it('§10.2: HS512 with the HS secret (algorithm pinned to HS256)', async () => {
      expectRefused(await me(rawToken(claims(), TEST_SECRET, { algorithm: 'HS512' })));
      expectRefused(await me(rawToken(claims(), TEST_SECRET, { algorithm: 'HS384' })));
    });

    it('§10.2: RS256 whose "signature" is an HMAC with the HS secret (algorithm confusion)', async () => {
      const token = handMadeToken({ alg: 'RS256', typ: 'JWT' }, claims(), (input) =>
        createHmac('sha256', TEST_SECRET).update(input).digest('base64url'));
      expectRefused(await me(token));
    });

    it('§10.2: a genuine RS256 token when only JWT_SECRET is configured', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      expectRefused(await me(jwt.sign(claims(), privateKey, { algorithm: 'RS256' })));
    });

    it('§10.2: a token without sub (missing or empty)', async () => {
      const { sub: _sub, ...withoutSub } = claims();
      expectRefused(await me(rawToken(withoutSub)));
      expectRefused(await me(rawToken(claims({ sub: '' }))));
    });

    it('§10.2: a token without exp', async () => {
      const { exp: _exp, ...withoutExp } = claims();
      expectRefused(await me(rawToken(withoutExp)));
    });

    it('§10.2: an unknown role (including "public" and a wrong-case role)', async () => {
      expectRefused(await me(rawToken(claims({ role: 'superuser' }))));
      expectRefused(await me(rawToken(claims({ role: 'public' }))));
      expectRefused(await me(rawToken(claims({ role: 'ADMIN', org: 'PLATFORM' }))));
      const { role: _role, ...withoutRole } = claims();
      expectRefused(await me(rawToken(withoutRole)));
    });

    it('§10.2: a role that does not fit its organisation kind', async () => {
      expectRefused(await me(tokens.department(agency)));
      expectRefused(await me(tokens.department('PLATFORM')));
      expectRefused(await me(tokens.agency(department)));
      expectRefused(await me(tokens.auditor(department)));
      expectRefused(await me(tokenFor({ sub: 'a', role: 'admin', org: department })));
    });

    it('§10.2: an unknown organisation, or no organisation for an organisation role', async () => {
      expectRefused(await me(tokens.department('NO-SUCH-ORG')));
      const { org: _org, ...withoutOrg } = claims();
      expectRefused(await me(rawToken(withoutOrg)));
    });

    it('§10.2: a subject token without its subject claim', async () => {
      expectRefused(await me(rawToken({ sub: 'user-1', role: 'subject', exp: nowSeconds() + 600 })));
      expectRefused(await me(rawToken({ sub: 'user-1', role: 'subject', subject: '', exp: nowSeconds() + 600 })));
    });

    it('§10.2: a malformed Authorization header', async () => {
      const valid = tokens.department(department);
      expectRefused(await meWithHeader(`Basic ${Buffer.from('user:pass').toString('base64')}`));
      expectRefused(await meWithHeader('Bearer'));
      expectRefused(await meWithHeader('Bearer '));
      expectRefused(await meWithHeader('Bearer a.b'));
      expectRefused(await meWithHeader('Bearer not-a-jwt'));
      expectRefused(await meWithHeader(`Token ${valid}`));
      expectRefused(await meWithHeader(`Bearer ${valid} ${valid}`));
    });

    it('§10.2: refused even for operations the public may call, and nothing is written for a refused mutation', async () => {
      const before = await database.db.execute(sql`SELECT count(*)::int AS n FROM organizations`);
      const forged = rawToken({ sub: 'admin-1', role: 'admin', org: 'PLATFORM', exp: nowSeconds() + 600 }, 'guessed-secret');
      expectRefused(await gw.request(REGISTER_ORG, { token: forged, variables: { input: { code: 'FORGED-ORG', name: 'x', kind: 'DEPARTMENT' } } }));
      expectRefused(await gw.request(`{ catalog { code } }`, { token: forged }));
      const after = await database.db.execute(sql`SELECT count(*)::int AS n FROM organizations`);
      expect((after as unknown as { rows: { n: number }[] }).rows[0].n).toBe((before as unknown as { rows: { n: number }[] }).rows[0].n);
    });
  });

  describe('§1 / §10.2: a suspended organisation', () => {
    it('§1: a SUSPENDED organisation\'s tokens stop working at once (and work again when it is reactivated)', async () => {
      const org = await createOrganization(database.db, 'DEPARTMENT');
      const token = tokens.department(org);
      expect((await me(token)).body.data.me.organization.code).toBe(org);

      const suspended = await gw.request(SET_STATUS, { token: tokens.admin(), variables: { code: org, status: 'SUSPENDED' } });
      expect(suspended.body.errors).toBeUndefined();
      expect(suspended.body.data.setOrganizationStatus).toEqual({ code: org, status: 'SUSPENDED' });

      // the very next request with the same, unexpired token
      expectRefused(await me(token));
      expectRefused(await gw.request(REGISTER_SUBJECTS, { token, variables: { subjects: [] } }));

      const reactivated = await gw.request(SET_STATUS, { token: tokens.admin(), variables: { code: org, status: 'ACTIVE' } });
      expect(reactivated.body.data.setOrganizationStatus.status).toBe('ACTIVE');
      expect((await me(token)).body.data.me.role).toBe('department');
    });

    it('§1: a suspended agency is refused too', async () => {
      const org = await createOrganization(database.db, 'AGENCY', { status: 'SUSPENDED' });
      expectRefused(await me(tokens.agency(org)));
    });
  });

  describe('§10.2: role may not call the operation', () => {
    it('§10.2: a department calling registerOrganization → FORBIDDEN', async () => {
      const response = await gw.request(REGISTER_ORG, {
        token: tokens.department(department), variables: { input: { code: 'DEPT-FORBIDDEN-1', name: 'x', kind: 'DEPARTMENT' } },
      });
      expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(response.body.data ?? null).toBeNull(); // refused before execution: no data at all
      const orgs = await gw.request(`{ organizations(kind: DEPARTMENT) { code } }`);
      expect(orgs.body.data.organizations.map((o: { code: string }) => o.code)).not.toContain('DEPT-FORBIDDEN-1');
    });

    it('§10.2: an agency calling submitRecords → FORBIDDEN, nothing written', async () => {
      const subject = await createSubject(database.db, department, 'ENTERPRISE');
      const response = await gw.request(SUBMIT, {
        token: tokens.agency(agency),
        variables: { records: [{ subjectCode: subject.code, type: 'license', sourceRef: 'agency-1', title: 't', decidedAt: '2026-01-05T09:00:00+08:00' }] },
      });
      expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(response.body.data ?? null).toBeNull();
      const count = await database.db.execute(sql`SELECT count(*)::int AS n FROM records WHERE subject_id = ${subject.id}`);
      expect((count as unknown as { rows: { n: number }[] }).rows[0].n).toBe(0);
    });

    it('§10.2: other roles outside an operation\'s list → FORBIDDEN', async () => {
      const subject = await createSubject(database.db, department, 'ENTERPRISE');
      const cases: [string, string, Record<string, unknown>][] = [
        [tokens.admin(), SUBMIT, { records: [] }],
        [tokens.subject(subject.code), SUBMIT, { records: [] }],
        [tokens.auditor(auditOffice), REGISTER_SUBJECTS, { subjects: [] }],
        [tokens.agency(agency), REGISTER_SUBJECTS, { subjects: [] }],
        [tokens.department(department), SET_STATUS, { code: agency, status: 'SUSPENDED' }],
        [tokens.auditor(auditOffice), SET_STATUS, { code: agency, status: 'SUSPENDED' }],
        [tokens.subject(subject.code), WITHDRAW, { id: '00000000-0000-4000-8000-000000000000' }],
        [tokens.admin(), WITHDRAW, { id: '00000000-0000-4000-8000-000000000000' }],
      ];
      for (const [token, query, variables] of cases) {
        const response = await gw.request(query, { token, variables });
        expect(response.body.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
        expect(response.body.data ?? null).toBeNull();
      }
      // the agency was not suspended by either attempt
      expect((await me(tokens.agency(agency))).body.data.me.role).toBe('agency');
    });

    it('§10.2: the public calling a token-only operation → UNAUTHENTICATED', async () => {
      const subject = await createSubject(database.db, department, 'ENTERPRISE');
      const submitted = await gw.request(SUBMIT, {
        variables: { records: [{ subjectCode: subject.code, type: 'license', sourceRef: 'public-1', title: 't', decidedAt: '2026-01-05T09:00:00+08:00' }] },
      });
      expect(submitted.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(submitted.body.data ?? null).toBeNull();
      const registered = await gw.request(REGISTER_ORG, { variables: { input: { code: 'PUBLIC-TRY', name: 'x', kind: 'AGENCY' } } });
      expect(registered.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(registered.body.data ?? null).toBeNull();
      const count = await database.db.execute(sql`SELECT count(*)::int AS n FROM records WHERE subject_id = ${subject.id}`);
      expect((count as unknown as { rows: { n: number }[] }).rows[0].n).toBe(0);
    });
  });

  describe('§10.1 HTTP', () => {
    it('§10.1: GET /graphql?query={me{role}} works, with and without a token', async () => {
      const url = `${gw.url}?query=${encodeURIComponent('{me{role}}')}`;
      const anonymous = await fetch(url);
      expect(anonymous.status).toBe(200);
      expect(await anonymous.json()).toEqual({ data: { me: { role: 'public' } } });
      const withToken = await fetch(url, { headers: { authorization: `Bearer ${tokens.department(department)}` } });
      expect(withToken.status).toBe(200);
      expect(await withToken.json()).toEqual({ data: { me: { role: 'department' } } });
      const refused = await fetch(url, { headers: { authorization: 'Bearer a.b' } });
      expect(refused.status).toBe(401);
      const body = await refused.json();
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(body).not.toHaveProperty('data');
    });

    it('§10.1: GET /graphql cannot run a mutation', async () => {
      const query = `mutation { registerOrganization(input: { code: "GET-MUTATION", name: "x", kind: AGENCY }) { code } }`;
      const response = await fetch(`${gw.url}?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${tokens.admin()}` } });
      expect(response.status).toBe(405);
      const body = await response.json();
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(body.data ?? null).toBeNull();
      const orgs = await gw.request(`{ organizations(kind: AGENCY) { code } }`);
      expect(orgs.body.data.organizations.map((o: { code: string }) => o.code)).not.toContain('GET-MUTATION');
    });

    it('§10.1: GET /healthz returns 200 {status:"ok"} when the database answers', async () => {
      const response = await fetch(gw.url.replace(/\/graphql$/, '/healthz'));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });
  });
});
