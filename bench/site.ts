/**
 * `npm run bench:site` — issue 16 point 5: the public credit website (SPEC §14) under load on the quick city data set
 * (20,000 subjects, 200,000 records, 200,000 access events; bench/city/generate.ts, generated once, then reused),
 * each page type against the same GraphQL operation called directly, in the same run and the same server.
 *
 *   npm run bench:site      env: ROUNDS (3), BENCH_SECONDS (5), WARMUP_SECONDS (2), CONNECTIONS (8), PAGES
 *                           (home,search,search-too-short,subject,list,not-found), CITY_* and BENCH_DATABASE_URL
 *                           as for bench:quick
 *
 * The server is `src/main.ts` as deployed (NODE_ENV=production, the website on, TRUSTED_DOCUMENTS=public with the
 * shipped allow-list, one log line per request to a file), the rate limit out of the way. Per page type:
 *   1. probe, behind a statement-counting proxy (bench/pg-count-proxy.ts) on a second server process: SQL
 *      statements per page and per its GraphQL operation (the site's trusted document, sent by hash with the
 *      variables the site sends), over the same samples; the page may add at most one statement per section;
 *   2. HTML size over every sample (and the subject with the most records): under 60,000 bytes;
 *   3. load: the page and the operation, each alone, one after the other in an order alternated each round; req/s
 *      and latencies are medians over the rounds, the ratio page / operation the median of each round's ratio.
 * Prints one line per page type, e.g.
 *   subject ratio_vs_graphql=0.62 page_rps=310 graphql_rps=500 p99_ms=180/120 statements=8/8 max_html_bytes=21000
 * and exits 1 when a bound fails. The numbers and their reading are in bench/RESULTS.md ("Public website").
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { LISTS } from '../src/web/groups.js';
import { readSiteDocumentIds } from '../src/web/manifest.js';
import { PAGE_SIZE, SECTION_SIZE } from '../src/web/site.js';
import { generateCity, type CityManifest } from './city/generate.js';
import { startCountingProxy } from './pg-count-proxy.js';
import type { HttpCall } from './scenarios.js';
import { databaseUrl, DEFAULT_PG, loadCalls, machine, median, startServer, type LoadResult, type ServerProcess } from './support.js';

const num = (name: string, fallback: number) => Number(process.env[name] || fallback);
const ROUNDS = num('ROUNDS', 3);
const SECONDS = num('BENCH_SECONDS', 5);
const WARMUP = num('WARMUP_SECONDS', 2);
/**
 * 8, not bench:quick's 32: the home and list pages take hundreds of milliseconds each on 2 cores (bench/RESULTS.md),
 * and 32 of them in flight answer nothing within a 5 s run
 */
const CONNECTIONS = num('CONNECTIONS', 8);
const HTML_LIMIT_BYTES = 60_000;
/** requests per target in the statement probe */
const PROBE_REQUESTS = 10;
const CITY = {
  db: process.env.CITY_DB ?? 'cqg_bench_city_quick',
  subjects: num('CITY_SUBJECTS', 20_000),
  records: num('CITY_RECORDS', 200_000),
  events: num('CITY_EVENTS', 200_000),
  seed: num('CITY_SEED', 7),
};

interface Operation {
  name: string;
  variables: Record<string, unknown>;
}

/** One page type: the page for a sample, and the GraphQL operation the site runs for it (none: no data needed). */
interface PageType {
  name: string;
  /** the sections of the page that show data: the statement bound's allowance */
  sections: number;
  status: number;
  samples: readonly unknown[];
  path(sample: unknown): string;
  operation?(sample: unknown): Operation;
}

const documentIds = readSiteDocumentIds();

function pageCall(path: string): HttpCall {
  return { method: 'GET', path, headers: { accept: 'text/html' } };
}

function operationCall(operation: Operation): HttpCall {
  const sha256Hash = documentIds.get(operation.name);
  if (!sha256Hash) throw new Error(`${operation.name} is not in schema/trusted-documents.json`);
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operationName: operation.name, variables: operation.variables, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
  };
}

/** The search terms bench:quick uses for S3: 3 or more characters, matching at most 5 % of subjects (run.ts). */
function searchTerms(manifest: CityManifest): string[] {
  const limit = 0.05 * manifest.options.subjects;
  const chosen = manifest.searchTerms.filter((term) => [...term].length >= 3 && (manifest.searchTermMatches[term] ?? 0) <= limit);
  return chosen.length ? chosen : manifest.searchTerms;
}

