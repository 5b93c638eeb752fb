import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { createScopedAccess } from '../../src/context/scoped-access.js';
import { PUBLIC_VIEWER, type Standing } from '../../policies/viewer.js';
import { PROBE_COUNT_LIMIT, PROBE_PIECES, searchableKinds, searchStatement, searchVisibleSubjects, WALK_LIMIT, type SubjectSearch } from '../../src/modules/subjects/search.repository.js';
import { SUBJECT_COLUMNS } from '../../src/modules/subjects/subjects.repository.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { explainPrepared, type PreparedPlan } from '../support/prepared-plans.js';
import { insertSearchOrganisations } from '../support/search-names.js';

/**
 * Issue 18 point 2, P4/G3: whatever the query — two Chinese characters, two Latin letters, a longer fragment or a code
 * — searchSubjects reads subjects only by code (one probe per subject it places, and one for the query as a code),
 * never a scan of every subject; a page is read along the index of subject_name_grams and stops at the page size.
 * Checked on the statement the repository runs, prepared, with the plan PostgreSQL picks for gateway sessions (generic)
 * and the one PGlite picks for its first executions (custom, planned with the values), over 6,000 subjects where one
 * piece of the names (科技) is in a third of them — enough that reading every subject is an option the planner weighs.
 */
const ORGANISATIONS = 6000;
const INDIVIDUALS = 1000;

