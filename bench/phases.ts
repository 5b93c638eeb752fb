/**
 * Where an open-loop request's time goes, inside each server (issue 18, point 1): the benchmark servers run with
 * bench/phase-hook.mjs loaded (`node --import`), which times each pg statement by kind, each HTTP request on the
 * server side, the main thread's utilisation and V8's GC pauses, without changing the servers' code. Each target
 * is loaded in turn, PASSES times (the order reversed every other pass), as bench:quick measures its open-loop lines:
 * a CHECKPOINT and a second of quiet, a discarded 5 s warm-up at the rate, then SLICE seconds measured.
 *
 *   npm run bench:phases      env: SCENARIO (S1 | S2, default S2), OPEN_RATE (req/s; default half of the gateway's
 *                                  saturation, measured first for 5 s after a 3 s warm-up — one short run, where
 *                                  bench:quick takes the median of its rounds), PASSES (3), SLICE (10 s),
 *                                  TARGETS (raw,raw+log,raw+fold,gateway), PRELOAD (s of 32 connections before each
 *                                  target's first slice, default 0; PRELOAD_SCENARIO=S1 sends S1's requests in it),
 *                                  CITY_DB (cqg_bench_city_quick)
 *
 * Targets: gateway (request logs to a file and metrics, as deployed and as bench:quick's gateway), gateway-quiet
 * (both off), raw, raw+log (raw plus the L1 append through the gateway's writer) and raw+fold (raw with the append
 * folded into its read statement: one statement, one round trip and one commit — the fold's own best case, not a bound
 * on what logging costs: the chain's lock is then held from the function call to the commit, with a WAL flush per
 * request and no group commit), raw+inbox (the event folded in as one plain INSERT into a table with only a primary
 * key: no chain, no hash, no secondary index — what one durable write folded into the read costs, a reference point,
 * not a bound on designs that group-commit across requests). All read bench:quick's own samples (`bench_manifest`). The hook's own cost: ~7 % more
 * Node CPU per gateway S2 request (bench:paired, 2026-12-06); it is paid per statement, so more by the targets that
 * run more statements per request.
 */
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { cpuSnapshot, cpuSpent } from './cpu.js';
import { openLoop } from './open-loop.js';
import { S1, S2, send, subjectCall, type HttpCall } from './scenarios.js';
import { collectPhases, describePhases, formatMs as fmt, gcPauseMs, PHASE_HOOK, startPhases, STATEMENT_KINDS, type Phases } from './phase-report.js';
import { databaseUrl, DEFAULT_PG, loadCalls, loadQuickSample, machine, median, rawAccessLogFor, settle, startServer, type ServerProcess } from './support.js';

const TARGETS = ['gateway', 'gateway-quiet', 'raw', 'raw+log', 'raw+fold', 'raw+inbox'] as const;
type Target = (typeof TARGETS)[number];
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);
const scenario = process.env.SCENARIO === 'S1' ? 'S1' : 'S2';
const passes = Number(process.env.PASSES ?? 3);
const slice = Number(process.env.SLICE ?? 10);
const preload = Number(process.env.PRELOAD ?? 0);
const targets = (process.env.TARGETS ?? 'raw,raw+log,raw+fold,gateway').split(',').map((name) => {
  if (!(TARGETS as readonly string[]).includes(name)) throw new Error(`TARGETS: unknown target ${name} (${TARGETS.join(', ')})`);
  return name as Target;
});
const phasesDir = mkdtempSync(path.join(tmpdir(), 'cqg-phases-'));

const client = new pg.Client({ connectionString: url });
await client.connect();
const { codes, department: org } = await loadQuickSample(client, scenario);
// PRELOAD_SCENARIO: the preload sends the other scenario's requests (a process that served S1 before S2, as in bench:quick)
const preloadScenario = process.env.PRELOAD_SCENARIO === 'S1' || process.env.PRELOAD_SCENARIO === 'S2' ? process.env.PRELOAD_SCENARIO : scenario;
const preloadCodes = preloadScenario === scenario ? codes : (await loadQuickSample(client, preloadScenario)).codes;
await client.end();
if (codes.length < 50 || !org) throw new Error('the quick city is missing: run `npm run bench:quick` once');

