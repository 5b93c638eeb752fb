/**
 * Issue 3 §6: what the access log costs. The same gateway build with logging on and off, and the raw SQL
 * baseline (node:http + pg, the same SQL), each loaded alone in turn, interleaved over several rounds, on one
 * PostgreSQL database. Scenario: public `subject` by code with its 20 newest visible records.
 *
 *   npx tsx bench/access-log-cost.ts            (env: BENCH_DATABASE_URL, ROUNDS=3, BENCH_SECONDS=10, CONNECTIONS=32, SUBJECTS=300)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { generateUscc } from '../src/domain/identifiers.js';
import { load, machine, median, recreateDatabase, startServer, type LoadResult, type ServerProcess } from './support.js';
import { mulberry32 } from '../test/support/random.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);
const SUBJECTS = Number(process.env.SUBJECTS ?? 300);
const RECORDS_PER_SUBJECT = 30;

/** 300 enterprises × 30 records (licences, honours, GENERAL penalties, a few SHARED ratings), all recent. */
async function loadData(url: string): Promise<string[]> {
  const database = await openDatabase({ url });
  await migrateDatabase(database);
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO organizations (code, name, kind) VALUES ('BENCH-DEPT', 'Bench department', 'DEPARTMENT')`);
  const rand = mulberry32(42);
  const codes = Array.from({ length: SUBJECTS }, () => generateUscc(rand, '91'));
  await client.query(`INSERT INTO subjects (code, kind, name, address, legal_representative, registered_by)
    SELECT code, 'ENTERPRISE', '基准测试企业' || i || '有限公司', '韶关市', '张三', 'BENCH-DEPT'
    FROM unnest($1::text[]) WITH ORDINALITY AS t(code, i)`, [codes]);
  await client.query(`INSERT INTO records (subject_id, type, category, nature, severity, title, decided_at, disclosure,
      details, source_org, source_ref, content_hash)
    SELECT s.id, t.type, t.category, t.nature, t.severity, t.type || ' ' || g, now() - (g || ' days')::interval,
      t.disclosure, '{"internalNote":"x"}'::jsonb, 'BENCH-DEPT', s.code || '-' || g, md5(s.code || g)
    FROM subjects s CROSS JOIN generate_series(1, ${RECORDS_PER_SUBJECT}) g
    CROSS JOIN LATERAL (SELECT * FROM (VALUES
      (0, 'license', 'ADMINISTRATIVE', 'BASIC', NULL, 'PUBLIC'),
      (1, 'honor', 'HONOR', 'POSITIVE', NULL, 'PUBLIC'),
      (2, 'penalty', 'ADMINISTRATIVE', 'NEGATIVE', 'GENERAL', 'PUBLIC'),
      (3, 'tax-rating', 'EVALUATION', 'BASIC', NULL, 'SHARED')) v(k, type, category, nature, severity, disclosure)
      WHERE v.k = CASE WHEN g % 10 = 0 THEN 3 ELSE g % 3 END) t`);
  await client.query('ANALYZE');
  await client.end();
  return codes;
}

const QUERY = `query($code: String!) { subject(code: $code) { code kind name status address legalRepresentative view
  records(first: 20) { totalCount edges { node { id type category severity title summary decisionNumber decidedAt validFrom
  validUntil publicUntil disclosure status details source { code name } } } } } }`;

async function probe(target: ServerProcess, code: string): Promise<string[]> {
  const response = target.name === 'raw'
    ? await fetch(`${target.url}?code=${code}`)
    : await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY, variables: { code } }) });
  const body = (await response.json()) as { data?: { subject?: { records: { edges: { node: { id: string } }[] } } }; errors?: unknown };
  if (response.status !== 200 || body.errors || !body.data?.subject) throw new Error(`${target.name}: bad probe answer ${JSON.stringify(body).slice(0, 300)}`);
  return body.data.subject.records.edges.map((e) => e.node.id);
}

export async function runAccessLogCost(): Promise<Record<string, { reqPerSec: number; p50: number; p99: number }>> {
  const url = await recreateDatabase('cqg_bench_logcost');
  const started = Date.now();
  const codes = await loadData(url);
  console.log(`data: ${SUBJECTS} subjects × ${RECORDS_PER_SUBJECT} records loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const env = { DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '10' };
  const targets = [
    await startServer('raw', 'bench/servers/raw.ts', env),
    await startServer('logging-on', 'bench/servers/gateway.ts', { ...env, ACCESS_LOG: 'on' }),
    await startServer('logging-off', 'bench/servers/gateway.ts', { ...env, ACCESS_LOG: 'off' }),
  ];
  const results: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  try {
    const bodies = codes.map((code) => JSON.stringify({ query: QUERY, variables: { code } }));
    const paths = codes.map((code) => `/subject?code=${code}`);
    for (const target of targets) {
      const ids = await probe(target, codes[0]);
      const reference = await probe(targets[0], codes[0]);
      if (ids.length !== 20 || ids.join() !== reference.join()) throw new Error(`${target.name}: answer differs from the raw baseline`);
      await load(target.url, { connections: CONNECTIONS, seconds: 3, ...(target.name === 'raw' ? { paths } : { bodies }) }); // warm-up
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)];
      for (const target of order) {
        const result = await load(target.url, { connections: CONNECTIONS, seconds: SECONDS, ...(target.name === 'raw' ? { paths } : { bodies }) });
        if (result.errors || result.non2xx) throw new Error(`${target.name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
        results[target.name].push(result);
        console.log(`round ${round + 1} ${target.name.padEnd(12)} ${result.requestsPerSecond.toFixed(0)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms`);
      }
    }
    const events = await (async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM access_events');
      await client.end();
      return rows[0].n as number;
    })();
    const summary = Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, {
      reqPerSec: median(runs.map((r) => r.requestsPerSecond)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
    }]));
    const on = summary['logging-on'].reqPerSec;
    const off = summary['logging-off'].reqPerSec;
    const raw = summary.raw.reqPerSec;
    console.log('\nmedians over', ROUNDS, 'rounds:', JSON.stringify(summary));
    console.log(`logging on / off = ${(on / off).toFixed(3)}  (cost ${((1 - on / off) * 100).toFixed(1)} % of throughput; limit 33 %)`);
    console.log(`logging on / raw = ${(on / raw).toFixed(3)}, logging off / raw = ${(off / raw).toFixed(3)}`);
    console.log(`access events written: ${events}`);
    await mkdir('bench/results', { recursive: true });
    summaryOut = summary;
    await writeFile(`bench/results/access-log-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
      JSON.stringify({ machine: machine(), rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, results, summary, events }, null, 2));
  } finally {
    for (const target of targets) await target.stop();
  }
  return summaryOut;
}

let summaryOut: Record<string, { reqPerSec: number; p50: number; p99: number }> = {};

if (process.argv[1]?.endsWith('access-log-cost.ts')) {
  runAccessLogCost().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
