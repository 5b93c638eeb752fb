import pg from 'pg';
import { pretenuringFrom } from '../src/config/config.js';
import { databaseUrl, DEFAULT_PG, loadBenchSample, loadCalls, machine, median, startServer } from './support.js';
import { subjectCall, type HttpCall } from './scenarios.js';

/**
 * The gateway's young generation under load (issue 18, bench/RESULTS.md 4g): starts bench/servers/gateway.ts with V8's
 * `--trace-gc-nvp`, drives S1 (or SCENARIO=S2) with CONNS closed-loop connections for SECONDS after a 3 s warm-up, and
 * prints what V8 reports of the scavenges in that window: how many, the bytes they copied and promoted, their pauses.
 * With one connection at most one request is in flight, so whatever a scavenge promotes outlived the request that made
 * it — before 4g's change ~1.1 MB per scavenge, after it ~20 KB.
 *
 *   npx tsx bench/young-gen.ts     env: SCENARIO (S1 | S2), CONNS (1), SECONDS (8), FIRST (20), PRELOAD (s of 32
 *                                       connections first, 0), PRELOAD_SCENARIO (S1 | S2), NODE_FLAGS (extra V8
 *                                       flags for the gateway), CITY_DB (cqg_bench_city_quick; npm run bench:quick once),
 *                                       RUNS (1: each run a new gateway process), V8_PRETENURING (off | on: the gateway's)
 * Each run also counts the allocation sites V8 decided to tenure (`--trace-pretenuring-statistics`; with it on, V8
 * prints its per-site lines inside the pauses, a small cost the `off` runs do not have): in 4p such decisions during
 * S1's preload left a process heavy to the end of its run (0.8–1.4 MB promoted per scavenge); RUNS > 1 ends with how
 * many runs were heavy and the medians.
 */
const scenario = process.env.SCENARIO === 'S2' ? 'S2' : 'S1';
const connections = Number(process.env.CONNS ?? 1);
const seconds = Number(process.env.SECONDS ?? 8);
const first = Number(process.env.FIRST ?? 20);
const flags = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);

const client = new pg.Client({ connectionString: url });
await client.connect();
const { codes, department } = await loadBenchSample(client, scenario);
// PRELOAD s of 32 connections before the warm-up, with PRELOAD_SCENARIO's requests (default the measured scenario's):
// a process that served S1 in volume before S2 (bench/RESULTS.md 4i: its scavenges then cost four times as much)
const preload = Number(process.env.PRELOAD ?? 0);
const preloadScenario = process.env.PRELOAD_SCENARIO === 'S1' || process.env.PRELOAD_SCENARIO === 'S2' ? process.env.PRELOAD_SCENARIO : scenario;
const preloadSample = preloadScenario === scenario ? { codes, department } : await loadBenchSample(client, preloadScenario);
await client.end();

// V8 writes its GC trace and its pretenuring decisions to stdout, after the LISTENING line
const runs = Math.max(1, Math.floor(Number(process.env.RUNS ?? 1)) || 1);
const field = (line: string, key: string) => Number(new RegExp(`\\b${key}=([\\d.]+)`).exec(line)?.[1] ?? NaN);
const pretenuringMode = pretenuringFrom(process.env);
console.log(`machine: ${machine()}; ${scenario} first=${first}, ${connections} connection(s), ${seconds} s after 3 s of warm-up${preload ? ` and ${preload} s of ${preloadScenario} at 32 connections` : ''}; V8_PRETENURING=${pretenuringMode}; ${runs} run(s), each a new process`);
const results: { tenured: number; survived: number; promoted: number; pause: number; rps: number }[] = [];
for (let run = 1; run <= runs; run += 1) {
  const server = await startServer('gateway', 'bench/servers/gateway.ts', { DATABASE_URL: url, JWT_SECRET: 'bench-secret', NODE_ENV: 'production' },
    { nodeFlags: ['--trace-gc-nvp', '--trace-pretenuring-statistics', ...flags] });
  let output = '';
  server.child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let i = 0;
  const next = (): HttpCall => subjectCall(scenario, 'gateway', codes[i++ % codes.length]!, department, { first });
  const origin = new URL(server.url).origin;
  if (preload > 0) {
    let k = 0;
    const { codes: preloadCodes, department: preloadOrg } = preloadSample;
    await loadCalls(origin, { connections: 32, seconds: preload, next: () => subjectCall(preloadScenario, 'gateway', preloadCodes[k++ % preloadCodes.length]!, preloadOrg, { first }) });
  }
  await loadCalls(origin, { connections, seconds: 3, next });
  const mark = output.length;
  const result = await loadCalls(origin, { connections, seconds, next });
  await server.stop();
  if (result.errors || result.non2xx) throw new Error(`${result.errors} errors, ${result.non2xx} non-2xx answers`);
  const trace = output.slice(mark);
  // allocation sites V8 decided to allocate in the old generation from now on (bench/RESULTS.md 4p), before or during the
  // measured stretch: with V8_PRETENURING=off (src/v8-heap.ts) V8 weighs none
  const tenured = (output.match(/(?:undecided|maybe tenure|don't tenure) => tenure\b/g) ?? []).length;
  const scavenges = trace.split('\n').filter((line) => / gc=s /.test(line));
  const mean = (key: string) => scavenges.reduce((sum, line) => sum + field(line, key), 0) / Math.max(1, scavenges.length);
  const fullGcs = trace.split('\n').filter((line) => / gc=(mc|ms) /.test(line)).length;
  const line = { tenured, survived: mean('new_space_survived') / 1024, promoted: mean('promoted') / 1024, pause: mean('pause'), rps: result.requestsPerSecond };
  results.push(line);
  console.log(`${scenario} young_gen run=${run} connections=${connections} rps=${Math.round(line.rps)} scavenges=${scavenges.length} `
    + `requests_per_scavenge=${(result.total / Math.max(1, scavenges.length)).toFixed(0)} survived_kb=${Math.round(line.survived)} `
    + `promoted_kb=${Math.round(line.promoted)} pause_ms=${line.pause.toFixed(2)} full_gcs=${fullGcs} sites_tenured=${tenured}`);
}
if (runs > 1) {
  const heavy = results.filter((r) => r.promoted > 200);
  console.log(`${scenario} young_gen runs=${runs} V8_PRETENURING=${pretenuringMode} runs_with_a_tenured_site=${results.filter((r) => r.tenured > 0).length} `
    + `heavy_runs=${heavy.length} (promoted > 200 KB per scavenge) median_promoted_kb=${Math.round(median(results.map((r) => r.promoted)))} `
    + `median_pause_ms=${median(results.map((r) => r.pause)).toFixed(2)} median_rps=${Math.round(median(results.map((r) => r.rps)))}`);
}
