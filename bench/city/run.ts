/**
 * Issue 7: S1–S5 at city scale — the gateway against the raw SQL baseline and against PostGraphile, in one run.
 *
 *   npx tsx bench/city/run.ts          full run on the city data set (1M subjects, 10M records, 20M events)
 *   npm run bench:quick                the same run on a small data set, one short round (~10 minutes)
 *
 * env: BENCH_QUICK=1, CITY_DB / CITY_SUBJECTS / CITY_RECORDS / CITY_EVENTS / CITY_SEED (bench/city/generate.ts),
 *      ROUNDS, BENCH_SECONDS, WARMUP_SECONDS, CONNECTIONS (32), SCENARIOS (S1,S2,S3,S4,S5), BENCH_DATABASE_URL,
 *      OPEN_LOOP_ROUNDS (3), OPEN_LOOP_SECONDS (10), OPEN_LOOP_WARMUP_SECONDS (5),
 *      POSTGRAPHILE_S3=1 (PostGraphile's S3 at city scale too; always on the quick set),
 *      NOFOLD=1 (S1 and S2 also against gateway-nofold, closed and open loop: the gateway as deployed with
 *      ACCESS_LOG_FOLDS=0, so that folding the access event into the read is judged in the same run; four open-loop
 *      rounds by default then, so that each of the four targets opens one),
 *      NOLOG=1 (S1 and S2 also against gateway-nolog, closed and open loop: the gateway as deployed with its access log
 *      switched off — a benchmark-only switch, ACCESS_LOG=off; no server may run so — so that what the gateway's own
 *      work costs is told apart from what storing each disclosure durably (L2) costs, in the same run; one more
 *      open-loop round then, so that each target opens one).
 *
 * Per scenario, every target is loaded alone (the others idle), in an order rotated each round; numbers are
 * medians over the rounds. Before the load, a probe phase runs each target behind a statement-counting proxy:
 * the answers must agree (same record ids, totals, sources, codes, sequences) and it counts SQL statements per
 * request, at two page sizes. Before every load run one more probe request must give the reference answer.
 * CPU per request: the server process's own CPU time and the sum over all PostgreSQL processes (/proc).
 * After the read rounds, issue 18's open-loop phase: every read scenario at a fixed offered rate (half the gateway's
 * median closed-loop throughput of this run), gateway and raw at that same rate (bench/open-loop.ts: requests sent on
 * schedule, latency from when each was due), then two-character search terms' first pages at TWO_CHARACTER_RATE
 * (20 req/s). Lines: `S1 open_loop rate=… p99_ms=… p99_raw_ms=…`, `S3 two_character_first_page rate=20 p99_ms=…`.
 */
import path from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { queryRows } from '../../src/db/rows.js';
import { generateCity, type CityManifest } from './generate.js';
import { coresBusy, cpuSnapshot, cpuSpent, machineTicks, processSeconds } from '../cpu.js';
import { startCountingProxy } from '../pg-count-proxy.js';
import { S1, S2, S3, S4, S5, recordRows, send, type HttpCall } from '../scenarios.js';
import { auditorWeekOf, databaseUrl, DEFAULT_PG, loadCalls, machine, median, quiesce, rawAccessLogFor, settle, startServer, type LoadResult, type ServerProcess } from '../support.js';
import * as pgq from '../postgraphile/queries.js';
import { setupPostgraphile } from '../postgraphile/setup.js';
import { openLoop, retriedNote, type OpenLoopResult } from '../open-loop.js';
import { collectPhases, describePhases, PHASE_HOOK, startPhases, type Phases } from '../phase-report.js';
import { buildTrustedManifest } from '../../src/web/manifest.js';

const QUICK = process.env.BENCH_QUICK === '1';
/**
 * PostGraphile answers S3 at city scale at ~1 req/s with timeouts, and its scans of every subject evict what the next
 * runs read (2026-12-05: S1 raw 149 req/s right after its warm-up, S1 gateway 90 req/s in the round after it, against
 * 470-700 otherwise): it runs S3 on the quick set, and at city scale only with POSTGRAPHILE_S3=1.
 */
const POSTGRAPHILE_S3 = QUICK || process.env.POSTGRAPHILE_S3 === '1';
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = num('ROUNDS', QUICK ? 1 : 3);
const SECONDS = num('BENCH_SECONDS', QUICK ? 5 : 10);
/** an open-loop run: at least 10 s, so that its p99 is not decided by a handful of requests */
const OPEN_LOOP_SECONDS = num('OPEN_LOOP_SECONDS', Math.max(SECONDS, 10));
const OPEN_LOOP_WARMUP_SECONDS = num('OPEN_LOOP_WARMUP_SECONDS', 5);
/**
 * Open-loop runs per target and scenario, whatever ROUNDS is: their p99 is reported as the median of three, so that one
 * run the shared machine stalled does not decide it (a median of two is their mean: 2026-12-06, third session, one
 * 97 ms run made bench:quick's S1 line 66 ms where the other round measured 35).
 */
const NOFOLD = process.env.NOFOLD === '1';
const NOLOG = process.env.NOLOG === '1';
/** with NOFOLD's or NOLOG's targets, a round more for each: each target opens one (the first run after the saturated rounds is the heaviest, 4i) */
const OPEN_LOOP_ROUNDS = num('OPEN_LOOP_ROUNDS', 3 + (NOFOLD ? 1 : 0) + (NOLOG ? 1 : 0));
/**
 * PHASES=1: every target runs with bench/phase-hook.mjs, and each open-loop line is followed by where that run's time
 * went inside the server (bench/phase-report.ts). A diagnosis: the hook costs ~7 % of Node CPU per request, in the
 * closed-loop rounds too (the result file says `phaseHook: true`).
 */
