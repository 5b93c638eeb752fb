import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_VIEWER } from '../../policies/viewer.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { logReplicaChanges, readDatabaseFor, type ReplicaCondition } from '../../src/db/replica.js';
import type { Logger } from '../../src/logging.js';
import { post, storedEvents, VERIFY_QUERY } from '../support/access-log-e2e.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { CREDIT_REPORT, lookup, recordIdsOf } from '../support/disclosure-e2e.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import {
  createThrowawayCluster, createThrowawayStandby, throwawayClusterUnavailable, type ThrowawayCluster, type ThrowawayStandby,
} from '../support/throwaway-cluster.js';
import { tokens } from '../support/tokens.js';

/**
 * Issue 18 point 6, the read replica (src/db/replica.ts, README "Read replica"), on a throw-away primary and a
 * streaming standby of it (scripts/standby.ts through test/support/throwaway-cluster.ts). Two real gateways share
 * the primary and the standby: one that trusts the replica up to a minute behind (so that, with its replay paused,
 * whatever it answers from the replica is visibly older than the primary), one with a bound of 800 ms.
 * - RR1: the public's reads go to the replica only while it is caught up within REPLICA_MAX_LAG_MS — checked again
 *   at each statement; past the bound, with the replica gone, or with a standby of another cluster, they go to the
 *   primary — no error for the caller.
 * - RR2 (read-your-writes): a token holder reads the primary, so a department reads its own filing at once.
 * - A4: an agency's grants are read on the primary at every request, so a revocation the replica has not replayed
 *   still refuses it at once.
 * - RR1 for the public website too: its pages call this gateway's /graphql without a token, so they read the replica.
 * - L1/L3: the access events of replica-served reads are appended on the primary, in its one chain.
 * PostgreSQL pass only (TEST_DATABASES=postgres), and only where clusters can be created (root, postgresql-common).
 */

const LENIENT_LAG_MS = 60_000;
const STRICT_LAG_MS = 800;
const METRICS_TOKEN = 'replica-metrics-token-0123456789';
const FILE = `mutation File($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids errors { index reason } } }`;
const GRANT = `mutation Grant($input: GrantInput!) { grantAuthorization(input: $input) { id active } }`;
const REVOKE = `mutation Revoke($id: ID!) { revokeAuthorization(id: $id) { id revokedAt } }`;
const SUPERVISION = { kind: 'SUPERVISION', reference: 'REPLICA-2026-1' };

