/**
 * Issue 18: the PostgreSQL time of one access-log append (`append_access_events`, SPEC L1–L3) before and after
 * migrations 0015 (the append and its canonical text in PL/pgSQL) and 0016 (fewer index entries per event), in the
 * same run on the same server. Two databases: `after` is migrated to the newest; `before` is migrated the same and
 * then put back as migration 0014 left it — 0003's two functions (their text read from migrations/0003_access_log.sql)
 * and 0003's eight indexes. With `BEFORE=0016`, `before` is put back as 0016 left it instead (0015's append function),
 * to measure 0017 (one INSERT for all of an append's events). pgbench drives both with one statement per transaction,
 * as the gateway's writer sends them, rounds alternated.
 *
 * Batches: one event carrying 20 record ids (what S1 and S2 log per request), 8 such events (a group commit under
 * load), 20 public events without record ids (an S3 search page). The first two are a department's (organisation,
 * actor and purpose set), the third the public's.
 *
 *   npm run bench:append            (env: BENCH_DATABASE_URL, ROUNDS=3, BENCH_SECONDS=8, CLIENTS=1, BEFORE=0014)
 *
 * Needs `pgbench` (Debian: postgresql-client).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { migrationFunction, migrationStatements } from '../test/support/migration-sql.js';
import { machine, median, recreateDatabase } from './support.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.CLIENTS ?? 1);

const event = (i: number, recordIds: string[]) => ({
  at: new Date(Date.UTC(2026, 11, 4, 10, 0, 0, i)).toISOString(), requestId: `bench-${i}`, actor: 'officer-1', role: 'DEPARTMENT',
  orgCode: 'BENCH-DEPT', view: 'DEPARTMENT', purposeKind: 'ADMINISTRATIVE_LICENSING', purposeReference: `LIC-${i}`, grantId: null,
  subjectCode: `91440200MA${String(i).padStart(8, '0')}`, recordIds, operationName: 'S2',
});
const publicEvent = (i: number) => ({
  ...event(i, []), actor: null, role: 'PUBLIC', orgCode: null, view: 'PUBLIC', purposeKind: null, purposeReference: null, operationName: 'S3',
});
const ids = Array.from({ length: 20 }, (_, i) => `0192f0c4-7a3b-7c10-8000-${String(i).padStart(12, '0')}`);
const BATCHES = {
  'one event, 20 record ids': [event(1, ids)],
  'eight events, 20 record ids each': Array.from({ length: 8 }, (_, i) => event(i, ids)),
  'twenty public events, no record ids': Array.from({ length: 20 }, (_, i) => publicEvent(i)),
};

/**
 * What `before` is (BEFORE): `0014` (the default) the access log as migration 0014 left it, before 0015 and 0016;
 * `0016` as 0016 left it, before 0017 (one INSERT per event, 0015's append function).
 */
const BEFORE = process.env.BEFORE ?? '0014';
if (BEFORE !== '0014' && BEFORE !== '0016') throw new Error('BEFORE is 0014 or 0016');

/** Puts a migrated database back as migration 0016 left the access log: 0015's append function. */
async function restore0016(client: pg.Client): Promise<void> {
  await client.query(await migrationFunction('0015_access_log_append.sql', 'append_access_events', 'append_access_events'));
  const { rows } = await client.query(`SELECT prosrc FROM pg_proc WHERE proname = 'append_access_events'`);
  if (rows.length !== 1 || !/RETURN NEXT/.test(rows[0].prosrc)) throw new Error('before: expected 0015\'s append_access_events');
}

/** Puts a migrated database back as migration 0014 left the access log: 0003's functions and indexes. */
async function restore0014(client: pg.Client): Promise<void> {
  const statements = await migrationStatements('0003_access_log.sql');
  const indexes = statements.filter((s) => /CREATE INDEX "access_events_(sequence|org_at|actor_at|purpose_at)"/.test(s));
  if (indexes.length !== 4) throw new Error('migrations/0003_access_log.sql: expected four indexes');
  for (const name of ['access_event_canonical', 'append_access_events']) await client.query(await migrationFunction('0003_access_log.sql', name, name));
  for (const name of ['access_events_org_at', 'access_events_actor_at', 'access_events_purpose_at']) await client.query(`DROP INDEX ${name}`);
  for (const statement of indexes) await client.query(statement);
  const { rows } = await client.query(`SELECT (SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
      WHERE p.proname = 'access_event_canonical') AS lang,
    (SELECT count(*)::int FROM pg_indexes WHERE tablename = 'access_events') AS indexes`);
  if (rows[0].indexes !== 8 || rows[0].lang !== 'sql') throw new Error(`before: ${rows[0].indexes} indexes, canonical in ${rows[0].lang}; expected 8 and sql`);
}