const PHASES = process.env.PHASES === '1';
const phasesDir = PHASES ? mkdtempSync(path.join(tmpdir(), 'cqg-phases-')) : '';
const WARMUP = num('WARMUP_SECONDS', QUICK ? 2 : 3);
const CONNECTIONS = num('CONNECTIONS', 32);
const SCENARIO_IDS = (process.env.SCENARIOS ?? 'S1,S2,S3,S4,S5').split(',').map((s) => s.trim()) as ScenarioId[];
const CITY = {
  db: process.env.CITY_DB ?? (QUICK ? 'cqg_bench_city_quick' : 'cqg_bench_city'),
  subjects: num('CITY_SUBJECTS', QUICK ? 20_000 : 1_000_000),
  records: num('CITY_RECORDS', QUICK ? 200_000 : 10_000_000),
  events: num('CITY_EVENTS', QUICK ? 200_000 : 20_000_000),
  seed: num('CITY_SEED', 7),
};

type ScenarioId = 'S1' | 'S2' | 'S3' | 'S4' | 'S5';
/** raw+log: the raw baseline that also appends each disclosure's access event (SPEC L1), as the gateway must */
/** gateway-quiet: the gateway with request logs and metrics off (S1 only), to measure what O1/O2 cost */
/** gateway-interpreted: the gateway with compiled execution off (COMPILED_EXECUTION=off; S1, S2), to measure what compiling known documents gains */
/**
 * gateway-nofold (NOFOLD=1; S1, S2): the gateway as deployed with ACCESS_LOG_FOLDS=0 — every access event group-committed, none folded into its read.
 * gateway-nolog (NOLOG=1; S1, S2): the gateway as deployed with its access log off (ACCESS_LOG=off, benchmark only) — raw's counterpart: nothing stored.
 */
type TargetName = 'raw' | 'raw+log' | 'gateway' | 'gateway-quiet' | 'gateway-interpreted' | 'gateway-nofold' | 'gateway-nolog' | 'postgraphile';

/**
 * The gateway as deployed (request logs and metrics on) and the comparators that differ from it by one setting:
 * gateway-quiet is not among them (request logs and metrics off, startTargets).
 */
const GATEWAY_VARIANTS: Partial<Record<TargetName, Record<string, string>>> = {
  gateway: {},
  // every request through Apollo's interpreter (issue 18: what compiled execution gains)
  'gateway-interpreted': { COMPILED_EXECUTION: 'off' },
  // no read stores its own access event (issue 18: what the fold does to the tail)
  'gateway-nofold': { ACCESS_LOG_FOLDS: '0' },
  // storing no access event at all (benchmark only): the gateway's own work against raw's
  'gateway-nolog': { ACCESS_LOG: 'off' },
};

/** One scenario as the orchestrator drives it: per target, an endless supply of calls and a normaliser. */
interface Plan {
  id: ScenarioId;
  title: string;
  /** the answer every target must give for the probe call (normalised) */
  targets: Partial<Record<TargetName, { next(): HttpCall; probe(first?: number): HttpCall; normalize(body: unknown): unknown }>>;
  /** rows per request (S5), to report rows/s */
  rowsPerRequest?: number;
  connections: number;
}

const cycle = <T>(items: readonly T[]) => {
  if (items.length === 0) throw new Error('nothing to cycle over');
  let i = 0;
  return () => items[i++ % items.length];
};

const graphqlCall = (body: string, headers: Record<string, string> = {}): HttpCall => ({
  method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', ...headers }, body,
});

/**
 * S3 rotates over two kinds of request. (1) API clients: the manifest's name fragments of 3 or more characters that
 * match at most 5 % of all organisations (a name someone looks for, not a legal-form suffix like 有限责任公司), with
 * S3's document, which selects totalCount — counting every match of a fragment in half of all names would measure
 * the count, not the search. (2) What people type: the two-character terms (科技, 建材: `twoCharacterTermsOf`,
 * whatever their frequency; the city's names hold no Latin letters), sent as the public website's search box sends
 * them — its own document (src/web/operations/SearchSubjects.graphql: a page and whether there is a next one, no
 * totalCount) and, on the raw side, the same page without the count (`count=0`). Both kinds are read from the
 * search postings of migration 0014; first and second pages of each.
 */
const searchTermsOf = (manifest: CityManifest) => {
  const limit = 0.05 * manifest.options.subjects;
  const chosen = manifest.searchTerms.filter((term) => [...term].length >= 3 && (manifest.searchTermMatches[term] ?? 0) <= limit);
  return chosen.length ? chosen : manifest.searchTerms;
};

/**
 * Issue 18 point 2: what people actually type — two-character terms (科技, 建材), whatever their frequency; their
 * first page is driven open-loop at TWO_CHARACTER_RATE (20 req/s) beside the S3 rounds.
 */
const TWO_CHARACTER_RATE = num('TWO_CHARACTER_RATE', 20);
const twoCharacterTermsOf = (manifest: CityManifest) => manifest.searchTerms.filter((term) => [...term].length === 2);

/** The public website's search request (its trusted document, as the website sends it): S3's typed terms. */
const WEBSITE_SEARCH = buildTrustedManifest().operations.find((operation) => operation.name === 'SearchSubjects')!.body;
interface SearchRequest { q: string; after: string | null; typed: boolean }
const searchCall = (target: 'gateway' | 'raw', { q, after, typed }: SearchRequest, first?: number): HttpCall => {
  if (!typed) return target === 'gateway' ? S3.gateway({ q, after }, { first }) : S3.raw({ q, after }, { first });
  if (target === 'raw') {
    const call = S3.raw({ q, after }, { first });
    return { ...call, path: `${call.path}&count=0` };
  }
  return graphqlCall(JSON.stringify({ query: WEBSITE_SEARCH, variables: { query: q, first: first ?? S3.defaultFirst, after } }));
};

/**
 * S4 reads the last 7 days of the manifest's busy stretch, newest first: an auditor's week. Its totalCount counts
 * every event of the range, so the range decides the cost; RESULTS.md gives single-request times for longer ones.
 */
