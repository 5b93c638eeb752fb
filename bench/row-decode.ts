import pg from 'pg';
import { SESSION_OPTIONS } from '../src/db/client.js';
import { buildStatements } from './servers/raw/statements.js';
import { databaseUrl, DEFAULT_PG, loadQuickSample, machine, median } from './support.js';

/**
 * What the shape of a subject read's rows costs Node (issue 18, RESULTS 4l): the S1 (or SCENARIO=S2) statement as the
 * gateway builds it now — the subject's columns on the page's first row only — against the same statement with the
 * subject's columns on every row (the shape before 4l), run by one client one after the other, ROUNDS rounds of
 * QUERIES each, alternated, over bench:quick's own sample. Prints the median Node CPU and wall time per query and the
 * bytes of text per answer. One client and nothing else running: the difference is pg's decoding of the rows.
 *
 *   npx tsx bench/row-decode.ts     env: SCENARIO (S1 | S2), ROUNDS (8), QUERIES (200), CITY_DB (cqg_bench_city_quick)
 */
const scenario = process.env.SCENARIO === 'S2' ? 'S2' : 'S1';
const rounds = Number(process.env.ROUNDS ?? 8);
const queries = Number(process.env.QUERIES ?? 200);
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);

const client = new pg.Client({ connectionString: url, options: SESSION_OPTIONS });
await client.connect();
const { codes, department } = await loadQuickSample(client, scenario);
if (codes.length < 50 || !department) throw new Error('the quick city is missing: run `npm run bench:quick` once');
const prepared = (await buildStatements()).subjectWithPage[scenario === 'S1' ? 'public' : 'department'];
const everyRow = prepared.text
  .replace(/CASE WHEN row_number\(\) OVER first_row = 1 THEN subj\.(subj_\w+) END AS \1(, )?/g, 'subj.$1$2')
  .replace(/ WINDOW first_row AS \([^)]*\)/, '');
if (everyRow === prepared.text || everyRow.includes('first_row')) throw new Error('the statement no longer has the first-row shape this compares');
const shapes = { 'first row': prepared.text, 'every row': everyRow } as const;
type Shape = keyof typeof shapes;

const results = new Map<Shape, { cpu: number[]; wall: number[]; bytes: number[] }>();
let k = 0;
for (let round = 0; round <= rounds; round++) {
  for (const shape of (round % 2 ? ['every row', 'first row'] : ['first row', 'every row']) as Shape[]) {
    let bytes = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < queries; i++) {
      const values = { code: codes[k++ % codes.length]!, now: new Date().toISOString(), org: department, limit: 21 };
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
await client.end();
console.log(`machine: ${machine()}; ${scenario} subject read, one client, ${rounds} rounds of ${queries} queries`);
for (const [shape, entry] of results) {
  console.log(`${scenario} rows=${shape.replace(' ', '_')} node_us_per_query=${median(entry.cpu).toFixed(0)} wall_us_per_query=${median(entry.wall).toFixed(0)} json_bytes_first_answer=${median(entry.bytes)}`);
}
const first = results.get('first row')!;
const every = results.get('every row')!;
console.log(`${scenario} first_row_vs_every_row node=${(median(first.cpu) / median(every.cpu)).toFixed(3)} wall=${(median(first.wall) / median(every.wall)).toFixed(3)}`);
