/**
 * Paired short slices (issue 18): several servers alive at once, each loaded in turn for SLICE seconds with 32
 * closed-loop connections, PAIRS times, the order reversed every other pass; the result is the median over the
 * passes of each server's throughput (and Node CPU per request) divided by the first server's in the same pass.
 * On a shared two-core machine whose speed drifts by a factor of two within minutes, ten-second runs taken minutes
 * apart (bench:quick) cannot resolve a 5 % change; slices seconds apart see the same machine.
 *
 *   npx tsx bench/paired.ts            env: SIDES, SCENARIO (S1 | S2 | S4), FIRST (20; S4 50), SLICE (3 s), PAIRS (10),
 *                                           CITY_DB (cqg_bench_city_quick; npm run bench:quick once to make it)
 *
 * SIDES: comma-separated `name=directory:target[:node flags]`; target is gateway, gateway+obs, raw or raw+log, run from that
 * directory's bench/servers (a git worktree holds an earlier revision: `git worktree add /tmp/before HEAD~1`,
 * `ln -s $PWD/node_modules /tmp/before/`). Words of the flags written `NAME=value` are set in that side's
 * environment instead (e.g. `V8_PRETENURING=on`, or `POOL_SIZE=4`: the side's pool, 10 unless set; the keys this script sets itself — DATABASE_URL, OBSERVABILITY
 * … — are refused there, and a value exported in the shell reaches every side that does not set its own; `DATABASE_HOST=/var/run/postgresql`
 * connects that side through PostgreSQL's Unix socket instead of TCP). The first
 * side is the reference, e.g.
 *   SIDES="raw+log=.:raw+log,before=/tmp/before:gateway,after=.:gateway" SCENARIO=S2 npx tsx bench/paired.ts
 *   SIDES="off=.:gateway:V8_PRETENURING=off,on=.:gateway:V8_PRETENURING=on" SCENARIO=S4 npx tsx bench/paired.ts
 * S4 is bench:quick's auditor week (the manifest's last S4_RANGE_DAYS, 7, days of events, organisation CITY-AUDIT), its
 * first page (with totalCount) and its second page in turn (default sides raw and gateway; no raw+log: an auditor's read
 * is not a subject's disclosure; no TAIL_BY). S1 and S2 read bench:quick's own samples (the `bench_manifest` table: organisations with at least a full
 * page of visible records; before 2026-12-06 this script drew its own, lighter for S1), in their order; FIRST sets
 * the page size. Before loading, every side must give the same normalised answer to the same first request (S4: to
 * each of its two pages).
 *
 * Targets: gateway (request logs and metrics off, as bench:quick's gateway-quiet), gateway+obs (one log line per
 * request to a file and metrics, as bench:quick's gateway), raw, raw+log.
 *
 * OPEN_RATE (req/s): each slice is an open-loop run at that rate (bench/open-loop.ts) instead of 32 closed-loop
 * connections — what a server costs, and its tail, when it is not saturated (a write per log line, a wake-up per
 * request); the lines then give each side's p99 too, and the paired ratio of p99s. SETTLE=1 measures each open-loop
 * slice as bench:quick measures its open-loop lines: a CHECKPOINT and a second of quiet, a discarded 5 s warm-up at the
 * rate, then the slice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { openLoop } from './open-loop.js';
import pg from 'pg';
import { cpuSnapshot, cpuSpent } from './cpu.js';
import { S1, S2, S4, send, subjectCall, type HttpCall } from './scenarios.js';
import { auditorWeekOf, databaseUrl, DEFAULT_PG, loadCalls, loadQuickSample, machine, median, rawAccessLogFor, settle } from './support.js';

const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);
const scenario = process.env.SCENARIO === 'S1' || process.env.SCENARIO === 'S4' ? process.env.SCENARIO : 'S2';
const first = Number(process.env.FIRST ?? (scenario === 'S4' ? 50 : 20));
const slice = Number(process.env.SLICE ?? 3);
const pairs = Number(process.env.PAIRS ?? 10);

const TARGETS = ['gateway', 'gateway+obs', 'raw', 'raw+log'] as const;
/** the environment every side gets from this script (spawn below), which a side's `NAME=value` words may not set */
const FIXED_ENV = ['DATABASE_URL', 'JWT_SECRET', 'NODE_ENV', 'RAW_ACCESS_LOG', 'OBSERVABILITY', 'LOG_FILE'];
interface Side { name: string; dir: string; target: (typeof TARGETS)[number]; flags: string[]; env: Record<string, string> }
const sides: Side[] = (process.env.SIDES ?? (scenario === 'S4' ? 'raw=.:raw,gateway=.:gateway' : 'raw+log=.:raw+log,gateway=.:gateway')).split(',').map((spec) => {
  const name = spec.slice(0, spec.indexOf('='));
  const [dir, target, flags] = spec.slice(spec.indexOf('=') + 1).split(':');
  if (!name || !dir || !(TARGETS as readonly string[]).includes(target)) throw new Error(`SIDES: cannot read "${spec}"`);
  if (scenario === 'S4' && target === 'raw+log') throw new Error('SIDES: S4 has no raw+log target');
  const words = flags ? flags.split(' ').filter(Boolean) : [];
  const setting = /^([A-Z][A-Z0-9_]*)=(.*)$/;
  const env = Object.fromEntries(words.flatMap((word) => { const m = setting.exec(word); return m ? [[m[1]!, m[2]!]] : []; }));
  // what spawn sets after a side's own environment would silently win over it
  const fixed = Object.keys(env).filter((key) => FIXED_ENV.includes(key));
  if (fixed.length) throw new Error(`SIDES: ${name} sets ${fixed.join(', ')}, which this script sets for every side`);
  return { name, dir: path.resolve(dir), target: target as Side['target'], flags: words.filter((word) => !setting.test(word)), env };
});