interface Served {
  gw: TestGateway;
  database: Database;
  /** what the gateway logged (O1) */
  logged: { level: string; message: string; fields?: Record<string, unknown> }[];
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectNoErrors(response: GraphQLResponse): void {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  expect(response.status).toBe(200);
}

describe.skipIf(!testDatabaseKinds().includes('postgres') || throwawayClusterUnavailable() !== null)(
  'read replica: a streaming standby of a throw-away primary under two gateways',
  () => {
    let primary: ThrowawayCluster;
    let standby: ThrowawayStandby;
    let database: TestDatabase;
    let lenient: Served;
    let strict: Served;
    let department: string;
    let agency: string;
    let auditOffice: string;
    let company: SubjectFixture;
    let standbyUrl: string;

    async function serve(maxLagMs: number): Promise<Served> {
      const opened = await openDatabase({ url: database.url, poolSize: 4, replica: { url: standbyUrl, maxLagMs } });
      const logged: Served['logged'] = [];
      const logger = Object.fromEntries((['info', 'warn', 'error'] as const).map((level) => [level, (message: string, fields?: Record<string, unknown>) => {
        logged.push({ level, message, fields });
      }])) as unknown as Logger;
      const gw = await startTestGateway({ ...database, ...opened }, { metricsToken: METRICS_TOKEN, site: true, logger });
      return { gw, database: opened, logged };
    }

    beforeAll(async () => {
      primary = await createThrowawayCluster();
      database = await primary.createDatabase();
      department = await createOrganization(database.db, 'DEPARTMENT');
      agency = await createOrganization(database.db, 'AGENCY');
      auditOffice = await createOrganization(database.db, 'AUDIT_OFFICE');
      company = await createSubject(database.db, department, 'ENTERPRISE');
      await createRecord(database.db, company, department, { type: 'license', decidedAt: new Date('2026-05-01T02:00:00Z') });
      standby = await createThrowawayStandby(primary);
      standbyUrl = standby.urlOf(new URL(database.url!).pathname.slice(1));
      lenient = await serve(LENIENT_LAG_MS);
      strict = await serve(STRICT_LAG_MS);
    });

    afterAll(async () => {
      for (const served of [lenient, strict]) {
        await served?.gw.close().catch(() => undefined);
        await served?.database.close().catch(() => undefined);
      }
      await database?.close().catch(() => undefined);
      await standby?.drop();
      await primary?.drop();
    });

    /** A failed test leaves the next one a running standby that replays. */
    afterEach(async () => {
      if (!(await standby.running())) await standby.start();
      await standby.resumeReplay().catch(() => undefined);
    });

    const condition = (served: Served): ReplicaCondition => served.database.replica!.state().condition;
    const counts = (served: Served) => ({ ...served.database.replica!.counts });

    /** Both gateways see the standby caught up with everything the primary has flushed. */
    async function caughtUp(): Promise<void> {
      await standby.resumeReplay();
      await standby.caughtUp();
      await until('both gateways see the replica caught up', () => condition(lenient) === 'caught_up' && condition(strict) === 'caught_up');
    }

    async function onStandby<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
      const client = new pg.Client({ connectionString: standbyUrl });
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end();
      }
    }

    const publicLookup = (served: Served) => lookup(served.gw, company.code);

    it('RR1: the public reads the replica while it is caught up — with replay paused, a public lookup answers from its older state', async () => {
      await caughtUp();
      await standby.pauseReplay();
      const added = await createRecord(database.db, company, department, { type: 'license', decidedAt: new Date('2026-05-20T02:00:00Z') });
      const before = counts(lenient);
      const seen = await publicLookup(lenient);
      expectNoErrors(seen);
      expect(seen.body.data.subject.view).toBe('PUBLIC');
      expect(recordIdsOf(seen)).not.toContain(added);
      expect(counts(lenient).replica).toBe(before.replica + 1);
      // the primary has it: a department (token holder) reads the primary and sees it
      const officer = await lookup(lenient.gw, company.code, { token: tokens.department(department), purpose: SUPERVISION });
      expectNoErrors(officer);
      expect(recordIdsOf(officer)).toContain(added);
      // once replayed, the public sees it too
      await caughtUp();
      expect(recordIdsOf(await publicLookup(lenient))).toContain(added);
    });

    it('RR1: the public website reads through the same path — its pages are served by the replica while it is caught up', async () => {
      await caughtUp();
      await standby.pauseReplay();
      const title = `网站读副本测试许可${Date.now()}`;
      await createRecord(database.db, company, department, { type: 'license', title, decidedAt: new Date('2026-05-21T02:00:00Z') });
      const page = async () => {
        const response = await fetch(`${lenient.gw.url.replace(/\/graphql$/, '')}/subjects/${company.code}`);
        expect(response.status).toBe(200);
        return response.text();
      };
      const before = counts(lenient);
      expect(await page()).not.toContain(title);
      // the page's own call to /graphql (no token) was read from the replica
      expect(counts(lenient).replica).toBeGreaterThan(before.replica);
      await caughtUp();
      expect(await page()).toContain(title);
    });

