import { readdirSync, readFileSync } from 'node:fs';
import { postgresPids } from './cpu.js';
import pg from 'pg';
import { databaseUrl, DEFAULT_PG, loadCalls, loadQuickSample, machine, rawAccessLogFor, settle, startServer, type ServerProcess } from './support.js';
import { subjectCall, type HttpCall } from './scenarios.js';
import { openLoop } from './open-loop.js';

/**
 * Wake-ups per request (issue 18, RESULTS 4s): on a virtual machine where every context switch costs ~0.1 ms of CPU,
 * how often each server process, PostgreSQL's processes and the load driver went to sleep and were woken for one
 * request is much of what it costs. Each target (TARGETS: raw, raw+log, gateway, gateway-nofold — the gateway with
 * ACCESS_LOG_FOLDS=0) is saturated once for 5 s (discarded), then each runs alone in turn, request logs and metrics off,
 * S1 or S2 (SCENARIO) of bench:quick's sample at RATE req/s open loop for 10 s after a CHECKPOINT and a 3 s warm-up,
 * PASSES times; the voluntary and involuntary context switches of every thread (/proc/<pid>/task/<tid>/status) are read
 * before and after, for the server, for every PostgreSQL process on the machine (comm `postgres`: every cluster, so run
 * it with nothing else on the database server; a backend that starts during the run counts from zero, one that exits
 * loses its share — the line says how many came and went) and for this process (the driver, read right before and after the run).
 * BY_PROCESS=1 splits PostgreSQL's voluntary switches by kind (backends, walwriter, …).
 *
 *   npm run bench:wakeups      env: SCENARIO (S1), RATE (355), PASSES (2), TARGETS, BY_PROCESS, CITY_DB (cqg_bench_city_quick)
 */
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);
const scenario = process.env.SCENARIO === 'S2' ? 'S2' : 'S1';
const rate = Number(process.env.RATE ?? 355);
const passes = Number(process.env.PASSES ?? 2);
const byProcess = process.env.BY_PROCESS === '1';
const TARGETS = ['raw', 'raw+log', 'gateway', 'gateway-nofold'] as const;
const targets = (process.env.TARGETS ?? TARGETS.join(',')).split(',').map((word) => word.trim()).filter(Boolean).map((name) => {
  if (!(TARGETS as readonly string[]).includes(name)) throw new Error(`TARGETS: unknown target ${name} (${TARGETS.join(', ')})`);
  return name as (typeof TARGETS)[number];
});

interface Switches { voluntary: number; involuntary: number }

/** every thread of one process, summed; null when the process is gone */
function switchesOf(pid: number): Switches | null {
  let voluntary = 0;
  let involuntary = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    }
  } catch {
    return null;
  }
  return { voluntary, involuntary };
}

/** a client's address in a backend's process title: IPv4, IPv6 or a Unix socket */
const CLIENT_ADDRESS = /\s(\d+\.\d+\.\d+\.\d+|\[?[0-9a-f:]+\]?)\(\d+\)|\[local\]/i;

/** every PostgreSQL process now, by pid, with what it is (backend, walwriter, checkpointer …) */
function postgresProcesses(): Map<number, Switches & { kind: string }> {
  const found = new Map<number, Switches & { kind: string }>();
  for (const pid of postgresPids()) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const kind = !command.startsWith('postgres:') ? 'postmaster'
        : CLIENT_ADDRESS.test(command) ? 'backend' : command.replace(/^postgres: (\d+\/\w+: )?/, '');
      const switches = switchesOf(pid);
      if (switches) found.set(pid, { ...switches, kind });
    } catch {
      // gone between the listing and the read
    }
  }
  return found;
}

/**
 * What PostgreSQL's processes did between two readings: a process that started in between counts from zero (as
 * bench/cpu.ts counts CPU), one that exited loses its share; `came` and `went` say how many did either.
 */
function postgresBetween(before: ReturnType<typeof postgresProcesses>, after: ReturnType<typeof postgresProcesses>) {
  const byKind = new Map<string, number>();
  let voluntary = 0;
  let involuntary = 0;
  for (const [pid, now] of after) {
    const then = before.get(pid) ?? { voluntary: 0, involuntary: 0 };
    voluntary += now.voluntary - then.voluntary;
    involuntary += now.involuntary - then.involuntary;
    byKind.set(now.kind, (byKind.get(now.kind) ?? 0) + now.voluntary - then.voluntary);
  }
  const came = [...after.keys()].filter((pid) => !before.has(pid)).length;
  const went = [...before.keys()].filter((pid) => !after.has(pid)).length;
  return { voluntary, involuntary, byKind, came, went };
}

const client = new pg.Client({ connectionString: url });
await client.connect();
const { codes, department } = await loadQuickSample(client, scenario);
await client.end();
if (codes.length < 50) throw new Error('the quick city is missing: run `npm run bench:quick` once');

const running: { name: string; server: ServerProcess; origin: string; next: () => HttpCall }[] = [];
try {
  for (const name of targets) {
    const raw = name.startsWith('raw');
    const server = await startServer(name, raw ? 'bench/servers/raw.ts' : 'bench/servers/gateway.ts', {
      DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '10', NODE_ENV: 'production', OBSERVABILITY: 'off',
      RAW_ACCESS_LOG: rawAccessLogFor(name), ...(name === 'gateway-nofold' ? { ACCESS_LOG_FOLDS: '0' } : {}),
    });
    let i = 0;
    running.push({ name, server, origin: new URL(server.url).origin, next: () => subjectCall(scenario, raw ? 'raw' : 'gateway', codes[i++ % codes.length]!, department) });
  }
  // a discarded saturation first: a new process runs unoptimised code
  for (const target of running) await loadCalls(target.origin, { connections: 32, seconds: 5, next: target.next });
  console.log(`machine: ${machine()}; ${scenario} open loop at ${rate} req/s, ${passes} passes of 10 s; switches per answered request`);
  for (let pass = 0; pass < passes; pass++) {
    for (const target of running) {
      await settle(url);
      await openLoop(target.origin, { rate, seconds: 3, next: target.next });
      // the driver read right before the run and right after it, so that neither /proc scan falls inside its count
      const server = switchesOf(target.server.child.pid!)!;
      const postgres = postgresProcesses();
      const driver = switchesOf(process.pid)!;
      const result = await openLoop(target.origin, { rate, seconds: 10, next: target.next });
      const driverAfter = switchesOf(process.pid)!;
      const serverAfter = switchesOf(target.server.child.pid!)!;
      const between = postgresBetween(postgres, postgresProcesses());
      const per = (n: number) => (n / Math.max(1, result.ok)).toFixed(2);
      console.log(`pass ${pass + 1} ${scenario} ${target.name.padEnd(14)} p50 ${result.p50} ms  p99 ${result.p99} ms  server ${per(serverAfter.voluntary - server.voluntary)} voluntary, ${per(serverAfter.involuntary - server.involuntary)} involuntary; PostgreSQL ${per(between.voluntary)} / ${per(between.involuntary)} (${between.came} processes came, ${between.went} went); driver ${per(driverAfter.voluntary - driver.voluntary)} / ${per(driverAfter.involuntary - driver.involuntary)}`);
      if (byProcess) console.log(`        PostgreSQL voluntary by process: ${[...between.byKind].filter(([, n]) => n > 0).map(([kind, n]) => `${kind} ${per(n)}`).join(', ')}`);
    }
  }
} finally {
  for (const target of running) await target.server.stop();
}
process.exit(0);