describe.each(testDatabaseKinds())('P4: search reads subjects only through indexes on %s', (kind) => {
  let database: TestDatabase;
  const now = new Date('2026-06-01T00:00:00Z');
  const publicStanding: Standing = { viewer: PUBLIC_VIEWER, purpose: null, grants: [] };
  const department: Standing = {
    viewer: { role: 'department', actor: 'plan-test', orgCode: 'PLATFORM', subjectCode: null },
    purpose: { kind: 'LICENSING', reference: 'PLAN-1' },
    grants: [],
  };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    const { db } = database;
    // 科技 in every third name, 丹霞 in two, "Abc" (Latin) in every fiftieth
    await insertSearchOrganisations(db, ORGANISATIONS, [7, 4007]);
    await db.execute(sql`
      INSERT INTO subjects (code, kind, name, birth_date, registered_by)
      SELECT '4402031980010' || lpad(i::text, 5, '0'), 'INDIVIDUAL',
        substr('张王李赵陈刘杨黄周吴', 1 + i % 10, 1) || substr('伟芳娜敏静丽强磊军洋勇艳杰涛明超', 1 + i % 16, 1) || substr('华科技', 1 + i % 3, 1),
        '1980-01-01', 'PLATFORM'
      FROM generate_series(1, ${INDIVIDUALS}) AS i`);
    await db.execute(sql`ANALYZE subjects`);
    await db.execute(sql`ANALYZE subject_name_grams`);
  });

  afterAll(async () => {
    await database?.close();
  });

  function search(standing: Standing, term: string, overrides: Partial<SubjectSearch> = {}) {
    const access = createScopedAccess(database.db, standing, now);
    const kinds = searchableKinds(standing.viewer.role, standing.purpose !== null, null);
    return searchStatement(
      { nameContains: term.toLowerCase(), code: term.toUpperCase(), kinds, professionalGroup: null, after: null, limit: 20, withTotal: false, ...overrides },
      access.subjectScope, access.recordScope, now,
    );
  }

  async function plan(statement: SQL, values: Record<string, unknown>, mode: 'force_generic_plan' | 'force_custom_plan'): Promise<PreparedPlan> {
    return database.db.transaction((tx) => explainPrepared(tx as unknown as Db, statement, values, { analyze: true, planCacheMode: mode }));
  }

  /**
   * Every read of `subjects` is by code, or (counting) a bitmap of the GIN index of name pieces; postings are read along
   * their index: no scan of either table, and no index of subjects read whole (its name, kind or id index).
   */
  function subjectReads(found: PreparedPlan): string[] {
    const allowed = new Set(['subjects_code_unique', 'subjects_name_bigrams', 'subject_name_grams_walk']);
    const problems: string[] = [];
    for (const node of found.nodes) {
      const onTable = node.relation === 'subjects' || node.relation === 'subject_name_grams';
      if (onTable && !['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan'].includes(node.type)) problems.push(`${node.type} on ${node.relation}`);
      if (node.index?.startsWith('subject') && !allowed.has(node.index)) problems.push(`${node.type} using ${node.index}`);
    }
    return problems;
  }

  /** Rows produced by the nodes that read `subjects` (EXPLAIN ANALYZE). */
  const subjectRows = (found: PreparedPlan) =>
    found.nodes.filter((n) => n.relation === 'subjects').reduce((sum, n) => sum + (n.rows ?? 0), 0);

  const queries: [string, string][] = [
    ['a common two-character Chinese query', '科技'],
    ['a rare two-character Chinese query', '丹霞'],
    ['a two-letter Latin query', 'ab'],
    ['a longer query', '科技有限'],
    ['a code', 'P00000000000000042'],
  ];

  for (const mode of ['force_generic_plan', 'force_custom_plan'] as const) {
    for (const [what, term] of queries) {
      it(`P4 (${mode}): ${what} (${term}) — first page, next page and counted page read subjects only by index`, async () => {
        for (const overrides of [{}, { after: { name: '乐昌市', code: '' } }, { withTotal: true }]) {
          const statement = search(publicStanding, term, overrides);
          const found = await plan(statement.build(), statement.values, mode);
          expect(subjectReads(found), `${JSON.stringify(overrides)}\n${found.text}`).toEqual([]);
          if (!('withTotal' in overrides)) {
            // the page part: one probe per row placed (limit + 1) and one for the query as a code
            expect(subjectRows(found), found.text).toBeLessThanOrEqual(20 + 1 + 1);
          }
        }
      });
    }

    it(`G3 (${mode}): a department's search with individuals, and a search by professional group, read subjects only by index`, async () => {
      for (const [standing, overrides] of [[department, {}], [department, { withTotal: true }], [publicStanding, { professionalGroup: 'CONSTRUCTION' }]] as const) {
        const statement = search(standing, '科技', overrides);
        const found = await plan(statement.build(), statement.values, mode);
        expect(subjectReads(found), found.text).toEqual([]);
      }
    });
  }

  it('P4: a longer query walks the postings of its least common piece — 丹霞旅游有限 reads a few, not the 6,000 of 有限', async () => {
    for (const mode of ['force_generic_plan', 'force_custom_plan'] as const) {
      const statement = search(publicStanding, '丹霞旅游有限');
      const found = await plan(statement.build(), statement.values, mode);
      // the probe reads at most PROBE_PIECES of the five pieces' postings up to PROBE_COUNT_LIMIT (one loop per piece);
      // the walk, once (and, the page being short, once more to tell whether it stopped at WALK_LIMIT)
      const walks = found.nodes.filter((n) => n.relation === 'subject_name_grams' && n.loops === 1);
      expect(walks.length, found.text).toBeGreaterThanOrEqual(1);
      for (const walk of walks) {
        expect(walk.index).toBe('subject_name_grams_walk');
        expect((walk.rows ?? 0) + (walk.removed ?? 0), found.text).toBeLessThanOrEqual(2);
      }
    }
  });

  it('P4: the check can fail — the statement before issue 18 (LIKE over every name) reads all subjects', async () => {
    const access = createScopedAccess(database.db, publicStanding, now);
    const before = sql`
      WITH matched AS MATERIALIZED (
        SELECT ${SUBJECT_COLUMNS} FROM subjects s
        WHERE (lower(s.name) LIKE ${sql.placeholder('pattern')}::text OR s.code = ${sql.placeholder('code')}::text)
          AND s.kind = ANY (${sql.placeholder('kinds')}::text[]) AND ${access.subjectScope.sql}
      )
      SELECT (SELECT count(*)::int FROM matched) AS total_count, m.* FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT * FROM matched s ORDER BY s.name COLLATE "C", s.code COLLATE "C" LIMIT 21) m ON TRUE`;
    const found = await plan(before, { pattern: '%科技%', code: '科技', kinds: searchableKinds('public', false, null), now: now.toISOString() }, 'force_generic_plan');
    // a Seq Scan, or every organisation through the kind index: each name is read to test the LIKE
    expect(subjectReads(found), found.text).not.toEqual([]);
    expect(subjectRows(found), found.text).toBeGreaterThan(20 + 1 + 1);
  });
});

/**
 * §11 (review of issue 18): a query whose pieces are all common but never occur together (股份有限责任公司, where
 * names hold 股份有限公司 or 有限责任公司) ties every probed piece at PROBE_COUNT_LIMIT, and used to walk every posting
 * of the alphabetically first one (任公: 20,000 here, ~330,000 at a million subjects) to find nothing. The postings
 * read are bounded by the probe (PROBE_PIECES × PROBE_COUNT_LIMIT) and twice WALK_LIMIT, then the GIN index answers.
 */
