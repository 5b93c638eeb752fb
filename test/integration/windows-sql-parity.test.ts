import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  effectiveDisclosure,
  isAdultAt,
  publicUntil,
  publicWindow,
  type Disclosure,
  type SubjectFacts,
  type Severity,
  type TypeWindowRule,
} from '../../policies/windows.js';
import type { Db } from '../../src/db/client.js';
import { records, subjects } from '../../src/db/schema/index.js';
import { listCatalogTypes } from '../../src/modules/catalog/catalog.repository.js';
import { DEFAULT_ALIASES, effectiveDisclosureSql, isAdultSql, publicUntilSql, recordWindowSql } from '../../src/modules/disclosure/record-facts.sql.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { mulberry32 } from '../support/random.js';
import { CATALOG_TYPE_CODES, CATALOG_WINDOW_ROWS, allowedDisclosures, toCatalogWindowRow } from '../unit/windows.catalog.js';

/**
 * The SQL twin of policies/windows.ts (src/modules/disclosure/record-facts.sql.ts) agrees with it: for ~300 seeded
 * random records over every type, severity and validity combination — 29 February, month ends, Asia/Shanghai
 * midnight — at ~10 instants each, including every computed boundary and 1 ms either side.
 */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const plus = (d: Date, deltaMs: number) => new Date(d.getTime() + deltaMs);
const DAY = 86_400_000;
const RANDOM_RECORDS = 300;

// ---------------------------------------------------------------------------------------------------------
// generators

/** Shanghai dates that stress calendar arithmetic: leap days, month ends, year ends */
const SPECIAL_DATES = [
  '2024-02-29', '2020-02-29', '2023-02-28', '2024-02-28', '2025-02-28', '2024-01-31', '2025-01-31', '2024-03-31',
  '2025-05-31', '2025-08-31', '2024-10-31', '2024-12-31', '2025-12-31', '2026-02-28', '2026-06-30', '2023-06-30',
];
/** Shanghai times of day: midnight, the last millisecond, UTC midnight (08:00) and the millisecond before it */
const SPECIAL_TIMES = ['00:00:00.000', '23:59:59.999', '08:00:00.000', '07:59:59.999', '16:00:00.000', '12:34:56.789'];

function generator(seed: number) {
  const rand = mulberry32(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.min(items.length - 1, Math.floor(rand() * items.length))];
  const chance = (p: number) => rand() < p;
  const randomInstant = (fromIso: string, toIso: string) => {
    const a = new Date(fromIso).getTime();
    const b = new Date(toIso).getTime();
    return new Date(a + Math.floor(rand() * (b - a)));
  };
  const interesting = (): Date => {
    if (chance(0.65)) return sh(`${pick(SPECIAL_DATES)}T${pick(SPECIAL_TIMES)}`);
    return randomInstant('2019-01-01T00:00:00Z', '2027-12-31T00:00:00Z');
  };
  /** a later instant: an interesting one, a random offset, or the same Shanghai wall-clock time 1–3 years on */
  const later = (d: Date): Date => {
    const r = rand();
    if (r < 0.3) return interesting();
    if (r < 0.6) return plus(d, Math.floor(rand() * 6 * 365) * DAY + pick([0, 1, -1, 3_600_000]));
    // the same Shanghai wall-clock time 1–3 years on (often exactly at a default expiry or cap)
    const local = new Date(d.getTime() + 8 * 3_600_000);
    const years = pick([1, 2, 3]);
    const month = local.getUTCMonth();
    const day = Math.min(local.getUTCDate(), new Date(Date.UTC(local.getUTCFullYear() + years, month + 1, 0)).getUTCDate());
    return new Date(Date.UTC(local.getUTCFullYear() + years, month, day, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds()) - 8 * 3_600_000);
  };
  return { rand, pick, chance, randomInstant, interesting, later };
}

interface GeneratedRecord {
  type: string;
  severity: Severity | null;
  disclosure: Disclosure;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
  subject: SubjectFixture;
}