const openRate = process.env.OPEN_RATE ? Number(process.env.OPEN_RATE) : null;
const settleFirst = process.env.SETTLE === '1';
if (process.env.TAIL_BY === '1' && scenario === 'S4') throw new Error('TAIL_BY: S4 has no subjects to sort into thirds');
const tailBy = process.env.TAIL_BY === '1' && openRate !== null;
const client = new pg.Client({ connectionString: url });
await client.connect();
/** S4's week, as bench:quick reads it (auditorWeekOf): the last S4_RANGE_DAYS (7) days of the manifest's events */
async function loadAuditorWeek(db: pg.Client): Promise<{ codes: string[]; department: string; from: string; to: string }> {
  const { rows } = await db.query<{ to: string; from: string; auditor: string }>(`SELECT manifest #>> '{accessLogRange,to}' AS to,
    manifest #>> '{accessLogRange,from}' AS from, manifest #>> '{organizations,auditor}' AS auditor FROM bench_manifest LIMIT 1`)
    .catch(() => ({ rows: [] as { to: string; from: string; auditor: string }[] }));
  const range = rows[0];
  if (!range?.auditor) throw new Error('the quick city is missing: run `npm run bench:quick` once');
  return { codes: [], department: range.auditor, ...auditorWeekOf(range) };
}
const sample = scenario === 'S4' ? await loadAuditorWeek(client) : { ...(await loadQuickSample(client, scenario)), from: '', to: '' };
const { codes, department: org } = sample;
// S4's pages: the first (with totalCount), then the second once the first side has given its cursor
const logPages: { after: string | null }[] = [{ after: null }];
/** Which server a side runs, and which form of the requests it takes: raw's routes (raw, raw+log) or the gateway's documents */
const sideOf = (side: Side): 'raw' | 'gateway' => (side.target.startsWith('raw') ? 'raw' : 'gateway');
/** The k-th request of the scenario, as this side takes it (raw's routes, the gateway's GraphQL document). */
const callOf = (side: 'raw' | 'gateway', k: number): HttpCall => {
  if (scenario !== 'S4') return subjectCall(scenario, side, codes[k % codes.length]!, org, { first });
  const page = { org, from: sample.from, to: sample.to, after: logPages[k % logPages.length]!.after };
  return side === 'raw' ? S4.raw(page, { first }) : S4.gateway(page, { first });
};
// TAIL_BY: each sampled subject's third by records held (0 lightest, 2 heaviest)
const third = new Map<string, number>();
if (tailBy) {
  const { rows } = await client.query<{ code: string; n: string }>(`SELECT s.code, count(r.id) AS n FROM subjects s
    LEFT JOIN records r ON r.subject_id = s.id WHERE s.code = ANY($1::text[]) GROUP BY s.code ORDER BY count(r.id), s.code`, [codes]);
  rows.forEach((row, k) => third.set(row.code, Math.min(2, Math.floor((3 * k) / rows.length))));
  console.log(`TAIL_BY: ${rows.length} subjects; records held by thirds: ${[0, 1, 2].map((t) => {
    const part = rows.filter((row) => third.get(row.code) === t);
    return `${part[0]?.n}–${part.at(-1)?.n}`;
  }).join(', ')}`);
}
await client.end();
if ((scenario !== 'S4' && codes.length < 50) || !org) throw new Error('the quick city is missing: run `npm run bench:quick` once');