const accessLogRangeOf = (manifest: CityManifest) => auditorWeekOf(manifest.accessLogRange);

/** The page-2 cursors of S3/S4 come from the gateway itself (both raw and gateway accept them). */
async function secondPages(gateway: string, manifest: CityManifest): Promise<{ search: SearchRequest[]; log: { after: string }[] }> {
  const search: SearchRequest[] = [];
  const firstPages = [...searchTermsOf(manifest).map((q) => ({ q, typed: false })), ...twoCharacterTermsOf(manifest).map((q) => ({ q, typed: true }))];
  for (const { q, typed } of firstPages) {
    const answer = await send(gateway, searchCall('gateway', { q, after: null, typed }));
    const info = (answer.body as { data: { searchSubjects: { pageInfo: { hasNextPage: boolean; endCursor: string } } } }).data.searchSubjects.pageInfo;
    if (info.hasNextPage) search.push({ q, after: info.endCursor, typed });
  }
  const { from, to } = accessLogRangeOf(manifest);
  const answer = await send(gateway, S4.gateway({ org: manifest.organizations.auditor, from, to }));
  const info = (answer.body as { data: { accessLog: { pageInfo: { hasNextPage: boolean; endCursor: string } } } }).data.accessLog.pageInfo;
  return { search, log: info.hasNextPage ? [{ after: info.endCursor }] : [] };
}

function plans(manifest: CityManifest, pages: Awaited<ReturnType<typeof secondPages>>): Plan[] {
  const department = manifest.organizations.department;
  const auditor = manifest.organizations.auditor;
  const { from, to } = accessLogRangeOf(manifest);
  const s1 = manifest.s1Codes;
  const s2 = manifest.s2Codes;
  // the first entry (the probe every target must answer alike, PostGraphile included) is an API client's counted search
  const searches: SearchRequest[] = [
    ...searchTermsOf(manifest).map((q) => ({ q, after: null, typed: false })),
    ...twoCharacterTermsOf(manifest).map((q) => ({ q, after: null, typed: true })),
    ...pages.search,
  ];
  const logPages = [{ after: null as string | null }, ...pages.log];
  let batch = 0;
  const filingCodes = manifest.s2Codes;
  const s5 = (target: TargetName) => {
    const rows = () => recordRows(filingCodes, S5.defaultFirst, `bench-${target}-${process.pid}-${batch++}`);
    return rows;
  };
  const gatewayS5 = s5('gateway');
  const rawS5 = s5('raw');
  /** S1's or S2's calls for one target: raw's routes or the gateway's document, its own cycle through the sample */
  type SubjectTarget = Plan['targets'][TargetName];
  const s1Target = (side: 'raw' | 'gateway'): SubjectTarget => ({
    next: (() => { const c = cycle(s1); return () => S1[side]({ code: c() }); })(), probe: (first) => S1[side]({ code: s1[0] }, { first }), normalize: S1.normalize,
  });
  const s2Target = (side: 'raw' | 'gateway'): SubjectTarget => ({
    next: (() => { const c = cycle(s2); return () => S2[side]({ code: c(), org: department }); })(), probe: (first) => S2[side]({ code: s2[0], org: department }, { first }), normalize: S2.normalize,
  });
  const all: Plan[] = [
    {
      id: 'S1', title: S1.title, connections: CONNECTIONS,
      targets: {
        raw: s1Target('raw'),
        'raw+log': s1Target('raw'),
        gateway: s1Target('gateway'),
        'gateway-quiet': s1Target('gateway'),
        'gateway-interpreted': s1Target('gateway'),
        ...(NOFOLD ? { 'gateway-nofold': s1Target('gateway') } : {}),
        ...(NOLOG ? { 'gateway-nolog': s1Target('gateway') } : {}),
        postgraphile: {
          next: (() => { const c = cycle(s1); return () => graphqlCall(pgq.s1Body(c()), pgq.S1_HEADERS); })(),
          probe: () => graphqlCall(pgq.s1Body(s1[0]), pgq.S1_HEADERS),
          normalize: (body) => comparableSubject(pgq.normalizeS1(body)),
        },
      },
    },
    {
      id: 'S2', title: S2.title, connections: CONNECTIONS,
      targets: {
        raw: s2Target('raw'),
        'raw+log': s2Target('raw'),
        gateway: s2Target('gateway'),
        'gateway-interpreted': s2Target('gateway'),
        ...(NOFOLD ? { 'gateway-nofold': s2Target('gateway') } : {}),
        ...(NOLOG ? { 'gateway-nolog': s2Target('gateway') } : {}),
        postgraphile: {
          next: (() => { const c = cycle(s2); return () => graphqlCall(pgq.s2Body(c()), pgq.s2Headers(department)); })(),
          probe: () => graphqlCall(pgq.s2Body(s2[0]), pgq.s2Headers(department)),
          normalize: (body) => comparableSubject(pgq.normalizeS2(body)),
        },
      },
    },
    {
      id: 'S3', title: S3.title, connections: CONNECTIONS,
      targets: {
        raw: { next: (() => { const c = cycle(searches); return () => searchCall('raw', c()); })(), probe: (first) => searchCall('raw', searches[0], first), normalize: S3.normalize },
        gateway: { next: (() => { const c = cycle(searches); return () => searchCall('gateway', c()); })(), probe: (first) => searchCall('gateway', searches[0], first), normalize: S3.normalize },
        // first pages of the counted terms only: PostGraphile pages with its own cursors, and reads every subject for a
        // two-character term (its search is a LIKE under row-level security)
        ...(POSTGRAPHILE_S3 ? {
          postgraphile: {
            next: (() => { const c = cycle(searchTermsOf(manifest)); return () => graphqlCall(pgq.s3Body(c()), pgq.S3_HEADERS); })(),
            probe: () => graphqlCall(pgq.s3Body(searches[0].q), pgq.S3_HEADERS),
            normalize: (body: unknown) => comparableSearch(pgq.normalizeS3(body)),
          },
        } : {}),
      },
    },
    {
      id: 'S4', title: S4.title, connections: CONNECTIONS,
      targets: {
        raw: { next: (() => { const c = cycle(logPages); return () => S4.raw({ org: auditor, from, to, ...c() }); })(), probe: (first) => S4.raw({ org: auditor, from, to }, { first }), normalize: S4.normalize },
        gateway: { next: (() => { const c = cycle(logPages); return () => S4.gateway({ org: auditor, from, to, ...c() }); })(), probe: (first) => S4.gateway({ org: auditor, from, to }, { first }), normalize: S4.normalize },
      },
    },
    {
      id: 'S5', title: S5.title, connections: num('S5_CONNECTIONS', 4), rowsPerRequest: S5.defaultFirst,
      targets: {
        raw: { next: () => S5.raw({ org: department, rows: rawS5() }), probe: () => S5.raw({ org: department, rows: rawS5() }), normalize: S5.normalize },
        gateway: { next: () => S5.gateway({ org: department, rows: gatewayS5() }), probe: () => S5.gateway({ org: department, rows: gatewayS5() }), normalize: S5.normalize },
      },
    },
  ];
  return all.filter((plan) => SCENARIO_IDS.includes(plan.id));
}

