import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { openTestDatabase, postgresUrl, type TestDatabase } from '../support/db.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { spawnGateway, stopGateway, type GatewayChild } from '../support/gateway-child.js';

/**
 * SPEC L3: "Concurrent writers (several gateway processes) still form one valid chain." Two real gateway
 * processes (test/support/gateway-process.ts) serve ~400 simultaneous requests against one PostgreSQL database;
 * the log they write together must be one gap-free chain with exactly one event per disclosed subject.
 * PostgreSQL only: PGlite is a single in-process connection and cannot be shared by two processes.
 */

const REQUESTS = 400;
const SUBJECTS = 40;

const SUBJECT_QUERY = `query($code: String!, $p: PurposeInput) {
  subject(code: $code, purpose: $p) { code view records(first: 20) { edges { node { id } } } }
}`;
const SEARCH_QUERY = `query($q: String!) { searchSubjects(query: $q, first: 20) { edges { node { code records(first: 5) { edges { node { id } } } } } } }`;
const VERIFY_QUERY = `query($from: DateTime, $to: DateTime) {
  verifyAccessLog(from: $from, to: $to) { valid checked firstBrokenSequence fromSequence toSequence }
}`;

interface Response {
  gateway: number;
  status: number;
  requestId: string | null;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Omit<Response, 'gateway'>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Response['body'] };
}

