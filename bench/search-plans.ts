/**
 * Issue 18 point 2: the plans searchSubjects runs (P4, G3), as the gateway runs them — the repository's own statement,
 * prepared and executed with bound values under the plan cache mode gateway sessions use — with EXPLAIN ANALYZE, on
 * PGlite and on PostgreSQL, for what people type: two Chinese characters common and rare, two Latin letters, a longer
 * fragment, a code, a query of common pieces that never occur together, and a common term with totalCount.
 *
 *   npm run bench:search-plans      PGlite: a fresh in-memory database of SEARCH_SUBJECTS (20,000) organisations;
 *                                   PostgreSQL: the city database (CITY_DB, default cqg_bench_city) when it exists,
 *                                   else nothing (bench:generate makes it); BENCH_DATABASE_URL for the server
 *
 * Prints, per database and query: execution time, buffers where PostgreSQL reports them, whether any node read
 * subjects other than by an index (a sequential scan would be named), then the text plan.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { Db } from '../src/db/client.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createScopedAccess } from '../src/context/scoped-access.js';
import { PUBLIC_VIEWER } from '../policies/viewer.js';
import { searchableKinds, searchStatement } from '../src/modules/subjects/search.repository.js';
import { explainPrepared } from '../test/support/prepared-plans.js';
import { insertSearchOrganisations } from '../test/support/search-names.js';
import { databaseUrl, DEFAULT_PG, machine } from './support.js';

const SUBJECTS = Number(process.env.SEARCH_SUBJECTS ?? 20_000);
const CITY_DB = process.env.CITY_DB ?? 'cqg_bench_city';
const now = new Date();

interface Query {
  label: string;
  query: string;
  withTotal?: boolean;
}

async function plans(label: string, db: Db, queries: Query[], mode: 'force_generic_plan' | 'force_custom_plan', out: string[]): Promise<void> {
  const access = createScopedAccess(db, { viewer: PUBLIC_VIEWER, purpose: null, grants: [] }, now);
  for (const q of queries) {
    const statement = searchStatement({
      nameContains: q.query, code: q.query.toUpperCase(), kinds: searchableKinds('public', false, null),
      professionalGroup: null, after: null, limit: 21, withTotal: q.withTotal ?? false,
    }, access.subjectScope, access.recordScope, now);
    // twice: the first execution reads from disk what the second finds in memory (both are reported)
    for (const pass of ['first', 'second'] as const) {
      const found = await db.transaction((tx) => explainPrepared(tx as unknown as Db, statement.build(), statement.values, { analyze: true, planCacheMode: mode }));
      const scans = found.nodes.filter((n) => n.relation === 'subjects' && n.executed && n.type === 'Seq Scan');
      const postings = found.nodes.filter((n) => n.relation === 'subject_name_grams' && n.executed).reduce((s, n) => s + (n.rows ?? 0) + (n.removed ?? 0), 0);
      const subjectRows = found.nodes.filter((n) => n.relation === 'subjects' && n.executed).reduce((s, n) => s + (n.rows ?? 0), 0);
      out.push(`${label} ${mode} ${q.label} "${q.query}"${q.withTotal ? ' +totalCount' : ''} ${pass}: execution_ms=${found.executionMs?.toFixed(2)} postings_read=${postings} subject_rows=${subjectRows} seq_scan_of_subjects=${scans.length > 0 ? 'YES' : 'no'}`);
      if (pass === 'second') out.push(found.text.split('\n').map((line) => `    ${line}`).join('\n'));
      console.log(out.at(-1)!.split('\n')[0]);
    }
  }
}

async function pglitePlans(out: string[]): Promise<void> {
  const database = await openDatabase({ pgliteDir: 'memory://' });
  await migrateDatabase(database);
  // 科技 in every third name, a rare 丹霞旅游 every 5,000
  await insertSearchOrganisations(database.db, SUBJECTS, Array.from({ length: Math.ceil(SUBJECTS / 5000) }, (_, k) => 5000 * k + 7));
  await database.db.execute(sql`ANALYZE subjects`);
  await database.db.execute(sql`ANALYZE subject_name_grams`);
  const queries: Query[] = [
    { label: 'two-character common', query: '科技' },
    { label: 'two-character rare', query: '丹霞' },
    { label: 'two Latin letters', query: 'ab' },
    { label: 'longer fragment', query: '丹霞旅游有限' },
    { label: 'code', query: 'P00000000000000042' },
    { label: 'common pieces never together', query: '股份有限责任公司' },
    { label: 'two-character common', query: '科技', withTotal: true },
  ];
  // PGlite plans the first five executions of a prepared statement with the values (custom), then may switch
  for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) await plans(`pglite(${SUBJECTS} subjects)`, database.db, queries, mode, out);
  await database.close();
}

async function postgresPlans(out: string[]): Promise<void> {
  const url = databaseUrl(CITY_DB, DEFAULT_PG);
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
  } catch {
    out.push(`postgres: no database ${CITY_DB} (npm run bench:generate makes it): skipped`);
    return;
  }
  const count = await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM subjects');
  const terms = await probe.query<{ code: string }>(`SELECT code FROM subjects WHERE kind <> 'INDIVIDUAL' ORDER BY code LIMIT 1`);
  await probe.end();
  const database = await openDatabase({ url, poolSize: 1 });
  const queries: Query[] = [
    { label: 'two-character common', query: '科技' },
    { label: 'two-character common', query: '韶关' },
    { label: 'two-character rare', query: '丹霞' },
    { label: 'two-character', query: '建材' },
    { label: 'longer fragment', query: '有限责任公司' },
    { label: 'code', query: terms.rows[0]?.code ?? '914402000000000000' },
    { label: 'common pieces never together', query: '股份有限责任公司' },
    { label: 'two-character common', query: '科技', withTotal: true },
  ];
  await plans(`postgres(${CITY_DB}, ${count.rows[0]!.n} subjects)`, database.db, queries, 'force_generic_plan', out);
  await database.close();
}

const out: string[] = [`machine: ${machine()}`];
await pglitePlans(out);
if (process.env.SEARCH_PLANS_POSTGRES !== '0') await postgresPlans(out);
console.log(`\n${out.join('\n')}`);
process.exit(0);