/** S1/S2 answers compared on what every target returns: code, total, record ids in order, source codes. */
function comparableSubject(answer: { code: string; totalCount: number; recordIds: string[]; sourceCodes: string[] } | null) {
  if (!answer) return null;
  return { ...answer, sourceCodes: [...new Set(answer.sourceCodes)].sort() };
}

function comparableSearch(answer: { totalCount: number; codes: string[] }) {
  return { totalCount: answer.totalCount, codes: answer.codes };
}

function normalizedFor(plan: Plan, target: TargetName, body: unknown): unknown {
  const normalized = plan.targets[target]!.normalize(body);
  if (plan.id === 'S3') return comparableSearch(normalized as { totalCount: number; codes: string[] });
  if (plan.id === 'S1' || plan.id === 'S2') return comparableSubject(normalized as never);
  return normalized;
}

async function startTargets(url: string, names: TargetName[]): Promise<Map<TargetName, ServerProcess>> {
  // every target as deployed: production mode (graphql-js skips its development-only checks), the same pool size
  const env = { DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '10', NODE_ENV: 'production' };
  const servers = new Map<TargetName, ServerProcess>();
  for (const name of names) {
    const script = name.startsWith('raw') ? 'bench/servers/raw.ts' : name.startsWith('gateway') ? 'bench/servers/gateway.ts' : 'bench/postgraphile/server.mjs';
    const variant = GATEWAY_VARIANTS[name];
    const extra: Record<string, string> = name.startsWith('raw') ? { RAW_ACCESS_LOG: rawAccessLogFor(name) }
      : name === 'gateway-quiet' ? { OBSERVABILITY: 'off' }
        // the gateway as deployed logs one line per request (O1, to a file as a log shipper would read it) and keeps
        // metrics (O2); each comparator of GATEWAY_VARIANTS does so too, with its one setting changed
        : variant ? { OBSERVABILITY: 'on', LOG_FILE: path.join(tmpdir(), `cqg-bench-${name}-${process.pid}.log`), ...variant } : {};
    // GATEWAY_NODE_OPTIONS: Node flags for the gateway targets only (e.g. heap tuning), the comparators unchanged
    if (name.startsWith('gateway') && process.env.GATEWAY_NODE_OPTIONS) extra.NODE_OPTIONS = process.env.GATEWAY_NODE_OPTIONS;
    if (PHASES) extra.PHASES_DIR = phasesDir;
    servers.set(name, await startServer(name, script, { ...env, ...extra }, { nodeFlags: PHASES ? ['--import', PHASE_HOOK] : [] }));
  }
  return servers;
}

const origin = (server: ServerProcess) => new URL(server.url).origin;

interface Probe {
  statements: Partial<Record<TargetName, number>>;
  /** gateway statements per request at a small and at the default page size */
  pageSizes?: { small: number; large: number; first: [number, number] };
}