function generateRecords(seed: number, count: number, people: SubjectFixture[]): GeneratedRecord[] {
  const g = generator(seed);
  const out: GeneratedRecord[] = [];
  for (let i = 0; i < count; i++) {
    // every type appears; then random
    const type = i < CATALOG_TYPE_CODES.length * 3 ? CATALOG_TYPE_CODES[i % CATALOG_TYPE_CODES.length] : g.pick(CATALOG_TYPE_CODES);
    const severity: Severity | null = type === 'penalty'
      ? g.pick<Severity | null>(['MINOR', 'GENERAL', 'GENERAL', 'SERIOUS', 'SERIOUS', null])
      : g.pick<Severity | null>([null, null, 'GENERAL', 'SERIOUS', 'MINOR']);
    const allowed = allowedDisclosures(type);
    const disclosure = g.chance(0.7) ? allowed[0] : g.pick(allowed);
    const decidedAt = g.interesting();
    const validFrom = g.chance(0.45) ? null : g.chance(0.5) ? g.later(decidedAt) : plus(decidedAt, Math.floor(g.rand() * 60) * DAY);
    let validUntil: Date | null = null;
    if (g.chance(0.55)) {
      const candidate = g.later(validFrom ?? decidedAt);
      // records_validity_order: validUntil ≥ validFrom when both are set (without validFrom it may precede decidedAt)
      validUntil = validFrom && candidate < validFrom ? plus(validFrom, Math.floor(g.rand() * 400) * DAY) : candidate;
    }
    out.push({ type, severity, disclosure, decidedAt, validFrom, validUntil, subject: g.pick(people) });
  }
  return out;
}