describe.skipIf(!postgresUrl())('L3 two gateway processes writing at the same time on postgres', () => {
  let database: TestDatabase;
  const children: GatewayChild[] = [];
  const killOnExit = () => children.forEach((child) => child.process.kill('SIGKILL'));
  let urls: string[] = [];
  let department: string;
  let auditor: string;
  const subjects: SubjectFixture[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    department = await createOrganization(database.db, 'DEPARTMENT');
    auditor = tokens.auditor(await createOrganization(database.db, 'AUDIT_OFFICE'));
    for (let i = 0; i < SUBJECTS; i += 1) {
      // names 并发链00…并发链39: the query 并发链<d> finds the ten subjects of decade d
      const subject = await createSubject(database.db, department, 'ENTERPRISE', { name: `并发链${String(i).padStart(2, '0')}有限公司` });
      await createRecord(database.db, subject, department, { type: 'license' });
      await createRecord(database.db, subject, department, { type: 'tax-rating' }); // SHARED: departments only
      subjects.push(subject);
    }
    process.once('exit', killOnExit);
    children.push(spawnGateway(database.url!), spawnGateway(database.url!));
    urls = await Promise.all(children.map((child) => child.url));
  });

  afterAll(async () => {
    await Promise.all(children.map(stopGateway));
    process.off('exit', killOnExit);
    await database?.close();
  });

  it('L3: ~400 concurrent requests split across two processes form one gap-free, valid chain with one event per disclosed subject', async () => {
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(2);
    const departmentToken = tokens.department(department);
    // warm both processes up (JIT, pool connections) with requests that disclose nothing, so that neither
    // finishes its share before the other has started and the appends really overlap
    await Promise.all(urls.flatMap((url) => Array.from({ length: 20 }, () => post(url, '{ me { role } }', {}, departmentToken))));

    const requests = Array.from({ length: REQUESTS }, (_, i) => {
      const gateway = i % 2;
      const subject = subjects[(i * 7) % SUBJECTS];
      const call = (() => {
        switch (i % 5) {
          case 0:
          case 1:
            return post(urls[gateway], SUBJECT_QUERY, { code: subject.code });
          case 2:
          case 3:
            return post(urls[gateway], SUBJECT_QUERY, { code: subject.code, p: { kind: 'LICENSING', reference: `QC-${i}` } }, departmentToken);
          default:
            return post(urls[gateway], SEARCH_QUERY, { q: `并发链${i % 4}` });
        }
      })();
      return call.then((response): Response => ({ ...response, gateway }));
    });
    const responses = await Promise.all(requests);
    const cutoff = new Date();

    // every request succeeded, and each disclosed the subjects it should have
    const disclosedByRequest = new Map<string, string[]>();
    for (const [i, response] of responses.entries()) {
      expect(response.status, `request ${i}: ${JSON.stringify(response.body.errors)}`).toBe(200);
      expect(response.body.errors, `request ${i}`).toBeUndefined();
      expect(response.requestId, `request ${i}`).toBeTruthy();
      const codes = i % 5 === 4
        ? response.body.data.searchSubjects.edges.map((edge: { node: { code: string } }) => edge.node.code)
        : [response.body.data.subject.code];
      if (i % 5 === 4) expect(codes, `search ${i}`).toHaveLength(10);
      else expect(response.body.data.subject.view).toBe(i % 5 < 2 ? 'PUBLIC' : 'DEPARTMENT');
      disclosedByRequest.set(response.requestId!, codes);
    }
    expect(disclosedByRequest.size).toBe(REQUESTS);
    const disclosed = [...disclosedByRequest.values()].reduce((sum, codes) => sum + codes.length, 0);
    expect(disclosed).toBe(REQUESTS * 4 / 5 + (REQUESTS / 5) * 10);

    // one event per disclosed subject, numbered 1..N without gaps or duplicates
    const events = await queryRows<{ sequence: string; request_id: string; subject_code: string }>(database.db, sql`
      SELECT sequence::text AS sequence, request_id, subject_code FROM access_events ORDER BY access_events.sequence`);
    expect(events).toHaveLength(disclosed);
    expect(events.map((e) => Number(e.sequence))).toEqual(Array.from({ length: disclosed }, (_, i) => i + 1));
    const loggedByRequest = new Map<string, string[]>();
    for (const event of events) loggedByRequest.set(event.request_id, [...(loggedByRequest.get(event.request_id) ?? []), event.subject_code]);
    expect(loggedByRequest.size).toBe(REQUESTS);
    for (const [requestId, codes] of disclosedByRequest) {
      expect([...(loggedByRequest.get(requestId) ?? [])].sort(), `events of request ${requestId}`).toEqual([...codes].sort());
    }

    // the two processes really wrote at the same time: their appends interleave in the sequence
    const gatewayOfRequest = new Map(responses.map((r) => [r.requestId!, r.gateway]));
    let runs = 0;
    let previous = -1;
    for (const event of events) {
      const gateway = gatewayOfRequest.get(event.request_id)!;
      if (gateway !== previous) runs += 1;
      previous = gateway;
    }
    expect(runs).toBeGreaterThanOrEqual(3);

    // each event's prev_hash is the hash of the event before it
    const links = await queryRows<{ broken: number }>(database.db, sql`
      SELECT count(*)::int AS broken FROM access_events e
      LEFT JOIN access_events p ON p.sequence = e.sequence - 1
      WHERE e.prev_hash IS DISTINCT FROM coalesce(p.hash, repeat('0', 64))`);
    expect(Number(links[0].broken)).toBe(0);

    // the auditor's verification, through either process: up to the cutoff exactly the N events, then everything
    await new Promise((resolve) => setTimeout(resolve, 5));
    const upToCutoff = await post(urls[0], VERIFY_QUERY, { to: cutoff.toISOString() }, auditor);
    expect(upToCutoff.body.errors).toBeUndefined();
    expect(upToCutoff.body.data.verifyAccessLog).toEqual({ valid: true, checked: disclosed, firstBrokenSequence: null, fromSequence: 1, toSequence: disclosed });
    const whole = await post(urls[1], VERIFY_QUERY, {}, auditor);
    expect(whole.body.errors).toBeUndefined();
    expect(whole.body.data.verifyAccessLog).toEqual({
      valid: true, checked: disclosed + 2, firstBrokenSequence: null, fromSequence: 1, toSequence: disclosed + 2,
    });
  });
});
