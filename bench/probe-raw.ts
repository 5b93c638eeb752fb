/**
 * Proves the raw baseline (bench/servers/raw.ts) against the gateway on a small database: for S1–S4 the
 * normalized answers (bench/scenarios.ts) — and the full `data` — are equal, and SQL statements per request
 * are counted through bench/pg-count-proxy.ts, for two page sizes (they must not differ); for S5 one batch of
 * 1000 rows goes to each side and the stored rows are compared.
 *
 *   npx tsx bench/probe-raw.ts      (env: BENCH_DATABASE_URL; REQUESTS=10 per measurement)
 */
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { generateUscc } from '../src/domain/identifiers.js';
import { mulberry32 } from '../test/support/random.js';
import { startCountingProxy, type CountingProxy } from './pg-count-proxy.js';
import { recreateDatabase, startServer, type ServerProcess } from './support.js';
import { recordRows, S1, S2, S3, S4, S5, send, type HttpCall, type Scenario } from './scenarios.js';

const REQUESTS = Number(process.env.REQUESTS ?? 10);
const SUBJECTS = 300;
const RECORDS_PER_SUBJECT = 30;
const DEPT = 'BENCH-DEPT';
const DEPT_2 = 'BENCH-DEPT-2';
const AUDIT = 'BENCH-AUDIT';
const EVENTS = 400;

/**
 * bench/access-log-cost.ts's data (300 enterprises × 30 records) with two source departments, a few
 * SUBJECT_ONLY records (a department sees only its own: the org reaches the scope), an audit office, and
 * EVENTS access events spread over the last 10 days (written through append_access_events).
 */
async function loadData(url: string): Promise<{ codes: string[]; eventsFrom: string; eventsTo: string }> {
  const database = await openDatabase({ url });
  await migrateDatabase(database);
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO organizations (code, name, kind) VALUES ($1, '基准部门一', 'DEPARTMENT'), ($2, '基准部门二', 'DEPARTMENT'),
    ($3, '基准审计', 'AUDIT_OFFICE')`, [DEPT, DEPT_2, AUDIT]);
  const rand = mulberry32(42);
  const codes = Array.from({ length: SUBJECTS }, () => generateUscc(rand, '91'));
  await client.query(`INSERT INTO subjects (code, kind, name, address, legal_representative, legal_representative_id, registered_by)
    SELECT code, 'ENTERPRISE', '基准测试企业' || i || '有限公司', '韶关市', '张三', '44020019800101001X', $2
    FROM unnest($1::text[]) WITH ORDINALITY AS t(code, i)`, [codes, DEPT]);
  await client.query(`INSERT INTO records (subject_id, type, category, nature, severity, title, decided_at, disclosure,
      details, source_org, source_ref, content_hash)
    SELECT s.id, t.type, t.category, t.nature, t.severity, t.type || ' ' || g, now() - (g || ' days')::interval,
      CASE WHEN g % 10 = 5 THEN 'SUBJECT_ONLY' ELSE t.disclosure END, jsonb_build_object('note', g),
      CASE WHEN g % 2 = 0 THEN $1 ELSE $2 END, s.code || '-' || g, md5(s.code || g)
    FROM subjects s CROSS JOIN generate_series(1, ${RECORDS_PER_SUBJECT}) g
    CROSS JOIN LATERAL (SELECT * FROM (VALUES
      (0, 'license', 'ADMINISTRATIVE', 'BASIC', NULL, 'PUBLIC'),
      (1, 'honor', 'HONOR', 'POSITIVE', NULL, 'PUBLIC'),
      (2, 'penalty', 'ADMINISTRATIVE', 'NEGATIVE', 'GENERAL', 'PUBLIC'),
      (3, 'tax-rating', 'EVALUATION', 'BASIC', NULL, 'SHARED')) v(k, type, category, nature, severity, disclosure)
      WHERE v.k = CASE WHEN g % 10 = 0 THEN 3 ELSE g % 3 END) t`, [DEPT, DEPT_2]);
  const start = Date.now() - 10 * 86_400_000;
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    at: new Date(start + i * Math.floor((9 * 86_400_000) / EVENTS)).toISOString(), requestId: `probe-${i}`,
    actor: i % 3 ? 'officer-1' : null, role: i % 3 ? 'department' : 'public', orgCode: i % 3 ? (i % 2 ? DEPT : DEPT_2) : null,
    view: i % 3 ? 'DEPARTMENT' : 'PUBLIC', purposeKind: i % 3 ? 'LICENSING' : null, purposeReference: i % 3 ? `REF-${i}` : null,
    grantId: null, subjectCode: codes[i % codes.length], recordIds: [], operationName: 'subject',
  }));
  await client.query('SELECT count(*) FROM append_access_events($1::jsonb)', [JSON.stringify(events)]);
  await client.query('ANALYZE');
  await client.end();
  return { codes, eventsFrom: new Date(start - 60_000).toISOString(), eventsTo: new Date(start + 9 * 86_400_000).toISOString() };
}

async function call(target: ServerProcess, request: HttpCall): Promise<unknown> {
  const answer = await send(new URL(target.url).origin, request);
  if (answer.status !== 200) throw new Error(`${target.name}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return answer.body;
}

