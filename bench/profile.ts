import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { databaseUrl, DEFAULT_PG, loadBenchSample, loadCalls, rawAccessLogFor } from './support.js';
import { S1, S2, S3, type HttpCall } from './scenarios.js';
import { openLoop } from './open-loop.js';

/**
 * Where a server's Node CPU goes under load (issue 7, point 6; issue 18): starts bench/servers/gateway.ts (or, with
 * TARGET=raw | raw+log, the raw baseline) with bench/profile-hook.mjs loaded, against an existing city data set (CITY_DB,
 * default the quick one), drives S1 (or SCENARIO=S2 | S3) with 32 connections — or open loop at OPEN_RATE req/s — for
 * SECONDS after a 3 s warm-up, and prints self time by package and by function. Only the measured stretch is profiled
 * (no start-up, warm-up or preload), sampled every 500 µs, and each line also says its main-thread µs per answered request,
 * so that two runs compare even at different rates (the profiler's own cost is in them: compare profiles with each other,
 * not with bench:phases' main-thread load). S3 searches the first 500 distinct three-character fragments (from
 * each name's third character, in sort order) of organisations' names, first pages with S3's document: an approximation
 * of bench:city's S3 mix (no two-character terms, no second pages). Usage:
 *   npm run bench:quick            # once, to generate cqg_bench_city_quick
 *   npm run bench:profile          # SCENARIO=S1|S2|S3 SECONDS=10 CITY_DB=cqg_bench_city_quick OPEN_RATE (req/s: open loop)
 * TARGET=raw or raw+log (S1, S2) profiles the raw baseline the same way. PRELOAD (s) first saturates the server with
 * PRELOAD_SCENARIO's requests (S1 or S2; default the scenario's own) — a process that served the public's S1 in volume
 * before S2, as bench:quick's gateway has (RESULTS 4i's mixed-traffic cost).
 */
const scenario = process.env.SCENARIO === 'S2' || process.env.SCENARIO === 'S3' ? process.env.SCENARIO : 'S1';
const seconds = Number(process.env.SECONDS ?? 10);
const openRate = process.env.OPEN_RATE ? Number(process.env.OPEN_RATE) : null;
/** the records page size of S1/S2 (FIRST, default 20): two runs at different sizes show what each record costs */
const first = Number(process.env.FIRST ?? 20);
const target = process.env.TARGET ?? 'gateway';
if (!['gateway', 'raw', 'raw+log'].includes(target) || (target !== 'gateway' && scenario === 'S3')) throw new Error(`TARGET: gateway, raw or raw+log (S1, S2) — not ${target}`);
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);

const database = await openDatabase({ url });
await migrateDatabase(database); // a reused data set, brought up to the current schema first
await database.close();
const client = new pg.Client({ connectionString: url });
await client.connect();
const { codes, department } = await loadBenchSample(client, scenario);
const preloadSeconds = Number(process.env.PRELOAD ?? 0);
const preloadScenario = process.env.PRELOAD_SCENARIO === 'S1' || process.env.PRELOAD_SCENARIO === 'S2' ? process.env.PRELOAD_SCENARIO : scenario;
const preloadCodes = preloadScenario === scenario ? codes : (await loadBenchSample(client, preloadScenario)).codes;
const fragments = (await client.query(`SELECT DISTINCT substr(s.name, 3, 3) AS q FROM subjects s
  WHERE s.kind = 'ENTERPRISE' AND char_length(s.name) >= 6 ORDER BY 1 LIMIT 500`)).rows.map((r) => String(r.q));
await client.end();

const dir = mkdtempSync(path.join(tmpdir(), 'cqg-prof-'));
const hook = new URL('./profile-hook.mjs', import.meta.url).href;
const child = spawn(process.execPath, ['--import', hook, '--import', 'tsx', target === 'gateway' ? 'bench/servers/gateway.ts' : 'bench/servers/raw.ts'], {
  // RAW_ACCESS_LOG set either way: one left in the shell (1, fold) would change what TARGET=raw measures
  env: { ...process.env, DATABASE_URL: url, JWT_SECRET: 'bench-secret', NODE_ENV: 'production', PROFILE_DIR: dir, RAW_ACCESS_LOG: rawAccessLogFor(target) },
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
/** Sends `message` to the profile hook and waits for its answer (bench/profile-hook.mjs). */
const ask = (message: 'start' | 'stop') => new Promise<unknown>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`the profile hook did not answer '${message}'`)), 30_000);
  child.once('message', (answer) => {
    clearTimeout(timer);
    if (typeof answer === 'object' && answer && 'error' in answer) reject(new Error(`profile hook: ${String(answer.error)}`));
    else resolve(answer);
  });
  child.send(message);
});
let profileFile: string;
let result: Awaited<ReturnType<typeof loadCalls>> | Awaited<ReturnType<typeof openLoop>>;
try {
  let out = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /LISTENING (\S+)/.exec(out);
      if (match) resolve(new URL(match[1]).origin);
    });
  });
  let i = 0;
  const side = target === 'gateway' ? 'gateway' : 'raw';
  const requestsOf = (of: string, codeList: string[]) => (): HttpCall => (of === 'S1' ? S1[side]({ code: codeList[i++ % codeList.length] }, { first })
    : of === 'S2' ? S2[side]({ code: codeList[i++ % codeList.length], org: department }, { first }) : S3.gateway({ q: fragments[i++ % fragments.length] }));
  const next = requestsOf(scenario, codes);
  if (preloadSeconds > 0) await loadCalls(origin, { connections: 32, seconds: preloadSeconds, next: requestsOf(preloadScenario, preloadCodes) });
  // OPEN_RATE: an open loop at that rate instead of 32 connections (the server below saturation, as in the open-loop
  // lines), its warm-up too; the profile starts after the warm-up
  if (openRate === null) await loadCalls(origin, { connections: 32, seconds: 3, next });
  else await openLoop(origin, { rate: openRate, seconds: 3, next });
  await ask('start');
  result = openRate === null ? await loadCalls(origin, { connections: 32, seconds, next })
    : await openLoop(origin, { rate: openRate, seconds, next });
  profileFile = ((await ask('stop')) as { written: string }).written;
  if (result.errors || result.non2xx) throw new Error(`${result.errors} errors, ${result.non2xx} non-2xx answers`);
} finally {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const self = new Map<number, number>();
profile.samples.forEach((id, k) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const t = self.get(node.id) ?? 0;
  if (!t) continue;
  const { functionName, url: src, lineNumber } = node.callFrame;
  const where = src.replace(/^file:\/\//, '').replace(process.cwd(), '.');
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? (where.startsWith('./') ? where.split('/').slice(0, 3).join('/') : where || `(${functionName})`);
  byFunction.set(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`, (byFunction.get(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`) ?? 0) + t);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t);
}
const answered = 'requestsPerSecond' in result ? result.requestsPerSecond : result.answeredPerSecond;
const requests = answered * seconds;
// µs of main thread per answered request (timeDeltas are µs)
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} % ${(t / requests).toFixed(1).padStart(7)} µs/req`;
const idle = [...byPackage].filter(([k]) => k === '((idle))').reduce((a, [, t]) => a + t, 0);
console.log(`${scenario} ${target}${preloadSeconds ? ` after ${preloadSeconds} s of ${preloadScenario}` : ''}: ${answered.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms; main thread busy ${((total - idle) / requests).toFixed(0)} µs per request; profile ${profileFile}`);
console.log('\nself time by package:');
for (const [k, t] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(t)}  ${k}`);
console.log('\nself time by function:');
for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${pct(t)}  ${k}`);
