import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';

/**
 * Issue 17 §4: `exchange:export` of 1,000,000 changes stays under 300 MB of memory. Seeds a PostgreSQL database of
 * its own with N records (default 1,000,000; every one a FILED change, the trigger of migration 0013 writes them),
 * then runs the real command (`node --import tsx src/modules/exchange/cli.ts export`, what `npm run exchange:export`
 * runs) as a child process and samples its peak resident memory (VmHWM in /proc/<pid>/status) while it streams the
 * file. Prints one line: `export changes=… seconds=… changes_per_s=… peak_rss_mb=… file_mb=…`.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:exchange-memory [-- 1000000]
 */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOTAL = Number(process.argv[2] ?? 1_000_000);
const SUBJECTS = 20_000;
const CHUNK = 100_000;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function databaseUrl(name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const name = `cqg_bench_export_${process.pid}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = databaseUrl(name);
const dir = await mkdtemp(path.join(tmpdir(), 'cqg-export-mem-'));
try {
  const database = await openDatabase({ url, poolSize: 2 });
  await migrateDatabase(database);
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = Date.now();
  await client.query(`INSERT INTO organizations (code, name, kind) VALUES ('SG-MARKET', '韶关市市场监督管理局', 'DEPARTMENT'),
    ('GD-PROVINCE', '广东省公共信用信息管理系统', 'PEER_PLATFORM')`);
  await client.query(`INSERT INTO subjects (code, kind, name, registered_by)
    SELECT '91' || lpad(i::text, 16, '0'), 'ENTERPRISE', '韶关市测试企业' || i || '有限公司', 'SG-MARKET' FROM generate_series(1, ${SUBJECTS}) i`);
  for (let from = 0; from < TOTAL; from += CHUNK) {
    const to = Math.min(TOTAL, from + CHUNK);
    await client.query(`INSERT INTO records (subject_id, type, category, nature, title, summary, decision_number, decided_at,
        valid_from, disclosure, details, source_org, source_ref, content_hash)
      SELECT s.id, 'license', 'ADMINISTRATIVE', 'POSITIVE', '食品经营许可证', '经营项目：预包装食品销售（含冷藏冷冻食品）',
        '韶市监许〔2026〕' || i || '号', timestamptz '2026-01-05 09:00+08' + (i || ' seconds')::interval, timestamptz '2026-01-05 09:00+08',
        CASE WHEN i % 5 = 0 THEN 'SHARED' ELSE 'PUBLIC' END, jsonb_build_object('caseOfficer', '王' || (i % 97)),
        'SG-MARKET', 'LIC-' || i, md5(i::text)
      FROM generate_series(${from + 1}, ${to}) i JOIN subjects s ON s.id = 1 + (i % ${SUBJECTS})`);
    process.stderr.write(`\rseeded ${to} records`);
  }
  process.stderr.write(`\nseeded in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  const { rows: [{ changes }] } = await client.query(`SELECT count(*)::int AS changes FROM record_changes`);
  await client.query('VACUUM ANALYZE records');
  await client.query('VACUUM ANALYZE record_changes');
  await client.end();

  const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const out = path.join(dir, 'changes.ndjson');
  const env = { ...process.env, DATABASE_URL: url, CURSOR_SECRET: 'bench-cursor-secret-0123456789abcdef', EXCHANGE_SIGNING_KEY: key, SEED_DEMO: '0' };
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', 'src/modules/exchange/cli.ts', 'export', '--peer', 'GD-PROVINCE', '--out', out],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let peakKb = 0;
  const sampler = setInterval(async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
  }, 50);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  const seconds = (Date.now() - t0) / 1000;
  if (code !== 0) throw new Error(`export exited with ${code}: ${stdout}`);
  const { size } = await stat(out);
  process.stdout.write(`${stdout.trim()}\n`);
  process.stdout.write(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (free ${(freemem() / 2 ** 30).toFixed(1)})\n`);
  process.stdout.write(`export changes=${changes} seconds=${seconds.toFixed(1)} changes_per_s=${Math.round(changes / seconds)} peak_rss_mb=${(peakKb / 1024).toFixed(0)} file_mb=${(size / 2 ** 20).toFixed(0)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
