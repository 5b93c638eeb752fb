/**
 * Issue 18: the PostgreSQL time of one access-log append (`append_access_events`, SPEC L1–L3), the function of
 * migration 0015 against the one of migration 0003, in the same run on the same database. Both are created side by
 * side (0003's under the suffix `_0003`, its text read from migrations/0003_access_log.sql) and driven by pgbench,
 * one statement per transaction as the gateway's writer sends them, rounds alternated.
 *
 * Batches: one event carrying 20 record ids (what S1 and S2 log per request), 8 such events (a group commit under
 * load), 20 events without record ids (an S3 search page).
 *
 *   npm run bench:append            (env: BENCH_DATABASE_URL, ROUNDS=3, BENCH_SECONDS=8, CLIENTS=1)
 *
 * Needs `pgbench` (Debian: postgresql-client).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase, MIGRATIONS_FOLDER } from '../src/db/migrate.js';
import { machine, median, recreateDatabase } from './support.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.CLIENTS ?? 1);

const event = (i: number, recordIds: string[]) => ({
  at: new Date(Date.UTC(2026, 11, 4, 10, 0, 0, i)).toISOString(), requestId: `bench-${i}`, actor: 'officer-1', role: 'DEPARTMENT',
  orgCode: 'BENCH-DEPT', view: 'DEPARTMENT', purposeKind: 'ADMINISTRATIVE_LICENSING', purposeReference: `LIC-${i}`, grantId: null,
  subjectCode: `91440200MA${String(i).padStart(8, '0')}`, recordIds, operationName: 'S2',
});
const ids = Array.from({ length: 20 }, (_, i) => `0192f0c4-7a3b-7c10-8000-${String(i).padStart(12, '0')}`);
const BATCHES = {
  'one event, 20 record ids': [event(1, ids)],
  'eight events, 20 record ids each': Array.from({ length: 8 }, (_, i) => event(i, ids)),
  'twenty events, no record ids': Array.from({ length: 20 }, (_, i) => event(i, [])),
};

/** 0003's two functions under new names: what the gateway ran before migration 0015. */
async function createOldFunctions(client: pg.Client): Promise<void> {
  const text = await readFile(path.join(MIGRATIONS_FOLDER, '0003_access_log.sql'), 'utf8');
  const statements = text.split('--> statement-breakpoint').filter((s) => /CREATE FUNCTION (access_event_canonical|append_access_events)\(/.test(s));
  if (statements.length !== 2) throw new Error('migrations/0003_access_log.sql: expected the two functions');
  for (const statement of statements) {
    await client.query(statement
      .replace('CREATE FUNCTION access_event_canonical(', 'CREATE FUNCTION access_event_canonical_0003(')
      .replace('CREATE FUNCTION append_access_events(', 'CREATE FUNCTION append_access_events_0003(')
      .replace('access_event_canonical(\n', 'access_event_canonical_0003(\n'));
  }
  const body = (await client.query(`SELECT prosrc FROM pg_proc WHERE proname = 'append_access_events_0003'`)).rows[0].prosrc as string;
  if (!body.includes('access_event_canonical_0003(')) throw new Error('append_access_events_0003 does not call the old canonical');
}

/** pgbench's average latency (ms) of one script */
function pgbench(url: string, script: string): number {
  const out = execFileSync('pgbench', ['-n', '-c', String(CLIENTS), '-j', String(CLIENTS), '-T', String(SECONDS), '-f', script, url], { encoding: 'utf8' });
  const match = /latency average = ([\d.]+) ms/.exec(out);
  if (!match) throw new Error(`pgbench printed no latency:\n${out}`);
  return Number(match[1]);
}

if (!process.env.BENCH_DATABASE_URL && !process.env.DATABASE_URL) console.log('(BENCH_DATABASE_URL unset: the local PostgreSQL)');
const url = await recreateDatabase('cqg_bench_append');
const database = await openDatabase({ url });
await migrateDatabase(database);
await database.close();
const client = new pg.Client({ connectionString: url });
await client.connect();
await createOldFunctions(client);
const dir = await mkdtemp(path.join(os.tmpdir(), 'cqg-append-'));
const results: Record<string, { before: number[]; after: number[] }> = {};
for (const [label, batch] of Object.entries(BATCHES)) {
  results[label] = { before: [], after: [] };
  const json = JSON.stringify(batch).replaceAll("'", "''");
  for (const [version, fn] of [['before', 'append_access_events_0003'], ['after', 'append_access_events']] as const) {
    await writeFile(path.join(dir, `${version}-${batch.length}-${batch[0].recordIds.length}.sql`), `SELECT count(*) FROM ${fn}('${json}'::jsonb);\n`);
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, batch] of Object.entries(BATCHES)) {
    const order = round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const version of order) {
      const ms = pgbench(url, path.join(dir, `${version}-${batch.length}-${batch[0].recordIds.length}.sql`));
      results[label][version].push(ms);
      console.log(`round ${round + 1} ${label.padEnd(34)} ${version.padEnd(6)} ${ms} ms per append`);
    }
  }
}
// the chain both functions wrote is one chain: verify it end to end with the new canonical
const broken = await client.query(`SELECT count(*)::int AS n FROM (SELECT hash, prev_hash, lag(hash) OVER (ORDER BY sequence) AS before,
    encode(sha256(convert_to(prev_hash || access_event_canonical(sequence, at, request_id, actor, role, org_code, view, purpose_kind,
      purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash), 'UTF8')), 'hex') AS recomputed FROM access_events) x
  WHERE hash <> recomputed OR prev_hash <> coalesce(before, repeat('0', 64))`);
const events = (await client.query(`SELECT count(*)::int AS n FROM access_events`)).rows[0].n as number;
await client.end();
console.log(`\n${machine()}; pgbench -c ${CLIENTS}, ${SECONDS} s per run, ${ROUNDS} rounds; ${events} events appended, ${broken.rows[0].n} broken links`);
const summary: Record<string, { before: number; after: number; ratio: number }> = {};
for (const [label, { before, after }] of Object.entries(results)) {
  summary[label] = { before: median(before), after: median(after), ratio: Math.round((median(after) / median(before)) * 100) / 100 };
  console.log(`append ${label}: before ${summary[label].before} ms, after ${summary[label].after} ms (× ${summary[label].ratio})`);
}
if (broken.rows[0].n !== 0) throw new Error('the chain written by the benchmark does not verify');
await mkdir('bench/results', { recursive: true });
await writeFile(`bench/results/append-${new Date().toISOString().replaceAll(':', '-')}.json`, JSON.stringify({ machine: machine(), clients: CLIENTS, seconds: SECONDS, rounds: ROUNDS, results, summary }, null, 2));