describe.each(testDatabaseKinds())('§11: a query of common pieces that never occur together reads a bounded number of postings on %s', (kind) => {
  let database: TestDatabase;
  const now = new Date('2026-06-01T00:00:00Z');
  const NAMES = 30000;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.db.execute(sql`
      INSERT INTO subjects (code, kind, name, registered_at, registered_by)
      SELECT 'Q' || lpad(i::text, 17, '0'), 'ENTERPRISE',
        '韶关市' || substr('华信达丰源盛泰恒昌宏鑫瑞祥兴隆嘉荣富贵金银和安康宁永顺德利通', 1 + i % 31, 1)
          || CASE WHEN i % 3 = 0 THEN '股份有限公司' ELSE '有限责任公司' END || '（' || i || '）',
        '2015-03-01', 'PLATFORM'
      FROM generate_series(1, ${NAMES}) AS i`);
    await database.db.execute(sql`ANALYZE subjects`);
    await database.db.execute(sql`ANALYZE subject_name_grams`);
  }, 120_000);

  afterAll(async () => {
    await database?.close();
  });

  /** EXPLAIN ANALYZE of the public's first page (20) of 股份有限责任公司, prepared as the gateway runs it. */
  async function explainFirstPage(mode: 'force_generic_plan' | 'force_custom_plan'): Promise<PreparedPlan> {
    const access = createScopedAccess(database.db, { viewer: PUBLIC_VIEWER, purpose: null, grants: [] }, now);
    const statement = searchStatement({
      nameContains: '股份有限责任公司', code: '股份有限责任公司', kinds: searchableKinds('public', false, null),
      professionalGroup: null, after: null, limit: 20, withTotal: false,
    }, access.subjectScope, access.recordScope, now);
    return database.db.transaction((tx) =>
      explainPrepared(tx as unknown as Db, statement.build(), statement.values, { analyze: true, planCacheMode: mode }));
  }

  it('§11: 股份有限责任公司 finds nothing, reading at most PROBE_PIECES × PROBE_COUNT_LIMIT + 2 × WALK_LIMIT postings', async () => {
    for (const mode of ['force_generic_plan', 'force_custom_plan'] as const) {
      const found = await explainFirstPage(mode);
      const postings = found.nodes.filter((n) => n.relation === 'subject_name_grams').reduce((sum, n) => sum + (n.rows ?? 0) + (n.removed ?? 0), 0);
      expect(postings, found.text).toBeLessThanOrEqual(PROBE_PIECES * PROBE_COUNT_LIMIT + 2 * WALK_LIMIT);
      // and the answer is still empty: nothing of subjects is placed
      const placed = found.nodes.filter((n) => n.relation === 'subjects').reduce((sum, n) => sum + (n.rows ?? 0), 0);
      expect(placed, found.text).toBe(0);
    }
  });

  // the page the GIN branch answers (every probed piece common, the walk stopped at WALK_LIMIT without filling the
  // page) is the naive filter's, in (name, code) order, from the first page and from a cursor, with either plan
  it('§11: when the walk stops at WALK_LIMIT, the GIN index answers the same page as the naive filter', async () => {
    await database.db.execute(sql`
      INSERT INTO subjects (code, kind, name, registered_at, registered_by)
      SELECT 'R' || lpad(i::text, 17, '0'), 'ENTERPRISE',
        (ARRAY['韶关市', '乐昌市', '南雄市'])[1 + i % 3] || '股份有限责任公司' || '（' || (7 - i) || '）', '2015-03-01', 'PLATFORM'
      FROM generate_series(1, 7) AS i`);
    const access = createScopedAccess(database.db, { viewer: PUBLIC_VIEWER, purpose: null, grants: [] }, now);
    const naive = await queryRows<{ name: string; code: string }>(database.db, sql`
      SELECT name, code FROM subjects WHERE strpos(lower(name), '股份有限责任公司') > 0
      ORDER BY name COLLATE "C", code COLLATE "C"`);
    expect(naive).toHaveLength(7);
    for (const mode of ['force_generic_plan', 'force_custom_plan'] as const) {
      for (const [after, limit, expected] of [[null, 20, naive], [naive[1], 3, naive.slice(2, 5)], [naive[5], 3, naive.slice(6)]] as const) {
        const page = await database.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`SET LOCAL plan_cache_mode = ${mode}`));
          return searchVisibleSubjects(tx as unknown as Db, {
            nameContains: '股份有限责任公司', code: '股份有限责任公司', kinds: searchableKinds('public', false, null),
            professionalGroup: null, after: after ? { name: after.name, code: after.code } : null, limit, withTotal: true,
          }, access.subjectScope, access.recordScope, now);
        });
        // limit + 1 rows at most: the last tells that there is a next page
        expect(page.rows.slice(0, limit).map((r) => [r.name, r.code]), `${mode} after ${after?.name}`)
          .toEqual(expected.map((r) => [r.name, r.code]));
        expect(page.rows.length > limit, `${mode} after ${after?.name}`).toBe(naive.indexOf(expected[expected.length - 1]) < naive.length - 1);
        expect(page.total, mode).toBe(7);
      }
      // and the page came from the GIN branch: the index was read (without totalCount, only that branch reads it)
      const found = await explainFirstPage(mode);
      const gin = found.nodes.filter((n) => n.index === 'subjects_name_bigrams' && n.executed && (n.loops ?? 0) > 0);
      expect(gin.length, found.text).toBeGreaterThan(0);
    }
  });
});
