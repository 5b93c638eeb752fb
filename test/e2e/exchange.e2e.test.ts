import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { expectBadUserInput, expectNoErrors, NOW, uniqueToken } from '../support/disclosure-e2e.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import type { GraphQLResponse, TestGateway } from '../support/gateway.js';
import { requestFileObjection, requestResolveObjection } from '../support/objections-e2e.js';
import { apply, decide } from '../support/repair-e2e.js';
import { openGatewaySuite } from '../support/suite.js';
import { rawToken, tokens } from '../support/tokens.js';

/**
 * SPEC §12 over HTTP with real tokens: the exchange feed a peer platform reads (X1), the access events each page
 * writes (X2), what a peer files here and how it is kept apart (X3), and the peer organisations with their keys (X4).
 * The files and the two-platform run are in test/integration/exchange-files.test.ts and
 * test/e2e/exchange-two-platforms.e2e.test.ts; the ordering guarantee under concurrency in
 * test/integration/record-changes-order.test.ts.
 */
const FEED = `query Feed($after: String, $first: Int) {
  recordChanges(after: $after, first: $first) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { sequence kind at subjectCode subjectKind subjectName
      record { id type title status disputed version disclosure details source { code } origin { platform originId } } } }
  }
}`;
const SUBMIT = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids errors { index reason message } } }`;
const REGISTER = `mutation($subjects: [SubjectInput!]!) { registerSubjects(subjects: $subjects) { accepted ids errors { index reason message } } }`;
const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawRecord(id: $id, reason: $reason) { id status origin { platform originId } } }`;
const SET_ISSUERS = `mutation($type: String!, $orgCodes: [String!]!) { setIssuers(type: $type, orgCodes: $orgCodes) { code } }`;
const REGISTER_ORG = `mutation($input: OrganizationInput!) { registerOrganization(input: $input) { code kind } }`;
const SET_KEY = `mutation($code: String!, $publicKey: String!) { setPeerPublicKey(code: $code, publicKey: $publicKey) { code } }`;
const DEPARTMENT_VIEW = `query($code: String!) { subject(code: $code, purpose: { kind: SUPERVISION, reference: "X-1" }) {
  records(first: 100) { edges { node { id title status origin { platform originId } source { code } } } } } }`;
const DECIDED = '2026-01-05T09:00:00+08:00';

interface ChangeNode {
  sequence: string;
  kind: string;
  subjectCode: string;
  subjectKind: string;
  subjectName: string;
  record: {
    id: string; type: string; title: string; status: string; disputed: boolean; version: number; disclosure: string; details: unknown;
    source: { code: string }; origin: { platform: string; originId: string } | null;
  };
}

