import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';

/** Shared benchmark plumbing: databases, child-process servers, load runs, medians. */
export const DEFAULT_PG = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export function databaseUrl(name: string, server = DEFAULT_PG): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function recreateDatabase(name: string, server = DEFAULT_PG): Promise<string> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return databaseUrl(name, server);
}

export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** the stdout line that says the server is up, its first group the URL (default `LISTENING <url>`) */
  ready?: RegExp;
  /** where the server's stderr goes: this process's (default), or an open file descriptor (a request log) */
  stderr?: 'inherit' | number;
  /** how long start-up may take (default 60 s) */
  timeoutMs?: number;
  /** node/V8 flags before `--import tsx` (e.g. `--trace-gc-nvp`, whose trace then follows on `child.stdout`) */
  nodeFlags?: readonly string[];
}

/**
 * What bench/servers/raw.ts is told to do with the L1 event, by comparator name (RAW_ACCESS_LOG): raw+log appends it
 * through the gateway's writer, raw+fold folds the append into its read, raw+inbox folds a plain INSERT into its read;
 * any other name stores nothing (set explicitly: a value left in the shell would change what `raw` measures).
 */
export function rawAccessLogFor(target: string): string {
  return ({ 'raw+log': '1', 'raw+fold': 'fold', 'raw+inbox': 'inbox' } as Record<string, string>)[target] ?? '';
}

/** Starts `node --import tsx <script>` and waits for the line `LISTENING <url>` (or `options.ready`) on its stdout. */
export async function startServer(name: string, script: string, env: Record<string, string>, options: StartOptions = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'] });
  let buffer = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), options.timeoutMs ?? 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = (options.ready ?? /LISTENING (\S+)/).exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return {
    name,
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * S4's range (bench:quick, bench:city, bench:paired): the last `days` (S4_RANGE_DAYS, 7) of the manifest's access-log
 * range, an auditor's week.
 */
export function auditorWeekOf(range: { from: string; to: string }, days = Number(process.env.S4_RANGE_DAYS ?? 7)): { from: string; to: string } {
  const from = new Date(Math.max(new Date(range.from).getTime(), new Date(range.to).getTime() - days * 86_400_000)).toISOString();
  return { from, to: range.to };
}

/**
 * What bench:profile and bench:young-gen load: up to 500 organisations with at least `minRecords` records (S1: 1; S2:
 * 20, a full page each, as bench:city's S2 sample), in id order, and the first active department (S2's caller).
 */
export async function loadSample(client: pg.Client, minRecords: number): Promise<{ codes: string[]; department: string }> {
  const codes = (await client.query(`SELECT s.code FROM subjects s WHERE s.kind = 'ENTERPRISE'
    AND (SELECT count(*) FROM records r WHERE r.subject_id = s.id) >= $1 ORDER BY s.id LIMIT 500`, [minRecords])).rows.map((r) => String(r.code));
  const department = (await client.query(`SELECT code FROM organizations WHERE kind = 'DEPARTMENT' AND status = 'ACTIVE' ORDER BY code LIMIT 1`)).rows[0].code as string;
  return { codes, department };
}

/**
 * bench:quick's own sample of S1 or S2 and its department, from the `bench_manifest` table the generator leaves
 * (organisations with at least a full page of visible records, in the manifest's order); empty when it is missing.
 */
export async function loadQuickSample(client: pg.Client, scenario: 'S1' | 'S2'): Promise<{ codes: string[]; department: string }> {
  const stored = await client.query<{ codes: string[] | null; department: string | null }>(`SELECT manifest -> $1::text AS codes,
    manifest #>> '{organizations,department}' AS department FROM bench_manifest LIMIT 1`, [scenario === 'S1' ? 's1Codes' : 's2Codes'])
    .catch(() => ({ rows: [] as { codes: string[] | null; department: string | null }[] }));
  return { codes: stored.rows[0]?.codes ?? [], department: stored.rows[0]?.department ?? '' };
}

/**
 * What a single-server benchmark (bench:profile, bench:young-gen) drives: bench:quick's own sample of S1 or S2 when the
 * data set has its manifest (as the open-loop lines use), otherwise loadSample's first organisations with records
 * (lighter: most have one or two).
 */
export async function loadBenchSample(client: pg.Client, scenario: string): Promise<{ codes: string[]; department: string }> {
  const quick = scenario === 'S1' || scenario === 'S2' ? await loadQuickSample(client, scenario) : null;
  if (quick?.codes.length && quick.department) return quick;
  return loadSample(client, scenario === 'S2' ? 20 : 1);
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

function loadResult(result: autocannon.Result): LoadResult {
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

/** One autocannon run; `bodies` rotate so that requests spread over many subjects. */
export async function load(
  url: string,
  options: { connections: number; seconds: number; bodies?: string[]; paths?: string[]; headers?: Record<string, string> },
): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    method: options.bodies ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...options.headers },
    requests: [{
      setupRequest: (request: autocannon.Request) => {
        const n = i++;
        if (options.bodies) return { ...request, body: options.bodies[n % options.bodies.length] };
        if (options.paths) return { ...request, path: options.paths[n % options.paths.length] };
        return request;
      },
    }],
  });
  return loadResult(result);
}

/**
 * One autocannon run over whole HTTP calls (method, path, headers, body), taken in turn from `next()` — so that
 * requests spread over many subjects and a filing batch can be new every time.
 */
export async function loadCalls(
  origin: string,
  options: { connections: number; seconds: number; next: () => { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string } },
): Promise<LoadResult> {
  const result = await autocannon({
    url: origin,
    connections: options.connections,
    duration: options.seconds,
    requests: [{
      setupRequest: (request: autocannon.Request) => {
        const call = options.next();
        // a copy: autocannon writes content-length into the headers object it is given
        return { ...request, method: call.method, path: call.path, headers: { ...call.headers }, body: call.body };
      },
    }],
  });
  return loadResult(result);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/**
 * Before an open-loop run (bench/city/run.ts, bench/open-loop-alone.ts): a CHECKPOINT (the dirty pages of the
 * saturation runs just before are written now, not during the measurement) and a second of quiet, the same for every
 * target, so that the run measures a server at half load in its steady state, not one still recovering.
 */
export async function settle(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  await sleep(1000);
}

/**
 * After a closed-loop run (and its warm-up): statements a comparator's timed-out requests left running (PostGraphile's
 * S3 at city scale scans every subject; its client gives up after 10 s, PostgreSQL does not) are cancelled and waited
 * for, so that they do not run under the next target's measurement. Only client statements running for more than
 * 2 s are touched: the scenarios' own statements take milliseconds (a target's requests still in flight when the
 * load generator stops are not leftovers of that kind). Returns how many were cancelled; throws when some still run
 * after 10 s.
 */
export async function quiesce(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const stale = `FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
      AND backend_type = 'client backend' AND now() - query_start > interval '2 seconds'`;
    const cancelled = (await client.query(`SELECT count(*) FILTER (WHERE c) ::int AS n FROM (SELECT pg_cancel_backend(pid) AS c ${stale}) x`)).rows[0].n as number;
    for (let waited = 0; ; waited += 100) {
      const left = (await client.query(`SELECT count(*)::int AS n ${stale}`)).rows[0].n as number;
      if (left === 0) return cancelled;
      if (waited >= 10_000) throw new Error(`${left} statements of timed-out requests still run after cancelling`);
      await sleep(100);
    }
  } finally {
    await client.end();
  }
}
