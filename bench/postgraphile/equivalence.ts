/**
 * Issue 7 comparator (b), correctness: PostGraphile over row-level security gives the same answers as the
 * gateway. On a small database made here (the project's migrations, 300 subjects of every kind — individuals,
 * minors among them — and 0–220 records each of every catalog type, disclosure class, status, severity and
 * window, past, current and future), both servers answer:
 *   S1  50 codes, public: same subject found or not, same record ids in the same order, same totalCount and sources;
 *   S2  the same 50 codes as department BENCH-DEPT with a purpose (SUBJECT_ONLY records of its own filings included);
 *   S3  several search terms, public: same totalCount and the same first page of codes in the same order.
 * Exits non-zero on any difference.
 *
 *   npx tsx bench/postgraphile/equivalence.ts            (env: BENCH_DATABASE_URL; needs npm install --prefix bench/postgraphile)
 *   npx tsx bench/postgraphile/equivalence.ts --load     then S1 at 32 connections for BENCH_SECONDS (10) on each
 *   npx tsx bench/postgraphile/equivalence.ts --sabotage a naive public policy (no windows, no D5): must report differences
 */
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { queryRows } from '../../src/db/rows.js';
import { generateResidentId, generateUscc } from '../../src/domain/identifiers.js';
import { signToken } from '../../src/auth/tokens.js';
import { mulberry32 } from '../../test/support/random.js';
import { load, recreateDatabase, startServer, type ServerProcess } from '../support.js';
import { setupPostgraphile } from './setup.js';
import {
  BENCH_DEPARTMENT, gatewayS1Body, gatewayS2Body, gatewayS3Body, normalizeGatewayS3, normalizeGatewaySubject, normalizeS1,
  normalizeS2, normalizeS3, s1Body, s2Body, s2Headers, s3Body, type SearchAnswer, type SubjectAnswer,
} from './queries.js';

const DATABASE = 'cqg_bench_pg_equiv';
const ORGS = [BENCH_DEPARTMENT, 'OTHER-DEPT', 'MARKET-DEPT', 'COURT-DEPT'];
const SEARCH_TERMS = ['科技', 'nova', 'TECH', '韶关', '有限公司', '协会', 'a_b', '100%', 'zz无此名'];

type Rand = () => number;
const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const DAY = 86_400_000;

interface CatalogRow { code: string; category: string; nature: string; loosest_disclosure: string }

