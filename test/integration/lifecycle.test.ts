import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { openTestDatabase, postgresUrl } from '../support/db.js';
import { waitUntil } from '../support/db-faults.js';
import { tokens, TEST_SECRET } from '../support/tokens.js';

/**
 * SPEC O4 and O7 with real processes: `npm start`'s entry point (src/main.ts) started, loaded and stopped with
 * SIGTERM; start-up failures as one clear line; `npm run token` signing with the configured or the kept key.
 */
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const temporary: string[] = [];
/** CI's second pass (TEST_DATABASES=postgres) reruns test/integration: the process tests run once, in the first */
const postgresPass = process.env.TEST_DATABASES === 'postgres';

afterAll(async () => {
  for (const dir of [...temporary, await scratch]) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cqg-lifecycle-'));
  temporary.push(dir);
  return dir;
}

interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The tsx loader by path: the processes run in a scratch folder, so `npm start`'s .demo-tokens.env never lands in the repo. */
const TSX = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');
const scratch = mkdtemp(path.join(tmpdir(), 'cqg-cwd-'));

function run(script: string, args: string[], env: Record<string, string>, cwd?: string): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, script), ...args], {
    cwd: cwd ?? ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts src/main.ts and waits for "Ready in …". */
async function startGateway(env: Record<string, string>): Promise<Started> {
  const started = run('src/main.ts', [], { PORT: '0', SEED_DEMO: '0', ...env }, await scratch);
  for (let waited = 0; waited < 60_000; waited += 100) {
    const match = /listening on (http:\/\/\S+\/graphql)/.exec(started.stdout());
    if (match && started.stdout().includes('Ready in')) return { ...started, url: match[1] };
    if (started.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  started.child.kill('SIGKILL');
  throw new Error(`the gateway did not start:\n${started.stdout()}\n${started.stderr()}`);
}

const graphql = (url: string, query: string, token?: string, variables?: Record<string, unknown>) => fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify({ query, variables }),
});

describe.skipIf(postgresPass)('O4: graceful shutdown under load', () => {
  it('O4: on SIGTERM every request in flight completes, every answer with subject data has its stored events, and the process exits 0', async () => {
    const dir = await tempDir();
    const gateway = await startGateway({ PGLITE_DIR: dir, JWT_SECRET: TEST_SECRET, SHUTDOWN_GRACE_MS: '20000' });
    // O7: start-up says what it is doing
    expect(gateway.stdout()).toMatch(/Opening the embedded database \(PGlite\)[\s\S]*Applying \d+ migration\(s\)[\s\S]*listening on[\s\S]*Ready in \d+\.\d s\./);
    const admin = tokens.admin();
    const register = await graphql(gateway.url, `mutation { registerOrganization(input: { code: "SG-LIFECYCLE", name: "生命周期测试局", kind: DEPARTMENT }) { code } }`, admin);
    expect(register.status).toBe(200);
    const code = '91440203MA4UQ8R2XK';
    const subjects = await graphql(gateway.url, `mutation($s: [SubjectInput!]!) { registerSubjects(subjects: $s) { accepted errors { reason } } }`,
      tokens.department('SG-LIFECYCLE'), { s: [{ code, kind: 'ENTERPRISE', name: '韶关市生命周期测试有限公司' }] });
    expect(await subjects.json()).toEqual({ data: { registerSubjects: { accepted: 1, errors: [] } } });

    const load = Array.from({ length: 60 }, () => graphql(gateway.url, `query($c: String!) { subject(code: $c) { code name } }`, undefined, { c: code })
      .then(async (response) => ({ status: response.status, requestId: response.headers.get('x-request-id'), body: await response.json() as { data?: { subject?: { code: string } } } }))
      .catch(() => ({ status: 0, requestId: null, body: {} as { data?: { subject?: { code: string } } } })));
    await new Promise((resolve) => setTimeout(resolve, 30));
    gateway.child.kill('SIGTERM');
    const answers = await Promise.all(load);
    expect(await gateway.exited).toBe(0);
    expect(gateway.stdout()).toContain('SIGTERM: finishing requests in flight');

    const served = answers.filter((a) => a.status !== 0);
    expect(served.length, 'requests were in flight when SIGTERM arrived').toBeGreaterThan(0);
    for (const answer of served) {
      expect(answer.status).toBe(200);
      expect(answer.body.data?.subject?.code).toBe(code);
    }
    const database = await openDatabase({ pgliteDir: dir });
    try {
      const stored = await queryRows<{ request_id: string }>(database.db, sql`SELECT request_id FROM access_events WHERE subject_code = ${code}`);
      const logged = new Set(stored.map((row) => row.request_id));
      for (const answer of served) expect(logged.has(answer.requestId!), `events of ${answer.requestId}`).toBe(true);
    } finally {
      await database.close();
    }
  }, 120_000);
});

// Runs wherever PostgreSQL is configured, CI's second pass included: the stuck statement needs another session's lock.
describe('O4: a statement without a deadline does not keep a stopping gateway alive', () => {
  it.skipIf(!postgresUrl())('O4: with REQUEST_TIMEOUT_MS=0 and a request waiting on a lock, SIGTERM still ends the process — the pool gets 5 s, then it exits 1 and says why in the log', async () => {
    const database = await openTestDatabase('postgres');
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    let locked = false;
    try {
      const gateway = await startGateway({ DATABASE_URL: database.url!, JWT_SECRET: TEST_SECRET, REQUEST_TIMEOUT_MS: '0', SHUTDOWN_GRACE_MS: '300' });
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE subjects IN ACCESS EXCLUSIVE MODE');
      locked = true;
      const stuck = graphql(gateway.url, `query($c: String!) { subject(code: $c) { code } }`, undefined, { c: '91440203MA4UQ8R2XK' })
        .then((response) => response.status, () => 'cut off');
      // the request's statement is waiting on the lock before the signal
      const waiting = await waitUntil(async () => (await blocker.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0]!.n > 0, 5_000, 25);
      expect(waiting, 'a statement of the gateway waits on the lock').not.toBeNull();
      const signalled = Date.now();
      gateway.child.kill('SIGTERM');
      // grace 0.3 s, 5 s for handlers still running (src/server.ts), then 5 s for the pool (src/main.ts)
      expect(await gateway.exited).toBe(1);
      expect(Date.now() - signalled).toBeLessThan(20_000);
      expect(await stuck).toBe('cut off');
      expect(gateway.stdout()).toContain('Stopped; database connections were still busy (see the log).');
      const warned = gateway.stderr().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: string; message: string; waitedMs?: number })
        .find((line) => line.message.startsWith('shutdown: database connections still busy'));
      expect(warned).toMatchObject({ level: 'warn', waitedMs: 5000 });
    } finally {
      if (locked) await blocker.query('ROLLBACK');
      await blocker.end();
      await database.close();
    }
  }, 60_000);
});

