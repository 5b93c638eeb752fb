import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/standby.js';
import { queryRows } from '../../src/db/rows.js';
import { openTestDatabase, postgresUrl, type TestDatabase } from '../support/db.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { TEST_SECRET, tokens } from '../support/tokens.js';

/**
 * SPEC §11 scale-out with real processes: `npm start`'s entry point (src/main.ts) with GATEWAY_PROCESSES=2 against
 * a fresh PostgreSQL database — a primary that migrates, forks and supervises, and two workers on one port. Which
 * worker answered a request is read from its log line (O1: every worker's lines carry `worker`), by request id.
 * PostgreSQL only (CI's second pass); the refusal of PGlite runs in the first pass.
 */
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');
/** CI's second pass (TEST_DATABASES=postgres) reruns test/e2e: what needs no PostgreSQL runs in the first */
const postgresPass = process.env.TEST_DATABASES === 'postgres';
const RATE = 5;
const BURST = 40;

const temporary: string[] = [];
afterAll(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** src/main.ts in a scratch folder of its own (its development keys and .demo-tokens.env land there). */
async function run(env: Record<string, string>): Promise<Started> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'cqg-processes-'));
  temporary.push(cwd);
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'src/main.ts')], {
    cwd,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json'), PORT: '0', SEED_DEMO: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(what: string, condition: () => boolean, started: Started, timeoutMs = 60_000): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if (condition()) return;
    if (started.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}:\n${started.stdout()}\n${started.stderr()}`);
}

interface Answer {
  status: number;
  requestId: string | null;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** request id → the worker whose request line (O1) carries it */
function workersByRequest(stderr: string): Map<string, number> {
  const workers = new Map<string, number>();
  for (const line of stderr.split('\n')) {
    if (!line.includes('"message":"request"')) continue;
    const entry = JSON.parse(line) as { requestId?: string; worker?: number };
    if (entry.requestId && entry.worker) workers.set(entry.requestId, entry.worker);
  }
  return workers;
}

/**
 * The workers that answered `answers`. A request's line is written just after its response, and reaches this
 * process through a pipe: wait until every line is in.
 */
async function workersOf(started: Started, answers: Answer[]): Promise<Set<number | undefined>> {
  let workers = workersByRequest(started.stderr());
  for (let waited = 0; waited < 5_000 && !answers.every((a) => workers.has(a.requestId!)); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    workers = workersByRequest(started.stderr());
  }
  return new Set(answers.map((a) => workers.get(a.requestId!)));
}

const SUBJECT_QUERY = `query($code: String!, $p: PurposeInput) { subject(code: $code, purpose: $p) { code view records(first: 20) { edges { node { id } } } } }`;
const VERIFY_QUERY = `{ verifyAccessLog { valid checked firstBrokenSequence } }`;

/** The sum of a counter's samples in Prometheus text. */
function counterSum(text: string, name: string): number {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe.skipIf(!postgresUrl())('§11 scale-out: two gateway processes of one start (GATEWAY_PROCESSES=2) on postgres', () => {
  let database: TestDatabase;
  let gateway: Started;
  let url: string;
  let metricsPort: number;
  let department: string;
  let auditor: string;
  const subjects: SubjectFixture[] = [];
  const killOnExit = () => gateway?.child.kill('SIGKILL');

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    department = await createOrganization(database.db, 'DEPARTMENT');
    auditor = tokens.auditor(await createOrganization(database.db, 'AUDIT_OFFICE'));
    for (let i = 0; i < 20; i += 1) {
      const subject = await createSubject(database.db, department, 'ENTERPRISE');
      await createRecord(database.db, subject, department, { type: 'license' });
      await createRecord(database.db, subject, department, { type: 'tax-rating' });
      subjects.push(subject);
    }
    metricsPort = await freePort();
    process.once('exit', killOnExit);
    gateway = await run({
      DATABASE_URL: database.url!, GATEWAY_PROCESSES: '2', JWT_SECRET: TEST_SECRET, SHUTDOWN_GRACE_MS: '20000',
      RATE_LIMIT_PER_SECOND: String(RATE), RATE_LIMIT_BURST: String(BURST),
      // the public's bucket keys on X-Forwarded-For: the load below comes from many "visitors"
      TRUST_PROXY: '1', METRICS_PORT: String(metricsPort), METRICS_TOKEN: 'metrics-token-0123456789',
    });
    await waitFor('the gateway did not start', () => gateway.stdout().includes('Ready in'), gateway);
    url = /listening on (http:\/\/\S+\/graphql)/.exec(gateway.stdout())![1];
  });

  afterAll(async () => {
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    process.off('exit', killOnExit);
    await database?.close();
  });

  it('§11 scale-out: one port is served by two worker processes under one primary, and both answer', async () => {
    expect(gateway.stdout()).toMatch(/Applying \d+ migration\(s\)|Migrations are current/);
    expect(gateway.stdout()).toMatch(/Processes: 2 workers on one port \(pids \d+, \d+\), up to 10 connections each; rate limits in PostgreSQL; the primary \(pid \d+\) supervises, signs checkpoints, serves the metrics/);
    // the banner once, from the primary, not once per worker
    expect(gateway.stdout().match(/listening on/g)).toHaveLength(1);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(url, '{ me { role } }', {}, bearer(tokens.department(department, `officer-${i}`)))));
    for (const answer of answers) expect(answer.body).toEqual({ data: { me: { role: 'department' } } });
    expect(await workersOf(gateway, answers)).toEqual(new Set([1, 2]));
  });

  it('§11 rate limits hold across processes: one viewer\'s requests through both workers are admitted at most burst + rate × elapsed', async () => {
    const token = tokens.department(department, 'busy-officer');
    const answers: Answer[] = [];
    const began = Date.now();
    // 160 requests, 16 at a time over as many connections, which the primary hands to both workers
    for (let batch = 0; batch < 10; batch += 1) {
      answers.push(...(await Promise.all(Array.from({ length: 16 }, () => post(url, '{ me { role } }', {}, bearer(token))))));
    }
    const elapsedSeconds = (Date.now() - began) / 1000;
    const admitted = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(admitted.length + limited.length).toBe(answers.length);
    for (const answer of limited) expect(answer.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(admitted.length).toBeGreaterThanOrEqual(BURST);
    expect(admitted.length).toBeLessThanOrEqual(BURST + Math.ceil(RATE * elapsedSeconds) + 1);
    // per-process buckets would have admitted a burst in each worker
    expect(admitted.length).toBeLessThan(2 * BURST);
    expect(await workersOf(gateway, admitted)).toEqual(new Set([1, 2]));
    // every request was answered by a worker (and counted by the metrics below)
    expect((await workersOf(gateway, answers)).has(undefined)).toBe(false);
  });

  it('L3: requests through both workers at once form one chain, and verifyAccessLog (auditor) finds it valid', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => {
      const code = subjects[i % subjects.length].code;
      return i % 2
        ? post(url, SUBJECT_QUERY, { code }, { 'x-forwarded-for': `203.0.113.${i}` })
        : post(url, SUBJECT_QUERY, { code, p: { kind: 'LICENSING', reference: `SCALE-${i}` } }, bearer(tokens.department(department, `officer-${i}`)));
    }));
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body.errors)).toBe(200);
      expect(answer.body.data.subject.code).toBeTruthy();
    }
    expect(await workersOf(gateway, answers)).toEqual(new Set([1, 2]));
    // every answer's event is in the one chain, numbered without gaps
    const events = await queryRows<{ sequence: string; request_id: string }>(database.db, sql`
      SELECT sequence::text AS sequence, request_id FROM access_events ORDER BY access_events.sequence`);
    expect(events.map((e) => Number(e.sequence))).toEqual(events.map((_, i) => i + 1));
    const logged = new Set(events.map((e) => e.request_id));
    for (const answer of answers) expect(logged.has(answer.requestId!), `events of ${answer.requestId}`).toBe(true);
    const verify = await post(url, VERIFY_QUERY, {}, bearer(auditor));
    // (the auditor's own call is logged too, L4: it may be among the events checked)
    expect(verify.body).toEqual({ data: { verifyAccessLog: { valid: true, checked: expect.any(Number), firstBrokenSequence: null } } });
    expect(verify.body.data.verifyAccessLog.checked).toBeGreaterThanOrEqual(events.length);
  });

  it('O2: the primary serves the sum of both workers\' metrics on METRICS_PORT, and the main port behind METRICS_TOKEN serves the same sum', async () => {
    // the request lines reach this process through a pipe: read both until they agree (the last ones may be on their way)
    let served = 0;
    let text = '';
    for (let waited = 0; waited < 5_000; waited += 100) {
      const fromPrimary = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(fromPrimary.status).toBe(200);
      text = await fromPrimary.text();
      served = workersByRequest(gateway.stderr()).size;
      if (counterSum(text, 'gateway_requests_total') === served) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(served).toBeGreaterThanOrEqual(400);
    expect(counterSum(text, 'gateway_requests_total')).toBe(served);
    expect(counterSum(text, 'gateway_rate_limited_total')).toBeGreaterThan(0);
    const fromWorker = await fetch(url.replace(/\/graphql$/, '/metrics'), { headers: bearer('metrics-token-0123456789') });
    expect(fromWorker.status).toBe(200);
    expect(counterSum(await fromWorker.text(), 'gateway_requests_total')).toBe(served);
    const refused = await fetch(url.replace(/\/graphql$/, '/metrics'));
    expect(refused.status).toBe(404);
  });

  it('§11: a worker that dies is replaced after a backoff (logged), and the port keeps answering from both', async () => {
    const pids = /pids (\d+), (\d+)/.exec(gateway.stdout())!.slice(1).map(Number);
    process.kill(pids[0], 'SIGKILL');
    await waitFor('the worker was not replaced', () => gateway.stderr().includes('"message":"gateway worker replaced"'), gateway, 30_000);
    const exitLine = gateway.stderr().split('\n').find((line) => line.includes('"message":"gateway worker exited; replacing it"'))!;
    expect(JSON.parse(exitLine)).toMatchObject({ level: 'error', worker: 1, pid: pids[0], signal: 'SIGKILL' });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(url, '{ me { role } }', {}, bearer(tokens.department(department, `after-${i}`)))));
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(await workersOf(gateway, answers)).toEqual(new Set([1, 2]));
  });

  it('O4: SIGTERM to the primary lets both workers finish their requests in flight, each answer with its events, and exits 0; L6: the last checkpoint, signed after both, covers every event', async () => {
    const load = Array.from({ length: 80 }, (_, i) => post(url, SUBJECT_QUERY, { code: subjects[i % subjects.length].code }, { 'x-forwarded-for': `198.51.100.${i}` })
      .catch(() => ({ status: 0, requestId: null, body: {} }) as Answer));
    await new Promise((resolve) => setTimeout(resolve, 30));
    gateway.child.kill('SIGTERM');
    const answers = await Promise.all(load);
    expect(await gateway.exited).toBe(0);
    expect(gateway.stdout()).toContain('SIGTERM: every process finishes its requests in flight');
    expect(gateway.stdout()).toMatch(/Stopped\.\n$/);

    const served = answers.filter((a) => a.status !== 0);
    expect(served.length, 'requests were in flight when SIGTERM arrived').toBeGreaterThan(0);
    for (const answer of served) {
      expect(answer.status).toBe(200);
      expect(answer.body.data?.subject?.code).toBeTruthy();
    }
    const stored = await queryRows<{ request_id: string }>(database.db, sql`SELECT request_id FROM access_events`);
    const logged = new Set(stored.map((row) => row.request_id));
    for (const answer of served) expect(logged.has(answer.requestId!), `events of ${answer.requestId}`).toBe(true);
    const [head] = await queryRows<{ last: string }>(database.db, sql`SELECT max(sequence)::text AS last FROM access_events`);
    const [checkpoint] = await queryRows<{ access_sequence: string }>(database.db, sql`
      SELECT access_sequence::text AS access_sequence FROM access_checkpoints ORDER BY signed_at DESC, id DESC LIMIT 1`);
    expect(checkpoint?.access_sequence).toBe(head.last);
  }, 120_000);
});

describe('O4: a signal while the primary starts its workers', () => {
  it.skipIf(!postgresUrl())('O4: SIGTERM once workers are forked waits for them to be up, then drains and stops them all (exit 0), instead of ending them undrained', async () => {
    const database = await openTestDatabase('postgres');
    try {
      const started = await run({ DATABASE_URL: database.url!, GATEWAY_PROCESSES: '2', JWT_SECRET: TEST_SECRET });
      await waitFor('the primary forks its workers', () => started.stdout().includes('Starting 2 gateway processes'), started);
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(started.stdout()).not.toContain('during start-up: stopping');
      expect(started.stdout()).toContain('SIGTERM: every process finishes its requests in flight');
      expect(started.stdout()).toMatch(/Stopped\.\n$/);
    } finally {
      await database.close();
    }
  }, 90_000);
});

describe('O7: a gateway of several processes that cannot start says why in one line', () => {
  const lines = (text: string) => text.trim().split('\n').filter(Boolean);

  it.skipIf(postgresPass)('O7: GATEWAY_PROCESSES=2 with the embedded PGlite is refused with one configuration line, exit 1', async () => {
    const started = await run({ GATEWAY_PROCESSES: '2', PGLITE_DIR: 'memory://', JWT_SECRET: TEST_SECRET });
    expect(await started.exited).toBe(1);
    expect(lines(started.stderr())).toEqual([
      'configuration error: GATEWAY_PROCESSES=2 needs PostgreSQL (DATABASE_URL): the embedded PGlite database can be opened by one process only',
    ]);
    expect(started.stdout()).toBe('');
  }, 30_000);

  it.skipIf(!postgresUrl())('O7: when the workers cannot listen (the port is in use) the primary prints their one line and exits 1', async () => {
    const database = await openTestDatabase('postgres');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const started = await run({ DATABASE_URL: database.url!, GATEWAY_PROCESSES: '2', PORT: String(port), JWT_SECRET: TEST_SECRET });
      expect(await started.exited).toBe(1);
      expect(lines(started.stderr())).toEqual([`port ${port} is already in use on 127.0.0.1: stop the other process or set PORT to a free port`]);
      expect(started.stdout()).not.toContain('Ready in');
    } finally {
      blocker.close();
      await database.close();
    }
  }, 60_000);
});
