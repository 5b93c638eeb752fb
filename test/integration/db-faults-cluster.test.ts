import { isDeepStrictEqual } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { storedEvents } from '../support/access-log-e2e.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { allowedError, isAlive, LEAK, pause, post, readiness, shownIn, startLoad, waitUntil, type Exchange, type Send } from '../support/db-faults.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { spawnGateway, stopGateway, type GatewayChild } from '../support/gateway-child.js';
import { createThrowawayCluster, throwawayClusterUnavailable, type StopMode, type ThrowawayCluster } from '../support/throwaway-cluster.js';
import { tokens } from '../support/tokens.js';

/**
 * Issue 15 point 1: no database fault ends the gateway — backends terminated mid-query, mid-append and
 * mid-transaction, the server stopped (fast and immediate) and started again, the pool exhausted past the deadline
 * (REQUEST_TIMEOUT_MS, a small GATEWAY_POOL_SIZE). A gateway process
 * (test/support/gateway-process.ts) serves a mixed load (public and department lookups, a filing and its
 * withdrawal) against a PostgreSQL cluster of this file's own (test/support/throwaway-cluster.ts), which is
 * stopped and killed as the shared server never may be. Every exchange is judged afterwards:
 * - the process is alive, and every request got an answer: a correct one, or errors with a code that the contract
 *   gives that status (§10.4, O5, H2) and nothing of SQL or the driver in them;
 * - L2: every answer that carried subject data has its events stored under its request id (read back once the
 *   cluster is up again) — while the database is away only AUDIT_UNAVAILABLE or a masked error;
 * - O3: /readyz is 503 while the database is away and 200 again by itself once it is back, without a request.
 * test/integration/db-faults.test.ts cuts single connections on the shared server; this file owns a server.
 * PostgreSQL pass only (TEST_DATABASES=postgres), and only where clusters can be created (root, postgresql-common).
 */

const POOL_SIZE = 4;
const DEADLINE_MS = 2_000;
/** an answer later than the deadline by more than this is a hung connection (H2), even on a busy CI machine */
const LATE_MS = 2_000;
/** O3: after the database is back, /readyz answers 200 within this */
const READY_AGAIN_MS = 10_000;
const GATEWAY_APPLICATION = 'cqg-fault-gateway';
const HOLD_APPENDS = 'cqg-hold-appends';
const DECIDED = '2025-01-06T09:00:00+08:00';

const LOOKUP = `query Lookup($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) { __typename code name view records(first: 20) { edges { node { __typename id } } } }
}`;
const FILE = `mutation File($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids errors { index reason } } }`;
const WITHDRAW = `mutation Withdraw($id: ID!, $reason: String!) { withdrawRecord(id: $id, reason: $reason) { __typename id status } }`;
const VERIFY = `query { verifyAccessLog { valid checked firstBrokenSequence } }`;
const PURPOSE = { kind: 'SUPERVISION', reference: 'FAULTS-2026-1' };

interface Disclosure {
  requestId: string;
  subjects: string[];
  records: string[];
}