describe('O7: start-up says what fails, in one line', () => {
  const oneLine = (text: string) => text.trim().split('\n').filter(Boolean);

  it.skipIf(postgresPass)('O7: a port in use → one line naming the port, exit 1 (no unhandled EADDRINUSE)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const started = run('src/main.ts', [], { PORT: String(port), PGLITE_DIR: 'memory://', SEED_DEMO: '0', JWT_SECRET: TEST_SECRET });
      expect(await started.exited).toBe(1);
      expect(oneLine(started.stderr())).toEqual([`port ${port} is already in use on 127.0.0.1: stop the other process or set PORT to a free port`]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it.skipIf(postgresPass)('O7: a bad setting → one "configuration error" line, exit 1', async () => {
    const started = run('src/main.ts', [], { LOG_LEVEL: 'loud', PGLITE_DIR: 'memory://' });
    expect(await started.exited).toBe(1);
    expect(oneLine(started.stderr())).toEqual(['configuration error: LOG_LEVEL must be one of debug, info, warn, error, silent, not "loud"']);
  }, 30_000);

  it.skipIf(postgresPass)('O7: an unreachable PostgreSQL → one line, exit 1', async () => {
    const started = run('src/main.ts', [], { DATABASE_URL: 'postgres://postgres:secret-password@127.0.0.1:1/credit', JWT_SECRET: TEST_SECRET });
    expect(await started.exited).toBe(1);
    const lines = oneLine(started.stderr());
    expect(lines).toEqual(['cannot reach PostgreSQL at 127.0.0.1:1 (connection refused): is it running? check DATABASE_URL']);
    expect(started.stderr()).not.toContain('secret-password');
  }, 30_000);

  it.skipIf(!postgresUrl())('O7: a missing PostgreSQL database → one line naming it, exit 1 (not "Failed query: CREATE SCHEMA")', async () => {
    const url = new URL(postgresUrl()!);
    url.pathname = '/cqg_no_such_database';
    const started = run('src/main.ts', [], { DATABASE_URL: url.toString(), JWT_SECRET: TEST_SECRET });
    expect(await started.exited).toBe(1);
    expect(oneLine(started.stderr())).toEqual([
      `database "cqg_no_such_database" does not exist on ${url.hostname}:${url.port || '5432'}: create it (createdb cqg_no_such_database) or fix DATABASE_URL`,
    ]);
  }, 30_000);
});

describe.skipIf(postgresPass)('O7: npm run token, and a development secret that survives restarts', () => {
  it('O7: `npm run token` signs with JWT_SECRET: the claims asked for, the lifetime asked for, issuer and audience when configured', async () => {
    const cli = run('src/auth/token-cli.ts', ['--role', 'department', '--org', 'sg-market', '--ttl', '2h', '--sub', 'officer-9'],
      { JWT_SECRET: TEST_SECRET, JWT_ISSUER: 'credit-office', JWT_AUDIENCE: 'gateway' });
    expect(await cli.exited).toBe(0);
    const token = cli.stdout().trim();
    const claims = jwt.verify(token, TEST_SECRET, { algorithms: ['HS256'], issuer: 'credit-office', audience: 'gateway' }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ role: 'department', org: 'SG-MARKET', sub: 'officer-9' });
    expect(claims.exp! - claims.iat!).toBe(7200);

    const refused = run('src/auth/token-cli.ts', ['--role', 'subject'], { JWT_SECRET: TEST_SECRET });
    expect(await refused.exited).toBe(2);
    expect(refused.stderr().trim()).toBe('token: --subject CODE is required for role subject');
  }, 30_000);

  it('O7: without a key, the generated secret is kept in the data directory — a token printed by one run still works after a restart, and `npm run token` signs with it', async () => {
    const dir = await tempDir();
    const first = await startGateway({ PGLITE_DIR: dir });
    const printed = /^ {2}admin\s+(\S+)$/m.exec(first.stdout())?.[1];
    expect(printed).toBeTruthy();
    expect((await graphql(first.url, `{ me { role } }`, printed)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startGateway({ PGLITE_DIR: dir });
    try {
      const again = await graphql(second.url, `{ me { role } }`, printed);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ data: { me: { role: 'admin' } } });
      const cli = run('src/auth/token-cli.ts', ['--role', 'admin', '--org', 'PLATFORM'], { PGLITE_DIR: dir });
      expect(await cli.exited).toBe(0);
      expect((await graphql(second.url, `{ me { role } }`, cli.stdout().trim())).status).toBe(200);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    const none = run('src/auth/token-cli.ts', ['--role', 'admin', '--org', 'PLATFORM'], { PGLITE_DIR: await tempDir() });
    expect(await none.exited).toBe(2);
    expect(none.stderr().trim()).toBe('token: no signing key: set JWT_SECRET, or start the gateway once (npm start) to create the development secret');
  }, 120_000);
});