function pageTypes(manifest: CityManifest): PageType[] {
  const terms = searchTerms(manifest);
  const codes = manifest.s1Codes;
  const all: PageType[] = [
    { name: 'home', sections: 2, status: 200, samples: [null], path: () => '/', operation: () => ({ name: 'HomeNotices', variables: { first: SECTION_SIZE } }) },
    {
      name: 'search', sections: 1, status: 200, samples: terms,
      path: (q) => `/search?q=${encodeURIComponent(q as string)}`,
      operation: (q) => ({ name: 'SearchSubjects', variables: { query: q, first: PAGE_SIZE, after: null } }),
    },
    // answered by the site alone (HTTP 400), without an API call
    { name: 'search-too-short', sections: 0, status: 400, samples: ['材', 'a', '9'], path: (q) => `/search?q=${encodeURIComponent(q as string)}` },
    {
      name: 'subject', sections: 6, status: 200, samples: codes,
      path: (code) => `/subjects/${code as string}`,
      operation: (code) => ({ name: 'SubjectPage', variables: { code, first: SECTION_SIZE } }),
    },
    {
      name: 'list', sections: 1, status: 200, samples: LISTS,
      path: (list) => `/lists/${(list as (typeof LISTS)[number]).slug}`,
      operation: (list) => ({ name: 'ListPage', variables: { types: (list as (typeof LISTS)[number]).types, first: PAGE_SIZE, after: null } }),
    },
    { name: 'not-found', sections: 0, status: 404, samples: ['/no-such-page', '/subjects/x/y', '/lists'], path: (p) => p as string },
  ];
  const wanted = (process.env.PAGES ?? all.map((p) => p.name).join(',')).split(',').map((s) => s.trim());
  return all.filter((page) => wanted.includes(page.name));
}

type Target = 'page' | 'graphql';

/** requests per second as printed: one decimal below 10 */
const rps = (value: number): string => value.toFixed(value < 10 ? 1 : 0);

function callsOf(page: PageType, target: Target): () => HttpCall {
  let i = 0;
  return () => {
    const sample = page.samples[i++ % page.samples.length];
    return target === 'page' ? pageCall(page.path(sample)) : operationCall(page.operation!(sample));
  };
}

async function fetchCall(origin: string, call: HttpCall): Promise<{ status: number; text: string; bytes: number }> {
  const response = await fetch(`${origin}${call.path}`, { method: call.method, headers: call.headers, body: call.body });
  const buffer = Buffer.from(await response.arrayBuffer());
  return { status: response.status, text: buffer.toString('utf8'), bytes: buffer.length };
}