/** Fixed records at the boundaries the SPEC names (D1, D2). */
function fixedRecords(org: SubjectFixture, adult: SubjectFixture, turning18: SubjectFixture): GeneratedRecord[] {
  const r = (type: string, severity: Severity | null, decidedAt: Date, validFrom: Date | null = null, validUntil: Date | null = null, subject = org): GeneratedRecord =>
    ({ type, severity, disclosure: 'PUBLIC', decidedAt, validFrom, validUntil, subject });
  return [
    r('penalty', 'GENERAL', sh('2024-02-29T10:00:00')),
    r('penalty', 'SERIOUS', sh('2024-02-29T00:00:00')),
    r('penalty', 'GENERAL', sh('2024-02-29T23:59:59.999')),
    r('penalty', 'MINOR', sh('2024-02-29T10:00:00')),
    r('penalty', 'GENERAL', sh('2025-01-31T00:00:00')),
    r('dishonest-debtor', null, sh('2024-02-20T10:00:00'), sh('2024-02-29T00:00:00')),
    r('dishonest-debtor', null, sh('2024-02-29T08:00:00'), null, null, adult),
    r('serious-dishonesty-list', null, sh('2023-03-31T12:00:00'), sh('2023-03-31T23:59:59.999'), null, adult),
    r('ip-infringement', null, sh('2024-02-29T16:00:00'), null, sh('2030-01-01T00:00:00')),
    r('ip-infringement', null, sh('2023-08-31T00:00:00'), sh('2024-01-31T00:00:00')),
    r('registration', null, sh('2015-03-01T09:00:00')),
    r('license', null, sh('2025-12-31T23:59:59.999'), null, sh('2026-03-01T00:00:00')),
    r('qualification', null, sh('2025-01-31T00:00:00'), sh('2025-02-28T00:00:00'), sh('2026-02-28T00:00:00'), adult),
    r('qualification', null, sh('2026-01-01T09:00:00'), null, null, turning18),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// SQL helpers

type Row = Record<string, unknown>;
async function rows(db: Db, query: SQL): Promise<Row[]> {
  return ((await db.execute(query)) as unknown as { rows: Row[] }).rows;
}
/** an instant as epoch milliseconds text (independent of the session time zone and of the driver's parsers) */
const epochMs = (expr: SQL) => sql`(extract(epoch from ${expr}) * 1000)::numeric(20,3)::text`;
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const FROM = sql`FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type`;

/** the 18th birthday of a 'YYYY-MM-DD' birth date, as the Shanghai midnight it begins (29 Feb → 28 Feb) */
function eighteenthBirthday(birthDate: string): Date {
  const [y, m, d] = birthDate.split('-').map(Number);
  const last = new Date(Date.UTC(y + 18, m, 0)).getUTCDate();
  const day = String(Math.min(d, last)).padStart(2, '0');
  return sh(`${y + 18}-${String(m).padStart(2, '0')}-${day}T00:00:00`);
}

type RecordRow = typeof records.$inferSelect;

describe.each(testDatabaseKinds())('%s', (kind) => {
  let database: TestDatabase;
  let catalog: Map<string, TypeWindowRule>;
  let recordRows: RecordRow[];
  let subjectById: Map<number, typeof subjects.$inferSelect>;
  const seed = 20260615;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    const db = database.db;
    const dept = await createOrganization(db, 'DEPARTMENT');
    const org = await createSubject(db, dept, 'ENTERPRISE');
    const people = [
      org,
      await createSubject(db, dept, 'PUBLIC_INSTITUTION'),
      await createSubject(db, dept, 'SOCIAL_ORGANIZATION'),
      await createSubject(db, dept, 'INDIVIDUAL', { birthDate: '1980-05-17' }),
      await createSubject(db, dept, 'INDIVIDUAL', { birthDate: '2008-02-29' }), // 18 on 2026-02-28
      await createSubject(db, dept, 'INDIVIDUAL', { birthDate: '2007-12-31' }), // 18 on 2025-12-31
      await createSubject(db, dept, 'INDIVIDUAL', { birthDate: '2008-06-16' }), // 18 on 2026-06-16
      await createSubject(db, dept, 'INDIVIDUAL', { birthDate: '2012-03-03' }),
    ];
    const generated = [...fixedRecords(org, people[3], people[6]), ...generateRecords(seed, RANDOM_RECORDS, people)];
    for (const g of generated) {
      await createRecord(db, g.subject, dept, {
        type: g.type, severity: g.severity, disclosure: g.disclosure, decidedAt: g.decidedAt, validFrom: g.validFrom, validUntil: g.validUntil,
      });
    }
    const [catalogRows, rs, ss] = await Promise.all([listCatalogTypes(db), db.select().from(records), db.select().from(subjects)]);
    catalog = new Map(catalogRows.map((c) => [c.code, c]));
    recordRows = rs;
    subjectById = new Map(ss.map((s) => [s.id, s]));
  });

  afterAll(async () => {
    await database?.close();
  });

  const subjectFactsOf = (r: RecordRow): SubjectFacts => {
    const subject = subjectById.get(r.subjectId)!;
    return { kind: subject.kind as SubjectFacts['kind'], birthDate: subject.birthDate ?? null };
  };
  const recordInput = (r: RecordRow) => ({ severity: r.severity, decidedAt: r.decidedAt, validFrom: r.validFrom, validUntil: r.validUntil, disclosure: r.disclosure });
  const describeRow = (r: RecordRow) =>
    `${r.type} ${r.severity ?? '-'} ${r.disclosure} decided ${r.decidedAt.toISOString()} from ${r.validFrom?.toISOString() ?? '-'} until ${r.validUntil?.toISOString() ?? '-'} subject ${subjectById.get(r.subjectId)!.kind} ${subjectById.get(r.subjectId)!.birthDate ?? ''}`;

  it('catalog: test/unit/windows.catalog.ts equals listCatalogTypes() of a migrated database (no drift from the seed)', async () => {
    const fromDb = (await listCatalogTypes(database.db)).map(toCatalogWindowRow).sort((a, b) => a.code.localeCompare(b.code));
    const copied = [...CATALOG_WINDOW_ROWS].sort((a, b) => a.code.localeCompare(b.code));
    expect(fromDb).toEqual(copied);
    expect(fromDb).toHaveLength(17);
  });

  it('fixture: the data set covers every type, every severity of penalty, open and bounded windows, 29 February and Shanghai midnight', () => {
    expect(recordRows.length).toBe(RANDOM_RECORDS + 14);
    expect(new Set(recordRows.map((r) => r.type))).toEqual(new Set(CATALOG_TYPE_CODES));
    expect(new Set(recordRows.filter((r) => r.type === 'penalty').map((r) => r.severity))).toEqual(new Set(['MINOR', 'GENERAL', 'SERIOUS', null]));
    const shanghai = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString();
    expect(recordRows.some((r) => shanghai(r.decidedAt).startsWith('2024-02-29'))).toBe(true);
    expect(recordRows.some((r) => shanghai(r.decidedAt).endsWith('T00:00:00.000Z'))).toBe(true);
    expect(recordRows.some((r) => r.validUntil === null && r.validFrom !== null)).toBe(true);
    expect(recordRows.some((r) => r.validUntil !== null && r.validFrom === null && r.validUntil < r.decidedAt)).toBe(true);
    expect(new Set(recordRows.map((r) => r.disclosure))).toEqual(new Set(['PUBLIC', 'SHARED', 'SUBJECT_ONLY']));
  });

  it('D1/D2: publicUntilSql agrees with publicUntil, and the SQL window bounds with publicWindow, for every record', async () => {
    const w = recordWindowSql(DEFAULT_ALIASES);
    const result = await rows(database.db, sql`SELECT r.id, ${epochMs(publicUntilSql(DEFAULT_ALIASES))} AS public_until,
      ${epochMs(w.start)} AS start, ${epochMs(w.until)} AS until, ${w.neverPublic} AS never ${FROM}`);
    const byId = new Map(result.map((r) => [String(r.id), r]));
    const mismatches: string[] = [];
    for (const r of recordRows) {
      const rule = catalog.get(r.type)!;
      const js = publicUntil(rule, recordInput(r), r.disclosure, subjectFactsOf(r))?.getTime() ?? null;
      const window = publicWindow(rule, recordInput(r));
      const s = byId.get(r.id)!;
      const got = { publicUntil: msOrNull(s.public_until), neverPublic: s.never === true };
      const want = { publicUntil: js, neverPublic: window.neverPublic };
      if (got.publicUntil !== want.publicUntil || got.neverPublic !== want.neverPublic) {
        mismatches.push(`${describeRow(r)}: SQL ${JSON.stringify(got)} JS ${JSON.stringify(want)}`);
      }
      if (!window.neverPublic && (msOrNull(s.start) !== window.from.getTime() || msOrNull(s.until) !== (window.until?.getTime() ?? null))) {
        mismatches.push(`${describeRow(r)}: SQL window [${s.start}, ${s.until}) JS [${window.from.getTime()}, ${window.until?.getTime() ?? null})`);
      }
    }
    expect(mismatches).toEqual([]);
    // non-trivial: bounded, unbounded and never-public windows all occur
    const values = recordRows.map((r) => publicUntil(catalog.get(r.type)!, recordInput(r), r.disclosure, subjectFactsOf(r)));
    expect(values.some((v) => v === null)).toBe(true);
    // D5: never public about an individual although the window itself has an end (issue 13, found by the model test)
    const individualNeverPublic = recordRows.filter((r) => subjectById.get(r.subjectId)!.kind === 'INDIVIDUAL' && r.disclosure === 'PUBLIC'
      && publicUntil(catalog.get(r.type)!, recordInput(r), r.disclosure) !== null
      && publicUntil(catalog.get(r.type)!, recordInput(r), r.disclosure, subjectFactsOf(r)) === null);
    expect(individualNeverPublic.length).toBeGreaterThan(0);
    expect(values.filter((v) => v !== null).length).toBeGreaterThan(50);
  });

  it('D1–D3, D5, D6: effectiveDisclosureSql agrees with effectiveDisclosure at every window boundary ±1 ms, every 18th birthday ±1 ms and random instants', async () => {
    const g = generator(seed + 1);
    const instants = new Map<number, Date>();
    const add = (d: Date | null) => {
      if (!d) return;
      for (const delta of [-1, 0, 1]) instants.set(d.getTime() + delta, new Date(d.getTime() + delta));
    };
    for (const r of recordRows) {
      const window = publicWindow(catalog.get(r.type)!, recordInput(r));
      add(window.from);
      add(window.until);
      add(r.decidedAt);
      const random = g.randomInstant('2019-01-01T00:00:00Z', '2031-01-01T00:00:00Z');
      instants.set(random.getTime(), random);
    }
    for (const s of subjectById.values()) if (s.birthDate) add(eighteenthBirthday(s.birthDate));
    expect(instants.size).toBeGreaterThan(RANDOM_RECORDS * 5);

    const mismatches: string[] = [];
    const seen = new Set<Disclosure>();
    for (const now of instants.values()) {
      const result = await rows(database.db, sql`SELECT r.id, ${effectiveDisclosureSql(DEFAULT_ALIASES, now)} AS eff ${FROM}`);
      const fromSql = new Map(result.map((x) => [String(x.id), x.eff as string]));
      for (const r of recordRows) {
        const s = subjectById.get(r.subjectId)!;
        const js = effectiveDisclosure(catalog.get(r.type)!, recordInput(r), { kind: s.kind, birthDate: s.birthDate }, now);
        seen.add(js);
        if (fromSql.get(r.id) !== js) mismatches.push(`at ${now.toISOString()}: ${describeRow(r)}: SQL ${fromSql.get(r.id)} JS ${js}`);
      }
      if (mismatches.length > 20) break;
    }
    expect(mismatches).toEqual([]);
    expect(seen).toEqual(new Set(['PUBLIC', 'SHARED', 'SUBJECT_ONLY']));
  });

  it('D5: SQL\'s age test turns adult exactly at the Shanghai midnight of the 18th birthday, and the person\'s public-for-individuals record becomes PUBLIC then', async () => {
    for (const s of subjectById.values()) {
      if (!s.birthDate) continue;
      const birthday = eighteenthBirthday(s.birthDate);
      for (const now of [plus(birthday, -1), birthday]) {
        const [{ adult }] = await rows(database.db, sql`SELECT ${isAdultSql(DEFAULT_ALIASES, now)} AS adult FROM subjects s WHERE s.id = ${s.id}`);
        expect(adult, `born ${s.birthDate}: adult at ${now.toISOString()} in SQL`).toBe(now === birthday);
        expect(isAdultAt(s.birthDate, now), `born ${s.birthDate}: adult at ${now.toISOString()} in JS`).toBe(now === birthday);
      }
    }
    // the records about those people agree at birthday −1 ms and at the birthday (covered above); assert the effect exists
    const person = [...subjectById.values()].find((s) => s.birthDate === '2008-06-16')!;
    const birthday = eighteenthBirthday('2008-06-16');
    const publicCount = async (now: Date) =>
      (await rows(database.db, sql`SELECT r.id ${FROM} WHERE s.id = ${person.id} AND ${effectiveDisclosureSql(DEFAULT_ALIASES, now)} = 'PUBLIC'`)).length;
    const jsCount = (now: Date) => recordRows.filter((r) => r.subjectId === person.id
      && effectiveDisclosure(catalog.get(r.type)!, recordInput(r), { kind: 'INDIVIDUAL', birthDate: person.birthDate }, now) === 'PUBLIC').length;
    expect(await publicCount(plus(birthday, -1))).toBe(0);
    expect(await publicCount(plus(birthday, -1))).toBe(jsCount(plus(birthday, -1)));
    expect(await publicCount(birthday)).toBe(jsCount(birthday));
    expect(await publicCount(birthday)).toBeGreaterThan(0);
  });

  it('D1/D2: SQL and JS agree on publicUntil for records decided during Asia/Shanghai daylight-saving time (1986–1991) and before 1949', async () => {
    // "calendar intervals (PostgreSQL interval semantics) in Asia/Shanghai time": PostgreSQL uses the tz database,
    // where Shanghai observed DST 1986–1991 and other offsets before 1949.
    const db = database.db;
    const dept = await createOrganization(db, 'DEPARTMENT');
    const org = await createSubject(db, dept, 'ENTERPRISE');
    const historic = [
      { type: 'penalty', severity: 'GENERAL' as const, decidedAt: sh('1986-04-20T10:00:00') },
      { type: 'penalty', severity: 'SERIOUS' as const, decidedAt: sh('1988-03-01T10:00:00') },
      { type: 'dishonest-debtor', severity: null, decidedAt: sh('1989-04-10T10:00:00') },
      { type: 'penalty', severity: 'GENERAL' as const, decidedAt: sh('1948-06-01T10:00:00') },
    ];
    const ids: string[] = [];
    for (const h of historic) ids.push(await createRecord(db, org, dept, { ...h, disclosure: 'PUBLIC' }));
    const result = await rows(db, sql`SELECT r.id, ${epochMs(publicUntilSql(DEFAULT_ALIASES))} AS public_until ${FROM} WHERE r.subject_id = ${org.id}`);
    const mismatches: string[] = [];
    for (const [i, h] of historic.entries()) {
      const js = publicUntil(catalog.get(h.type)!, { ...h, validFrom: null, validUntil: null }, 'PUBLIC');
      const sqlMs = msOrNull(result.find((x) => String(x.id) === ids[i])!.public_until);
      if (sqlMs !== js?.getTime()) {
        mismatches.push(`${h.type} ${h.severity ?? ''} decided ${h.decidedAt.toISOString()}: SQL ${sqlMs === null ? null : new Date(sqlMs).toISOString()} JS ${js?.toISOString()}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
