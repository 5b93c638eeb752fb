/**
 * Issue 6 §4: 1,000,000 records through the NDJSON importer on PostgreSQL — rows/s and peak memory (RSS of the
 * importer process) — against a plain INSERT … SELECT FROM unnest(...) of the same rows, in the same run.
 *
 *   npx tsx bench/import-scale.ts      (env: ROWS=1000000, SUBJECTS=20000, BENCH_DATABASE_URL)
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { generateUscc } from '../src/domain/identifiers.js';
import { readLines } from '../src/modules/ingest/ndjson.js';
import { machine, recreateDatabase } from './support.js';
import { mulberry32 } from '../test/support/random.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const SUBJECTS = Number(process.env.SUBJECTS ?? 20_000);
const ORG = 'BENCH-IMPORT';

async function prepare(name: string, codes: string[]): Promise<string> {
  const url = await recreateDatabase(name);
  const database = await openDatabase({ url });
  await migrateDatabase(database);
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO organizations (code, name, kind) VALUES ($1, 'Bench import department', 'DEPARTMENT')`, [ORG]);
  await client.query(`INSERT INTO subjects (code, kind, name, registered_by) SELECT c, 'ENTERPRISE', '导入基准' || i || '有限公司', $2
    FROM unnest($1::text[]) WITH ORDINALITY AS t(c, i)`, [codes, ORG]);
  await client.end();
  return url;
}

const TYPES = [
  { type: 'license', severity: null }, { type: 'penalty', severity: 'GENERAL' }, { type: 'honor', severity: null },
  { type: 'commitment', severity: null }, { type: 'tax-rating', severity: null, grade: 'B' }, { type: 'penalty', severity: 'SERIOUS' },
];

async function writeFile(file: string, codes: string[]): Promise<void> {
  const rand = mulberry32(7);
  const out = createWriteStream(file);
  for (let i = 0; i < ROWS; i += 1) {
    const t = TYPES[i % TYPES.length];
    const day = 1 + Math.floor(rand() * 27);
    const line = JSON.stringify({
      subjectCode: codes[Math.floor(rand() * codes.length)], type: t.type, sourceRef: `BENCH-${i}`, title: `${t.type} 第${i}号`,
      decisionNumber: `韶市监〔2025〕${i}号`, decidedAt: `2025-0${1 + (i % 9)}-${String(day).padStart(2, '0')}T10:00:00+08:00`,
      ...(t.severity ? { severity: t.severity } : {}), ...(t.grade ? { grade: t.grade } : {}), details: { batch: Math.floor(i / 1000) },
    });
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

/** The importer CLI in its own process, started exactly as `npm run import` starts it; peak RSS (VmHWM) from /proc. */
async function runImporter(url: string, file: string): Promise<{ seconds: number; peakMb: number; stdout: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--max-old-space-size=160', '--import', 'tsx', 'src/modules/ingest/import.cli.ts', '--org', ORG, '--file', file, '--batch', process.env.BATCH ?? '5000'], {
    env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout!.on('data', (chunk) => void (stdout += chunk));
  let peakKb = 0;
  const timer = setInterval(async () => {
    try {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch { /* exited */ }
  }, 100);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`importer exited with ${code}: ${stdout}`);
  return { seconds: (Date.now() - started) / 1000, peakMb: peakKb / 1024, stdout: stdout.trim() };
}

/** The raw baseline: the same rows, parsed from the same file, INSERT … SELECT FROM unnest in chunks of 5,000. */
async function runRaw(url: string, file: string): Promise<{ seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ids = new Map((await client.query('SELECT code, id FROM subjects')).rows.map((r) => [r.code, r.id]));
  const started = Date.now();
  let chunk: Record<string, unknown>[] = [];
  const flush = async () => {
    if (!chunk.length) return;
    const col = (f: (r: Record<string, unknown>) => unknown) => chunk.map(f);
    await client.query(`INSERT INTO records (subject_id, type, category, nature, severity, title, decision_number, decided_at, grade,
        disclosure, details, source_org, source_ref, content_hash)
      SELECT u.s, u.t, ct.category, ct.nature, u.sev, u.title, u.dn, u.d, u.g, ct.loosest_disclosure, u.det, $12, u.ref, md5(u.ref)
      FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::jsonb[], $9::text[], $10::int[], $11::int[])
        AS u(s, t, sev, title, dn, d, g, det, ref, x, y) JOIN catalog_types ct ON ct.code = u.t`,
    [col((r) => ids.get(r.subjectCode)), col((r) => r.type), col((r) => r.severity ?? null), col((r) => r.title), col((r) => r.decisionNumber),
      col((r) => r.decidedAt), col((r) => r.grade ?? null), col((r) => JSON.stringify(r.details)), col((r) => r.sourceRef),
      col(() => 0), col(() => 0), ORG]);
    chunk = [];
  };
  for await (const line of readLines(file, 0, 1)) {
    if (!line.text) continue;
    chunk.push(JSON.parse(line.text));
    if (chunk.length >= 5000) await flush();
  }
  await flush();
  const seconds = (Date.now() - started) / 1000;
  await client.end();
  return { seconds };
}

async function count(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('SELECT count(*)::int AS n FROM records');
  await client.end();
  return rows[0].n;
}

async function main(): Promise<void> {
  const rand = mulberry32(11);
  const codes = Array.from({ length: SUBJECTS }, () => generateUscc(rand, '91'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cqg-import-bench-'));
  const file = path.join(dir, 'records.ndjson');
  try {
    let started = Date.now();
    await writeFile(file, codes);
    console.log(`generated ${ROWS} lines in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const [importUrl, rawUrl] = [await prepare('cqg_bench_import', codes), await prepare('cqg_bench_import_raw', codes)];
    const raw = await runRaw(rawUrl, file);
    const imported = await runImporter(importUrl, file);
    const [importedRows, rawRows] = [await count(importUrl), await count(rawUrl)];
    const importerRate = importedRows / imported.seconds;
    const rawRate = rawRows / raw.seconds;
    console.log(`machine: ${machine()}`);
    console.log(`importer: ${importedRows} rows in ${imported.seconds.toFixed(1)} s = ${importerRate.toFixed(0)} rows/s, peak RSS ${imported.peakMb.toFixed(0)} MB (${imported.stdout})`);
    console.log(`raw unnest: ${rawRows} rows in ${raw.seconds.toFixed(1)} s = ${rawRate.toFixed(0)} rows/s`);
    console.log(`importer / raw = ${(importerRate / rawRate).toFixed(2)} (target ≥ 0.5), peak memory limit 300 MB`);
    started = Date.now();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
