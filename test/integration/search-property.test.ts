import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScopedAccess } from '../../src/context/scoped-access.js';
import { PUBLIC_VIEWER, type Standing } from '../../policies/viewer.js';
import { searchableKinds, searchVisibleSubjects } from '../../src/modules/subjects/search.repository.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';

/**
 * P4, G3 against a naive model: for random names (Chinese, Latin in both cases, LIKE's wildcards, spaces), random
 * queries (two characters — one piece —, longer ones — the least common piece is walked —, fragments of a name, a code)
 * and random page sizes, walking every page by its `after` cursor returns exactly the subjects a plain filter finds
 * (visible kinds; lower-cased name contains the lower-cased query, or code equals it), in (name, code) order, each
 * once; a counted first page counts them all. Names are registered in one INSERT, some renamed or re-kinded by an
 * UPDATE, and all deleted at the end of each run, so the postings' triggers are exercised too (none may be left over).
 */
// names from a few words and characters, so that they share pieces and a query often matches several pages of them
const ALPHABET = ['科', '技', '有', '限', '关', 'a', 'b', 'A', 'B', '%', '_', ' '];
const WORDS = ['科技', '科技', '科技', '有限', '有限', 'ab', 'Ab', 'aB', '技有', ...ALPHABET];
const RUNS = Number(process.env.SEARCH_PROPERTY_RUNS ?? 150);

type Kind = 'ENTERPRISE' | 'PUBLIC_INSTITUTION' | 'INDIVIDUAL';
interface Row { name: string; kind: Kind }

const name = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 }).map((words) => words.join(''));
const row = fc.record({ name, kind: fc.constantFrom<Kind>('ENTERPRISE', 'ENTERPRISE', 'PUBLIC_INSTITUTION', 'INDIVIDUAL') });
const world = fc.record({
  rows: fc.array(row, { minLength: 4, maxLength: 30, size: 'medium' }),
  renames: fc.array(fc.record({ at: fc.nat(), row }), { maxLength: 4 }),
  query: fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('random' as const), text: fc.constantFrom('科技', '有限', 'AB', '技有限', 'b科技') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), text: fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 2, maxLength: 4 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('fragment' as const), at: fc.nat(), from: fc.nat(), length: fc.integer({ min: 2, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('code' as const), at: fc.nat() }) },
  ),
  upperCase: fc.boolean(),
  department: fc.boolean(),
  pageSize: fc.integer({ min: 1, max: 3 }),
  withTotal: fc.boolean(),
});