/** 0003's canonical text as a function of this session only (pg_temp), to verify both chains by the original definition */
const CANONICAL_0003 = await migrationFunction('0003_access_log.sql', 'access_event_canonical', 'pg_temp.canonical_0003');

/** pgbench's average latency (ms) of one script */
function pgbench(url: string, script: string): number {
  const out = execFileSync('pgbench', ['-n', '-c', String(CLIENTS), '-j', String(CLIENTS), '-T', String(SECONDS), '-f', script, url], { encoding: 'utf8' });
  const match = /latency average = ([\d.]+) ms/.exec(out);
  if (!match) throw new Error(`pgbench printed no latency:\n${out}`);
  return Number(match[1]);
}

if (!process.env.BENCH_DATABASE_URL && !process.env.DATABASE_URL) console.log('(BENCH_DATABASE_URL unset: the local PostgreSQL)');
const urls = { before: await recreateDatabase('cqg_bench_append_before'), after: await recreateDatabase('cqg_bench_append_after') };
const clients: Record<'before' | 'after', pg.Client> = {} as never;
for (const version of ['before', 'after'] as const) {
  const database = await openDatabase({ url: urls[version] });
  await migrateDatabase(database);
  await database.close();
  clients[version] = new pg.Client({ connectionString: urls[version] });
  await clients[version].connect();
}
await (BEFORE === '0016' ? restore0016 : restore0014)(clients.before);
console.log(`before: the access log as migration ${BEFORE} left it; after: migrated to the newest`);
const dir = await mkdtemp(path.join(os.tmpdir(), 'cqg-append-'));
const results: Record<string, { before: number[]; after: number[] }> = {};
const scripts = new Map<string, string>();
for (const [label, batch] of Object.entries(BATCHES)) {
  results[label] = { before: [], after: [] };
  const file = path.join(dir, `${scripts.size}.sql`);
  await writeFile(file, `SELECT count(*) FROM append_access_events('${JSON.stringify(batch).replaceAll("'", "''")}'::jsonb);\n`);
  scripts.set(label, file);
}
for (let round = 0; round < ROUNDS; round++) {
  for (const label of Object.keys(BATCHES)) {
    const order = round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const version of order) {
      const ms = pgbench(urls[version], scripts.get(label)!);
      results[label][version].push(ms);
      console.log(`round ${round + 1} ${label.padEnd(34)} ${version.padEnd(6)} ${ms} ms per append`);
    }
  }
}
// each chain verifies end to end with the canonical text of 0003's function, which 0015's must equal
let events = 0;
let broken = 0;
for (const version of ['before', 'after'] as const) {
  const client = clients[version];
  await client.query(CANONICAL_0003);
  const check = await client.query(`SELECT count(*)::int AS events, count(*) FILTER (WHERE hash <> recomputed OR prev_hash <> coalesce(before, repeat('0', 64)))::int AS broken
    FROM (SELECT hash, prev_hash, lag(hash) OVER (ORDER BY sequence) AS before,
      encode(sha256(convert_to(prev_hash || pg_temp.canonical_0003(sequence, at, request_id, actor, role, org_code, view, purpose_kind,
        purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash), 'UTF8')), 'hex') AS recomputed FROM access_events) x`);
  events += check.rows[0].events;
  broken += check.rows[0].broken;
  await client.end();
}
console.log(`\n${machine()}; before = migration ${BEFORE}; pgbench -c ${CLIENTS}, ${SECONDS} s per run, ${ROUNDS} rounds; ${events} events appended, ${broken} broken links`);
const summary: Record<string, { before: number; after: number; ratio: number }> = {};
for (const [label, { before, after }] of Object.entries(results)) {
  summary[label] = { before: median(before), after: median(after), ratio: Math.round((median(after) / median(before)) * 100) / 100 };
  console.log(`append ${label}: before ${summary[label].before} ms, after ${summary[label].after} ms (× ${summary[label].ratio})`);
}
if (broken !== 0) throw new Error('the chain written by the benchmark does not verify');
await mkdir('bench/results', { recursive: true });
await writeFile(`bench/results/append-${new Date().toISOString().replaceAll(':', '-')}.json`, JSON.stringify({ machine: machine(), before: BEFORE, clients: CLIENTS, seconds: SECONDS, rounds: ROUNDS, results, summary }, null, 2));
