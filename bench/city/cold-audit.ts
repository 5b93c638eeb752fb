/**
 * Issue 18 point 3: an auditor's week of the access log (about 275,000 events at city scale) on a cold cache — its
 * first page (with `totalCount`) and the next pages (without), as an auditor's client pages it.
 *
 *   npm run bench:cold-audit      env: CITY_DB (cqg_bench_city), CITY_SUBJECTS/RECORDS/EVENTS/SEED as bench:city,
 *                                 COLD_RUNS (3), PAGES (5), FIRST (50), S4_RANGE_DAYS (7), PG_CLUSTER ("15 main")
 *
 * "Cold", before every run: PostgreSQL is restarted (`pg_ctlcluster … restart`: its shared buffers are empty) and
 * the operating system's page cache is dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`, as root). What could not
 * be done is said in the output. The restart stops every other session of that server: run it alone.
 * The gateway is started after the restart, so its own start-up reads (the catalog, its statements) are warm as in
 * production, and the access-log partitions and indexes are not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { S4, send } from '../scenarios.js';
import { auditorWeekOf, databaseUrl, DEFAULT_PG, machine, median, startServer } from '../support.js';
import { generateCity } from './generate.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CITY = {
  db: process.env.CITY_DB ?? 'cqg_bench_city',
  subjects: num('CITY_SUBJECTS', 1_000_000),
  records: num('CITY_RECORDS', 10_000_000),
  events: num('CITY_EVENTS', 20_000_000),
  seed: num('CITY_SEED', 7),
};
const RUNS = num('COLD_RUNS', 3);
const PAGES = num('PAGES', 5);
const FIRST = num('FIRST', 50);
const RANGE_DAYS = num('S4_RANGE_DAYS', 7);
const LIMIT_MS = 1000;

function cluster(): [string, string] {
  if (process.env.PG_CLUSTER) return process.env.PG_CLUSTER.split(/\s+/) as [string, string];
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  return [versions.sort().at(-1) ?? '15', 'main'];
}

/** Restarts PostgreSQL and drops the page cache; returns what was done. */
function makeCold(): string[] {
  const done: string[] = [];
  const [version, name] = cluster();
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'restart', '-m', 'fast'], { stdio: 'ignore' });
    done.push(`PostgreSQL ${version}/${name} restarted`);
  } catch (error) {
    done.push(`PostgreSQL NOT restarted (${(error as Error).message.split('\n')[0]})`);
  }
  try {
    execFileSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
    done.push('page cache dropped');
  } catch {
    done.push('page cache NOT dropped (needs root and a writable /proc/sys/vm/drop_caches)');
  }
  for (let i = 0; i < 60; i++) {
    try {
      execFileSync('pg_isready', ['-h', new URL(DEFAULT_PG).hostname, '-p', new URL(DEFAULT_PG).port || '5432', '-q']);
      break;
    } catch {
      execFileSync('sleep', ['0.5']);
    }
  }
  return done;
}

interface PageTiming { page: number; ms: number; events: number; status: number }

const url = databaseUrl(CITY.db, DEFAULT_PG);
const manifest = await generateCity(url, { ...CITY, log: (line) => console.log(`  ${line}`) });
const database = await openDatabase({ url });
await migrateDatabase(database);
await database.close();
const { from, to } = auditorWeekOf(manifest.accessLogRange, RANGE_DAYS);
const auditor = manifest.organizations.auditor;
console.log(`${CITY.db}: an auditor's ${RANGE_DAYS} days [${from}, ${to}], ${PAGES} pages of ${FIRST}, ${RUNS} cold runs`);

const runs: { cold: string[]; pages: PageTiming[]; total: number | null }[] = [];
for (let run = 0; run < RUNS; run++) {
  const cold = makeCold();
  const gateway = await startServer('gateway', 'bench/servers/gateway.ts', { DATABASE_URL: url, NODE_ENV: 'production' });
  const origin = new URL(gateway.url).origin;
  const pages: PageTiming[] = [];
  let after: string | null = null;
  let total: number | null = null;
  try {
    for (let page = 1; page <= PAGES; page++) {
      const started = performance.now();
      const answer = await send(origin, S4.gateway({ org: auditor, from, to, after }, { first: FIRST }));
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const log = (answer.body as { data?: { accessLog?: { totalCount?: number; edges: unknown[]; pageInfo: { endCursor: string | null } } } }).data?.accessLog;
      pages.push({ page, ms, events: log?.edges.length ?? 0, status: answer.status });
      if (page === 1) total = log?.totalCount ?? null;
      after = log?.pageInfo.endCursor ?? null;
      if (!after) break;
    }
  } finally {
    await gateway.stop();
  }
  runs.push({ cold, pages, total });
  console.log(`run ${run + 1} (${cold.join('; ')}): totalCount ${total}; ${pages.map((p) => `page ${p.page} ${p.ms} ms${p.status === 200 ? '' : ` HTTP ${p.status}`}`).join(', ')}`);
}

const firstPages = runs.map((r) => r.pages[0]?.ms ?? Infinity);
const nextPages = runs.flatMap((r) => r.pages.slice(1).map((p) => p.ms));
const failures = runs.flatMap((r) => r.pages).filter((p) => p.status !== 200 || p.events === 0).length;
const worst = Math.max(...firstPages, ...nextPages);
const round1 = (ms: number) => Math.round(ms * 10) / 10;
const line = `S4 cold_week events=${runs[0]?.total ?? 'n/a'} first_page_ms=${round1(median(firstPages))} next_page_ms=${nextPages.length ? round1(median(nextPages)) : 'n/a'} max_ms=${worst} failures=${failures} ${worst <= LIMIT_MS && failures === 0 ? 'ok' : 'MISSED'}`;
console.log(`\nmachine: ${machine()}\n${line}`);
writeFileSync(`bench/results/cold-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify({ machine: machine(), city: CITY, from, to, runs }, null, 2));
process.exit(worst <= LIMIT_MS && failures === 0 ? 0 : 1);