/** The database's URL for a side: through the socket directory its DATABASE_HOST names, if it names one (as libpq's host=). */
function urlFor(side: Side): string {
  if (!side.env.DATABASE_HOST) return url;
  const viaSocket = new URL(url);
  viaSocket.searchParams.set('host', side.env.DATABASE_HOST);
  return viaSocket.toString();
}

interface Running extends Side { child: ChildProcess; origin: string; next: () => HttpCall; issued: string[] }
const running: Running[] = [];
try {
  for (const side of sides) {
    const kind = sideOf(side);
    const child = spawn(process.execPath, [...side.flags, '--import', 'tsx', `bench/servers/${kind}.ts`], {
      cwd: side.dir,
      env: { POOL_SIZE: '10', ...process.env, ...side.env, DATABASE_URL: urlFor(side), JWT_SECRET: 'bench-secret', NODE_ENV: 'production',
        RAW_ACCESS_LOG: rawAccessLogFor(side.target),
        ...(side.target === 'gateway+obs' ? { OBSERVABILITY: 'on', LOG_FILE: path.join(tmpdir(), `cqg-bench-paired-${side.name}-${process.pid}.log`) } : { OBSERVABILITY: 'off' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // the server's own log stays out of the output; its last lines explain a side that does not start
    let errText = '';
    child.stderr!.on('data', (chunk: Buffer) => { errText = (errText + chunk.toString()).slice(-2000); });
    running.push({ ...side, child, origin: '', next: () => { throw new Error('not started'); }, issued: [] });
    let out = '';
    const listening = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${side.name} did not start`)), 60_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /LISTENING (\S+)/.exec(out);
        if (match) { clearTimeout(timer); resolve(match[1]); }
      });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${side.name} exited with ${code}: ${errText}`)); });
    });
    let i = 0;
    const issued = running.at(-1)!.issued;
    const next = (): HttpCall => {
      if (tailBy) issued.push(codes[i % codes.length]!);
      return callOf(kind, i++);
    };
    Object.assign(running.at(-1)!, { origin: new URL(listening).origin, next });
  }
  // S4's second page: its cursor from the first side (raw and the gateway answer the same pageInfo and take each
  // other's cursors); without it S4 would quietly load the first page only
  if (scenario === 'S4') {
    const answer = await send(running[0]!.origin, callOf(sideOf(running[0]!), 0));
    const info = (answer.body as { data?: { accessLog?: { pageInfo: { hasNextPage: boolean; endCursor: string } } } }).data?.accessLog?.pageInfo;
    if (answer.status !== 200 || !info?.hasNextPage) throw new Error(`S4: ${running[0]!.name} gave no second page (HTTP ${answer.status}; FIRST=${first})`);
    logPages.push({ after: info.endCursor });
  }
  // the same answer from every side to the same requests (S4: both pages), as bench:city's probe (a side answering
  // errors or empty pages with HTTP 200 would otherwise count as fast; normalize throws on an answer with errors)
  const probes = scenario === 'S4' ? logPages.length : 1;
  for (let k = 0; k < probes; k++) {
    let expected: string | null = null;
    for (const server of running) {
      const answer = await send(server.origin, callOf(sideOf(server), k));
      const normalized = JSON.stringify(({ S1, S2, S4 })[scenario].normalize(answer.body));
      if (answer.status !== 200 || normalized === 'null') throw new Error(`${server.name}: no answer to probe ${k + 1} (HTTP ${answer.status})`);
      expected ??= normalized;
      if (normalized !== expected) throw new Error(`${server.name} answers probe ${k + 1} differently: ${normalized.slice(0, 300)}`);
    }
  }
  for (const server of running) await loadCalls(server.origin, { connections: 32, seconds: 4, next: server.next });

  const rates = running.map(() => [] as number[]);
  const nodeMs = running.map(() => [] as number[]);
  const tails = running.map(() => [] as number[]);
  // TAIL_BY: per side and pass, every answer as [latency, third]
  const answers = running.map(() => [] as [number, number][][]);
  for (let pass = 0; pass < pairs; pass++) {
    const order = pass % 2 ? [...running.keys()].reverse() : [...running.keys()];
    for (const k of order) {
      const server = running[k]!;
      // SETTLE (open loop only): as bench:quick measures its open-loop lines — a CHECKPOINT and a second of quiet, then a
      // discarded warm-up of 5 s at the same rate, before the slice
      if (openRate !== null && settleFirst) {
        await settle(url);
        await openLoop(server.origin, { rate: openRate, seconds: 5, next: server.next });
      }
      const before = cpuSnapshot(server.child.pid!);
      server.issued.length = 0;
      const kept: [number, number][] = [];
      const onAnswer = tailBy ? (index: number, latency: number, status: number) => {
        if (status >= 200 && status < 300) kept.push([latency, third.get(server.issued[index]!) ?? -1]);
      } : undefined;
      const result = openRate === null
        ? await loadCalls(server.origin, { connections: 32, seconds: slice, next: server.next })
        : await openLoop(server.origin, { rate: openRate, seconds: slice, next: server.next, onAnswer }).then((r) => ({ ...r, total: r.ok }));
      if (tailBy) answers[k]!.push(kept);
      if (result.errors || result.non2xx) throw new Error(`${server.name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
      const spent = cpuSpent(before, cpuSnapshot(server.child.pid!));
      rates[k]!.push(result.total / slice);
      nodeMs[k]!.push((spent.server * 1000) / Math.max(result.total, 1));
      tails[k]!.push(result.p99);
    }
  }
  console.log(`machine: ${machine()}; ${scenario} first=${first}, ${pairs} passes of ${slice} s slices, ${openRate === null ? '32 connections' : `open loop at ${openRate} req/s`}`);
  for (const [k, server] of running.entries()) {
    console.log(`${server.name.padEnd(12)} median ${median(rates[k]!).toFixed(0)} req/s, Node ${median(nodeMs[k]!).toFixed(3)} ms/req, p99 ${median(tails[k]!).toFixed(1)} ms (passes ${tails[k]!.map((t) => t.toFixed(1)).join(' ')})`);
  }
  if (tailBy) {
    // per pass: the p99 within each third, and the thirds of the slowest 1 %; medians over the passes
    const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.99 * values.length) - 1)] ?? 0;
    for (const [k, server] of running.entries()) {
      const byThird = [0, 1, 2].map((t) => median(answers[k]!.map((pass) => p99(pass.filter(([, th]) => th === t).map(([ms]) => ms)))));
      const slowest = [0, 1, 2].map((t) => median(answers[k]!.map((pass) => {
        const sorted = [...pass].sort((a, b) => b[0] - a[0]).slice(0, Math.max(1, Math.round(pass.length / 100)));
        return (100 * sorted.filter(([, th]) => th === t).length) / sorted.length;
      })));
      console.log(`${server.name.padEnd(12)} p99 by third (light, middle, heavy): ${byThird.map((ms) => ms.toFixed(1)).join(' / ')} ms; slowest 1 %: ${slowest.map((pct) => `${pct.toFixed(0)} %`).join(' / ')}`);
    }
  }
  const reference = running[0]!;
  for (let k = 1; k < running.length; k++) {
    const throughput = rates[k]!.map((rate, pass) => rate / rates[0]![pass]!);
    const cpu = nodeMs[k]!.map((ms, pass) => ms / nodeMs[0]![pass]!);
    const tail = tails[k]!.map((ms, pass) => ms / tails[0]![pass]!);
    console.log(`${scenario} paired ${running[k]!.name} vs ${reference.name}: throughput ${median(throughput).toFixed(3)} (passes ${throughput.map((r) => r.toFixed(2)).join(' ')}), Node ms/req ${median(cpu).toFixed(3)} (passes ${cpu.map((r) => r.toFixed(2)).join(' ')}), p99 ${median(tail).toFixed(2)}`);
  }
} finally {
  for (const server of running) server.child.kill('SIGTERM');
}
process.exit(0);