describe.skipIf(!testDatabaseKinds().includes('postgres') || throwawayClusterUnavailable() !== null)(
  'database faults on a throw-away PostgreSQL cluster under a running gateway process',
  () => {
    let cluster: ThrowawayCluster;
    let database: TestDatabase;
    let gateway: GatewayChild;
    let url: string;
    let department: string;
    let auditOffice: string;
    let company: SubjectFixture;
    let filer: SubjectFixture;
    /** the correct answers, read while nothing is wrong */
    const correct: Record<string, unknown> = {};
    let filings = 0;
    const killOnExit = () => gateway?.process.kill('SIGKILL');

    beforeAll(async () => {
      cluster = await createThrowawayCluster();
      database = await cluster.createDatabase();
      department = await createOrganization(database.db, 'DEPARTMENT');
      auditOffice = await createOrganization(database.db, 'AUDIT_OFFICE');
      company = await createSubject(database.db, department, 'ENTERPRISE');
      filer = await createSubject(database.db, department, 'ENTERPRISE');
      await createRecord(database.db, company, department, { type: 'license', decidedAt: new Date('2026-06-01T02:00:00Z') });
      await createRecord(database.db, company, department, { type: 'penalty', severity: 'GENERAL', decidedAt: new Date('2026-05-01T02:00:00Z') });
      // the gateway's connections carry an application name of their own: the faults below pick them out by it
      const gatewayUrl = new URL(database.url!);
      gatewayUrl.searchParams.set('application_name', GATEWAY_APPLICATION);
      process.once('exit', killOnExit);
      gateway = spawnGateway(gatewayUrl.toString(), { GATEWAY_POOL_SIZE: String(POOL_SIZE), REQUEST_TIMEOUT_MS: String(DEADLINE_MS) });
      url = await gateway.url;
      for (const [scenario, token, purpose] of [['public', undefined, undefined], ['department', officer(), PURPOSE]] as const) {
        const answer = await post(url, LOOKUP, { code: company.code, purpose }, token);
        expect(answer.body.errors, JSON.stringify(answer.body)).toBeUndefined();
        expect(answer.body.data.subject.records.edges.length, scenario).toBeGreaterThan(0);
        correct[scenario] = answer.body.data;
      }
    });

    afterAll(async () => {
      process.off('exit', killOnExit);
      if (gateway) await stopGateway(gateway);
      await database?.close().catch(() => undefined);
      await cluster?.drop();
    });

    /** A failed test leaves the next one a running cluster with no lock held. */
    afterEach(async () => {
      if (!(await cluster.running())) await cluster.start();
      await releaseHeldAppends();
    });

    async function releaseHeldAppends(): Promise<void> {
      const admin = await connect();
      try {
        const { rows } = await admin.query('SELECT gid FROM pg_prepared_xacts WHERE gid = $1', [HOLD_APPENDS]);
        if (rows.length) await admin.query(`ROLLBACK PREPARED '${HOLD_APPENDS}'`);
      } finally {
        await admin.end();
      }
    }

    function officer(): string {
      return tokens.department(department);
    }

    /** Lookups by the public and by a department, and a filing followed by its withdrawal. */
    const workers: ((send: Send) => Promise<void>)[] = [
      (send) => send('public', LOOKUP, { code: company.code }).then(() => undefined),
      (send) => send('public', LOOKUP, { code: company.code }).then(() => undefined),
      (send) => send('department', LOOKUP, { code: company.code, purpose: PURPOSE }, officer()).then(() => undefined),
      (send) => send('department', LOOKUP, { code: company.code, purpose: PURPOSE }, officer()).then(() => undefined),
      async (send) => {
        const row = { subjectCode: filer.code, type: 'license', sourceRef: `faults-${++filings}`, title: '食品经营许可证', decidedAt: DECIDED };
        const filed = await send('file', FILE, { records: [row] }, officer());
        const id = filed?.body.errors ? undefined : filed?.body.data?.submitRecords?.ids?.[0];
        if (id) await send('withdraw', WITHDRAW, { id, reason: '撤销（故障演练）' }, officer());
      },
    ];

    /** What is wrong with one exchange (nothing: []), and what subject data it disclosed. */
    function judge(exchange: Exchange): { problems: string[]; disclosure: Disclosure | null } {
      const { answer } = exchange;
      const what = `${exchange.scenario}: ${answer ? `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}` : exchange.failure}`;
      if (!answer) return { problems: [`no answer — ${what}`], disclosure: null };
      const problems: string[] = [];
      if (!answer.requestId) problems.push(`no x-request-id — ${what}`);
      if (answer.ms > DEADLINE_MS + LATE_MS) problems.push(`answered after ${Math.round(answer.ms)} ms — ${what}`);
      const errors = answer.body.errors ?? [];
      if (errors.length === 0) {
        const filed = answer.body.data?.submitRecords;
        const right = exchange.scenario === 'file'
          ? filed?.accepted === 1 && filed.ids.length === 1 && filed.errors.length === 0
          : isDeepStrictEqual(answer.body.data, exchange.scenario === 'withdraw'
            ? { withdrawRecord: { __typename: 'CreditRecord', id: exchange.variables.id, status: 'WITHDRAWN' } }
            : correct[exchange.scenario]);
        if (answer.status !== 200 || !right) problems.push(`a wrong answer — ${what}`);
      } else {
        if (errors.some((error) => !allowedError(answer.status, error))) problems.push(`an error the contract does not give this status — ${what}`);
        if (LEAK.test(JSON.stringify(answer.body))) problems.push(`an unmasked error — ${what}`);
        if (answer.status !== 200 && answer.body.data != null) problems.push(`data with a refusal — ${what}`);
      }
      const shown = shownIn(answer.body.data);
      const disclosed = shown.subjects.size + shown.records.size > 0;
      return { problems, disclosure: disclosed ? { requestId: answer.requestId ?? '', subjects: [...shown.subjects], records: [...shown.records] } : null };
    }

    /** L2: the disclosures whose events are not stored under their request id (read with the cluster up). */
    async function undisclosedInLog(disclosures: Disclosure[]): Promise<string[]> {
      if (disclosures.length === 0) return [];
      const events = await storedEvents(database.db, sql`request_id = ANY(${sql.param(disclosures.map((d) => d.requestId))}::text[])`);
      const missing: string[] = [];
      for (const disclosure of disclosures) {
        const own = events.filter((event) => event.requestId === disclosure.requestId);
        for (const code of disclosure.subjects) if (!own.some((e) => e.subjectCode === code)) missing.push(`${disclosure.requestId}: no event for subject ${code}`);
        for (const id of disclosure.records) if (!own.some((e) => e.recordIds.includes(id))) missing.push(`${disclosure.requestId}: no event for record ${id}`);
      }
      return missing;
    }

    /**
     * Judges a phase's exchanges (alive, every answer correct or a contract error, every disclosure logged); how
     * many answered with errors, and how many disclosed subject data.
     */
    async function expectSound(exchanges: Exchange[]): Promise<{ errors: number; disclosures: number }> {
      expect(isAlive(gateway), `the gateway process died:\n${gateway.stderr.join('').slice(-3000)}`).toBe(true);
      const judged = exchanges.map(judge);
      expect(judged.flatMap((j) => j.problems).slice(0, 20)).toEqual([]);
      const disclosures = judged.flatMap((j) => (j.disclosure ? [j.disclosure] : []));
      expect(await undisclosedInLog(disclosures)).toEqual([]);
      return { errors: exchanges.filter((e) => e.answer?.body.errors).length, disclosures: disclosures.length };
    }

    /** After a fault, without a restart: a second of the same load, every request served correctly and logged. */
    async function expectServing(): Promise<void> {
      const load = startLoad(url, workers);
      await pause(1_000);
      const exchanges = await load.stop();
      const { errors, disclosures } = await expectSound(exchanges);
      expect(errors, 'every request after the fault is served').toBe(0);
      expect(disclosures).toBeGreaterThan(0);
      expect(exchanges.filter((e) => e.scenario === 'withdraw').length).toBeGreaterThan(0);
    }

    async function gatewayBackends(admin: pg.Client, where: string) {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND ${where}`, [GATEWAY_APPLICATION]);
      return rows.map((row) => row.pid);
    }

    async function terminate(admin: pg.Client, pids: number[]): Promise<number> {
      if (pids.length === 0) return 0;
      const { rows } = await admin.query<{ n: number }>('SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM unnest($1::int[]) AS pid', [pids]);
      return rows[0].n;
    }

    async function connect(): Promise<pg.Client> {
      const client = new pg.Client({ connectionString: database.url });
      client.on('error', () => undefined); // the cluster may stop under it
      await client.connect();
      return client;
    }

    /**
     * Where each kind of statement is caught in flight: a table lock taken by another session stops it there, and
     * the backends waiting on it are the ones terminated. Lookups read subjects (mid-query, outside a transaction);
     * access-log appends insert into access_events (one statement: the requests' answers wait on it); filings and
     * withdrawals write records inside their transactions (a withdrawal has locked its row and kept the old version
     * by then).
     */
    const CUTS = [
      { kind: 'midQuery', lock: 'subjects IN ACCESS EXCLUSIVE MODE', waiting: `query ILIKE '%subjects%'` },
      { kind: 'midAppend', lock: 'access_events IN EXCLUSIVE MODE', waiting: `query ILIKE '%append_access_events%'` },
      { kind: 'midTransaction', lock: 'records IN SHARE MODE', waiting: `query ~* '^\\s*(insert\\s+into|update)\\s+"?records"?\\s'` },
    ] as const;

    it('§11, L2: backends terminated mid-query, mid-append and mid-transaction end nothing; every answer is right or a masked error, every disclosure is logged, and nothing is half-written', async () => {
      const admin = await connect();
      const locker = await connect();
      const load = startLoad(url, workers);
      const killed: Record<(typeof CUTS)[number]['kind'], number> = { midQuery: 0, midAppend: 0, midTransaction: 0 };
      try {
        await pause(300);
        for (let round = 0; round < 3 * CUTS.length; round += 1) {
          const cut = CUTS[round % CUTS.length];
          await locker.query('BEGIN');
          await locker.query(`LOCK TABLE ${cut.lock}`);
          // the first to wait, then for a moment every one that comes to wait (the access-log writer retries a cut
          // group request by request: those retries too, so each request of the group answers AUDIT_UNAVAILABLE)
          const waiting = () => gatewayBackends(admin, `wait_event_type = 'Lock' AND ${cut.waiting}`);
          await waitUntil(async () => (await waiting()).length > 0, 1_000, 20);
          for (const until = performance.now() + 300; performance.now() < until; await pause(20)) {
            killed[cut.kind] += await terminate(admin, await waiting());
          }
          await locker.query('ROLLBACK');
          await pause(200);
        }
      } finally {
        await locker.end();
      }
      const exchanges = await load.stop();
      expect(killed.midQuery, 'lookups terminated mid-query').toBeGreaterThan(0);
      expect(killed.midAppend, 'appends terminated').toBeGreaterThan(0);
      expect(killed.midTransaction, 'writes terminated mid-transaction').toBeGreaterThan(0);
      const { errors, disclosures } = await expectSound(exchanges);
      expect(errors, 'the terminated requests answered errors').toBeGreaterThan(0);
      expect(disclosures, 'the others disclosed, and logged').toBeGreaterThan(0);
      const refusedAppends = exchanges.filter((e) => e.answer?.body.errors?.[0]?.extensions?.code === 'AUDIT_UNAVAILABLE');
      expect(refusedAppends.length, 'L2: a request whose append was cut answers AUDIT_UNAVAILABLE').toBeGreaterThan(0);

      // all or nothing: every filed record is ACTIVE at version 1 with no kept version, or WITHDRAWN at 2 with one;
      // a withdrawal answered WITHDRAWN is
      const states = await queryRows<{ id: string; status: string; version: number; kept: number }>(database.db, sql`
        SELECT r.id, r.status, r.version, (SELECT count(*) FROM record_versions v WHERE v.record_id = r.id)::int AS kept
          FROM records r WHERE r.subject_id = ${filer.id}`);
      for (const state of states) {
        expect([['ACTIVE', 1, 0], ['WITHDRAWN', 2, 1]], JSON.stringify(state)).toContainEqual([state.status, Number(state.version), state.kept]);
      }
      const withdrawn = new Set(states.filter((s) => s.status === 'WITHDRAWN').map((s) => s.id));
      for (const exchange of exchanges.filter((e) => e.scenario === 'withdraw' && e.answer && !e.answer.body.errors)) {
        expect(withdrawn.has(String(exchange.variables.id))).toBe(true);
      }
      await admin.end();
      await expectServing();
    });

    it.each(['fast', 'immediate'] as StopMode[])('L2, O3: the cluster stopped (%s) while appends wait: those requests answer AUDIT_UNAVAILABLE, everything else a masked error; /readyz is 503 while it is down and 200 again by itself once it is back', async (mode) => {
      // every append (and so every answer with subject data) waits on a lock held by a prepared transaction, which
      // outlives the sessions a shutdown ends: no append can slip through while the server goes down
      const locker = await connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE access_events IN EXCLUSIVE MODE');
      await locker.query(`PREPARE TRANSACTION '${HOLD_APPENDS}'`);
      await locker.end();
      const held = post(url, LOOKUP, { code: company.code });
      const admin = await connect();
      const appending = await waitUntil(async () => (await gatewayBackends(admin, `wait_event_type = 'Lock' AND query ILIKE '%append_access_events%'`)).length > 0, 1_500, 20);
      await admin.end();
      expect(appending, "the lookup's append waited on the lock").not.toBeNull();
      const load = startLoad(url, workers);
      await pause(300);

      await cluster.stop(mode);
      const stoppedAt = performance.now();
      const refused = await held;
      expect(refused.status, JSON.stringify(refused.body)).toBe(503);
      expect(refused.body).toEqual({ errors: [{ message: 'The access log could not be written; no data was disclosed.', extensions: { code: 'AUDIT_UNAVAILABLE' } }] });
      const notReady = await waitUntil(async () => (await readiness(url)).status === 503, 2_000);
      expect(notReady, '/readyz turns 503 once the database is away').not.toBeNull();
      await pause(Math.max(0, 2_500 - (performance.now() - stoppedAt)));
      const down = await readiness(url);
      expect(down.status).toBe(503);
      expect(down.body.checks.database).toBe(false);
      const exchanges = await load.stop();
      expect(exchanges.filter((e) => e.answer?.body.errors?.[0]?.extensions?.code === 'AUDIT_UNAVAILABLE').length, 'the load waited on appends too').toBeGreaterThan(0);
      expect(isAlive(gateway), gateway.stderr.join('').slice(-3000)).toBe(true);

      // back (the prepared transaction too, holding its lock: let it go); no request comes — a load balancer sends
      // none to a process that is not ready — and readiness recovers by itself
      await cluster.start();
      await releaseHeldAppends();
      const readyAfter = await waitUntil(async () => (await readiness(url)).status === 200, READY_AGAIN_MS);
      expect(readyAfter, `/readyz 200 within ${READY_AGAIN_MS} ms of the database's return: ${JSON.stringify((await readiness(url)).body)}`).not.toBeNull();
      await expectSound(exchanges);
      await expectServing();
    });

    it('H2, §11: an exhausted pool (every connection waiting on a lock) answers every request by its deadline with DEADLINE_EXCEEDED or a masked error, /readyz does not hang, and the gateway serves again once the lock is gone', async () => {
      const locker = await connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE subjects IN ACCESS EXCLUSIVE MODE');
      const load = startLoad(url, [...workers, ...workers]);
      const burst = Array.from({ length: 3 * POOL_SIZE }, () => post(url, LOOKUP, { code: company.code }));
      const probes: { status: number; ms: number }[] = [];
      const holdUntil = performance.now() + 2.5 * DEADLINE_MS;
      while (performance.now() < holdUntil) {
        probes.push(await readiness(url));
        await pause(200);
      }
      await locker.query('ROLLBACK');
      await locker.end();
      const exchanges = await load.stop();
      const answers = await Promise.all(burst);
      const all = [...exchanges, ...answers.map((answer): Exchange => ({ scenario: 'public', variables: {}, answer, failure: null }))];
      await expectSound(all);
      // the gateway's deadline (503), or PostgreSQL's statement_timeout at the same instant (200, the error in `errors`)
      for (const answer of answers) expect(answer.body.errors?.[0]?.extensions?.reason, JSON.stringify(answer.body)).toBe('DEADLINE_EXCEEDED');
      // a wait for a pooled connection gives up a second after the deadline (src/db/client.ts), readiness's too
      expect(Math.max(...probes.map((p) => p.ms)), '/readyz answers while the pool is exhausted').toBeLessThan(DEADLINE_MS + 1_000 + LATE_MS);
      expect(await waitUntil(async () => (await readiness(url)).status === 200, READY_AGAIN_MS), '/readyz 200 again once the lock is gone').not.toBeNull();
      await expectServing();
    });

    it('L3: after every fault the access log is still one valid chain', async () => {
      const answer = await post(url, VERIFY, {}, tokens.auditor(auditOffice));
      expect(answer.body.errors, JSON.stringify(answer.body)).toBeUndefined();
      expect(answer.body.data.verifyAccessLog).toMatchObject({ valid: true, firstBrokenSequence: null });
      expect(answer.body.data.verifyAccessLog.checked).toBeGreaterThan(100);
    });
  },
);