/** The scenario's request for one code, as the target takes it (raw's routes, the gateway's GraphQL document). */
const callFor = (target: Target, code: string, of: 'S1' | 'S2' = scenario): HttpCall => subjectCall(of, target.startsWith('raw') ? 'raw' : 'gateway', code, org);

interface Running { name: Target; server: ServerProcess; origin: string; next: () => HttpCall }
const running: Running[] = [];

interface Slice extends Phases { client: { p50: number; p99: number }; cpu: { serverMsPerRequest: number; postgresMsPerRequest: number } }

async function measure(target: Running, rate: number): Promise<Slice> {
  await settle(url);
  await openLoop(target.origin, { rate, seconds: 5, next: target.next });
  await startPhases(target.server.child);
  // CPU of the measured server and of every PostgreSQL process over the slice, per request answered: where the
  // machine's time per request goes (the server's includes the phase hook's own cost)
  const cpuBefore = cpuSnapshot(target.server.child.pid!);
  const result = await openLoop(target.origin, { rate, seconds: slice, next: target.next });
  const spent = cpuSpent(cpuBefore, cpuSnapshot(target.server.child.pid!));
  if (result.errors || result.non2xx) throw new Error(`${target.name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  const perRequest = (seconds: number) => Math.round((seconds * 1000 / Math.max(1, result.ok)) * 100) / 100;
  return {
    client: { p50: result.p50, p99: result.p99 },
    cpu: { serverMsPerRequest: perRequest(spent.server), postgresMsPerRequest: perRequest(spent.postgres) },
    ...(await collectPhases(target.server.child, phasesDir)),
  };
}

try {
  for (const name of targets) {
    const raw = name.startsWith('raw');
    const server = await startServer(name, raw ? 'bench/servers/raw.ts' : 'bench/servers/gateway.ts', {
      DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '10', NODE_ENV: 'production', PHASES_DIR: phasesDir,
      RAW_ACCESS_LOG: rawAccessLogFor(name),
      ...(name === 'gateway' ? { OBSERVABILITY: 'on', LOG_FILE: path.join(phasesDir, 'gateway-requests.log') } : { OBSERVABILITY: 'off' }),
    }, { nodeFlags: ['--import', PHASE_HOOK] });
    let i = 0;
    const next = () => callFor(name, codes[i++ % codes.length]!);
    running.push({ name, server, origin: new URL(server.url).origin, next });
  }
  // the same answer from every target to the same request (a target answering errors would count as fast)
  let expected: string | null = null;
  const check = new pg.Client({ connectionString: url });
  await check.connect();
  /** the newest stored event of a target that logs, and how many it holds: the probe must add exactly one */
  const newestEvent = async (name: Target) => (await check.query<{ subject_code: string | null; record_ids: string[] | null; stored: number }>(name === 'raw+inbox'
    ? `SELECT (SELECT event->>'subjectCode' FROM bench_access_inbox ORDER BY id DESC LIMIT 1) AS subject_code,
         (SELECT event->'recordIds' FROM bench_access_inbox ORDER BY id DESC LIMIT 1) AS record_ids, (SELECT count(*)::int FROM bench_access_inbox) AS stored`
    : `SELECT (SELECT subject_code FROM access_events ORDER BY sequence DESC LIMIT 1) AS subject_code,
         (SELECT record_ids FROM access_events ORDER BY sequence DESC LIMIT 1) AS record_ids, (SELECT max(sequence)::int FROM access_events) AS stored`)).rows[0]!;
  for (const target of running) {
    const before = target.name === 'raw' ? null : await newestEvent(target.name);
    const answer = await send(target.origin, callFor(target.name, codes[0]!));
    const normalized = JSON.stringify((scenario === 'S1' ? S1 : S2).normalize(answer.body));
    if (answer.status !== 200 || normalized === 'null') throw new Error(`${target.name}: no answer to the probe (HTTP ${answer.status})`);
    expected ??= normalized;
    if (normalized !== expected) throw new Error(`${target.name} answers the probe differently: ${normalized.slice(0, 300)}`);
    // a target that logs must have stored this answer's event (L1: the subject, the records it returned) — a fold that
    // stored nothing would look fast
    if (before) {
      const answered = (scenario === 'S1' ? S1 : S2).normalize(answer.body)!;
      const after = await newestEvent(target.name);
      if ((after.stored ?? 0) !== (before.stored ?? 0) + 1) throw new Error(`${target.name}: the probe stored ${(after.stored ?? 0) - (before.stored ?? 0)} events, not one`);
      if (after.subject_code !== answered.code || JSON.stringify(after.record_ids) !== JSON.stringify(answered.recordIds)) {
        throw new Error(`${target.name}: the newest access event is not the probe's (${JSON.stringify(after).slice(0, 200)})`);
      }
    }
  }
  await check.end();
  const saturation: number[] = [];
  for (const target of running) {
    // a discarded warm-up first: the first seconds of a new process run unoptimised code and would understate its saturation
    await loadCalls(target.origin, { connections: 32, seconds: 3, next: target.next });
    const result = await loadCalls(target.origin, { connections: 32, seconds: 5, next: target.next });
    if (target.name === 'gateway' || (target.name === 'gateway-quiet' && !targets.includes('gateway'))) saturation.push(result.total / 5);
  }
  const rate = process.env.OPEN_RATE ? Number(process.env.OPEN_RATE) : saturation.length ? Math.round(median(saturation) / 2) : 250;
  console.log(`machine: ${machine()}; ${scenario}, open loop at ${rate} req/s${process.env.OPEN_RATE ? '' : ' (half the gateway\'s saturation: 32 connections for 5 s after 3 s of warm-up)'}, ${passes} passes of ${slice} s`);
  const slices = new Map<Target, Slice[]>();
  for (let pass = 0; pass < passes; pass++) {
    for (const target of pass % 2 ? [...running].reverse() : running) {
      // PRELOAD: each target saturated just before its first slice, as bench:quick's closed-loop rounds precede its
      // open-loop runs (the gateway's first open-loop run after them was its heaviest in 4i)
      if (pass === 0 && preload > 0) {
        let k = 0;
        await loadCalls(target.origin, { connections: 32, seconds: preload, next: () => callFor(target.name, preloadCodes[k++ % preloadCodes.length]!, preloadScenario) });
      }
      const measured = await measure(target, rate);
      slices.set(target.name, [...(slices.get(target.name) ?? []), measured]);
      console.log(`pass ${pass + 1} ${scenario} ${target.name.padEnd(13)} client p50/p99 ${fmt(measured.client.p50)}/${fmt(measured.client.p99)} ms; CPU per request: server ${measured.cpu.serverMsPerRequest} ms, PostgreSQL ${measured.cpu.postgresMsPerRequest} ms; ${describePhases(measured)}`);
    }
  }
  console.log('\nmedians over the passes (ms, p50/p99):');
  for (const target of running) {
    const list = slices.get(target.name)!;
    const m = (pick: (s: Slice) => number | undefined) => {
      const values = list.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? median(values) : undefined;
    };
    const pair = (key: string) => `${fmt(m((s) => s.phases[key]?.p50))}/${fmt(m((s) => s.phases[key]?.p99))}`;
    const statements = STATEMENT_KINDS.filter((k) => list.some((s) => s.phases[`exec ${k}`])).map((k) => `${k} ${pair(`exec ${k}`)}`);
    console.log(`${scenario} ${target.name.padEnd(13)} client ${fmt(m((s) => s.client.p50))}/${fmt(m((s) => s.client.p99))}  server side ${pair('http request (server side)')}  `
      + `${statements.join('  ')}  CPU ms/request server ${m((s) => s.cpu.serverMsPerRequest)?.toFixed(2)} PostgreSQL ${m((s) => s.cpu.postgresMsPerRequest)?.toFixed(2)}  main thread ${(m((s) => s.eventLoopUtilisation)! * 100).toFixed(0)} %  GC pauses per slice ${fmt(m(gcPauseMs))} ms  heap ${fmt(m((s) => s.heapUsedMb))} MB`);
  }
  const p99 = (name: Target) => slices.has(name) ? median(slices.get(name)!.map((s) => s.client.p99)) : undefined;
  const raw = p99('raw');
  console.log(`\n${scenario} phases rate=${rate} ${running.map((t) => `p99_${t.name}_ms=${fmt(p99(t.name))}`).join(' ')}${raw ? ` ${running.filter((t) => t.name !== 'raw').map((t) => `${t.name}_vs_raw=${(p99(t.name)! / raw).toFixed(2)}`).join(' ')}` : ''}`);
} finally {
  for (const target of running) await target.server.stop();
}