/** Deterministic small data set with every rule in play; returns the codes of all subjects. */
export async function loadEquivalenceData(url: string, scale = 1): Promise<{ codes: string[]; kinds: Map<string, string> }> {
  // the project's client, not a bare `pg` import (from this folder that resolves to bench/postgraphile/node_modules)
  const database = await openDatabase({ url, poolSize: 1 });
  const { db } = database;
  const list = (values: unknown[], type: string) => sql`${sql.param(values)}::${sql.raw(type)}[]`;
  await migrateDatabase(database);
  const rand = mulberry32(20261122);
  await db.execute(sql`INSERT INTO organizations (code, name, kind) SELECT c, c || ' 部门', 'DEPARTMENT' FROM unnest(${list(ORGS, 'text')}) c`);
  const catalog = await queryRows<CatalogRow>(db, sql`SELECT code, category, nature, loosest_disclosure FROM catalog_types ORDER BY code`);

  const prefixes = ['韶关', '广东', '华南', 'Nova', 'nova', 'ALPHA', 'Beta', 'A_B', '百分之100%'];
  const middles = ['科技', '建设', '贸易', '物流', '医药', 'Tech', 'TECH', '能源'];
  const suffixes = ['有限公司', '股份有限公司', '中心', '协会'];
  const subjects: { code: string; kind: string; name: string; status: string; birth: string | null }[] = [];
  const kinds: Array<[string, string, number]> = [['ENTERPRISE', '91', 200], ['PUBLIC_INSTITUTION', '12', 20], ['SOCIAL_ORGANIZATION', '52', 20], ['INDIVIDUAL', '', 60]];
  for (const [kind, prefix, baseCount] of kinds) {
    const count = baseCount * scale;
    for (let i = 0; i < count; i += 1) {
      if (kind === 'INDIVIDUAL') {
        const minor = i % 6 === 0;
        const birth = minor ? `${int(rand, 2010, 2015)}-0${int(rand, 1, 9)}-1${int(rand, 0, 9)}` : `${int(rand, 1955, 2000)}-0${int(rand, 1, 9)}-2${int(rand, 0, 8)}`;
        // some individuals carry search words in their names: search must never find them (P4)
        const name = i % 5 === 0 ? `科技${pick(rand, ['张', '李', '王'])}` : `${pick(rand, ['张', '李', '王', '欧阳'])}${pick(rand, ['三', '小明', '伟'])}`;
        subjects.push({ code: generateResidentId(rand, birth), kind, name, status: 'ACTIVE', birth });
      } else {
        const name = `${pick(rand, prefixes)}${pick(rand, middles)}${i}${pick(rand, suffixes)}`;
        subjects.push({ code: generateUscc(rand, prefix), kind, name, status: rand() < 0.9 ? 'ACTIVE' : 'DEREGISTERED', birth: null });
      }
    }
  }
  // two subjects with the same name: the code decides their order (S3)
  subjects[1]!.name = subjects[0]!.name;
  await db.execute(sql`INSERT INTO subjects (code, kind, name, status, birth_date, address, legal_representative, legal_representative_id, registered_by)
    SELECT code, kind, name, status, birth::date, '韶关市', CASE WHEN kind <> 'INDIVIDUAL' THEN '张三' END,
      CASE WHEN kind <> 'INDIVIDUAL' THEN '440203199001011234' END, ${BENCH_DEPARTMENT}
    FROM unnest(${list(subjects.map((s) => s.code), 'text')}, ${list(subjects.map((s) => s.kind), 'text')}, ${list(subjects.map((s) => s.name), 'text')},
      ${list(subjects.map((s) => s.status), 'text')}, ${list(subjects.map((s) => s.birth), 'text')}) AS t(code, kind, name, status, birth)`);
  const ids = new Map((await queryRows<{ id: string; code: string }>(db, sql`SELECT id, code FROM subjects`)).map((r) => [r.code, Number(r.id)]));

  const now = Date.now();
  const cols: Record<string, unknown[]> = {
    subject_id: [], type: [], category: [], nature: [], severity: [], title: [], decided_at: [], valid_from: [], valid_until: [],
    disclosure: [], status: [], details: [], source_org: [], source_ref: [], content_hash: [],
  };
  subjects.forEach((subject, s) => {
    const n = s % 17 === 0 ? 0 : s % 13 === 0 ? int(rand, 150, 220) : int(rand, 1, 60);
    let previous: number | null = null;
    for (let j = 0; j < n; j += 1) {
      const type = pick(rand, catalog);
      // a tenth of the records share the previous decision instant: the id breaks the tie
      const decided: number = previous !== null && rand() < 0.1 ? previous
        : type.code === 'penalty' && rand() < 0.3 ? now - 365 * DAY + int(rand, -40, 40) * DAY + int(rand, 2, 20) * 3_600_000
          : now - int(rand, 0, 6 * 365) * DAY - int(rand, 60, 86_000) * 1000;
      previous = decided;
      const r = rand();
      const validFrom = r < 0.55 ? null : r < 0.9 ? decided + int(rand, 0, 30) * DAY : now + int(rand, 1, 60) * DAY;
      const start = validFrom ?? decided;
      const u = rand();
      const validUntil = u < 0.5 ? null : u < 0.75 ? Math.max(start, now - int(rand, 1, 400) * DAY) : Math.max(start, now + int(rand, 1, 900) * DAY);
      const disclosure = type.loosest_disclosure === 'PUBLIC'
        ? pick(rand, ['PUBLIC', 'PUBLIC', 'PUBLIC', 'PUBLIC', 'PUBLIC', 'PUBLIC', 'SHARED', 'SHARED', 'SUBJECT_ONLY'])
        : pick(rand, ['SHARED', 'SHARED', 'SHARED', 'SHARED', 'SUBJECT_ONLY']);
      const st = rand();
      cols.subject_id.push(ids.get(subject.code));
      cols.type.push(type.code);
      cols.category.push(type.category);
      cols.nature.push(type.nature);
      cols.severity.push(type.nature === 'NEGATIVE' && (type.code === 'penalty' || rand() < 0.3) ? pick(rand, ['MINOR', 'GENERAL', 'SERIOUS']) : null);
      cols.title.push(`${type.code} ${j}`);
      cols.decided_at.push(new Date(decided).toISOString());
      cols.valid_from.push(validFrom === null ? null : new Date(validFrom).toISOString());
      cols.valid_until.push(validUntil === null ? null : new Date(validUntil).toISOString());
      cols.disclosure.push(disclosure);
      cols.status.push(st < 0.85 ? 'ACTIVE' : st < 0.93 ? 'WITHDRAWN' : 'REPAIRED');
      cols.details.push(JSON.stringify({ internalNote: `n${s}-${j}` }));
      cols.source_org.push(pick(rand, ORGS));
      cols.source_ref.push(`EQ-${s}-${j}`);
      cols.content_hash.push(`h${s}-${j}`);
    }
  });
  const types: Record<string, string> = { subject_id: 'bigint', decided_at: 'timestamptz', valid_from: 'timestamptz', valid_until: 'timestamptz', details: 'jsonb' };
  const columns = Object.keys(cols);
  await db.execute(sql`INSERT INTO records (${sql.raw(columns.join(', '))})
    SELECT * FROM unnest(${sql.join(columns.map((c) => list(cols[c]!, types[c] ?? 'text')), sql`, `)})`);
  await db.execute(sql`ANALYZE`);
  await database.close();
  return { codes: subjects.map((s) => s.code), kinds: new Map(subjects.map((s) => [s.code, s.kind])) };
}

