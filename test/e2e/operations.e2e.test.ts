import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject } from '../support/factories.js';
import { tokens, TEST_SECRET } from '../support/tokens.js';
import { at, LICENSING, placeRecord } from '../support/disclosure-e2e.js';
import { createLogger } from '../../src/logging.js';
import pg from 'pg';
import net from 'node:net';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/rows.js';

/**
 * SPEC §13 over HTTP: O1 (one JSON log line per request, nothing secret in it, client mistakes below `error`
 * without stacks, faults at `error` with the request id), O2 (/metrics behind METRICS_TOKEN or on METRICS_PORT,
 * 404 otherwise), O3 (/healthz liveness, /readyz readiness, 503 once shutdown begins) and O5 (HTTP statuses).
 */
const METRICS_TOKEN = 'metrics-token-0123456789';

interface LogLine {
  level: string;
  message: string;
  requestId?: string;
  operation?: string;
  operationName?: string;
  role?: string;
  org?: string;
  status?: number;
  durationMs?: number;
  errors?: string[];
  error?: { frames?: string[] };
}

describe.each(testDatabaseKinds())('§13 operating the gateway on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let lines: string[];
  let dept: string;
  let otherDept: string;
  let agency: string;
  let subjectCode: string;
  let secretName: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    lines = [];
    gw = await startTestGateway(database, {
      logger: createLogger({ write: (line: string) => lines.push(line) }),
      metricsToken: METRICS_TOKEN,
      limits: { ratePerSecond: 1, rateBurst: 200 },
    });
    dept = await createOrganization(database.db, 'DEPARTMENT');
    otherDept = await createOrganization(database.db, 'DEPARTMENT');
    agency = await createOrganization(database.db, 'AGENCY');
    secretName = `日志保密测试${Date.now()}有限公司`;
    const subject = await createSubject(database.db, dept, 'INDIVIDUAL', { name: '欧阳小明' });
    subjectCode = subject.code;
    await placeRecord(database.db, subject, dept, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T00:00:00Z') });
    await createSubject(database.db, dept, 'ENTERPRISE', { name: secretName });
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const base = () => gw.url.replace(/\/graphql$/, '');
  const logged = (): LogLine[] => lines.map((line) => JSON.parse(line) as LogLine);
  async function requestLineOf(response: Response): Promise<LogLine> {
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const found = logged().filter((l) => l.message === 'request' && l.requestId === requestId);
    expect(found, 'exactly one request line').toHaveLength(1);
    return found[0];
  }
  const post = (query: string, token?: string, variables?: Record<string, unknown>) => fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });

  describe('O1 request logs', () => {
    it('O1: one JSON line per request with request id, operation, role, organisation, status, duration and error codes — never the token, the variables or subject data', async () => {
      const token = tokens.department(dept);
      const response = await post(`query Lookup($code: String!, $purpose: PurposeInput) { subject(code: $code, purpose: $purpose) { name code } }`, token, { code: subjectCode, purpose: LICENSING });
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).toContain(subjectCode);
      const line = await requestLineOf(response);
      expect(line).toMatchObject({ level: 'info', operation: 'subject', operationName: 'Lookup', role: 'department', org: dept, status: 200 });
      expect(typeof line.durationMs).toBe('number');
      expect(line.errors).toBeUndefined();
      const everything = lines.join('\n');
      for (const secret of [token, TEST_SECRET, subjectCode, '欧阳小明', LICENSING.reference, secretName]) expect(everything).not.toContain(secret);
    });

    it('O1: client mistakes (a typo, a bad argument, a refused role) are logged below `error` without a stack; their codes are on the request line', async () => {
      const before = lines.length;
      const typo = await post(`{ catalg { code } }`);
      const badCode = await post(`{ subject(code: "91110000600037341N") { name } }`);
      const refused = await post(`{ objectionsToResolve { totalCount } }`, tokens.agency(agency));
      expect((await requestLineOf(typo))).toMatchObject({ level: 'info', status: 400, errors: ['GRAPHQL_VALIDATION_FAILED'] });
      expect((await requestLineOf(badCode))).toMatchObject({ level: 'info', status: 200, errors: ['BAD_USER_INPUT'] });
      expect((await requestLineOf(refused))).toMatchObject({ level: 'info', status: 403, errors: ['FORBIDDEN'], role: 'agency' });
      const added = logged().slice(before);
      expect(added.filter((l) => l.level === 'error')).toEqual([]);
      expect(added.filter((l) => l.message !== 'request')).toEqual([]);
      expect(JSON.stringify(added)).not.toContain('frames');
    });

    it('O1: an invalid token is one 401 line with role unknown; nothing of the token is logged', async () => {
      const forged = `${tokens.department(dept).slice(0, -4)}AAAA`;
      const response = await post(`{ me { role } }`, forged);
      expect(response.status).toBe(401);
      expect(await requestLineOf(response)).toMatchObject({ level: 'info', status: 401, errors: ['UNAUTHENTICATED'], role: 'unknown' });
      expect(lines.join('\n')).not.toContain(forged.slice(20, 60));
    });
  });

  describe('O5 HTTP statuses', () => {
    it('O5: FORBIDDEN before execution is 403 — an agency calling creditCheckReceipt, a subject calling objectionsToResolve, a department calling setOrganizationStatus', async () => {
      const cases: [string, string][] = [
        [`{ creditCheckReceipt(checkId: "00000000-0000-4000-8000-000000000000") { checkId } }`, tokens.agency(agency)],
        [`{ objectionsToResolve { totalCount } }`, tokens.subject(subjectCode)],
        [`mutation { setOrganizationStatus(code: "${otherDept}", status: SUSPENDED) { code } }`, tokens.department(dept)],
      ];
      for (const [query, token] of cases) {
        const response = await post(query, token);
        const body = await response.json() as { data?: unknown; errors: { extensions: { code: string } }[] };
        expect(response.status, query).toBe(403);
        expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
        expect(body.data ?? null).toBeNull();
      }
    });

    it('O5: UNAUTHENTICATED 401, parse and validation errors 400, QUERY_TOO_COMPLEX 400, errors inside an executed operation 200', async () => {
      expect((await post(`{ objectionsToResolve { totalCount } }`)).status).toBe(401);
      expect((await post(`{ catalog { code `)).status).toBe(400);
      expect((await post(`{ nope }`)).status).toBe(400);
      const deep = `{ subject(code: "${subjectCode}") { records { edges { node { source { code } history { version } dispute { status } } } } } }`;
      expect((await post(deep.replace('records', 'records(first: 1000)'))).status).toBe(200); // FIRST_TOO_LARGE: raised in execution
      const withdrawn = await post(`mutation { withdrawRecord(id: "00000000-0000-4000-8000-000000000000", reason: "x") { id } }`, tokens.department(dept));
      expect(withdrawn.status).toBe(200);
      expect(((await withdrawn.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('NOT_FOUND');
    });

    it('O5: RATE_LIMITED is 429 with retry-after, and counted', async () => {
      const limited = await startTestGateway(database, { limits: { ratePerSecond: 1, rateBurst: 1 }, metricsToken: METRICS_TOKEN });
      try {
        const token = tokens.department(dept);
        const send = () => fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ me { role } }"}' });
        expect((await send()).status).toBe(200);
        const refused = await send();
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        const metrics = await (await fetch(limited.url.replace(/graphql$/, 'metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        expect(metrics).toMatch(/^gateway_rate_limited_total 1$/m);
      } finally {
        await limited.close();
      }
    });
  });

  describe('§11 rate limits', () => {
    it('§11: an attacker rotating invalid tokens is limited by its client address: 401 within the burst, then 429 with retry-after', async () => {
      const limited = await startTestGateway(database, { limits: { ratePerSecond: 1, rateBurst: 3 } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          const forged = `${tokens.department(dept).slice(0, -6)}${String(i).padStart(6, 'A')}`;
          const response = await fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` }, body: '{"query":"{ me { role } }"}' });
          statuses.push(response.status);
          if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        }
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
      } finally {
        await limited.close();
      }
    });
  });

  describe('§11 rate limits behind a load balancer', () => {
    it('§11: with TRUST_PROXY=1 the public is limited per client address the load balancer saw (the last X-Forwarded-For entry), not per balancer', async () => {
      const send = (gw: TestGateway, forwarded: string) => fetch(gw.url, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwarded }, body: '{"query":"{ __typename }"}',
      }).then((r) => r.status);
      const behind = await startTestGateway(database, { limits: { ratePerSecond: 1, rateBurst: 2 }, trustProxy: true });
      const direct = await startTestGateway(database, { limits: { ratePerSecond: 1, rateBurst: 2 } });
      try {
        // a client may prepend anything; the balancer appends the address it saw
        expect([await send(behind, '9.9.9.9, 10.0.0.1'), await send(behind, '8.8.8.8, 10.0.0.1'), await send(behind, '10.0.0.1')]).toEqual([200, 200, 429]);
        expect([await send(behind, '10.0.0.2'), await send(behind, '10.0.0.2')]).toEqual([200, 200]);
        expect([await send(direct, '10.0.0.3'), await send(direct, '10.0.0.4'), await send(direct, '10.0.0.5')]).toEqual([200, 200, 429]);
      } finally {
        await behind.close();
        await direct.close();
      }
    });
  });

  describe('O2 metrics', () => {
    it('O2: /metrics with METRICS_TOKEN gives Prometheus text: requests by operation, role and status, latency histograms, refusals, access-log appends, process metrics; without the token 404', async () => {
      await post(`{ catalog { code } }`);
      await post(`{ objectionsToResolve { totalCount } }`, tokens.agency(agency));
      expect((await fetch(`${base()}/metrics`)).status).toBe(404);
      expect((await fetch(`${base()}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(404);
      const response = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^gateway_requests_total\{operation="catalog",role="public",status="200"\} \d+$/m);
      expect(text).toMatch(/^gateway_requests_total\{operation="subject",role="department",status="200"\} \d+$/m);
      expect(text).toMatch(/^gateway_request_duration_seconds_bucket\{le="0.1",operation="catalog"\} \d+$/m);
      expect(text).toMatch(/^gateway_refused_requests_total\{code="FORBIDDEN"\} \d+$/m);
      expect(text).toMatch(/^gateway_access_log_append_seconds_count [1-9]\d*$/m);
      expect(text).toMatch(/^gateway_access_log_queue_depth 0$/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      if (kind === 'postgres') expect(text).toMatch(/^gateway_db_pool_connections\{state="total"\} \d+$/m);
      expect(text).not.toContain(subjectCode);
    });

    it('O2: with METRICS_PORT the metrics have a listener of their own; with neither setting /metrics is 404', async () => {
      const separate = await startTestGateway(database, { metricsPort: 0 });
      try {
        expect((await fetch(separate.url.replace(/graphql$/, 'metrics'))).status).toBe(404);
      } finally {
        await separate.close();
      }
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const own = await startTestGateway(database, { metricsPort: port });
      try {
        expect((await fetch(own.url.replace(/graphql$/, 'metrics'))).status).toBe(404);
        const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(scraped.status).toBe(200);
        expect(await scraped.text()).toContain('# TYPE gateway_requests_total counter');
      } finally {
        await own.close();
      }
      await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    });
  });

  describe('O3 health and readiness', () => {
    it('O3: /healthz is 200 while the process answers; /readyz is 200 with every check while the database answers, migrations are current and the access log accepts appends', async () => {
      const live = await fetch(`${base()}/healthz`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${base()}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, migrations: true, accessLog: true } });
    });

    it('O3, O4: once shutdown begins the gateway is not ready and accepts nothing new, while a request in flight still finishes with its events', async () => {
      const closing = await startTestGateway(database);
      const readyUrl = closing.url.replace(/graphql$/, 'readyz');
      expect((await fetch(readyUrl)).status).toBe(200);
      const arrived = new Promise((resolve) => closing.gateway.server.once('request', resolve));
      const inFlight = closing.request(`{ catalog { code } }`);
      await arrived;
      const closed = closing.gateway.close(5_000);
      expect(closing.gateway.draining).toBe(true);
      expect((await inFlight).status).toBe(200);
      await closed;
      await expect(fetch(readyUrl)).rejects.toThrow();
    });

    it('O4, O1: clients that hang up right after sending their requests do not hold the shutdown — close() returns at once; each request is logged once, as answered (200) or, cut off before its body was read, as 499', async () => {
      const own: string[] = [];
      const closing = await startTestGateway(database, { logger: createLogger({ write: (line: string) => own.push(line) }) });
      const target = new URL(closing.url);
      const body = JSON.stringify({ query: `{ catalog { code } }` });
      // a token holder: the request's setup reads its organisation first, so the body is read after the hang-up
      const token = tokens.department(dept);
      for (let i = 0; i < 8; i += 1) {
        const socket = net.connect(Number(target.port), target.hostname);
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(`POST ${target.pathname} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${token}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        socket.destroy();
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      await closing.gateway.close(5_000);
      expect(Date.now() - started, 'no request left in flight').toBeLessThan(2_000);
      const requests = own.map((line) => JSON.parse(line) as LogLine).filter((line) => line.message === 'request');
      // O1: one line per request, hung up or not (an empty log would otherwise pass the checks below)
      expect(requests).toHaveLength(8);
      for (const line of requests) expect([200, 499]).toContain(line.status);
      for (const line of requests.filter((l) => l.status === 499)) expect(line).toMatchObject({ level: 'info', errors: ['CLIENT_CLOSED_REQUEST'] });
    });

    it('O1: a client that hangs up halfway through its body is logged as 499 CLIENT_CLOSED_REQUEST — not as a refused or too-large body', async () => {
      const own: string[] = [];
      const cut = await startTestGateway(database, { logger: createLogger({ write: (line: string) => own.push(line) }), metricsToken: METRICS_TOKEN });
      try {
        const target = new URL(cut.url);
        const body = JSON.stringify({ query: `{ catalog { code } }` });
        const socket = net.connect(Number(target.port), target.hostname);
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(`POST ${target.pathname} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 8)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        socket.destroy();
        let requests: LogLine[] = [];
        for (let tries = 0; tries < 100 && requests.length === 0; tries += 1) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          requests = own.map((line) => JSON.parse(line) as LogLine).filter((line) => line.message === 'request');
        }
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({ level: 'info', status: 499, errors: ['CLIENT_CLOSED_REQUEST'] });
        const metricsText = await (await fetch(cut.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        expect(metricsText).not.toMatch(/gateway_refused_requests_total\{code="CLIENT_CLOSED_REQUEST"\}/);
      } finally {
        await cut.close();
      }
    });

    it.skipIf(kind !== 'postgres')('O4, L1: a request still running when the grace period ends stores its event before close() returns — the pool is closed after it', async () => {
      const closing = await startTestGateway(database);
      const eventsOfSubject = async () => Number((await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM access_events WHERE subject_code = ${subjectCode}`))[0].n);
      const before = await eventsOfSubject();
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      try {
        // the request's read waits for this lock past the grace period
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE subjects IN ACCESS EXCLUSIVE MODE');
        const cutOff = closing.request(`query Cut($code: String!) { subject(code: $code) { name } }`, { variables: { code: subjectCode } }).catch(() => null);
        for (let tries = 0; ; tries += 1) {
          const { rows } = await holder.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'subjects'::regclass`);
          if (rows[0].n > 0) break;
          if (tries > 500) throw new Error('the request never reached the lock');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        let returned = false;
        const closed = closing.gateway.close(50).then(() => {
          returned = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(returned, 'close() waits for the cut-off request').toBe(false);
        await holder.query('COMMIT');
        await closed;
        expect(await eventsOfSubject()).toBe(before + 1);
        await cutOff;
      } finally {
        await holder.end();
      }
    });
  });
});