interface Sides {
  raw: ServerProcess;
  gateway: ServerProcess;
  proxy: CountingProxy;
}

/**
 * `inputs` one after another on one side, counting statements; returns statements per request and the bodies.
 * Sequential requests: the gateway's access-log append is awaited before its response, so nothing is in flight.
 */
async function measure<I>(sides: Sides, side: 'raw' | 'gateway', scenario: Scenario<I, unknown>, inputs: I[], first?: number) {
  const before = sides.proxy.statements();
  const bodies: unknown[] = [];
  for (const input of inputs) bodies.push(await call(sides[side], scenario[side](input, first === undefined ? {} : { first })));
  return { perRequest: (sides.proxy.statements() - before) / inputs.length, bodies };
}

async function compare<I>(sides: Sides, scenario: Scenario<I, unknown>, inputs: I[], first: number): Promise<{ raw: number; gateway: number }> {
  const raw = await measure(sides, 'raw', scenario, inputs, first);
  const gateway = await measure(sides, 'gateway', scenario, inputs, first);
  inputs.forEach((input, i) => {
    const [r, g] = [scenario.normalize(raw.bodies[i]), scenario.normalize(gateway.bodies[i])];
    if (!isDeepStrictEqual(r, g)) throw new Error(`${scenario.id} first=${first} ${JSON.stringify(input)}: raw ${JSON.stringify(r)} ≠ gateway ${JSON.stringify(g)}`);
    const [rd, gd] = [(raw.bodies[i] as { data: unknown }).data, (gateway.bodies[i] as { data: unknown }).data];
    if (!isDeepStrictEqual(rd, gd)) throw new Error(`${scenario.id} first=${first}: same normalized answer but different data\nraw     ${JSON.stringify(rd).slice(0, 1500)}\ngateway ${JSON.stringify(gd).slice(0, 1500)}`);
  });
  return { raw: raw.perRequest, gateway: gateway.perRequest };
}

/**
 * Walks up to `pages` pages with the gateway's cursors; the inputs of each page (the first has no cursor). Stops
 * at the last non-empty page: an empty page discloses nothing and looks up no organisation (fewer statements).
 */
async function pageInputs<I extends object>(sides: Sides, scenario: Scenario<I, unknown>, base: I, first: number, pages: number,
  pick: (data: any) => { pageInfo: { hasNextPage: boolean; endCursor: string | null } }): Promise<I[]> {
  const inputs: I[] = [base];
  while (inputs.length < pages) {
    const body = await call(sides.gateway, scenario.gateway(inputs.at(-1)!, { first })) as { data: unknown };
    const { hasNextPage, endCursor } = pick(body.data).pageInfo;
    if (!hasNextPage || !endCursor) break;
    inputs.push({ ...base, after: endCursor } as I);
  }
  return inputs;
}

