import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { CREDIT_REPORT, LICENSING, NOW } from '../support/disclosure-e2e.js';
import { comparedReadsCast, requestEvents, withAppendsRefused } from '../support/read-fixture.js';
import { MAX_FOLDS_IN_FLIGHT } from '../../src/modules/access-log/access-log.writer.js';

/**
 * Issue 18: a compiled `subject` read whose response places its first records page stores its access event in the read
 * statement itself (src/modules/subjects/subjects.repository.ts findVisibleSubjectWithPageLogged) — one round trip
 * and one commit instead of two statements. Proven here against a gateway that never folds (Apollo only) on the same
 * database at the same instant: the same answer, the same events (L1), each exactly once; the fold is seen to happen
 * (the gateway's metric), and not to happen where it may not (a response that does not place the page, fields that
 * name other records). L2: an access log that refuses appends withholds the answer; a compiled run that fails after
 * its folded read is answered by Apollo without storing the event twice.
 */

const METRICS_TOKEN = 'folded-append-metrics-token-0123456789';

const PAGE_QUERY = `query Page($code: String!, $purpose: PurposeInput, $first: Int, $after: String) {
  subject(code: $code, purpose: $purpose) {
    code name view redactions { field reason }
    records(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title details } } }
  }
}`;
/** the same through a fragment and an alias */
const FRAGMENT_QUERY = `query Fragment($code: String!, $purpose: PurposeInput) {
  s: subject(code: $code, purpose: $purpose) { ...F }
}
fragment F on Subject { code records(first: 2) { edges { node { id } } } }`;
/** counted only: no record placed, so the event names none — nothing to fold */
const COUNT_QUERY = `query Count($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) { code records(first: 2) { totalCount } }
}`;
/** qualifications name records of their own: the entry is not the page alone */
const QUALIFICATIONS_QUERY = `query Qualified($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) { code records(first: 1) { edges { node { id } } } qualifications { id } }
}`;
/** another root field beside `subject` (here one that fails): never folded — the fold is for documents of one subject */
const FAILING_QUERY = `query Failing($code: String!) {
  a: subject(code: $code) { code records(first: 2) { edges { node { id } } } }
  b: subject(code: "9144000000000000XX") { code }
}`;
/** the same subject twice, and a subject beside a search: not folded either */
const TWICE_QUERY = `query Twice($code: String!) {
  a: subject(code: $code) { code records(first: 2) { edges { node { id } } } }
  b: subject(code: $code) { code records(first: 2) { edges { node { id } } } }
}`;
const WITH_SEARCH_QUERY = `query WithSearch($code: String!, $q: String!) {
  subject(code: $code) { code records(first: 2) { edges { node { id } } } }
  searchSubjects(query: $q, first: 2) { edges { node { code } } }
}`;
/** a department's read whose records' histories are read after the folded statement */
const HISTORY_QUERY = `query History($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) { code records(first: 2) { edges { node { id history { version } } } } }
}`;