/** Checks one answer: the page's status and an HTML document; the operation's data without errors. */
function checkAnswer(page: PageType, target: Target, answer: { status: number; text: string }): void {
  if (target === 'page') {
    if (answer.status !== page.status || !answer.text.startsWith('<!doctype html>')) {
      throw new Error(`${page.name}: the page answered HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
    }
    return;
  }
  const body = JSON.parse(answer.text) as { data?: unknown; errors?: unknown };
  if (answer.status !== 200 || body.errors || !body.data) throw new Error(`${page.name}: the operation answered HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
}

function startGateway(url: string, logFile: string): Promise<ServerProcess> {
  const logFd = openSync(logFile, 'a');
  try {
    return startServer('gateway', 'src/main.ts', {
      DATABASE_URL: url, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
      SEED_DEMO: '0', SITE: '1', TRUSTED_DOCUMENTS: 'public', DATABASE_POOL_SIZE: '10',
      RATE_LIMIT_PER_SECOND: '0', LOG_LEVEL: 'info', GRAPHQL_IDE: '0',
    }, { ready: /listening on (\S+)/, stderr: logFd, timeoutMs: 180_000 });
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
}

interface Probe {
  pageStatements: number;
  graphqlStatements: number | null;
  htmlMaxBytes: number;
  htmlMedianBytes: number;
  jsonMedianBytes: number | null;
}

/** Statements per request (a counting proxy in front of PostgreSQL, its own server process) and HTML sizes. */
async function probePhase(url: string, pages: PageType[], manifest: CityManifest, logFile: string): Promise<Map<string, Probe>> {
  const proxy = await startCountingProxy(url);
  const server = await startGateway(proxy.url, logFile);
  const origin = new URL(server.url).origin;
  const probes = new Map<string, Probe>();
  try {
    for (const page of pages) {
      const targets: Target[] = page.operation ? ['page', 'graphql'] : ['page'];
      // warm: every connection of the pool opened and set up before counting
      for (const target of targets) {
        const next = callsOf(page, target);
        await Promise.all(Array.from({ length: 12 }, async () => checkAnswer(page, target, await fetchCall(origin, next()))));
      }
      const counted: Record<Target, number | null> = { page: null, graphql: null };
      for (const target of targets) {
        const next = callsOf(page, target);
        proxy.reset();
        for (let i = 0; i < PROBE_REQUESTS; i += 1) checkAnswer(page, target, await fetchCall(origin, next()));
        counted[target] = proxy.statements() / PROBE_REQUESTS;
      }
      // sizes over every sample (the subject page also for the subject with the most records)
      const samples = page.name === 'subject' ? [...page.samples, manifest.heavySubjectCode] : page.samples;
      const html: number[] = [];
      const json: number[] = [];
      for (const sample of samples) {
        const answer = await fetchCall(origin, pageCall(page.path(sample)));
        checkAnswer(page, 'page', answer);
        html.push(answer.bytes);
        if (page.operation) json.push((await fetchCall(origin, operationCall(page.operation(sample)))).bytes);
      }
      const probe: Probe = {
        pageStatements: counted.page!, graphqlStatements: counted.graphql,
        htmlMaxBytes: Math.max(...html), htmlMedianBytes: Math.round(median(html)), jsonMedianBytes: json.length ? Math.round(median(json)) : null,
      };
      probes.set(page.name, probe);
      console.log(`probe ${page.name}: statements/request page ${probe.pageStatements}, GraphQL ${probe.graphqlStatements ?? '-'}; `
        + `HTML ${probe.htmlMedianBytes} bytes median, ${probe.htmlMaxBytes} max over ${html.length} samples${probe.jsonMedianBytes ? `; JSON ${probe.jsonMedianBytes} median` : ''}`);
    }
    return probes;
  } finally {
    await server.stop();
    await proxy.close();
  }
}

export async function runSiteBench(): Promise<boolean> {
  const started = Date.now();
  const url = databaseUrl(CITY.db, DEFAULT_PG);
  const manifest = await generateCity(url, { ...CITY, log: (line) => console.log(`  ${line}`) });
  console.log(`data: ${CITY.db} — ${CITY.subjects} subjects, ${CITY.records} records, ${CITY.events} events`);
  const pages = pageTypes(manifest);
  const logFile = path.join(tmpdir(), `cqg-bench-site-${process.pid}.log`);
  const probes = await probePhase(url, pages, manifest, logFile);

  const server = await startGateway(url, logFile);
  const origin = new URL(server.url).origin;
  const runs = new Map<string, LoadResult[]>();
  const key = (page: PageType, target: Target) => `${page.name}/${target}`;
  try {
    for (const page of pages) {
      for (const target of page.operation ? (['page', 'graphql'] as const) : (['page'] as const)) {
        await loadCalls(origin, { connections: CONNECTIONS, seconds: WARMUP, next: callsOf(page, target) });
      }
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const page of pages) {
        const targets: Target[] = page.operation ? ['page', 'graphql'] : ['page'];
        const order = round % 2 ? [...targets].reverse() : targets;
        for (const target of order) {
          // one request first: the right answer, before the load
          checkAnswer(page, target, await fetchCall(origin, callsOf(page, target)()));
          const result = await loadCalls(origin, { connections: CONNECTIONS, seconds: SECONDS, next: callsOf(page, target) });
          const expectedNon2xx = page.status >= 400;
          if (result.errors || (!expectedNon2xx && result.non2xx)) throw new Error(`${page.name} ${target}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
          runs.set(key(page, target), [...(runs.get(key(page, target)) ?? []), result]);
          console.log(`round ${round + 1} ${page.name.padEnd(16)} ${target.padEnd(7)} ${rps(result.requestsPerSecond).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  (${result.total} answers)`);
        }
      }
    }
  } finally {
    await server.stop();
  }

  const lines: string[] = [];
  const failures: string[] = [];
  const table = [
    '| page | page req/s | GraphQL req/s | ratio | page p50 / p99 ms | GraphQL p50 / p99 ms | statements page / GraphQL (bound) | HTML median / max bytes | JSON median bytes |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const summary: Record<string, unknown> = {};
  for (const page of pages) {
    const med = (target: Target) => {
      const results = runs.get(key(page, target));
      if (!results) return null;
      return {
        rps: median(results.map((r) => r.requestsPerSecond)), p50: median(results.map((r) => r.p50)), p99: median(results.map((r) => r.p99)),
        total: median(results.map((r) => r.total)),
      };
    };
    const shown = med('page')!;
    const direct = med('graphql');
    const probe = probes.get(page.name)!;
    const bound = (probe.graphqlStatements ?? 0) + page.sections;
    const statementsOk = probe.pageStatements <= bound;
    const sizeOk = probe.htmlMaxBytes < HTML_LIMIT_BYTES;
    if (!statementsOk) failures.push(`${page.name}: ${probe.pageStatements} statements per page, more than its GraphQL operation's ${probe.graphqlStatements ?? 0} + ${page.sections} section(s)`);
    if (!sizeOk) failures.push(`${page.name}: ${probe.htmlMaxBytes} bytes of HTML, not under ${HTML_LIMIT_BYTES}`);
    // the ratio of each round's pair of runs (adjacent in time, so under the same load of a shared machine), median
    const pageRuns = runs.get(key(page, 'page')) ?? [];
    const graphqlRuns = runs.get(key(page, 'graphql')) ?? [];
    const roundRatios = graphqlRuns.flatMap((g, i) => (g.requestsPerSecond > 0 && pageRuns[i] ? [pageRuns[i].requestsPerSecond / g.requestsPerSecond] : []));
    const ratio = roundRatios.length ? median(roundRatios) : null;
    for (const [target, m] of [['page', shown], ['GraphQL', direct]] as const) {
      if (m && m.total === 0) failures.push(`${page.name}: the ${target} answered nothing within a ${SECONDS} s run (CONNECTIONS=${CONNECTIONS})`);
    }
    summary[page.name] = { page: shown, graphql: direct, ratio, roundRatios, probe, sections: page.sections, runs: { page: runs.get(key(page, 'page')), graphql: runs.get(key(page, 'graphql')) } };
    lines.push([
      page.name,
      `ratio_vs_graphql=${ratio === null ? '-' : ratio.toFixed(2)}`,
      `page_rps=${rps(shown.rps)}`,
      `graphql_rps=${direct ? rps(direct.rps) : '-'}`,
      `p99_ms=${shown.p99}/${direct ? direct.p99 : '-'}`,
      `statements=${probe.pageStatements}/${probe.graphqlStatements ?? '-'}${statementsOk ? '' : ` OVER(${bound})`}`,
      `max_html_bytes=${probe.htmlMaxBytes}${sizeOk ? '' : ' OVER'}`,
    ].join(' '));
    table.push(`| ${page.name} | ${rps(shown.rps)} | ${direct ? rps(direct.rps) : '–'} | ${ratio === null ? '–' : ratio.toFixed(2)} | ${shown.p50} / ${shown.p99} | ${direct ? `${direct.p50} / ${direct.p99}` : '–'} | ${probe.pageStatements} / ${probe.graphqlStatements ?? '–'} (≤ ${bound}) | ${probe.htmlMedianBytes} / ${probe.htmlMaxBytes} | ${probe.jsonMedianBytes ?? '–'} |`);
  }
  const nproc = (() => {
    try {
      return execFileSync('nproc', { encoding: 'utf8' }).trim();
    } catch {
      return String(os.availableParallelism());
    }
  })();
  console.log(`\nmachine: nproc ${nproc}, ${machine()}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${ROUNDS} round(s) of ${SECONDS} s, ${CONNECTIONS} connections, medians\n\n${table.join('\n')}\n`);
  await mkdir('bench/results', { recursive: true });
  const file = `bench/results/site-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  await writeFile(file, JSON.stringify({ machine: machine(), nproc, city: CITY, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, summary }, null, 2));
  console.log(`results: ${file}; server log: ${logFile} (${((Date.now() - started) / 1000).toFixed(0)} s in all)\n`);
  for (const line of lines) console.log(line);
  if (failures.length) console.error(`\nbounds failed:\n  ${failures.join('\n  ')}`);
  return failures.length === 0;
}

runSiteBench().then((ok) => process.exit(ok ? 0 : 1), (error) => {
  console.error(error);
  process.exit(1);
});