/** PostgreSQL's "C" collation orders by code point; every character here is in the BMP, where JS's < agrees. */
const byNameThenCode = (a: { name: string; code: string }, b: { name: string; code: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0;

describe.each(testDatabaseKinds())('P4, G3: search pages against a naive filter on %s', (dbKind) => {
  let database: TestDatabase;
  let serial = 0;
  const now = new Date('2026-06-01T00:00:00Z');

  beforeAll(async () => {
    database = await openTestDatabase(dbKind);
  });

  afterAll(async () => {
    await database?.close();
  });

  it(`P4, G3: every page of every query, walked by cursor, is the naive filter's answer in (name, code) order (${RUNS} worlds)`, async () => {
    const { db } = database;
    await fc.assert(fc.asyncProperty(world, async (w) => {
      const subjects = w.rows.map((r, i) => ({ ...r, code: `S${String(++serial).padStart(8, '0')}-${i}`.padEnd(18, 'X') }));
      const registered = subjects.map((s) => ({ ...s }));
      const renames = w.renames.map((r) => ({ index: r.at % subjects.length, ...r.row }));
      for (const rename of renames) Object.assign(subjects[rename.index], { name: rename.name, kind: rename.kind });

      const q = w.query;
      const text = q.kind === 'random' ? q.text
        : q.kind === 'code' ? subjects[q.at % subjects.length].code
        : (() => {
          const chars = [...subjects[q.at % subjects.length].name];
          const from = q.from % chars.length;
          return chars.slice(from, from + q.length).join('');
        })();
      fc.pre([...text].length >= 2);
      const term = w.upperCase ? text.toUpperCase() : text;

      await db.execute(sql`INSERT INTO subjects (code, kind, name, birth_date, registered_by)
        SELECT code, kind, name, CASE WHEN kind = 'INDIVIDUAL' THEN DATE '1980-01-01' END, 'PLATFORM'
        FROM unnest(${sql.param(registered.map((s) => s.code))}::text[], ${sql.param(registered.map((s) => s.kind))}::text[], ${sql.param(registered.map((s) => s.name))}::text[]) AS u(code, kind, name)`);
      try {
        if (renames.length) {
          const renamed = [...new Set(renames.map((r) => r.index))].map((i) => subjects[i]);
          await db.execute(sql`UPDATE subjects s SET name = u.name, kind = u.kind,
              birth_date = CASE WHEN u.kind = 'INDIVIDUAL' THEN DATE '1980-01-01' END
            FROM unnest(${sql.param(renamed.map((s) => s.code))}::text[], ${sql.param(renamed.map((s) => s.kind))}::text[], ${sql.param(renamed.map((s) => s.name))}::text[]) AS u(code, kind, name)
            WHERE s.code = u.code`);
        }
        await walkAllPages(subjects, term, w);
      } finally {
        await db.execute(sql`DELETE FROM subjects WHERE code = ANY (${sql.param(subjects.map((s) => s.code))}::text[])`);
      }
      expect(await postings()).toEqual([]);
    }), { numRuns: RUNS });
  });

  /** The gateway's pages of `term`, walked by cursor, against the naive filter over `subjects` as they stand now. */
  async function walkAllPages(subjects: (Row & { code: string })[], term: string, w: { department: boolean; pageSize: number; withTotal: boolean }) {
    const { db } = database;
    const standing: Standing = w.department
      ? { viewer: { role: 'department', actor: 'property', orgCode: 'PLATFORM', subjectCode: null }, purpose: { kind: 'LICENSING', reference: 'P-1' }, grants: [] }
      : { viewer: PUBLIC_VIEWER, purpose: null, grants: [] };
    const kinds = searchableKinds(standing.viewer.role, standing.purpose !== null, null);
    const access = createScopedAccess(db, standing, now);
    const code = term.toUpperCase();
    const expected = subjects
      .filter((s) => kinds.includes(s.kind) && (s.name.toLowerCase().includes(term.toLowerCase()) || s.code === code))
      .sort(byNameThenCode)
      .map((s) => s.code);

    const seen: string[] = [];
    let after: { name: string; code: string } | null = null;
    for (let page = 0; page <= subjects.length + 1; page += 1) {
      const withTotal = page === 0 && w.withTotal;
      const { rows, total } = await searchVisibleSubjects(db, {
        nameContains: term.toLowerCase(), code, kinds, professionalGroup: null, after, limit: w.pageSize, withTotal,
      }, access.subjectScope, access.recordScope, now);
      if (withTotal) expect(total).toBe(expected.length);
      else expect(total).toBeNull();
      expect(rows.length).toBeLessThanOrEqual(w.pageSize + 1);
      const shown = rows.slice(0, w.pageSize);
      seen.push(...shown.map((r) => r.code));
      if (rows.length <= w.pageSize) break;
      after = { name: shown.at(-1)!.name, code: shown.at(-1)!.code };
    }
    expect(seen).toEqual(expected);
  }

  /** Every posting, as "piece:code", sorted. */
  async function postings(): Promise<string[]> {
    const result = await database.db.execute(sql`SELECT gram, code FROM subject_name_grams`) as unknown as { rows: { gram: string; code: string }[] };
    return result.rows.map((r) => `${r.gram}:${r.code}`).sort();
  }

  it('P4: the postings follow registrations, renames, deletions and TRUNCATE', async () => {
    const { db } = database;
    await db.execute(sql`INSERT INTO subjects (code, kind, name, registered_by) VALUES
      ('T00000000000000001', 'ENTERPRISE', '科技AB科技', 'PLATFORM'), ('T00000000000000002', 'ENTERPRISE', 'Ab', 'PLATFORM')`);
    // lower-cased, each distinct piece once
    expect(await postings()).toEqual(['ab:T00000000000000001', 'ab:T00000000000000002', 'b科:T00000000000000001', '技a:T00000000000000001', '科技:T00000000000000001']);
    await db.execute(sql`UPDATE subjects SET name = '建材' WHERE code = 'T00000000000000001'`);
    expect(await postings()).toEqual(['ab:T00000000000000002', '建材:T00000000000000001']);
    await db.execute(sql`DELETE FROM subjects WHERE code = 'T00000000000000002'`);
    expect(await postings()).toEqual(['建材:T00000000000000001']);
    await db.execute(sql`TRUNCATE subjects CASCADE`);
    expect(await postings()).toEqual([]);
  });
});