    /**
     * gateway_access_log_folded_events_total (issue 18): reads that stored their own event, and reads that tried and
     * failed (a fold sent to the standby would fail there, and Apollo would answer as if nothing happened)
     */
    async function foldedReads(served: Served): Promise<{ matched: number; unmatched: number; failed: number }> {
      const text = await (await fetch(served.gw.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      const count = (outcome: string) => Number(new RegExp(`^gateway_access_log_folded_events_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return { matched: count('matched'), unmatched: count('unmatched'), failed: count('failed') };
    }

    it('L1/L3, RR1: the access events of a public read served by the replica are appended on the primary (never folded into the standby\'s read), and the chain verifies', async () => {
      await caughtUp();
      const before = counts(lenient);
      const folded = await foldedReads(lenient);
      const document = `query($code: String!) { subject(code: $code) { code view records(first: 10) { edges { node { id } } } } }`;
      const answer = await post(lenient.gw, document, { variables: { code: company.code } });
      expectNoErrors(answer);
      expect(counts(lenient).replica).toBe(before.replica + 1);
      expect(await foldedReads(lenient)).toEqual(folded);
      // the same document read by a department goes to the primary, where its read stores its own event
      const onPrimary = await post(lenient.gw, document, { token: tokens.department(department), variables: { code: company.code } });
      expectNoErrors(onPrimary);
      expect(await foldedReads(lenient)).toEqual({ ...folded, matched: folded.matched + 1 });
      expect(await storedEvents(database.db, sql`request_id = ${onPrimary.requestId}`)).toHaveLength(1);
      const events = await storedEvents(database.db, sql`request_id = ${answer.requestId}`);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ subjectCode: company.code, view: 'PUBLIC', role: 'public' });
      expect(events[0].recordIds.sort()).toEqual(answer.body.data.subject.records.edges.map((e: { node: { id: string } }) => e.node.id).sort());
      const verified = await lenient.gw.request(VERIFY_QUERY, { token: tokens.auditor(auditOffice), variables: {} });
      expectNoErrors(verified);
      expect(verified.body.data.verifyAccessLog.valid).toBe(true);
    });

    it('RR2: a department reads its own filing at once — filed and read back while the replica has not replayed it', async () => {
      await caughtUp();
      await standby.pauseReplay();
      const officer = tokens.department(department);
      const filed = await lenient.gw.request(FILE, {
        token: officer,
        variables: { records: [{ subjectCode: company.code, type: 'license', sourceRef: 'replica-rr2', title: '食品经营许可证（读己之写）', decidedAt: '2026-05-25T09:00:00+08:00' }] },
      });
      expectNoErrors(filed);
      const [id] = filed.body.data.submitRecords.ids as string[];
      const readBack = await lookup(lenient.gw, company.code, { token: officer, purpose: SUPERVISION });
      expectNoErrors(readBack);
      expect(recordIdsOf(readBack)).toContain(id);
      // the replica does not have it: the department's read could only have come from the primary
      expect(await onStandby('SELECT id FROM records WHERE id = $1', [id])).toEqual([]);
      expect(recordIdsOf(await publicLookup(lenient))).not.toContain(id);
    });

    it('A4: a grant revoked on the primary while the replica still shows it active — the agency is refused at once', async () => {
      await caughtUp();
      const arrears = await createRecord(database.db, company, department, { type: 'tax-arrears', decidedAt: new Date('2026-04-01T02:00:00Z') });
      const given = await lenient.gw.request(GRANT, {
        token: tokens.subject(company.code),
        variables: { input: { agencyCode: agency, categories: ['COMPLIANCE'], purpose: 'CREDIT_REPORT', validUntil: '2026-09-01T00:00:00Z' } },
      });
      expectNoErrors(given);
      const grantId = given.body.data.grantAuthorization.id as string;
      const asAgency = () => lookup(lenient.gw, company.code, { token: tokens.agency(agency), purpose: CREDIT_REPORT });
      const granted = await asAgency();
      expectNoErrors(granted);
      expect(granted.body.data.subject.view).toBe('AGENCY');
      expect(recordIdsOf(granted)).toContain(arrears);

      await caughtUp();
      await standby.pauseReplay();
      expectNoErrors(await lenient.gw.request(REVOKE, { token: tokens.subject(company.code), variables: { id: grantId } }));
      // the replica still holds the grant unrevoked, and the gateway trusts it for the public's reads right now
      expect(await onStandby('SELECT revoked_at FROM grants WHERE id = $1', [grantId])).toEqual([{ revoked_at: null }]);
      expect(condition(lenient)).toBe('caught_up');
      const revoked = await asAgency();
      expectNoErrors(revoked);
      expect(revoked.body.data.subject.view).toBe('PUBLIC');
      expect(revoked.body.data.subject.redactions).toContainEqual({ field: 'records', reason: 'GRANT_REQUIRED' });
      expect(recordIdsOf(revoked)).not.toContain(arrears);
    });

    it('RR1: a replica more than REPLICA_MAX_LAG_MS behind serves nothing — the public reads the primary and sees the new state', async () => {
      await caughtUp();
      await standby.pauseReplay();
      const added = await createRecord(database.db, company, department, { type: 'honor', decidedAt: new Date('2026-05-28T02:00:00Z') });
      await until(`the ${STRICT_LAG_MS} ms gateway sees the replica lagging`, () => condition(strict) === 'lagging', STRICT_LAG_MS + 5_000);
      expect(strict.database.replica!.state().lagMs).toBeGreaterThan(STRICT_LAG_MS);
      const before = counts(strict);
      const fresh = await publicLookup(strict);
      expectNoErrors(fresh);
      expect(recordIdsOf(fresh)).toContain(added);
      expect(counts(strict)).toMatchObject({ replica: before.replica, primaryLagging: before.primaryLagging + 1 });
      // the replica is indeed behind: the gateway that tolerates a minute still answers from it, without the record
      expect(recordIdsOf(await publicLookup(lenient))).not.toContain(added);
      // O2: the state in the metrics
      const metrics = await fetch(strict.gw.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const text = await metrics.text();
      expect(text).toMatch(/^gateway_replica_serving 0$/m);
      expect(text).toMatch(/^gateway_replica_foreign 0$/m);
      expect(text).toMatch(/^gateway_replica_redirected_to_primary_total \d+$/m);
      expect(Number(/^gateway_replica_lag_seconds (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(STRICT_LAG_MS / 1000);
      expect(Number(/^gateway_replica_routed_total\{target="primary",reason="lagging"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
      // caught up again, it serves again
      await caughtUp();
      expect(recordIdsOf(await publicLookup(strict))).toContain(added);
    });

    /** recovery conflicts on locks the standby has counted in the test database */
    async function lockConflicts(): Promise<number> {
      const [row] = await onStandby<{ n: string }>('SELECT confl_lock::text AS n FROM pg_stat_database_conflicts WHERE datname = current_database()', []);
      return Number(row.n);
    }

    it('RR1: a statement the replica cancels for a recovery conflict (hot standby) runs again on the primary, no error', async () => {
      await caughtUp();
      // the standby cancels conflicting queries at once (the default waits 30 s), so that the conflict comes quickly
      await onStandby(`ALTER SYSTEM SET max_standby_streaming_delay = '10ms'`, []);
      await onStandby('SELECT pg_reload_conf()', []);
      await database.db.execute(sql`CREATE TABLE replica_conflict (n int)`);
      await database.db.execute(sql`INSERT INTO replica_conflict VALUES (1), (2)`);
      await caughtUp();
      const replica = lenient.database.replica!;
      const before = counts(lenient);
      const conflictsBefore = await lockConflicts();
      // a read on the replica holds a lock on the table — for 20 s on the standby (nothing outlasts that but a
      // conflict; under the replica's 30 s statement budget), at once on the primary; the primary takes an ACCESS
      // EXCLUSIVE lock on it, which the standby must replay: it cancels the read (SQLSTATE 40001, "conflict with
      // recovery"). (drizzle runs a query when it is awaited: then() starts it now.)
      const started = performance.now();
      const read = replica.db.execute(sql`SELECT count(*)::int AS n FROM replica_conflict, pg_sleep(CASE WHEN pg_is_in_recovery() THEN 20 ELSE 0 END)`).then((result) => result);
      await until('the read holds its lock on the standby', async () => (await onStandby(
        `SELECT 1 FROM pg_locks WHERE relation = 'replica_conflict'::regclass AND granted AND pid <> pg_backend_pid()`, [],
      )).length > 0);
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`LOCK TABLE replica_conflict IN ACCESS EXCLUSIVE MODE`);
      });
      const { rows } = (await read) as unknown as { rows: { n: number }[] };
      expect(rows).toEqual([{ n: 2 }]);
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(counts(lenient).retriedOnPrimary).toBe(before.retriedOnPrimary + 1);
      // the standby counted it as a lock conflict (its statistics arrive when the cancelled session reports them)
      await until('the standby counts the lock conflict', async () => (await lockConflicts()) > conflictsBefore);
      // one cancelled statement is not an unavailable replica
      expect(condition(lenient)).toBe('caught_up');
      await onStandby('ALTER SYSTEM RESET max_standby_streaming_delay', []);
      await onStandby('SELECT pg_reload_conf()', []);
    });

    it('RR1: a request routed to the replica while caught up sends its later statements to the primary once the replica is past the bound', async () => {
      await caughtUp();
      // what a public request's context holds, chosen when the request starts
      const db = readDatabaseFor(strict.database, PUBLIC_VIEWER);
      expect(db).toBe(strict.database.replica!.db);
      const recordCount = async () => ((await db.execute(sql`SELECT count(*)::int AS n FROM records`)) as unknown as { rows: { n: number }[] }).rows[0].n;
      const atStart = await recordCount();
      await standby.pauseReplay();
      await createRecord(database.db, company, department, { type: 'honor', decidedAt: new Date('2026-05-29T02:00:00Z') });
      const before = counts(strict);
      await until(`the ${STRICT_LAG_MS} ms gateway sees the replica lagging`, () => condition(strict) === 'lagging', STRICT_LAG_MS + 5_000);
      // the same request's next statement: the primary's state, with the new record
      expect(await recordCount()).toBe(atStart + 1);
      expect(counts(strict).redirectedToPrimary).toBe(before.redirectedToPrimary + 1);
      // the replica does not have it yet
      const [{ n }] = await onStandby<{ n: number }>('SELECT count(*)::int AS n FROM records', []);
      expect(n).toBe(atStart);
    });

    it('H2/RR1: a replica statement over its budget (a third of REQUEST_TIMEOUT_MS), or with no replica connection free in it, runs on the primary; the replica stays in use', async () => {
      await caughtUp();
      // a deadline of 1.5 s: each replica statement may wait 500 ms for a connection, and run 500 ms on the replica
      const opened = await openDatabase({ url: database.url, poolSize: 1, statementTimeoutMs: 1_500, replica: { url: standbyUrl, maxLagMs: LENIENT_LAG_MS } });
      try {
        const replica = opened.replica!;
        expect(replica.state().condition).toBe('caught_up');
        const whereRun = async () => ((await replica.db.execute(
          sql`SELECT pg_is_in_recovery() AS recovering FROM pg_sleep(CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END)`,
        )) as unknown as { rows: { recovering: boolean }[] }).rows[0].recovering;
        // a second on the standby is twice its budget: cancelled there, run on the primary, well within the deadline
        let started = performance.now();
        expect(await whereRun()).toBe(false);
        expect(performance.now() - started).toBeLessThan(1_000);
        expect(replica.counts.retriedOnPrimary).toBe(1);
        expect(replica.state().condition).toBe('caught_up');
        // the replica pool's one connection held: the next statement waits its budget for it, then runs on the primary
        const pool = (replica.db as unknown as { $client: pg.Pool }).$client;
        const held = await pool.connect();
        try {
          started = performance.now();
          const { rows } = (await replica.db.execute(sql`SELECT pg_is_in_recovery() AS recovering`)) as unknown as { rows: unknown[] };
          expect(rows).toEqual([{ recovering: false }]);
          expect(performance.now() - started).toBeGreaterThanOrEqual(450);
        } finally {
          held.release();
        }
        expect(replica.counts.retriedOnPrimary).toBe(2);
        // a full pool is not a lost replica
        expect(replica.state().condition).toBe('caught_up');
        const { rows } = (await replica.db.execute(sql`SELECT pg_is_in_recovery() AS recovering`)) as unknown as { rows: unknown[] };
        expect(rows).toEqual([{ recovering: true }]);
      } finally {
        await opened.close();
      }
    });

    it('RR1: a standby of another cluster is never read — the system identifiers are compared; in this setup they match', async () => {
      const identifier = async (url: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return (await client.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0].id;
        } finally {
          await client.end();
        }
      };
      await caughtUp();
      expect(await identifier(standbyUrl)).toBe(await identifier(database.url!));
      expect(lenient.database.replica!.state()).toMatchObject({ condition: 'caught_up', foreign: false });
      // the same standby behind a gateway whose primary is another cluster: an older WAL position than the standby's,
      // so by the positions alone it would look caught up
      const other = await createThrowawayCluster();
      try {
        const opened = await openDatabase({ url: other.serverUrl, poolSize: 2, replica: { url: standby.urlOf('postgres'), maxLagMs: LENIENT_LAG_MS } });
        try {
          const said: string[] = [];
          logReplicaChanges(opened.replica!, { info: (message: string) => void said.push(`info ${message}`), warn: (message: string) => void said.push(`warn ${message}`) });
          expect(opened.replica!.state()).toMatchObject({ condition: 'unavailable', foreign: true, reason: expect.stringMatching(/is not the primary's/) });
          expect(said).toEqual([expect.stringMatching(/^warn read replica is a standby of another cluster/)]);
          expect(readDatabaseFor(opened, PUBLIC_VIEWER)).toBe(opened.db);
          // even a statement sent on the replica's handle runs on the primary (the other cluster, not in recovery)
          const { rows } = (await opened.replica!.db.execute(sql`SELECT pg_is_in_recovery() AS recovering`)) as unknown as { rows: unknown[] };
          expect(rows).toEqual([{ recovering: false }]);
        } finally {
          await opened.close();
        }
      } finally {
        await other.drop();
      }
    });

    it('RR1: a replica that disappears — public reads keep answering, from the primary, without an error; back when it is', async () => {
      await caughtUp();
      const publicIds = recordIdsOf(await publicLookup(lenient)).sort();
      // connections to the replica in the pool, then the server killed under them
      await Promise.all([1, 2, 3].map(() => publicLookup(lenient)));
      const before = counts(lenient);
      await standby.stop('immediate');
      const answers = await Promise.all(Array.from({ length: 6 }, () => publicLookup(lenient)));
      for (const answer of answers) {
        expectNoErrors(answer);
        expect(recordIdsOf(answer).sort()).toEqual(publicIds);
      }
      await until('the gateway sees the replica unavailable', () => condition(lenient) === 'unavailable');
      // O1: said at start, and when it went away
      expect(lenient.logged.map((l) => `${l.level} ${l.message}`)).toEqual(expect.arrayContaining([
        'info read replica configured: caught up: public reads go to it',
        'warn read replica unavailable: public reads go to the primary',
      ]));
      const after = counts(lenient);
      // each was read from the primary: routed there, or its statements run again there when the replica failed them
      expect(after.primaryUnavailable + after.retriedOnPrimary).toBeGreaterThan(before.primaryUnavailable + before.retriedOnPrimary);
      const later = await publicLookup(lenient);
      expectNoErrors(later);
      expect(counts(lenient).primaryUnavailable).toBeGreaterThan(after.primaryUnavailable);
      await standby.start();
      await caughtUp();
      const served = counts(lenient).replica;
      expectNoErrors(await publicLookup(lenient));
      expect(counts(lenient).replica).toBe(served + 1);
    });
  },
);