const publicKeyPem = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe.each(testDatabaseKinds())('§12 exchange feed and inbound records on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string;
  let deptB: string;
  let peer: string;
  let otherPeer: string;

  beforeAll(async () => {
    ({ database, gw, deptA, deptB } = await openGatewaySuite(kind, NOW));
    peer = await createOrganization(database.db, 'PEER_PLATFORM', { publicKey: publicKeyPem() });
    otherPeer = await createOrganization(database.db, 'PEER_PLATFORM', { publicKey: publicKeyPem() });
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  async function submit(token: string, rows: Record<string, unknown>[]): Promise<string[]> {
    const response = await gw.request(SUBMIT, { token, variables: { records: rows } });
    expectNoErrors(response);
    expect(response.body.data.submitRecords.errors).toEqual([]);
    return response.body.data.submitRecords.ids as string[];
  }

  /** Every change the peer receives from the beginning (or `after`), paging at `first`. */
  async function feed(peerCode: string, first = 100, after: string | null = null): Promise<{ nodes: ChangeNode[]; cursor: string | null }> {
    const nodes: ChangeNode[] = [];
    let cursor = after;
    for (;;) {
      const response = await gw.request(FEED, { token: tokens.exchange(peerCode), variables: { after: cursor, first } });
      expectNoErrors(response);
      const page = response.body.data.recordChanges;
      nodes.push(...page.edges.map((e: { node: ChangeNode }) => e.node));
      if (page.pageInfo.endCursor) cursor = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) return { nodes, cursor };
    }
  }

  const licence = (subjectCode: string, overrides: Record<string, unknown> = {}) => ({
    subjectCode, type: 'license', sourceRef: uniqueToken('LIC'), title: '食品经营许可证', decidedAt: DECIDED, ...overrides,
  });
  const penalty = (subjectCode: string, overrides: Record<string, unknown> = {}) => ({
    subjectCode, type: 'penalty', sourceRef: uniqueToken('PEN'), title: '行政处罚决定书', severity: 'GENERAL', decidedAt: '2025-01-05T09:00:00+08:00', ...overrides,
  });

  it('X1: a filing, its correction and its withdrawal reach the peer in commit order, each with the record as of that change', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    const row = licence(subject.code, { title: '旧标题' });
    const [id] = await submit(tokens.department(deptA), [row]);
    await submit(tokens.department(deptA), [{ ...row, title: '更正后的标题' }]);
    expectNoErrors(await gw.request(WITHDRAW, { token: tokens.department(deptA), variables: { id, reason: '许可被撤销' } }));
    const { nodes } = await feed(peer);
    const mine = nodes.filter((n) => n.record.id === id);
    expect(mine.map((n) => [n.kind, n.record.version, n.record.title, n.record.status])).toEqual([
      ['FILED', 1, '旧标题', 'ACTIVE'],
      ['VERSIONED', 2, '更正后的标题', 'ACTIVE'],
      ['WITHDRAWN', 3, '更正后的标题', 'WITHDRAWN'],
    ]);
    const sequences = nodes.map((n) => BigInt(n.sequence));
    expect(sequences.every((s, i) => i === 0 || s > sequences[i - 1])).toBe(true);
    expect(mine[0]).toMatchObject({ subjectCode: subject.code, subjectKind: 'ENTERPRISE', subjectName: subject.name });
    expect(mine[0].record.source.code).toBe(deptA);
    expect(mine[0].record.origin).toBeNull();
  });

  it('X1: PUBLIC and SHARED records reach the peer with details (SUPERVISION view, full codes); SUBJECT_ONLY never does', async () => {
    const person = await createSubject(database.db, deptA, 'INDIVIDUAL');
    const [shared, subjectOnly, open] = await submit(tokens.department(deptA), [
      penalty(person.code, { disclosure: 'SHARED', details: { caseNumber: 'C-1' } }),
      penalty(person.code, { disclosure: 'SUBJECT_ONLY', details: { secret: 'S-1' }, title: '仅本人可见' }),
      licence(person.code, { details: { licence: 'L-1' } }),
    ]);
    const { nodes } = await feed(peer);
    const ids = new Set(nodes.map((n) => n.record.id));
    expect(ids.has(shared)).toBe(true);
    expect(ids.has(open)).toBe(true);
    expect(ids.has(subjectOnly)).toBe(false);
    expect(JSON.stringify(nodes)).not.toContain('仅本人可见');
    const sharedNode = nodes.find((n) => n.record.id === shared)!;
    expect(sharedNode.record.details).toEqual({ caseNumber: 'C-1' });
    expect(sharedNode.subjectCode).toBe(person.code); // an identity number in full (G1)
    expect(sharedNode.subjectName).toBe(person.name);
    expect(nodes.find((n) => n.record.id === open)!.record.details).toEqual({ licence: 'L-1' });
  });

  it('X1: an objection and its resolution reach the peer as DISPUTED and UNDISPUTED', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    const [id] = await submit(tokens.department(deptA), [penalty(subject.code, { decidedAt: DECIDED })]);
    const filed = await requestFileObjection(gw, tokens.subject(subject.code), id, '处罚对象有误');
    expectNoErrors(filed);
    const resolved = await requestResolveObjection(gw, tokens.department(deptA), filed.body.data.fileObjection.id, 'NOT_ERRONEOUS', '经核实无误');
    expectNoErrors(resolved);
    const mine = (await feed(peer)).nodes.filter((n) => n.record.id === id);
    expect(mine.map((n) => [n.kind, n.record.disputed, n.record.version])).toEqual([
      ['FILED', false, 1], ['DISPUTED', true, 1], ['UNDISPUTED', false, 1],
    ]);
  });

  it('X1: an approved repair reaches the peer as REPAIRED, carrying the record with that status', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    const [id] = await submit(tokens.department(deptA), [penalty(subject.code)]);
    const applied = await apply(gw, tokens.subject(subject.code), id);
    expectNoErrors(applied);
    expectNoErrors(await decide(gw, tokens.department(deptA), applied.body.data.applyForRepair.id, true, '已履行处罚并整改'));
    const mine = (await feed(peer)).nodes.filter((n) => n.record.id === id);
    expect(mine.map((n) => [n.kind, n.record.status])).toEqual([['FILED', 'ACTIVE'], ['REPAIRED', 'REPAIRED']]);
  });

  it('X1: a cursor resumes exactly after the last change received; pages of any size give the same changes', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    await submit(tokens.department(deptA), Array.from({ length: 23 }, () => licence(subject.code)));
    const whole = (await feed(peer, 100)).nodes.map((n) => n.sequence);
    const bySeven = (await feed(peer, 7)).nodes.map((n) => n.sequence);
    expect(bySeven).toEqual(whole);
    expect(new Set(whole).size).toBe(whole.length);
    const { cursor } = await feed(peer);
    const ids = await submit(tokens.department(deptA), [licence(subject.code), licence(subject.code)]);
    const next = await feed(peer, 100, cursor);
    expect(next.nodes.map((n) => n.record.id)).toEqual(ids);
  });

  it('X1, §10.3: a tampered cursor is INVALID_CURSOR and first above 100 is FIRST_TOO_LARGE', async () => {
    const { cursor } = await feed(peer);
    const tampered = `${cursor!.slice(0, -2)}${cursor!.endsWith('A') ? 'BB' : 'AA'}`;
    expectBadUserInput(await gw.request(FEED, { token: tokens.exchange(peer), variables: { after: tampered } }), 'INVALID_CURSOR');
    expectBadUserInput(await gw.request(FEED, { token: tokens.exchange(peer), variables: { first: 101 } }), 'FIRST_TOO_LARGE');
  });

  it('X2: a page writes one DEPARTMENT event per subject, purpose SUPERVISION with the peer\'s code, naming the records placed', async () => {
    const one = await createSubject(database.db, deptA, 'ENTERPRISE');
    const two = await createSubject(database.db, deptA, 'ENTERPRISE');
    const { cursor } = await feed(peer);
    const ids = await submit(tokens.department(deptA), [licence(one.code), licence(one.code), licence(two.code)]);
    const response = await gw.request(FEED, { token: tokens.exchange(peer, 'sync-x2'), variables: { after: cursor } });
    expectNoErrors(response);
    const events = await queryRows<Record<string, unknown>>(database.db, sql`
      SELECT role, actor, org_code, view, purpose_kind, purpose_reference, subject_code, record_ids, operation_name
      FROM access_events WHERE actor = 'sync-x2' ORDER BY subject_code`);
    const expected = [[one.code, [ids[0], ids[1]]], [two.code, [ids[2]]]].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(events.map((e) => [e.subject_code, [...(e.record_ids as string[])].sort()])).toEqual(
      expected.map(([code, recordIds]) => [code, [...(recordIds as string[])].sort()]),
    );
    for (const event of events) {
      expect(event).toMatchObject({ role: 'exchange', org_code: peer, view: 'DEPARTMENT', purpose_kind: 'SUPERVISION', purpose_reference: peer, operation_name: 'recordChanges' });
    }
    // a page that only pages (no node selected) places no subject and writes no subject event
    await gw.request(`query($after: String) { recordChanges(after: $after) { pageInfo { hasNextPage } } }`, { token: tokens.exchange(peer, 'sync-x2-count'), variables: { after: cursor } });
    const counted = await queryRows<{ subject_code: string | null }>(database.db, sql`SELECT subject_code FROM access_events WHERE actor = 'sync-x2-count'`);
    expect(counted.every((e) => e.subject_code === null)).toBe(true);
  });

  it('X3: a peer files through submitRecords: validated like any filing, origin kept, its record id at the peer as originId', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    const originId = `GD-${uniqueToken('R')}`;
    const [id] = await submit(tokens.exchange(peer), [{ ...licence(subject.code), sourceRef: originId }]);
    const view = await gw.request(DEPARTMENT_VIEW, { token: tokens.department(deptB), variables: { code: subject.code } });
    expectNoErrors(view);
    const record = view.body.data.subject.records.edges.map((e: { node: unknown }) => e.node).find((n: { id: string }) => n.id === id);
    expect(record).toMatchObject({ origin: { platform: peer, originId }, source: { code: peer } });
    // W1: an unregistered subject is refused like any filing (the batch atomic)
    const refused = await gw.request(SUBMIT, { token: tokens.exchange(peer), variables: { records: [licence('91110000600037341L')] } });
    expectNoErrors(refused);
    expect(refused.body.data.submitRecords.accepted).toBe(0);
    expect(refused.body.data.submitRecords.errors[0].reason).toBe('SUBJECT_NOT_REGISTERED');
  });

  it('X3, W5: a peer files a type with listed issuers only when it is listed among them', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    const row = () => ({ subjectCode: subject.code, type: 'dishonest-debtor', sourceRef: uniqueToken('DD'), title: '失信被执行人', decidedAt: DECIDED, severity: 'SERIOUS' });
    expectNoErrors(await gw.request(SET_ISSUERS, { token: tokens.admin(), variables: { type: 'dishonest-debtor', orgCodes: [deptB] } }));
    try {
      const refused = await gw.request(SUBMIT, { token: tokens.exchange(peer), variables: { records: [row()] } });
      expect(refused.body.data.submitRecords.errors[0].reason).toBe('NOT_ISSUER');
      expectNoErrors(await gw.request(SET_ISSUERS, { token: tokens.admin(), variables: { type: 'dishonest-debtor', orgCodes: [deptB, peer] } }));
      expect(await submit(tokens.exchange(peer), [row()])).toHaveLength(1);
    } finally {
      await gw.request(SET_ISSUERS, { token: tokens.admin(), variables: { type: 'dishonest-debtor', orgCodes: [] } });
    }
  });

  it('X3: what a peer sent is never sent back to it, but reaches other peers', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    const [id] = await submit(tokens.exchange(peer), [licence(subject.code)]);
    expect((await feed(peer)).nodes.some((n) => n.record.id === id)).toBe(false);
    const toOther = (await feed(otherPeer)).nodes.find((n) => n.record.id === id);
    expect(toOther?.record.origin?.platform).toBe(peer);
  });

  it('X3, W2: only the peer corrects or withdraws its records; a department gets FORBIDDEN', async () => {
    const subject = await createSubject(database.db, deptA, 'ENTERPRISE');
    const [id] = await submit(tokens.exchange(peer), [licence(subject.code)]);
    const byDepartment = await gw.request(WITHDRAW, { token: tokens.department(deptA), variables: { id, reason: '无权撤回' } });
    expect(byDepartment.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const byOtherPeer = await gw.request(WITHDRAW, { token: tokens.exchange(otherPeer), variables: { id, reason: '无权撤回' } });
    expect(byOtherPeer.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const byPeer = await gw.request(WITHDRAW, { token: tokens.exchange(peer), variables: { id, reason: '省平台撤回' } });
    expectNoErrors(byPeer);
    expect(byPeer.body.data.withdrawRecord).toMatchObject({ status: 'WITHDRAWN', origin: { platform: peer } });
    // the withdrawal reaches the other peer, not the peer that made it
    expect((await feed(otherPeer)).nodes.filter((n) => n.record.id === id).map((n) => n.kind)).toEqual(['FILED', 'WITHDRAWN']);
    expect((await feed(peer)).nodes.some((n) => n.record.id === id)).toBe(false);
  });

  it('X3: a peer registers the subjects of the records it sends', async () => {
    const response = await gw.request(REGISTER, {
      token: tokens.exchange(peer), variables: { subjects: [{ code: '9144030071526726XG', kind: 'ENTERPRISE', name: '深圳市省平台推送有限公司' }] },
    });
    expectNoErrors(response);
    expect(response.body.data.registerSubjects).toMatchObject({ accepted: 1, errors: [] });
  });

  it('§10.2, §12: only role exchange reads the feed; an exchange token must name an active PEER_PLATFORM', async () => {
    const asDepartment = await gw.request(FEED, { token: tokens.department(deptA) });
    expect(asDepartment.status).toBe(403);
    expect(asDepartment.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const asPublic = await gw.request(FEED);
    expect(asPublic.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const departmentAsPeer = await gw.request(FEED, { token: tokens.exchange(deptA) });
    expect(departmentAsPeer.status).toBe(401);
    const peerAsDepartment = await gw.request(FEED, { token: tokens.department(peer) });
    expect(peerAsDepartment.status).toBe(401);
    const suspended = await createOrganization(database.db, 'PEER_PLATFORM', { status: 'SUSPENDED', publicKey: publicKeyPem() });
    expect((await gw.request(FEED, { token: tokens.exchange(suspended) })).status).toBe(401);
    const forged = rawToken({ sub: 'x', role: 'exchange', org: peer, exp: Math.floor(Date.now() / 1000) + 60 }, 'another-secret-0123456789-abcdefghij');
    expect((await gw.request(FEED, { token: forged })).status).toBe(401);
  });

  it('X4: a PEER_PLATFORM is registered with an Ed25519 public key, and only it has one', async () => {
    const register = (input: Record<string, unknown>): Promise<GraphQLResponse> => gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input } });
    const code = `PEER-${uniqueToken('K').replace(/[^A-Z0-9]/gi, '').toUpperCase().slice(0, 10)}`;
    expectBadUserInput(await register({ code, name: '省平台', kind: 'PEER_PLATFORM' }), 'PUBLIC_KEY_REQUIRED');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expectBadUserInput(await register({ code, name: '省平台', kind: 'PEER_PLATFORM', publicKey: rsa }), 'INVALID_PUBLIC_KEY');
    expectBadUserInput(await register({ code, name: '省平台', kind: 'PEER_PLATFORM', publicKey: 'not a key' }), 'INVALID_PUBLIC_KEY');
    expectBadUserInput(await register({ code: `${code}-D`, name: '某局', kind: 'DEPARTMENT', publicKey: publicKeyPem() }), 'PUBLIC_KEY_NOT_APPLICABLE');
    const created = await register({ code, name: '省平台', kind: 'PEER_PLATFORM', publicKey: publicKeyPem() });
    expectNoErrors(created);
    expect(created.body.data.registerOrganization).toEqual({ code, kind: 'PEER_PLATFORM' });
    const rotated = publicKeyPem();
    expectNoErrors(await gw.request(SET_KEY, { token: tokens.admin(), variables: { code, publicKey: rotated } }));
    const [stored] = await queryRows<{ public_key: string }>(database.db, sql`SELECT public_key FROM organizations WHERE code = ${code}`);
    expect(stored.public_key.trim()).toBe(rotated.trim());
    const notPeer = await gw.request(SET_KEY, { token: tokens.admin(), variables: { code: deptA, publicKey: rotated } });
    expect(notPeer.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const notAdmin = await gw.request(SET_KEY, { token: tokens.exchange(peer), variables: { code, publicKey: rotated } });
    expect(notAdmin.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('X1: the change log is append-only in the database', async () => {
    await expect(database.db.execute(sql`UPDATE record_changes SET kind = 'FILED'`)).rejects.toThrow();
    await expect(database.db.execute(sql`DELETE FROM record_changes`)).rejects.toThrow();
    await expect(database.db.execute(sql`TRUNCATE record_changes`)).rejects.toThrow();
  });
});

export type { SubjectFixture };