async function post(target: ServerProcess, body: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const json = await response.json();
  if (response.status !== 200) throw new Error(`${target.name}: HTTP ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** Equal answers; a public individual's code is masked by the gateway (§4.4): then only its ends are compared. */
function sameSubject(gateway: SubjectAnswer | null, other: SubjectAnswer | null): boolean {
  if (gateway === null || other === null) return gateway === other;
  const codeOk = gateway.code.includes('*')
    ? gateway.code.slice(0, 4) === other.code.slice(0, 4) && gateway.code.slice(-4) === other.code.slice(-4)
    : gateway.code === other.code;
  return codeOk && gateway.totalCount === other.totalCount && gateway.recordIds.join() === other.recordIds.join()
    && gateway.sourceCodes.join() === other.sourceCodes.join();
}

const sameSearch = (a: SearchAnswer, b: SearchAnswer): boolean => a.totalCount === b.totalCount && a.codes.join() === b.codes.join();

async function main(): Promise<void> {
  const started = Date.now();
  const url = await recreateDatabase(DATABASE);
  const { codes, kinds } = await loadEquivalenceData(url);
  await setupPostgraphile(url);
  if (process.argv.includes('--sabotage')) {
    const database = await openDatabase({ url, poolSize: 1 });
    await database.db.execute(sql`ALTER POLICY cqg_pg_public_records ON public.records USING (status = 'ACTIVE' AND disclosure = 'PUBLIC')`);
    await database.close();
    console.log('sabotage: public records policy without windows and D5 — differences expected');
  }
  console.log(`data: ${codes.length} subjects loaded and RLS set up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // 50 codes over every kind: 30 organisations and 20 individuals (minors and record-less ones among them)
  const organisations = codes.filter((c) => kinds.get(c) !== 'INDIVIDUAL');
  const individuals = codes.filter((c) => kinds.get(c) === 'INDIVIDUAL');
  const sample = [...organisations.filter((_, i) => i % 8 === 0).slice(0, 30), ...individuals.slice(0, 20)];

  const servers: ServerProcess[] = [];
  const departmentToken = signToken({ sub: 'bench-officer', role: 'department', org: BENCH_DEPARTMENT } as never, 'bench-secret');
  const failures: string[] = [];
  const stats = { s1Found: 0, s1Records: 0, s2Records: 0, s3Hits: 0, maskedIndividuals: 0, longestPublic: 0, longestDepartment: 0 };
  try {
    const gateway = await startServer('gateway', 'bench/servers/gateway.ts', { DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '10' });
    servers.push(gateway);
    const postgraphile = await startServer('postgraphile', 'bench/postgraphile/server.mjs', { DATABASE_URL: url, POOL_SIZE: '10', COUNT_STATEMENTS: '1' });
    servers.push(postgraphile);
    for (const code of sample) {
      const g1 = normalizeGatewaySubject(await post(gateway, gatewayS1Body(code)));
      const p1 = normalizeS1(await post(postgraphile, s1Body(code)));
      if (!sameSubject(g1, p1)) failures.push(`S1 ${code} (${kinds.get(code)}): gateway ${JSON.stringify(g1)} ≠ postgraphile ${JSON.stringify(p1)}`);
      if (g1) {
        stats.s1Found += 1;
        stats.s1Records += g1.totalCount;
        stats.longestPublic = Math.max(stats.longestPublic, g1.totalCount);
        if (g1.code.includes('*')) stats.maskedIndividuals += 1;
      }
      const g2 = normalizeGatewaySubject(await post(gateway, gatewayS2Body(code), { authorization: `Bearer ${departmentToken}` }));
      const p2 = normalizeS2(await post(postgraphile, s2Body(code), s2Headers(BENCH_DEPARTMENT)));
      if (!sameSubject(g2, p2)) failures.push(`S2 ${code} (${kinds.get(code)}): gateway ${JSON.stringify(g2)} ≠ postgraphile ${JSON.stringify(p2)}`);
      stats.s2Records += g2?.totalCount ?? 0;
      stats.longestDepartment = Math.max(stats.longestDepartment, g2?.totalCount ?? 0);
    }
    for (const term of SEARCH_TERMS) {
      const g3 = normalizeGatewayS3(await post(gateway, gatewayS3Body(term)));
      const p3 = normalizeS3(await post(postgraphile, s3Body(term)));
      if (!sameSearch(g3, p3)) failures.push(`S3 '${term}': gateway ${JSON.stringify(g3)} ≠ postgraphile ${JSON.stringify(p3)}`);
      stats.s3Hits += g3.totalCount;
    }
    console.log(`compared S1 and S2 for ${sample.length} codes (${stats.s1Found} publicly visible, ${stats.maskedIndividuals} of them masked individuals;`
      + ` ${stats.s1Records} public and ${stats.s2Records} department records in total, at most ${stats.longestPublic} and ${stats.longestDepartment} for one subject), S3 for ${SEARCH_TERMS.length} terms (${stats.s3Hits} hits)`);
    if (stats.s1Found === 0 || stats.s1Found === sample.length || stats.s2Records <= stats.s1Records || stats.longestDepartment <= 20) failures.push('the sample does not exercise the rules');

    // statements per S1 request, as PostGraphile sends them to PostgreSQL
    const count = async (): Promise<number> => ((await (await fetch(postgraphile.url.replace(/\/graphql$/, '/statements'))).json()) as { statements: number }).statements;
    const before = await count();
    for (const code of organisations.slice(0, 20)) await post(postgraphile, s1Body(code));
    console.log(`postgraphile: ${(await count() - before) / 20} SQL statements per S1 request`);

    if (process.argv.includes('--load')) {
      const seconds = Number(process.env.BENCH_SECONDS ?? 10);
      const visible = organisations;
      for (const [target, bodies] of [[gateway, visible.map(gatewayS1Body)], [postgraphile, visible.map(s1Body)]] as const) {
        await load(target.url, { connections: 32, seconds: 3, bodies }); // warm-up
        const result = await load(target.url, { connections: 32, seconds, bodies });
        console.log(`S1 ${target.name.padEnd(12)} ${result.requestsPerSecond.toFixed(0)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  errors ${result.errors} non2xx ${result.non2xx}`);
        if (result.errors || result.non2xx) failures.push(`${target.name}: errors under load`);
      }
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  if (failures.length) {
    console.error(`${failures.length} difference(s):\n${failures.join('\n')}`);
    process.exit(1);
  }
  console.log(`equivalent: gateway and PostGraphile give the same answers (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (process.argv[1]?.endsWith('equivalence.ts')) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
