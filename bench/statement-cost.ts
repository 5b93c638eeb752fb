import fs from 'node:fs';
import pg from 'pg';
import { PUBLIC_VIEWER, type Standing } from '../policies/viewer.js';
import { createScopedAccess } from '../src/context/scoped-access.js';
import { findVisibleSubjectWithPage, findVisibleSubjectWithPageLogged } from '../src/modules/subjects/subjects.repository.js';
import { captureStatements } from './servers/raw/capture.js';
import { foldedText } from './servers/raw/handlers.js';
import { databaseUrl, DEFAULT_PG, loadQuickSample, machine, median } from './support.js';

/**
 * What one execution of S1's or S2's read costs PostgreSQL, statement by statement (issue 18, bench/RESULTS.md 4r): the
 * gateway's own SQL for the subject and its first records page, captured from its repository functions as the raw
 * baseline captures it (bench/servers/raw/capture.ts) with the scopes the gateway builds for the viewer — plain
 * (findVisibleSubjectWithPage), folded (findVisibleSubjectWithPageLogged: the access event appended by the same
 * statement) and raw+fold's folded form (bench/servers/raw/handlers.ts). Each is run as a named prepared statement (the
 * generic plan the gateway keeps) on ONE connection, cycling through bench:quick's sample, N times per pass, inside a
 * transaction that is rolled back (the folded appends leave nothing behind; no commit, so no WAL flush is counted).
 * PostgreSQL's CPU is that backend's own (/proc/<pid>/stat, 10 ms ticks: N × the statement must be well above that).
 *
 *   npx tsx bench/statement-cost.ts      env: SCENARIO (S1 | S2, default S1), N (1500), PASSES (4), CITY_DB (the quick
 *                                        one), EXPLAIN=1 (also print the plan of the plain read for the sample's 75th
 *                                        percentile subject by records)
 *
 * Reads /proc: the database must run on this machine (bench:quick's does).
 */
const scenario = process.env.SCENARIO === 'S2' ? 'S2' : 'S1';
const executions = Number(process.env.N ?? 1500);
const passes = Number(process.env.PASSES ?? 4);
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);

const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const { codes, department } = await loadQuickSample(client, scenario);
  if (codes.length === 0) throw new Error('the quick city is missing: run `npm run bench:quick` once');
  const now = new Date();
  const departmentView = scenario === 'S2';
  const standing: Standing = departmentView
    ? { viewer: { role: 'department', actor: 'bench-officer', orgCode: department, subjectCode: null }, purpose: { kind: 'LICENSING', reference: 'BENCH-1' }, grants: [] }
    : { viewer: PUBLIC_VIEWER, purpose: null, grants: [] };
  const access = createScopedAccess(undefined as never, standing, now);
  const page = { categories: null, types: null, after: null, limit: 20 };
  const event = JSON.stringify({
    at: now.toISOString(), requestId: 'bench-statement-cost', actor: departmentView ? 'bench-officer' : null, role: departmentView ? 'department' : 'public',
    orgCode: departmentView ? department : null, view: departmentView ? 'DEPARTMENT' : 'PUBLIC', purposeKind: departmentView ? 'LICENSING' : null,
    purposeReference: departmentView ? 'BENCH-1' : null, grantId: null, operationName: 'subject',
  });
  const CODE = 'BENCH-STATEMENT-COST-CODE';
  const [plain] = await captureStatements((db) => findVisibleSubjectWithPage(db, CODE, access.subjectScope, access.recordScope, page, now));
  // the capturing client answers with no rows, which the folded read takes for a failed append: its statement was recorded
  const [folded] = await captureStatements((db) => findVisibleSubjectWithPageLogged(db, CODE, access.subjectScope, access.recordScope, page, now, event).catch(() => null));
  const bind = (params: unknown[], code: string) => params.map((p) => (p === CODE ? code : p));
  const statements: { name: string; text: string; params: (code: string) => unknown[] }[] = [
    { name: 'plain read', text: plain.text, params: (code) => bind(plain.params, code) },
    { name: 'folded read (gateway)', text: folded.text, params: (code) => bind(folded.params, code) },
    { name: 'folded read (raw+fold)', text: foldedText(plain.text, plain.params.length, 'chain'), params: (code) => [...bind(plain.params, code), event, page.limit] },
  ];
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const cpuMs = () => {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in ticks of 10 ms
  };
  console.log(`machine: ${machine()}; ${scenario}, ${codes.length} codes, ${executions} executions × ${passes} passes per statement, one connection, rolled back`);
  const perStatement = new Map<string, number[]>();
  for (let pass = 0; pass < passes; pass++) {
    const order = pass % 2 ? [...statements].reverse() : statements;
    for (const [index, statement] of order.entries()) {
      const name = `bench_statement_cost_${statements.indexOf(statement)}`;
      await client.query('BEGIN');
      // past the five custom plans: what follows runs the generic plan, as the gateway's prepared statements do
      for (let i = 0; i < 10; i++) await client.query({ name, text: statement.text, values: statement.params(codes[i % codes.length]) });
      const before = cpuMs();
      const started = performance.now();
      for (let i = 0; i < executions; i++) await client.query({ name, text: statement.text, values: statement.params(codes[i % codes.length]) });
      const wallUs = ((performance.now() - started) / executions) * 1000;
      const us = ((cpuMs() - before) / executions) * 1000;
      await client.query('ROLLBACK');
      perStatement.set(statement.name, [...(perStatement.get(statement.name) ?? []), us]);
      console.log(`pass ${pass + 1}.${index + 1} ${statement.name.padEnd(24)} PostgreSQL ${us.toFixed(0).padStart(5)} µs  wall ${wallUs.toFixed(0).padStart(5)} µs per execution`);
    }
  }
  for (const [name, values] of perStatement) console.log(`${scenario} statement_cost "${name}" postgres_us=${median(values).toFixed(0)} passes=${values.map((v) => v.toFixed(0)).join('/')}`);
  if (process.env.EXPLAIN === '1') {
    const counts = await client.query<{ code: string; n: number }>(
      'SELECT s.code, count(*)::int AS n FROM subjects s JOIN records r ON r.subject_id = s.id WHERE s.code = ANY ($1) GROUP BY s.code ORDER BY n DESC', [codes]);
    const subject = counts.rows[Math.floor(counts.rows.length / 4)];
    await client.query('BEGIN');
    for (let i = 0; i < 10; i++) await client.query({ name: 'bench_statement_cost_explain', text: plain.text, values: bind(plain.params, counts.rows[i % counts.rows.length].code) });
    // the generic plan, as prepared: EXPLAIN EXECUTE needs the statement prepared by SQL, with literal arguments
    await client.query(`PREPARE bench_statement_cost_plan AS ${plain.text}`);
    const literal = (value: unknown): string => value === null ? 'NULL'
      : Array.isArray(value) ? client.escapeLiteral(`{${value.map((v) => JSON.stringify(String(v))).join(',')}}`)
        : client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
    const args = bind(plain.params, subject.code).map(literal).join(', ');
    for (let i = 0; i < 6; i++) await client.query(`EXECUTE bench_statement_cost_plan(${args})`);
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_statement_cost_plan(${args})`);
    console.log(`plan of the plain read for ${subject.code} (${subject.n} records; the sample's 75th percentile), filters left out:`);
    for (const row of plan.rows) if (!/Filter: \(CASE/.test(row['QUERY PLAN'])) console.log(row['QUERY PLAN']);
    await client.query('ROLLBACK');
  }
} finally {
  await client.end();
}