/** Answers agree; statements per request, counted by a protocol proxy (never during load runs). */
async function probePhase(url: string, manifest: CityManifest, names: TargetName[]): Promise<{ probes: Map<ScenarioId, Probe>; pages: Awaited<ReturnType<typeof secondPages>> }> {
  const proxy = await startCountingProxy(url);
  const servers = await startTargets(proxy.url, names);
  const probes = new Map<ScenarioId, Probe>();
  try {
    const pages = await secondPages(origin(servers.get('gateway')!), manifest);
    for (const plan of plans(manifest, pages)) {
      const probe: Probe = { statements: {} };
      let reference: unknown;
      for (const name of names) {
        const target = plan.targets[name];
        const server = servers.get(name);
        if (!target || !server) continue;
        const answer = await send(origin(server), target.probe());
        if (answer.status !== 200) throw new Error(`${plan.id} ${name}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        const normalized = normalizedFor(plan, name, answer.body);
        if (plan.id !== 'S5') {
          if (reference === undefined) reference = normalized;
          else if (!isDeepStrictEqual(normalized, reference)) {
            throw new Error(`${plan.id}: ${name} answers differently from raw:\n${JSON.stringify(normalized).slice(0, 600)}\n${JSON.stringify(reference).slice(0, 600)}`);
          }
        } else if ((normalized as { accepted: number }).accepted !== S5.defaultFirst) {
          throw new Error(`S5 ${name}: accepted ${(normalized as { accepted: number }).accepted} of ${S5.defaultFirst}`);
        }
        const n = plan.id === 'S5' ? 2 : 10;
        proxy.reset();
        for (let i = 0; i < n; i += 1) {
          const call = target.next();
          const reply = await send(origin(server), call);
          if (reply.status !== 200) throw new Error(`${plan.id} ${name}: HTTP ${reply.status}`);
        }
        probe.statements[name] = proxy.statements() / n;
      }
      if (plan.id !== 'S5') {
        const gateway = plan.targets.gateway!;
        const sizes: [number, number] = plan.id === 'S4' ? [5, 50] : [5, 20];
        const counts: number[] = [];
        for (const first of sizes) {
          proxy.reset();
          await send(origin(servers.get('gateway')!), gateway.probe(first));
          counts.push(proxy.statements());
        }
        probe.pageSizes = { small: counts[0], large: counts[1], first: sizes };
      }
      probes.set(plan.id, probe);
      console.log(`probe ${plan.id}: answers agree (${Object.keys(probe.statements).join(', ')}); statements/request ${JSON.stringify(probe.statements)}${probe.pageSizes ? `; gateway at first=${probe.pageSizes.first[0]}: ${probe.pageSizes.small}, first=${probe.pageSizes.first[1]}: ${probe.pageSizes.large}` : ''}`);
    }
    return { probes, pages };
  } finally {
    for (const server of servers.values()) await server.stop();
    await proxy.close();
  }
}

interface RunResult extends LoadResult {
  nodeMsPerRequest: number;
  postgresMsPerRequest: number;
}

async function loadRun(plan: Plan, name: TargetName, server: ServerProcess, seconds: number): Promise<RunResult> {
  const target = plan.targets[name]!;
  const before = cpuSnapshot(server.child.pid!);
  const result = await loadCalls(origin(server), { connections: plan.connections, seconds, next: target.next });
  const spent = cpuSpent(before, cpuSnapshot(server.child.pid!));
  const total = Math.max(result.total, 1);
  return { ...result, nodeMsPerRequest: (spent.server * 1000) / total, postgresMsPerRequest: (spent.postgres * 1000) / total };
}

/**
 * The records S5 filed (sourceRefs `bench-…`) are removed before and after a run and the table vacuumed, so that
 * every run reads the generated data set with an up-to-date visibility map.
 */
async function removeFilingRuns(url: string): Promise<void> {
  const database = await openDatabase({ url });
  try {
    await queryRows(database.db, sql`DELETE FROM record_versions WHERE record_id IN (SELECT id FROM records WHERE source_ref LIKE 'bench-%')`);
    const removed = await queryRows<{ n: number }>(database.db, sql`WITH gone AS (DELETE FROM records WHERE source_ref LIKE 'bench-%' RETURNING 1) SELECT count(*)::int AS n FROM gone`);
    await queryRows(database.db, sql`VACUUM (ANALYZE) records`);
    console.log(`filing runs removed: ${removed[0]?.n ?? 0} records; records vacuumed`);
  } finally {
    await database.close();
  }
}

/** A reused data set is brought up to the current migrations (e.g. a new index) before anything runs on it. */
async function migrateReused(url: string): Promise<void> {
  const started = Date.now();
  const database = await openDatabase({ url });
  try {
    await migrateDatabase(database);
    // the search postings (migration 0014) are read index-only: their visibility map must be set (autovacuum may be
    // off on a benchmark server, as it is here)
    await queryRows(database.db, sql`VACUUM (ANALYZE) subject_name_grams`);
  } finally {
    await database.close();
  }
  console.log(`migrations current, search postings vacuumed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/**
 * Every comparator on the same footing: JIT off for the whole database (the gateway turns it off on its own
 * connections anyway; raw and PostGraphile would otherwise pay JIT compilation on large plans).
 */
async function setJitOff(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const database = await openDatabase({ url });
  try {
    await queryRows(database.db, sql.raw(`ALTER DATABASE ${name} SET jit = off`));
  } finally {
    await database.close();
  }
}

function ensurePostgraphileInstalled(): void {
  if (existsSync('bench/postgraphile/node_modules/postgraphile')) return;
  console.log('installing bench/postgraphile (npm ci --prefix bench/postgraphile) …');
  execFileSync('npm', ['ci', '--prefix', 'bench/postgraphile', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

export async function runCity(): Promise<void> {
  const started = Date.now();
  const url = databaseUrl(CITY.db, DEFAULT_PG);
  const manifest = await generateCity(url, { subjects: CITY.subjects, records: CITY.records, events: CITY.events, seed: CITY.seed, log: (line) => console.log(`  ${line}`) });
  console.log(`data: ${CITY.db} — ${CITY.subjects} subjects, ${CITY.records} records, ${CITY.events} events (ready after ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  await migrateReused(url);
  await removeFilingRuns(url);
  ensurePostgraphileInstalled();
  await setupPostgraphile(url);
  await setJitOff(url);
  const names: TargetName[] = ['raw', 'raw+log', 'gateway', 'gateway-quiet', 'gateway-interpreted', ...(NOFOLD ? ['gateway-nofold' as const] : []), ...(NOLOG ? ['gateway-nolog' as const] : []), 'postgraphile'];
  const { probes, pages } = await probePhase(url, manifest, names);
  const servers = await startTargets(url, names);
  const results = new Map<string, RunResult[]>();
  const openLoops = new Map<string, { rate: number; gateway: OpenLoopResult[]; raw: OpenLoopResult[]; rawLogged?: OpenLoopResult[]; noFold?: OpenLoopResult[]; noLog?: OpenLoopResult[] }>();
  const key = (id: ScenarioId, name: TargetName) => `${id}/${name}`;
  try {
    const scenarioPlans = plans(manifest, pages);
    for (const plan of scenarioPlans) {
      for (const name of names) {
        if (!plan.targets[name]) continue;
        await loadRun(plan, name, servers.get(name)!, WARMUP);
        await quiesce(url);
      }
    }
    // the reads first, every round; the filing runs (S5) after them, so that rows they write never sit under a
    // read scenario's index-only counts (this server runs without autovacuum)
    const passes = [scenarioPlans.filter((plan) => plan.id !== 'S5'), scenarioPlans.filter((plan) => plan.id === 'S5')];
    for (const [index, pass] of passes.entries()) {
      for (let round = 0; round < ROUNDS; round++) await closedLoopRound(pass, round);
      // issue 18: open-loop latency after the read rounds (their saturation throughput sets the rate), before
      // the filings write rows under the read scenarios' index-only counts
      if (index === 0) await openLoopPhase(pass);
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  await removeFilingRuns(url);

  async function closedLoopRound(pass: Plan[], round: number): Promise<void> {
    for (const plan of pass) {
      const present = names.filter((n) => plan.targets[n]);
      const order = [...present.slice(round % present.length), ...present.slice(0, round % present.length)];
      for (const name of order) {
        // correctness probe before each run: one request, the same answer as the probe phase's raw answer
        const target = plan.targets[name]!;
        const check = await send(origin(servers.get(name)!), target.probe());
        if (check.status !== 200) throw new Error(`${plan.id} ${name}: probe before the run got HTTP ${check.status}`);
        normalizedFor(plan, name, check.body);
        const result = await loadRun(plan, name, servers.get(name)!, SECONDS);
        const leftovers = await quiesce(url);
        if (leftovers) console.log(`  (${leftovers} statements of ${name}'s timed-out requests, still running, were cancelled)`);
        // the gateway and the raw baseline must answer every request; a comparator that cannot (PostGraphile's
        // S3 scans every subject under RLS and times out at city scale) is reported with its errors
        if ((result.errors || result.non2xx) && name !== 'postgraphile') throw new Error(`${plan.id} ${name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
        results.set(key(plan.id, name), [...(results.get(key(plan.id, name)) ?? []), result]);
        console.log(`round ${round + 1} ${plan.id} ${name.padEnd(12)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  node ${result.nodeMsPerRequest.toFixed(2)} ms/req  pg ${result.postgresMsPerRequest.toFixed(2)} ms/req${result.errors ? `  ERRORS ${result.errors}` : ''}`);
      }
    }
  }

  /**
   * Every read scenario at a fixed offered rate: half of the gateway's own saturation throughput (the median of
   * its closed-loop runs above), gateway and raw at that same rate, in alternating order; then (issue 18 point
   * 2) the first page of two-character searches at 20 req/s.
   */
  /**
   * One open-loop measurement of a target: settle, a warm-up at the same rate, discarded (requests of the previous
   * saturation run still in flight drain, and the scenario's pages are read back into memory: S3 and S4 evict them
   * at city scale), then the measured run, which must answer every request with 2xx.
   */
  async function measureOpenLoop(label: string, name: TargetName, rate: number, next: () => HttpCall): Promise<OpenLoopResult & { cpu: { serverMs: number; othersMs: number; driverMs: number; postgresMs: number; busy: number }; phases: Phases | null }> {
    const target = origin(servers.get(name)!);
    await settle(url);
    await openLoop(target, { rate, seconds: OPEN_LOOP_WARMUP_SECONDS, next });
    if (PHASES) await startPhases(servers.get(name)!.child);
    // CPU during the measured run: the measured server's, the other (idle) comparators', this process's (the driver)
    const pids = new Map([...servers].map(([n, s]) => [n, s.child.pid!]));
    const before = new Map([...pids].map(([n, pid]) => [n, processSeconds(pid)]));
    const driverBefore = process.cpuUsage();
    const ticks = machineTicks();
    const postgres = cpuSnapshot(process.pid);
    const result = await openLoop(target, { rate, seconds: OPEN_LOOP_SECONDS, next });
    const driver = process.cpuUsage(driverBefore);
    const busy = coresBusy(ticks, machineTicks(), cpus().length);
    const postgresMs = Math.round(cpuSpent(postgres, cpuSnapshot(process.pid)).postgres * 1000);
    let others = 0;
    for (const [n, pid] of pids) if (n !== name) others += processSeconds(pid) - before.get(n)!;
    const cpu = { serverMs: Math.round((processSeconds(pids.get(name)!) - before.get(name)!) * 1000), othersMs: Math.round(others * 1000), driverMs: Math.round((driver.user + driver.system) / 1000), postgresMs, busy };
    // after the CPU readings: writing the report is the hook's own work
    const phases = PHASES ? await collectPhases(servers.get(name)!.child, phasesDir) : null;
    if (result.errors || result.non2xx) throw new Error(`${label} open loop: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
    return { ...result, cpu, phases };
  }

  async function openLoopPhase(pass: Plan[]): Promise<void> {
    for (const plan of pass) {
      const saturation = median((results.get(key(plan.id, 'gateway')) ?? []).map((r) => r.requestsPerSecond));
      const rate = Math.max(1, Math.round(saturation / 2));
      // raw+log too where the scenario has it: a response that must wait for its access events to be durable (L2)
      // pays a group commit, which raw does not; raw+log shows what that alone costs in latency
      const names = (['gateway', 'raw', 'raw+log', 'gateway-nofold', 'gateway-nolog'] as const).filter((name) => plan.targets[name]);
      const runs: Partial<Record<TargetName, OpenLoopResult[]>> = {};
      for (let round = 0; round < OPEN_LOOP_ROUNDS; round++) {
        // rotated as the closed-loop rounds are: each target opens one round (the first run after the saturated rounds
        // is the gateway's, and the heaviest it has: RESULTS 4i); reversing every other round put it first twice in three
        const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
        for (const name of order) {
          const result = await measureOpenLoop(`${plan.id} ${name}`, name, rate, plan.targets[name]!.next);
          (runs[name] ??= []).push(result);
          console.log(`round ${round + 1} ${plan.id} ${name.padEnd(12)} open loop at ${rate} req/s: p50 ${result.p50} ms  p99 ${result.p99} ms  answered ${result.answeredPerSecond} req/s  driver lag p99 ${result.sendLagP99} ms  CPU ms: server ${result.cpu.serverMs}, PostgreSQL ${result.cpu.postgresMs}, driver ${result.cpu.driverMs}, idle comparators ${result.cpu.othersMs}; machine ${result.cpu.busy} cores busy${retriedNote(result)}`);
          if (result.phases) console.log(`        phases: ${describePhases(result.phases)}`);
        }
      }
      openLoops.set(plan.id, { rate, gateway: runs.gateway!, raw: runs.raw!, rawLogged: runs['raw+log'], noFold: runs['gateway-nofold'], noLog: runs['gateway-nolog'] });
    }
    const search = pass.find((plan) => plan.id === 'S3');
    const terms = twoCharacterTermsOf(manifest);
    if (search && terms.length) {
      const rate = TWO_CHARACTER_RATE;
      const runs: Partial<Record<TargetName, OpenLoopResult[]>> = {};
      for (const name of ['gateway', 'raw'] as const) {
        // as the website's search box sends them: its own document (a page, no totalCount); raw without the count
        const next = (() => { const c = cycle(terms); return () => searchCall(name, { q: c(), after: null, typed: true }); })();
        const result = await measureOpenLoop(`S3 two-character ${name}`, name, rate, next);
        (runs[name] ??= []).push(result);
        console.log(`S3 two-character terms (${terms.join(', ')}) ${name.padEnd(8)} open loop at ${rate} req/s: p50 ${result.p50} ms  p99 ${result.p99} ms`);
      }
      openLoops.set('S3-two-character', { rate, gateway: runs.gateway!, raw: runs.raw! });
    }
  }

  const summary: Record<string, Record<string, unknown>> = {};
  const lines: string[] = [];
  const notes: string[] = [];
  const table: string[] = ['| scenario | target | req/s | rows/s | p50 ms | p99 ms | Node ms/req | PG ms/req | statements/req | errors |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const plan of plans(manifest, pages)) {
    const med = (name: TargetName) => {
      const runs = results.get(key(plan.id, name));
      if (!runs) return null;
      return {
        reqPerSec: median(runs.map((r) => r.requestsPerSecond)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        nodeMs: median(runs.map((r) => r.nodeMsPerRequest)),
        postgresMs: median(runs.map((r) => r.postgresMsPerRequest)),
        errors: runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
      };
    };
    const gateway = med('gateway')!;
    const raw = med('raw')!;
    const postgraphile = med('postgraphile');
    const rawLogged = med('raw+log');
    const quiet = med('gateway-quiet');
    const interpreted = med('gateway-interpreted');
    const noFold = med('gateway-nofold');
    const noLog = med('gateway-nolog');
    // issue 18: compiled execution of known documents against Apollo's interpreter, in the same run
    if (interpreted) notes.push(`${plan.id} compiled execution: gateway ${gateway.reqPerSec.toFixed(0)} req/s (node ${gateway.nodeMs.toFixed(2)} ms/req), interpreted ${interpreted.reqPerSec.toFixed(0)} req/s (node ${interpreted.nodeMs.toFixed(2)} ms/req); ×${(gateway.reqPerSec / interpreted.reqPerSec).toFixed(2)}`);
    // issue 18: the gateway without the fold (ACCESS_LOG_FOLDS=0), in the same run
    if (noFold) notes.push(`${plan.id} without the fold: gateway-nofold ${noFold.reqPerSec.toFixed(0)} req/s (node ${noFold.nodeMs.toFixed(2)} ms/req, pg ${noFold.postgresMs.toFixed(2)}), gateway ${gateway.reqPerSec.toFixed(0)} req/s (node ${gateway.nodeMs.toFixed(2)}, pg ${gateway.postgresMs.toFixed(2)})${rawLogged ? `; × raw+log ${(noFold.reqPerSec / rawLogged.reqPerSec).toFixed(2)} against ${(gateway.reqPerSec / rawLogged.reqPerSec).toFixed(2)}` : ''}`);
    // issue 18: the gateway storing no access event (benchmark only), in the same run: its own work against raw's
    if (noLog) notes.push(`${plan.id} without the access log: gateway-nolog ${noLog.reqPerSec.toFixed(0)} req/s (node ${noLog.nodeMs.toFixed(2)} ms/req, pg ${noLog.postgresMs.toFixed(2)}); × raw ${(noLog.reqPerSec / raw.reqPerSec).toFixed(2)}, the gateway ${(gateway.reqPerSec / raw.reqPerSec).toFixed(2)}${rawLogged ? `, raw+log ${(rawLogged.reqPerSec / raw.reqPerSec).toFixed(2)}` : ''}`);
    // O1/O2: what one log line per request and the metrics cost (issue 14: under 5 %)
    if (quiet) notes.push(`${plan.id} observability: gateway with request logs and metrics ${gateway.reqPerSec.toFixed(0)} req/s, without ${quiet.reqPerSec.toFixed(0)} req/s; overhead ${((1 - gateway.reqPerSec / quiet.reqPerSec) * 100).toFixed(1)} %`);
    const probe = probes.get(plan.id)!;
    summary[plan.id] = { raw, rawLogged, gateway, gatewayQuiet: quiet, gatewayInterpreted: interpreted, gatewayNoFold: noFold, gatewayNoLog: noLog, postgraphile, statements: probe.statements, pageSizes: probe.pageSizes };
    const fields = [`${plan.id} ratio_vs_raw=${(gateway.reqPerSec / raw.reqPerSec).toFixed(2)}`];
    if (postgraphile) fields.push(`ratio_vs_postgraphile=${(gateway.reqPerSec / postgraphile.reqPerSec).toFixed(2)}`);
    if (plan.rowsPerRequest) fields.push(`rows_per_s=${Math.round(gateway.reqPerSec * plan.rowsPerRequest)}`);
    fields.push(`p99_ms=${gateway.p99}`, `statements=${probe.statements.gateway}`);
    lines.push(fields.join(' '));
    const open = openLoops.get(plan.id);
    if (open) {
      const p = (runs: OpenLoopResult[], field: 'p50' | 'p99') => Math.round(median(runs.map((r) => r[field])) * 10) / 10;
      summary[plan.id].openLoop = { rate: open.rate, gateway: { p50: p(open.gateway, 'p50'), p99: p(open.gateway, 'p99') }, raw: { p50: p(open.raw, 'p50'), p99: p(open.raw, 'p99') },
        ...(open.rawLogged ? { rawLogged: { p50: p(open.rawLogged, 'p50'), p99: p(open.rawLogged, 'p99') } } : {}) };
      const logged = open.rawLogged ? ` p99_raw+log_ms=${p(open.rawLogged, 'p99')} p50_raw+log_ms=${p(open.rawLogged, 'p50')}` : '';
      lines.push(`${plan.id} open_loop rate=${open.rate} p99_ms=${p(open.gateway, 'p99')} p99_raw_ms=${p(open.raw, 'p99')} p50_ms=${p(open.gateway, 'p50')} p50_raw_ms=${p(open.raw, 'p50')}${logged}`);
      if (open.noFold) {
        (summary[plan.id].openLoop as Record<string, unknown>).noFold = { p50: p(open.noFold, 'p50'), p99: p(open.noFold, 'p99') };
        notes.push(`${plan.id} open loop without the fold (gateway-nofold, ACCESS_LOG_FOLDS=0): p99_ms=${p(open.noFold, 'p99')} p50_ms=${p(open.noFold, 'p50')} (gateway ${p(open.gateway, 'p99')} / ${p(open.gateway, 'p50')})`);
      }
      if (open.noLog) {
        // the split of the gateway's distance to raw: its own work (gateway-nolog ÷ raw), and storing each disclosure (raw+log ÷ raw)
        (summary[plan.id].openLoop as Record<string, unknown>).noLog = { p50: p(open.noLog, 'p50'), p99: p(open.noLog, 'p99') };
        const times = (runs: OpenLoopResult[]) => (p(runs, 'p99') / p(open.raw, 'p99')).toFixed(2);
        notes.push(`${plan.id} open loop without the access log (gateway-nolog, ACCESS_LOG=off, benchmark only): p99_ms=${p(open.noLog, 'p99')} p50_ms=${p(open.noLog, 'p50')}; p99 × raw: gateway-nolog ${times(open.noLog)}, gateway ${times(open.gateway)}${open.rawLogged ? `, raw+log ${times(open.rawLogged)}` : ''}`);
      }
    }
    const twoCharacter = plan.id === 'S3' ? openLoops.get('S3-two-character') : undefined;
    if (twoCharacter) {
      const p = (runs: OpenLoopResult[], field: 'p50' | 'p99') => Math.round(median(runs.map((r) => r[field])) * 10) / 10;
      summary[plan.id].twoCharacter = { rate: twoCharacter.rate, terms: twoCharacterTermsOf(manifest), gateway: { p50: p(twoCharacter.gateway, 'p50'), p99: p(twoCharacter.gateway, 'p99') }, raw: { p50: p(twoCharacter.raw, 'p50'), p99: p(twoCharacter.raw, 'p99') } };
      lines.push(`S3 two_character_first_page rate=${twoCharacter.rate} p99_ms=${p(twoCharacter.gateway, 'p99')} p99_raw_ms=${p(twoCharacter.raw, 'p99')}`);
    }
    // what the hardware allows a server that logs every disclosure: the ceiling of the gateway's PostGraphile ratio
    if (rawLogged && postgraphile) notes.push(`${plan.id} raw+log: ratio_vs_raw=${(rawLogged.reqPerSec / raw.reqPerSec).toFixed(2)} ratio_vs_postgraphile=${(rawLogged.reqPerSec / postgraphile.reqPerSec).toFixed(2)}; gateway vs raw+log ${(gateway.reqPerSec / rawLogged.reqPerSec).toFixed(2)}`);
    for (const [name, m] of [['raw', raw], ['raw+log', rawLogged], ['gateway', gateway], ['gateway-quiet', quiet], ['gateway-interpreted', interpreted], ['gateway-nofold', noFold], ['gateway-nolog', noLog], ['postgraphile', postgraphile]] as const) {
      if (!m) continue;
      const rows = plan.rowsPerRequest ? String(Math.round(m.reqPerSec * plan.rowsPerRequest)) : '';
      table.push(`| ${plan.id} | ${name} | ${m.reqPerSec.toFixed(0)} | ${rows} | ${m.p50} | ${m.p99} | ${m.nodeMs.toFixed(2)} | ${m.postgresMs.toFixed(2)} | ${probe.statements[name] ?? ''} | ${m.errors} |`);
    }
  }
  console.log(`\n${table.join('\n')}\n`);
  await mkdir('bench/results', { recursive: true });
  const file = `bench/results/city-${QUICK ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  await writeFile(file, JSON.stringify({
    machine: machine(), quick: QUICK, city: CITY, rounds: ROUNDS, openLoopRounds: OPEN_LOOP_ROUNDS, phaseHook: PHASES, seconds: SECONDS, connections: CONNECTIONS,
    manifest: { counts: manifest.counts, timings: manifest.timings, tableSizes: manifest.tableSizes },
    summary, runs: Object.fromEntries(results), openLoops: Object.fromEntries(openLoops),
  }, null, 2));
  console.log(`results: ${file} (${((Date.now() - started) / 1000).toFixed(0)} s in all)\n`);
  for (const line of lines) console.log(line);
  if (notes.length) console.log(`\n${notes.join('\n')}`);
}

if (process.argv[1]?.endsWith('run.ts')) {
  runCity().then(() => process.exit(0), (error) => {
    console.error(error);
    process.exit(1);
  });
}
