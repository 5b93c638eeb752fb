/**
 * Issue 18 point 1, the control experiment: S1 (or S2) open-loop latency of one server at a time, alone on the
 * machine — the same driver (bench/open-loop.ts), data set (the quick city) and requests as `bench:quick` (its
 * manifest's S1 or S2 sample: organisations with at least a full page of visible records, read from the
 * `bench_manifest` table the generator leaves), but without the other comparators' processes alive and without the
 * orchestrator's earlier runs. Each round and target: start the server alone, warm it, saturate it for PRELOAD
 * seconds with 32 closed-loop connections (as bench:quick does before its open-loop runs), CHECKPOINT and a second
 * of quiet, then the open loop at RATE, then stop the server.
 *
 *   npm run bench:open-loop-alone     env: SCENARIO (S1 or S2), RATE (250 req/s), OPEN_LOOP_SECONDS (20),
 *                                     PRELOAD (30 s), ROUNDS (2), TARGETS (gateway,raw,raw+log; also
 *                                     gateway-quiet: request logs and metrics off, as in bench:quick);
 *                                     needs the quick city (npm run bench:quick once)
 *
 * Until 2026-12-06 this script drew its own sample (any organisation with a record, most with one or two): lighter
 * requests than bench:quick's, so its numbers before that date are not comparable with bench:quick's.
 *
 * Ends with `S1 open_loop_alone rate=… p99_ms=… p99_raw_ms=… p99_raw+log_ms=… p50_ms=… …` (medians of the rounds).
 */
import path from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { coresBusy, cpuSnapshot, cpuSpent, machineTicks } from './cpu.js';
import pg from 'pg';
import { openLoop, retriedNote, type OpenLoopResult } from './open-loop.js';
import { subjectCall } from './scenarios.js';
import { databaseUrl, DEFAULT_PG, loadCalls, loadQuickSample, machine, median, rawAccessLogFor, settle, startServer } from './support.js';

const RATE = Number(process.env.RATE ?? 250);
const SECONDS = Number(process.env.OPEN_LOOP_SECONDS ?? 20);
const PRELOAD = Number(process.env.PRELOAD ?? 30);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const TARGETS = (process.env.TARGETS ?? 'gateway,raw,raw+log').split(',');
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);

const SCENARIO = process.env.SCENARIO === 'S2' ? 'S2' : 'S1';
const client = new pg.Client({ connectionString: url });
await client.connect();
// bench:quick's own sample of the scenario, in its order
const { codes, department } = await loadQuickSample(client, SCENARIO);
if (codes.length < 50 || !department) throw new Error('the quick city is missing: run `npm run bench:quick` once (or `npm run bench:generate` with the quick options)');

const cycle = () => { let i = 0; return () => codes[i++ % codes.length]!; };
const results = new Map<string, OpenLoopResult[]>();
console.log(`machine: ${machine()}; ${SCENARIO} (bench:quick's ${codes.length} codes) at ${RATE} req/s for ${SECONDS} s after ${PRELOAD} s of saturation, ${ROUNDS} rounds, one server alive at a time`);
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 ? [...TARGETS].reverse() : TARGETS) {
    const raw = name.startsWith('raw');
    const env: Record<string, string> = { DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '10', NODE_ENV: 'production',
      RAW_ACCESS_LOG: rawAccessLogFor(name),
      ...(name === 'gateway-quiet' ? { OBSERVABILITY: 'off' } : {}),
      ...(name === 'gateway' ? { OBSERVABILITY: 'on', LOG_FILE: path.join(tmpdir(), `cqg-bench-alone-${process.pid}.log`) } : {}) };
    const server = await startServer(name, raw ? 'bench/servers/raw.ts' : 'bench/servers/gateway.ts', env);
    try {
      const code = cycle();
      const next = () => subjectCall(SCENARIO, raw ? 'raw' : 'gateway', code(), department);
      const origin = new URL(server.url).origin;
      await loadCalls(origin, { connections: 8, seconds: 3, next });
      if (PRELOAD > 0) await loadCalls(origin, { connections: 32, seconds: PRELOAD, next });
      await settle(url);
      const ticks = machineTicks();
      const cpu = cpuSnapshot(server.child.pid!);
      const result = await openLoop(origin, { rate: RATE, seconds: SECONDS, next });
      const spent = cpuSpent(cpu, cpuSnapshot(server.child.pid!));
      const busy = coresBusy(ticks, machineTicks(), cpus().length);
      if (result.errors || result.non2xx) throw new Error(`${name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
      (results.get(name) ?? results.set(name, []).get(name)!).push(result);
      console.log(`round ${round + 1} ${name.padEnd(8)} p50 ${result.p50} ms  p90 ${result.p90} ms  p99 ${result.p99} ms  max ${result.max} ms  driver lag p99 ${result.sendLagP99} ms  CPU ms/req: server ${((spent.server * 1000) / result.ok).toFixed(2)}, PostgreSQL ${((spent.postgres * 1000) / result.ok).toFixed(2)}; machine ${busy} of ${cpus().length} cores busy${retriedNote(result)}`);
    } finally {
      await server.stop();
    }
  }
}
await client.end();
const m = (name: string, field: 'p50' | 'p99') => Math.round(median((results.get(name) ?? []).map((r) => r[field])) * 10) / 10;
const parts = [`${SCENARIO} open_loop_alone rate=${RATE}`];
for (const field of ['p99', 'p50'] as const) {
  for (const name of TARGETS) parts.push(`${field}${name === 'gateway' ? '' : `_${name}`}_ms=${m(name, field)}`);
}
console.log(parts.join(' '));
process.exit(0);