describe.each(testDatabaseKinds())('issue 18, the access event folded into the subject read, on %s', (kind) => {
  let database: TestDatabase;
  let foldingGw: TestGateway;
  let apolloGw: TestGateway;
  let deptA: string;
  let deptB: string;
  let agency: string;
  let enterprise: SubjectFixture;
  let person: SubjectFixture;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    foldingGw = await startTestGateway(database, { now: NOW, compiledExecution: 'first-sight', metricsToken: METRICS_TOKEN });
    apolloGw = await startTestGateway(database, { now: NOW, compiledExecution: 'off' });
    ({ deptA, deptB, agency, enterprise, person } = await comparedReadsCast(database.db, apolloGw));
  });

  afterAll(async () => {
    await foldingGw?.close();
    await apolloGw?.close();
    await database?.close();
  });

  async function send(gw: TestGateway, query: string, variables: Record<string, unknown>, token?: string) {
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, text: await response.text(), requestId: response.headers.get('x-request-id')! };
  }

  /** The access events of one request in chain order, record ids in page order (support/read-fixture.ts). */
  const eventsOf = (requestId: string) => requestEvents(database.db, requestId);

  /** gateway_access_log_folded_events_total by outcome */
  async function folded(): Promise<{ matched: number; unmatched: number; failed: number }> {
    const response = await fetch(foldingGw.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await response.text();
    const count = (outcome: string) => Number(new RegExp(`^gateway_access_log_folded_events_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { matched: count('matched'), unmatched: count('unmatched'), failed: count('failed') };
  }

  /** Both gateways answer alike and log alike; returns the folding side's answer and its events (record ids as stored). */
  async function expectAlike(label: string, query: string, variables: Record<string, unknown>, token?: string) {
    const folding = await send(foldingGw, query, variables, token);
    const apollo = await send(apolloGw, query, variables, token);
    expect(folding.status, label).toBe(apollo.status);
    expect(folding.text, label).toBe(apollo.text);
    // the same events (a document of several root fields may register them in another order); returned in chain order
    const asSets = (requestId: string) => requestEvents(database.db, requestId, { asSets: true });
    expect(await asSets(folding.requestId), label).toEqual(await asSets(apollo.requestId));
    const events = await eventsOf(folding.requestId);
    return { ...folding, events, json: JSON.parse(folding.text) as { data?: any; errors?: unknown[] } };
  }

  const callers = () => [
    { who: 'the public', token: undefined, purpose: undefined },
    { who: 'the filing department with a purpose', token: tokens.department(deptA), purpose: LICENSING },
    { who: 'another department with a purpose', token: tokens.department(deptB), purpose: LICENSING },
    { who: 'a department without a purpose', token: tokens.department(deptA), purpose: undefined },
    { who: 'an agency under its grant', token: tokens.agency(agency), purpose: CREDIT_REPORT },
    { who: 'the subject itself', token: tokens.subject(enterprise.code), purpose: undefined },
    { who: 'an administrator', token: tokens.admin(), purpose: undefined },
  ];

  it('L1: a subject read placing its page stores one event in the read statement — the view, purpose, grant and records Apollo logs', async () => {
    let foldedReads = 0;
    for (const { who, token, purpose } of callers()) {
      for (const code of [enterprise.code, person.code]) {
        const before = await folded();
        const first = await expectAlike(`${who}: ${code}`, PAGE_QUERY, { code, purpose, first: 2 }, token);
        const subject = first.json.data?.subject;
        const after = await folded();
        expect(after.unmatched, `${who}: ${code}`).toBe(before.unmatched);
        if (!subject) {
          // not visible (P0): nothing disclosed, nothing stored, nothing folded
          expect(first.events, `${who}: ${code}`).toEqual([]);
          expect(after.matched, `${who}: ${code}`).toBe(before.matched);
          continue;
        }
        expect(after.matched - before.matched, `${who}: ${code}`).toBe(1);
        foldedReads += 1;
        expect(first.events, `${who}: ${code}`).toHaveLength(1);
        const placed = subject.records.edges.map((edge: { node: { id: string } }) => edge.node.id);
        expect(first.events[0].records, `${who}: ${code}`).toBe(placed.join(','));
        expect(first.events[0].view, `${who}: ${code}`).toBe(subject.view);
        const cursor = subject.records.pageInfo.endCursor;
        if (cursor) {
          const next = await expectAlike(`${who}: next page of ${code}`, PAGE_QUERY, { code, purpose, first: 2, after: cursor }, token);
          expect(next.events).toHaveLength(1);
        }
      }
    }
    expect(foldedReads).toBeGreaterThanOrEqual(8);
    const agencyRead = await expectAlike('agency', PAGE_QUERY, { code: enterprise.code, purpose: CREDIT_REPORT, first: 5 }, tokens.agency(agency));
    expect(agencyRead.events[0].grant, 'A2: the grant the agency read under is in its event').not.toBeNull();
    expect(agencyRead.events[0].purpose).toBe(`${CREDIT_REPORT.kind}/${CREDIT_REPORT.reference}`);
  });

  it('issue 18, L1: with ACCESS_LOG_FOLDS=0 the same compiled read does not fold — its event is group-committed, the same answer and the same event as Apollo\'s', async () => {
    const unfoldingGw = await startTestGateway(database, { now: NOW, compiledExecution: 'first-sight', metricsToken: METRICS_TOKEN, accessLogFolds: 0 });
    try {
      const metric = async () => {
        const response = await fetch(unfoldingGw.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        return Number(/^gateway_access_log_folded_events_total\{outcome="matched"\} (\d+)/m.exec(await response.text())?.[1] ?? 0);
      };
      for (const { who, token, purpose } of [callers()[0]!, callers()[1]!]) {
        const variables = { code: enterprise.code, purpose, first: 2 };
        const unfolded = await send(unfoldingGw, PAGE_QUERY, variables, token);
        const apollo = await send(apolloGw, PAGE_QUERY, variables, token);
        expect(unfolded.status, who).toBe(200);
        expect(unfolded.text, who).toBe(apollo.text);
        const events = await requestEvents(database.db, unfolded.requestId, { asSets: true });
        expect(events, who).toHaveLength(1);
        expect(events, who).toEqual(await requestEvents(database.db, apollo.requestId, { asSets: true }));
      }
      expect(await metric()).toBe(0);
      // the same document folds on the gateway with the default (the setting, not the document, made the difference)
      const before = await folded();
      await send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 });
      expect((await folded()).matched - before.matched).toBe(1);
    } finally {
      await unfoldingGw.close();
    }
  });

  it('L1: through a fragment and an alias the page is still placed, and folded', async () => {
    const before = await folded();
    const read = await expectAlike('fragment', FRAGMENT_QUERY, { code: enterprise.code });
    expect(read.events).toHaveLength(1);
    expect(read.events[0].records).toBe(read.json.data.s.records.edges.map((edge: { node: { id: string } }) => edge.node.id).join(','));
    expect(read.events[0].records).not.toBe('');
    expect((await folded()).matched - before.matched).toBe(1);
  });

  it('L1: a response that places no record, or names records beside the page, is not folded — and logged as Apollo logs it', async () => {
    const before = await folded();
    const counted = await expectAlike('count only', COUNT_QUERY, { code: enterprise.code });
    expect(counted.events).toHaveLength(1);
    expect(counted.events[0].records).toBe('');
    const qualified = await expectAlike('qualifications', QUALIFICATIONS_QUERY, { code: person.code, purpose: LICENSING }, tokens.department(deptA));
    expect(qualified.events).toHaveLength(1);
    expect(await folded()).toEqual(before);
  });

  it('L1, L2: a document with more than one root field (the same subject twice, a search beside it, a field that fails) is not folded — logged as Apollo logs it', async () => {
    const before = await folded();
    const twice = await expectAlike('twice', TWICE_QUERY, { code: enterprise.code });
    expect(twice.events).toHaveLength(2);
    const withSearch = await expectAlike('with a search', WITH_SEARCH_QUERY, { code: enterprise.code, q: enterprise.name });
    expect(withSearch.events.filter((e) => e.subject === enterprise.code).length).toBeGreaterThanOrEqual(1);
    const failing = await expectAlike('failing', FAILING_QUERY, { code: enterprise.code });
    expect(failing.json.errors?.length).toBeGreaterThan(0);
    expect(failing.events.filter((e) => e.subject === enterprise.code)).toHaveLength(1);
    expect(await folded()).toEqual(before);
  });

  it('L1: a folded read whose compiled run fails afterwards (a record\'s history cannot be read) is answered by Apollo, and its event is stored once', async () => {
    const token = tokens.department(deptA);
    const variables = { code: enterprise.code, purpose: LICENSING };
    await send(foldingGw, HISTORY_QUERY, variables, token); // known and compiled
    const before = await folded();
    await database.db.execute(sql`ALTER TABLE record_versions RENAME TO record_versions_off`);
    let answer: Awaited<ReturnType<typeof send>>;
    try {
      answer = await send(foldingGw, HISTORY_QUERY, variables, token);
    } finally {
      await database.db.execute(sql`ALTER TABLE record_versions_off RENAME TO record_versions`);
    }
    const json = JSON.parse(answer.text) as { data: { subject: { records: { edges: { node: { id: string } }[] } } }; errors?: unknown[] };
    // Apollo's answer: the subject and its records, each history an error
    expect(json.errors?.length).toBeGreaterThan(0);
    const placed = json.data.subject.records.edges.map((edge) => edge.node.id);
    expect(placed.length).toBeGreaterThan(0);
    // stored by the fold in the dropped compiled run; Apollo's run placed the same and did not store it again
    const events = await eventsOf(answer.requestId);
    expect(events).toHaveLength(1);
    expect(events[0].records).toBe(placed.join(','));
    const after = await folded();
    expect(after.matched - before.matched).toBe(1);
    expect(after.unmatched).toBe(before.unmatched);
  });

  it('L2: when the access log refuses appends, the folded read fails and nothing is disclosed — 503 AUDIT_UNAVAILABLE, no event', async () => {
    await send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 }); // known and compiled
    const before = await folded();
    const answer = await withAppendsRefused(database.db, () => send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 }));
    // the read tried to store its event itself, and failed with it
    expect((await folded()).failed - before.failed).toBe(1);
    expect(answer.status).toBe(503);
    const json = JSON.parse(answer.text) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(json.data).toBeUndefined();
    expect(json.errors.map((e) => e.extensions.code)).toEqual(['AUDIT_UNAVAILABLE']);
    expect(answer.text).not.toContain(enterprise.name);
    expect(await eventsOf(answer.requestId)).toEqual([]);
  });

  it('L2, issue 18: while the log refuses appends no read tries to fold; once the writer has stored again, reads fold again', async () => {
    await send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 }); // known and compiled
    const before = await folded();
    const answers = await withAppendsRefused(database.db, async () => {
      const first = await send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 });
      // the first read folds and fails; Apollo's rerun appends through the writer, which fails: the log is failing
      const second = await send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 });
      return [first, second];
    });
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(await eventsOf(answer.requestId)).toEqual([]);
    }
    const refused = await folded();
    expect(refused.failed - before.failed, 'only the first read tried to fold').toBe(1);
    // back: the next read is stored by the writer (whose success ends `failing`), the one after it folds again
    const stored = await send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 });
    expect(stored.status).toBe(200);
    expect(await eventsOf(stored.requestId)).toHaveLength(1);
    expect((await folded()).matched).toBe(refused.matched);
    const foldedAgain = await send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 });
    expect(await eventsOf(foldedAgain.requestId)).toHaveLength(1);
    expect((await folded()).matched - refused.matched).toBe(1);
  });

  /** polls `done` every 20 ms for up to 10 s */
  async function until(done: () => Promise<boolean>): Promise<void> {
    for (let tries = 0; tries < 500; tries += 1) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('timed out waiting');
  }

  /** backends waiting for the chain's advisory lock (append_access_events) */
  async function waitingForTheChain(client: pg.Client): Promise<number> {
    // a bigint key below 2^32: classid 0, objid the key, objsubid 1; this test's database only (other files run beside it)
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = 0 AND objid = 7262021 AND objsubid = 1`);
    return rows[0].n;
  }

  /** gateway_access_log_queue_depth: events waiting in the writer's queue */
  async function queueDepth(): Promise<number> {
    const text = await (await fetch(foldingGw.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    return Number(/^gateway_access_log_queue_depth (\d+)/m.exec(text)?.[1] ?? -1);
  }

  type Answer = Awaited<ReturnType<typeof send>>;

  /**
   * PostgreSQL only: runs `steps` while another connection holds the chain's lock, so that appends wait where the test
   * can see them; then releases it and checks that every request `steps` sent was answered and stored exactly once.
   */
  async function whileTheChainIsLocked(steps: (holder: pg.Client, sent: Promise<Answer>[]) => Promise<void>): Promise<void> {
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    const sent: Promise<Answer>[] = [];
    try {
      await holder.query('SELECT pg_advisory_lock(7262021)'); // append_access_events' lock
      await steps(holder, sent);
    } finally {
      await holder.query('SELECT pg_advisory_unlock(7262021)');
      await holder.end();
    }
    for (const answer of await Promise.all(sent)) {
      expect(answer.status).toBe(200);
      expect(await eventsOf(answer.requestId)).toHaveLength(1);
    }
  }

  it.skipIf(kind !== 'postgres')('issue 18: a read does not fold while the writer is appending — it waits for group commit, its event stored once', async () => {
    const before = await folded();
    await whileTheChainIsLocked(async (holder, sent) => {
      // a read that cannot fold (it places no record): its event goes through the writer, which waits for the lock
      sent.push(send(foldingGw, COUNT_QUERY, { code: enterprise.code }));
      await until(async () => (await waitingForTheChain(holder)) === 1);
      // a read that could fold, sent while the writer is appending: it queues instead
      sent.push(send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 }));
      await until(async () => (await queueDepth()) === 1);
      expect(await waitingForTheChain(holder)).toBe(1);
    });
    expect(await folded()).toEqual(before);
  });

  it.skipIf(kind !== 'postgres')('issue 18: at most MAX_FOLDS_IN_FLIGHT reads fold at once — the rest group-committed, every event once', async () => {
    const before = await folded();
    await whileTheChainIsLocked(async (holder, sent) => {
      // each request is let reach its append before the next is sent: the first MAX_FOLDS_IN_FLIGHT wait for the lock
      // inside their read statements, the next one in the writer's append, the rest in the writer's queue
      for (let i = 0; i < MAX_FOLDS_IN_FLIGHT + 3; i += 1) {
        sent.push(send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 }));
        if (i <= MAX_FOLDS_IN_FLIGHT) await until(async () => (await waitingForTheChain(holder)) === i + 1);
        else await until(async () => (await queueDepth()) === i - MAX_FOLDS_IN_FLIGHT);
      }
    });
    const after = await folded();
    expect(after.matched - before.matched).toBe(MAX_FOLDS_IN_FLIGHT);
    expect(after.unmatched).toBe(before.unmatched);
  });

  it('L3: the chain stays valid with folded and group-committed events interleaved', async () => {
    const before = await folded();
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2
      ? send(foldingGw, PAGE_QUERY, { code: enterprise.code, first: 2 })
      : send(apolloGw, PAGE_QUERY, { code: person.code, first: 2 }))));
    const verified = await send(foldingGw, 'query { verifyAccessLog { valid checked } }', {}, tokens.auditor(await createOrganization(database.db, 'AUDIT_OFFICE')));
    const json = JSON.parse(verified.text) as { data: { verifyAccessLog: { valid: boolean; checked: number } } };
    expect(json.data.verifyAccessLog.valid).toBe(true);
    expect(json.data.verifyAccessLog.checked).toBeGreaterThan(12);
    expect((await folded()).matched).toBeGreaterThan(before.matched);
  });
});