async function main(): Promise<void> {
  let started = Date.now();
  const url = await recreateDatabase('cqg_bench_probe_raw');
  const { codes, eventsFrom, eventsTo } = await loadData(url);
  console.log(`data: ${SUBJECTS} subjects × ${RECORDS_PER_SUBJECT} records, ${EVENTS} access events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const proxy = await startCountingProxy(url);
  const env = { DATABASE_URL: proxy.url, JWT_SECRET: 'bench-secret', POOL_SIZE: '4' };
  const sides: Sides = { proxy, raw: await startServer('raw', 'bench/servers/raw.ts', env), gateway: await startServer('gateway', 'bench/servers/gateway.ts', env) };
  const lines: string[] = [];
  try {
    started = Date.now();
    const subjects = codes.slice(0, REQUESTS).map((code) => ({ code }));
    const search = { q: '基准测试企业1' };
    const range = { org: AUDIT, from: eventsFrom, to: eventsTo };
    const cases: [Scenario<any, unknown>, (first: number) => Promise<unknown[]>, number[]][] = [
      [S1, async () => subjects, [5, 20]],
      [S2, async () => subjects.map((s) => ({ ...s, org: DEPT })), [5, 20]],
      [S3, (first) => pageInputs(sides, S3, search, first, REQUESTS, (d) => d.searchSubjects), [5, 20]],
      [S4, (first) => pageInputs(sides, S4, range, first, REQUESTS, (d) => d.accessLog), [5, 50]],
    ];
    for (const [scenario, inputsFor, sizes] of cases) {
      const counts: string[] = [];
      const perSize: { raw: number; gateway: number }[] = [];
      for (const first of sizes) {
        const inputs = await inputsFor(first);
        const result = await compare(sides, scenario, inputs, first);
        perSize.push(result);
        counts.push(`first=${first}: raw ${result.raw.toFixed(2)} gateway ${result.gateway.toFixed(2)} (${inputs.length} requests)`);
      }
      const flat = perSize.every((r) => r.raw === perSize[0].raw && r.gateway === perSize[0].gateway);
      lines.push(`${scenario.id} answers equal; statements/request ${counts.join('; ')}${flat ? '' : '  ← CHANGES WITH PAGE SIZE'}`);
      console.log(lines.at(-1));
    }
    // S5: one batch of 1000 rows each, same content, different sourceRefs; then the stored rows are compared
    const filed: Record<string, number> = {};
    for (const side of ['raw', 'gateway'] as const) {
      const rows = recordRows(codes, 1000, `PROBE-${side}-${Date.now()}`);
      const before = proxy.statements();
      const body = await call(sides[side], S5[side]({ org: DEPT, rows }));
      filed[side] = proxy.statements() - before;
      const answer = S5.normalize(body);
      if (answer.accepted !== 1000 || answer.errors) throw new Error(`S5 ${side}: ${JSON.stringify(answer)}`);
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(`SELECT split_part(source_ref, '-', 2) AS side, count(*)::int AS n,
        md5(string_agg(concat_ws('|', subject_id, type, category, nature, severity, title, summary, decision_number, decided_at, valid_from,
          valid_until, legal_basis, amount, grade, group_code, disclosure, details, source_org, content_hash, status, version),
          ',' ORDER BY split_part(source_ref, '-', 4)::int)) AS digest
      FROM records WHERE source_ref LIKE 'PROBE-%' GROUP BY 1 ORDER BY 1`);
    await client.end();
    if (rows.length !== 2 || rows[0].n !== 1000 || rows[1].n !== 1000 || rows[0].digest !== rows[1].digest) {
      throw new Error(`S5: stored rows differ between raw and gateway: ${JSON.stringify(rows)}`);
    }
    lines.push(`S5 1000 rows accepted by both, stored rows identical (but ids, sourceRefs, timestamps); statements/request raw ${filed.raw} gateway ${filed.gateway}`);
    console.log(lines.at(-1));
    console.log(`probe took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await sides.raw.stop();
    await sides.gateway.stop();
    await proxy.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
