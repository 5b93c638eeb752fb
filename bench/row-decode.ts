import pg from 'pg';
import { SESSION_OPTIONS } from '../src/db/client.js';
import { ROW_TYPES } from '../src/db/rows.js';
import { SUBJECT_COLUMN_NAMES } from '../src/modules/subjects/subjects.repository.js';
import { buildStatements } from './servers/raw/statements.js';
import { databaseUrl, DEFAULT_PG, loadQuickSample, machine, median } from './support.js';

/**
 * What the shape of a subject read's rows costs (issue 18, RESULTS 4l): the S1 (or SCENARIO=S2) statement as the gateway
 * builds it — the subject's eleven columns repeated on each row of its page — against the same statement with them on
 * the page's first row only (window `first_row`; only rows[0] is read for the subject). Tried in 4l and reverted: this
 * keeps the measurement, so that the idea can be judged again. One client runs ROUNDS rounds of QUERIES each, the
 * shapes alternated, over bench:quick's own sample, with the gateway's type parsers (dates and times kept as wire text,
 * src/db/rows.ts), both shapes asked for the same codes in each round, the page size S1/S2 ask for (20, so 21 rows).
 * Prints the median Node CPU and wall time per query, the characters of the first answer's rows as JSON, and
 * PostgreSQL's own median execution time (EXPLAIN ANALYZE), so that a saving in Node is not bought with work moved
 * into PostgreSQL.
 *
 *   npx tsx bench/row-decode.ts     env: SCENARIO (S1 | S2), ROUNDS (8), QUERIES (200), CITY_DB (cqg_bench_city_quick)
 */
const scenario = process.env.SCENARIO === 'S2' ? 'S2' : 'S1';
const rounds = Number(process.env.ROUNDS ?? 8);
const queries = Number(process.env.QUERIES ?? 200);
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);

const client = new pg.Client({ connectionString: url, options: SESSION_OPTIONS, types: ROW_TYPES });
await client.connect();
const { codes, department } = await loadQuickSample(client, scenario);
if (codes.length < 50 || !department) throw new Error('the quick city is missing: run `npm run bench:quick` once');
const prepared = (await buildStatements()).subjectWithPage[scenario === 'S1' ? 'public' : 'department'];
const joined = 'SELECT subj.*, pages.* FROM subj LEFT JOIN pages ON TRUE';
if (!prepared.text.includes(joined)) throw new Error('the statement no longer joins the subject to its page as this expects');
const firstRow = prepared.text.replace(joined, `SELECT ${SUBJECT_COLUMN_NAMES.map((c) => `CASE WHEN row_number() OVER first_row = 1 THEN subj.subj_${c} END AS subj_${c}`).join(', ')}, pages.*
    FROM subj LEFT JOIN pages ON TRUE WINDOW first_row AS (ORDER BY pages.decided_at DESC, pages.id DESC)`);
const shapes = { 'first row': firstRow, 'every row': prepared.text } as const;
type Shape = keyof typeof shapes;

const results = new Map<Shape, { cpu: number[]; wall: number[]; bytes: number[] }>();
for (let round = 0; round <= rounds; round++) {
  for (const shape of (round % 2 ? ['every row', 'first row'] : ['first row', 'every row']) as Shape[]) {
    let bytes = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < queries; i++) {
      // the same codes for both shapes in a round; `limit` is the page size (the statement asks for one row more)
      const values = { code: codes[(round * queries + i) % codes.length]!, now: new Date().toISOString(), org: department, limit: 20 };
      const result = await client.query({ text: shapes[shape], name: `row-decode ${shape}`, values: prepared.params(values), rowMode: 'array' });
      if (i === 0) bytes = JSON.stringify(result.rows).length;
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    if (round === 0) continue; // warm-up: plans, JIT
    const entry = results.get(shape) ?? { cpu: [], wall: [], bytes: [] };
    entry.cpu.push((cpu.user + cpu.system) / queries);
    entry.wall.push((wall * 1000) / queries);
    entry.bytes.push(bytes);
    results.set(shape, entry);
  }
}
// PostgreSQL's own execution time per shape (EXPLAIN ANALYZE of the prepared statement, timing per node off), so that
// a saving in Node is not bought with work moved into PostgreSQL
const text = (value: unknown): string => Array.isArray(value)
  ? `{${value.map((item) => (item === null ? 'NULL' : `"${String(item).replace(/(["\\])/g, '\\$1')}"`)).join(',')}}`
  : value instanceof Date ? value.toISOString() : String(value);
const literal = (value: unknown) => (value === null || value === undefined ? 'NULL' : pg.escapeLiteral(text(value)));
const execution = new Map<Shape, number[]>();
for (const [i, shape] of (['first row', 'every row'] as Shape[]).entries()) await client.query(`PREPARE row_decode_${i} AS ${shapes[shape]}`);
for (let round = 0; round < 4; round++) {
  for (const [i, shape] of (['first row', 'every row'] as Shape[]).entries()) {
    for (let q = 0; q < 50; q++) {
      const values = prepared.params({ code: codes[(round * 50 + q) % codes.length]!, now: new Date().toISOString(), org: department, limit: 20 });
      const { rows } = await client.query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) EXECUTE row_decode_${i}(${values.map(literal).join(', ')})`);
      execution.set(shape, [...(execution.get(shape) ?? []), (rows[0]['QUERY PLAN'] as Array<{ 'Execution Time': number }>)[0]!['Execution Time']]);
    }
  }
}
await client.end();
console.log(`machine: ${machine()}; ${scenario} subject read, one client, ${rounds} rounds of ${queries} queries`);
for (const [shape, entry] of results) {
  console.log(`${scenario} rows=${shape.replace(' ', '_')} node_us_per_query=${median(entry.cpu).toFixed(0)} wall_us_per_query=${median(entry.wall).toFixed(0)} pg_execution_us=${(median(execution.get(shape)!) * 1000).toFixed(0)} json_chars_first_answer=${median(entry.bytes)}`);
}
const first = results.get('first row')!;
const every = results.get('every row')!;
console.log(`${scenario} first_row_vs_every_row node=${(median(first.cpu) / median(every.cpu)).toFixed(3)} wall=${(median(first.wall) / median(every.wall)).toFixed(3)}`);
