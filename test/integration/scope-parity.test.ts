import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAbility, type AppAbility, type RecordFacts, type SubjectRowFacts, subjectCategoryKey } from '../../policies/abilities.js';
import type { ActiveGrant, Standing } from '../../policies/viewer.js';
import { effectiveDisclosure, type Disclosure, type Severity, type TypeWindowRule, isBeyondAgencyLookback } from '../../policies/windows.js';
import type { Db } from '../../src/db/client.js';
import { records, subjects } from '../../src/db/schema/index.js';
import { listCatalogTypes } from '../../src/modules/catalog/catalog.repository.js';
import { DEFAULT_ALIASES } from '../../src/modules/disclosure/record-facts.sql.js';
import { recordFieldMap, scopeSql, subjectFieldMap } from '../../src/modules/disclosure/scope.sql.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { CATALOG_TYPE_CODES, allowedDisclosures } from '../unit/windows.catalog.js';

/**
 * STYLE convention 1: the SQL scope (CASL rules → WHERE) returns exactly the rows `ability.can` allows, viewer by
 * viewer, at several instants including exact window boundaries. Facts for the in-memory side are computed in JS
 * from the rows read back from the database, with policies/windows.ts and the migrated catalog.
 */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const DAY = 86_400_000;
const BASE = sh('2026-06-15T12:00:00');
const before = (d: Date, delta: number) => new Date(d.getTime() - delta);
/** Shanghai midnight at which many windows of the data set open or close */
const EDGE = sh('2026-07-01T00:00:00');
/** the 18th birthday (Shanghai midnight) of the subject born 2008-06-16 */
const BIRTHDAY = sh('2026-06-16T00:00:00');

const INSTANTS: readonly (readonly [string, Date])[] = [
  ['BASE 2026-06-15T12:00+08:00', BASE],
  ['1 ms before an 18th birthday (2026-06-15T23:59:59.999+08:00)', before(BIRTHDAY, 1)],
  ['the 18th birthday, Shanghai midnight 2026-06-16T00:00+08:00', BIRTHDAY],
  ['1 ms before the window edge 2026-07-01T00:00+08:00', before(EDGE, 1)],
  ['exactly the window edge 2026-07-01T00:00+08:00', EDGE],
  ['2024-02-29T00:00+08:00 (leap day, before most decisions)', sh('2024-02-29T00:00:00')],
  ['2028-06-15T12:00+08:00 (two years on)', sh('2028-06-15T12:00:00')],
];

/**
 * A3: records of granting subjects decided at these instants reach their five-year look-back exactly at BASE,
 * EDGE and Shanghai midnight of 2029-02-28 (a 29 February decision, day clamped). Agencies are checked at the
 * common instants (BASE and EDGE are among them) plus 1 ms after each boundary and at the leap-day boundary.
 */
const LOOKBACK_DECISIONS: readonly (readonly [string, Date, Date])[] = [
  ['decided 2021-06-15T12:00+08:00 (boundary BASE)', sh('2021-06-15T12:00:00'), BASE],
  ['decided 2021-07-01T00:00+08:00 (boundary EDGE)', sh('2021-07-01T00:00:00'), EDGE],
  ['decided 2024-02-29T00:00+08:00 (boundary 2029-02-28T00:00+08:00)', sh('2024-02-29T00:00:00'), sh('2029-02-28T00:00:00')],
];
const after = (d: Date, delta: number) => new Date(d.getTime() + delta);
const AGENCY_INSTANTS: readonly (readonly [string, Date])[] = [
  ...INSTANTS,
  ['1 ms after the 5-year boundary at BASE', after(BASE, 1)],
  ['1 ms after the 5-year boundary at EDGE', after(EDGE, 1)],
  ['exactly the 5-year boundary 2029-02-28T00:00+08:00 of a 29 February decision', sh('2029-02-28T00:00:00')],
  ['1 ms after the 5-year boundary 2029-02-28T00:00+08:00', after(sh('2029-02-28T00:00:00'), 1)],
];

// ---------------------------------------------------------------------------------------------------------
// window positions (relative to BASE and EDGE); hand-written dates, not computed with policies/calendar.ts

type Position = 'open' | 'bounded' | 'expired' | 'not-yet' | 'ends-at-edge' | 'starts-at-edge';
const POSITIONS: Position[] = ['open', 'bounded', 'expired', 'not-yet', 'ends-at-edge', 'starts-at-edge'];

interface Timing { decidedAt: Date; validFrom: Date | null; validUntil: Date | null }

function timing(type: string, severity: Severity | null | undefined, position: Position): Timing {
  const t = (decidedAt: Date, validFrom: Date | null = null, validUntil: Date | null = null): Timing => ({ decidedAt, validFrom, validUntil });
  switch (position) {
    case 'open': return t(before(BASE, 60 * DAY));
    case 'bounded': return t(before(BASE, 60 * DAY), null, sh('2027-06-15T12:00:00'));
    case 'expired': return t(sh('2021-03-31T10:00:00'), null, sh('2024-03-31T00:00:00'));
    case 'not-yet': return type === 'penalty' ? t(sh('2026-07-15T09:00:00')) : t(before(BASE, 10 * DAY), sh('2026-07-15T00:00:00'));
    case 'starts-at-edge': return type === 'penalty' ? t(EDGE) : t(before(BASE, 10 * DAY), EDGE);
    case 'ends-at-edge':
      if (type === 'penalty') return t(severity === 'SERIOUS' ? sh('2023-07-01T00:00:00') : sh('2025-07-01T00:00:00'));
      if (type === 'dishonest-debtor') return t(sh('2024-06-20T10:00:00'), sh('2024-07-01T00:00:00')); // default 2 years
      if (type === 'serious-dishonesty-list') return t(sh('2023-06-20T10:00:00'), sh('2023-07-01T00:00:00')); // default 3 years
      if (type === 'ip-infringement') return t(sh('2023-07-01T00:00:00'), null, sh('2027-01-01T00:00:00')); // cap 3 years
      return t(before(BASE, 100 * DAY), null, EDGE);
  }
}

// ---------------------------------------------------------------------------------------------------------
// the data set

type SubjectClass = 'organisation' | 'adult' | 'minor';

interface DataSet {
  deptA: string;
  deptB: string;
  deptC: string;
  subjectsByLabel: Map<string, SubjectFixture>;
  /** subjects of each class among which the cross product is spread */
  classes: Record<SubjectClass, SubjectFixture[]>;
  combos: Set<string>;
  /** A3: `${subject label}|${type}|${decision index in LOOKBACK_DECISIONS}` → record id */
  lookback: Map<string, string>;
}

/**
 * A3 boundary records, filed about each subject that gives a grant below, at each LOOKBACK_DECISIONS instant:
 * negative (penalty filed PUBLIC — its window long over, so effectively SHARED; judgment and tax-arrears SHARED)
 * and basic (licence filed PUBLIC, open-ended; contract-performance SHARED); for adults who have public records
 * anyway, also a dishonest-debtor listed until 2031 (public about adults: the public view keeps it).
 */
const LOOKBACK_SUBJECTS = ['adult-1980', 'enterprise-1', 'enterprise-2', 'minor-2012', 'adult-without-public-records'] as const;
const LOOKBACK_TYPES: readonly { type: string; disclosure: Disclosure; validUntil?: Date; only?: readonly string[] }[] = [
  { type: 'penalty', disclosure: 'PUBLIC' },
  { type: 'judgment', disclosure: 'SHARED' },
  { type: 'tax-arrears', disclosure: 'SHARED' },
  { type: 'license', disclosure: 'PUBLIC' },
  { type: 'contract-performance', disclosure: 'SHARED' },
  { type: 'dishonest-debtor', disclosure: 'PUBLIC', validUntil: sh('2031-01-01T00:00:00'), only: ['adult-1980'] },
];

async function seed(db: Db): Promise<DataSet> {
  const [deptA, deptB, deptC] = [await createOrganization(db, 'DEPARTMENT'), await createOrganization(db, 'DEPARTMENT'), await createOrganization(db, 'DEPARTMENT')];
  const by = new Map<string, SubjectFixture>();
  const add = async (label: string, kind: SubjectFixture['kind'], birthDate?: string) => {
    const s = await createSubject(db, deptA, kind, birthDate ? { birthDate } : {});
    by.set(label, s);
    return s;
  };
  const classes: Record<SubjectClass, SubjectFixture[]> = {
    organisation: [
      await add('enterprise-1', 'ENTERPRISE'),
      await add('enterprise-2', 'ENTERPRISE'),
      await add('public-institution', 'PUBLIC_INSTITUTION'),
      await add('social-organisation', 'SOCIAL_ORGANIZATION'),
    ],
    adult: [
      await add('adult-1980', 'INDIVIDUAL', '1980-05-17'),
      await add('adult-1992-leap', 'INDIVIDUAL', '1992-02-29'),
      await add('adult-1975', 'INDIVIDUAL', '1975-12-31'),
      await add('turned-18-on-2026-02-28', 'INDIVIDUAL', '2008-02-29'),
    ],
    minor: [
      await add('turns-18-on-2026-06-16', 'INDIVIDUAL', '2008-06-16'),
      await add('minor-2012', 'INDIVIDUAL', '2012-03-03'),
    ],
  };
  await add('enterprise-without-records', 'ENTERPRISE');
  const privateAdult = await add('adult-without-public-records', 'INDIVIDUAL', '1985-09-09');

  const combos = new Set<string>();
  let n = 0;
  const file = async (cls: SubjectClass, type: string, severity: Severity | undefined, disclosure: Disclosure, status: 'ACTIVE' | 'WITHDRAWN' | 'REPAIRED', position: Position) => {
    const pool = classes[cls];
    const subject = pool[n % pool.length];
    // blocks of 12 so that the source is independent of the subject (pools of 2 and 4)
    const source = Math.floor(n / 12) % 2 === 0 ? deptA : deptB;
    n++;
    await createRecord(db, subject, source, { type, severity, disclosure, status, ...timing(type, severity, position) });
    combos.add(`${cls}|${type}|${disclosure}|${status}`);
  };
  for (const cls of ['organisation', 'adult', 'minor'] as const) {
    for (const type of CATALOG_TYPE_CODES) {
      // undefined: the factory's default (GENERAL for negative types, none otherwise)
      const severities: (Severity | undefined)[] = type === 'penalty' ? ['GENERAL', 'SERIOUS', 'MINOR'] : [undefined];
      for (const severity of severities) {
        for (const disclosure of allowedDisclosures(type)) {
          for (const position of POSITIONS) await file(cls, type, severity, disclosure, 'ACTIVE', position);
          for (const status of ['WITHDRAWN', 'REPAIRED'] as const) {
            await file(cls, type, severity, disclosure, status, 'open');
            await file(cls, type, severity, disclosure, status, 'ends-at-edge');
          }
        }
      }
    }
  }
  // an adult individual with nothing the public may ever see (P3: not found by the public)
  for (const type of ['license', 'penalty', 'honor']) await createRecord(db, privateAdult, deptA, { type, disclosure: 'PUBLIC', ...timing(type, 'GENERAL', 'open') });
  await createRecord(db, privateAdult, deptB, { type: 'qualification', disclosure: 'SHARED', ...timing('qualification', null, 'open') });
  await createRecord(db, privateAdult, deptA, { type: 'dishonest-debtor', disclosure: 'SUBJECT_ONLY', ...timing('dishonest-debtor', null, 'open') });
  await createRecord(db, privateAdult, deptB, { type: 'serious-dishonesty-list', disclosure: 'PUBLIC', status: 'WITHDRAWN', ...timing('serious-dishonesty-list', null, 'open') });
  const lookback = new Map<string, string>();
  for (const label of LOOKBACK_SUBJECTS) {
    for (const [index, [, decidedAt]] of LOOKBACK_DECISIONS.entries()) {
      for (const { type, disclosure, validUntil, only } of LOOKBACK_TYPES) {
        if (only && !only.includes(label)) continue;
        const id = await createRecord(db, by.get(label)!, index % 2 === 0 ? deptA : deptB, { type, disclosure, decidedAt, validUntil: validUntil ?? null });
        lookback.set(`${label}|${type}|${index}`, id);
      }
    }
  }
  return { deptA, deptB, deptC, subjectsByLabel: by, classes, combos, lookback };
}

// ---------------------------------------------------------------------------------------------------------
// viewers

interface ViewerCase {
  name: string;
  standing(data: DataSet): Standing;
  /** the viewer is expected to see every record / every subject (no non-triviality check on that side) */
  seesAllSubjects?: boolean;
  /** agencies: the instants checked (default INSTANTS) */
  instants?: readonly (readonly [string, Date])[];
  /** agencies: compared with the public's sets — grants open more ('more'), or nothing without a purpose ('same') */
  comparedWithPublic?: 'more' | 'same';
}

const std = (role: Standing['viewer']['role'], orgCode: string | null, subjectCode: string | null, purpose: Standing['purpose']): Standing =>
  ({ viewer: { role, actor: role === 'public' ? null : `${role}-1`, orgCode, subjectCode }, purpose, grants: [] });
const DEPT_PURPOSE = { kind: 'SUPERVISION' as const, reference: 'SG-SUP-2026-1' };
const AGENCY_PURPOSE = { kind: 'LENDING' as const, reference: 'LN-2026-1' };
const self = (label: string) => (d: DataSet) => std('subject', null, d.subjectsByLabel.get(label)!.code, null);

/** A2, A3: agencies holding 1–2 grants over different subjects and categories (narrowed to the purpose, in force). */
function grant(d: DataSet, id: string, label: string, categories: string[]): ActiveGrant {
  return { id, subjectCode: d.subjectsByLabel.get(label)!.code, categories };
}
const LENDING_GRANTS = (d: DataSet) => [
  grant(d, 'g-adult', 'adult-1980', ['ADMINISTRATIVE', 'JUDICIAL']),
  grant(d, 'g-enterprise', 'enterprise-1', ['COMPLIANCE', 'CONTRACT', 'EVALUATION']),
];

const VIEWERS: ViewerCase[] = [
  { name: 'P2: the public', standing: () => std('public', null, null, null) },
  { name: 'G2: a department without a purpose (source of half the records)', standing: (d) => std('department', d.deptA, null, null) },
  { name: 'G1: a department with a purpose, source of half the records', standing: (d) => std('department', d.deptA, null, DEPT_PURPOSE), seesAllSubjects: true },
  { name: 'G1: a department with a purpose that filed nothing', standing: (d) => std('department', d.deptC, null, DEPT_PURPOSE), seesAllSubjects: true },
  { name: 'S1/S2: an enterprise looking at its own file and at everyone else', standing: self('enterprise-1') },
  { name: 'S1/S2: an adult individual looking at its own file and at everyone else', standing: self('adult-1980') },
  { name: 'S1/S2: a person turning 18 looking at its own file and at everyone else', standing: self('turns-18-on-2026-06-16') },
  { name: 'S1/S2: an individual with no public record looking at its own file and at everyone else', standing: self('adult-without-public-records') },
  { name: 'U1: an auditor', standing: () => std('auditor', 'AUDIT-1', null, null) },
  { name: 'U1: an admin', standing: () => std('admin', 'PLATFORM', null, null) },
  { name: 'A1: an agency with a purpose but no grant', standing: () => std('agency', 'AGEN-1', null, AGENCY_PURPOSE) },
  { name: 'A1: an agency without a purpose', standing: () => std('agency', 'AGEN-1', null, null) },
  ...agencyViewers(),
];

function agencyViewers(): ViewerCase[] {
  const agency = (org: string, purpose: Standing['purpose'], grants: (d: DataSet) => ActiveGrant[]) => (d: DataSet): Standing =>
    ({ viewer: { role: 'agency', actor: `${org}-officer`, orgCode: org, subjectCode: null }, purpose, grants: grants(d) });
  return [
    {
      name: 'A2/A3: an agency holding two grants (an adult: ADMINISTRATIVE+JUDICIAL; an enterprise: COMPLIANCE+CONTRACT+EVALUATION)',
      standing: agency('AGEN-LEND', AGENCY_PURPOSE, LENDING_GRANTS), instants: AGENCY_INSTANTS, comparedWithPublic: 'more',
    },
    {
      name: 'A2/A3: an agency holding one grant from a minor (JUDICIAL+COMPLIANCE+ADMINISTRATIVE)',
      standing: agency('AGEN-RPT', { kind: 'CREDIT_REPORT', reference: 'CR-2026-9' }, (d) => [grant(d, 'g-minor', 'minor-2012', ['JUDICIAL', 'COMPLIANCE', 'ADMINISTRATIVE'])]),
      instants: AGENCY_INSTANTS, comparedWithPublic: 'more',
    },
    {
      name: 'A2/A3: an agency holding grants from an adult with no public record (ADMINISTRATIVE+PROFESSIONAL+COMPLIANCE) and from an enterprise (ADMINISTRATIVE)',
      standing: agency('AGEN-HIRE', { kind: 'EMPLOYMENT_SCREENING', reference: 'ES-2026-3' }, (d) => [
        grant(d, 'g-private', 'adult-without-public-records', ['ADMINISTRATIVE', 'PROFESSIONAL', 'COMPLIANCE']),
        grant(d, 'g-enterprise-2', 'enterprise-2', ['ADMINISTRATIVE']),
      ]),
      instants: AGENCY_INSTANTS, comparedWithPublic: 'more',
    },
    {
      name: 'A1: an agency without a purpose that holds the two grants',
      standing: agency('AGEN-LEND', null, LENDING_GRANTS), instants: AGENCY_INSTANTS, comparedWithPublic: 'same',
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------

type RecordRow = typeof records.$inferSelect;
type SubjectRow = typeof subjects.$inferSelect;

interface Loaded {
  records: RecordRow[];
  subjects: Map<number, SubjectRow>;
  catalog: Map<string, TypeWindowRule>;
}

function recordFacts(row: RecordRow, loaded: Loaded, now: Date): RecordFacts {
  const subject = loaded.subjects.get(row.subjectId)!;
  return {
    __type: 'Record',
    status: row.status,
    effectiveDisclosure: effectiveDisclosure(
      loaded.catalog.get(row.type)!,
      { severity: row.severity, decidedAt: row.decidedAt, validFrom: row.validFrom, validUntil: row.validUntil, disclosure: row.disclosure },
      { kind: subject.kind, birthDate: subject.birthDate },
      now,
    ),
    sourceOrg: row.sourceOrg,
    subjectCode: subject.code,
    subjectKind: subject.kind,
    category: row.category,
    nature: row.nature,
    decidedBeyondAgencyLookback: isBeyondAgencyLookback(row.decidedAt, now),
    subjectCategory: subjectCategoryKey(subject.code, row.category),
  };
}

function hasPublicRecordInMemory(subjectId: number, loaded: Loaded, publicAbility: AppAbility, now: Date): boolean {
  return loaded.records.some((r) => r.subjectId === subjectId && publicAbility.can('read', recordFacts(r, loaded, now)));
}

async function ids(db: Db, query: SQL): Promise<string[]> {
  const result = (await db.execute(query)) as unknown as { rows: { id: string | number }[] };
  return result.rows.map((r) => String(r.id)).sort();
}

const sorted = (values: Iterable<string | number>) => [...values].map(String).sort();

describe.each(testDatabaseKinds())('%s', (kind) => {
  let database: TestDatabase;
  let data: DataSet;
  let loaded: Loaded;
  const publicAbility = defineAbility(std('public', null, null, null));

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    data = await seed(database.db);
    const [recordRows, subjectRows, catalogRows] = await Promise.all([
      database.db.select().from(records),
      database.db.select().from(subjects),
      listCatalogTypes(database.db),
    ]);
    loaded = {
      records: recordRows,
      subjects: new Map(subjectRows.map((s) => [s.id, s])),
      catalog: new Map(catalogRows.map((c) => [c.code, c])),
    };
  });

  afterAll(async () => {
    await database?.close();
  });

  it('fixture: every catalog type × allowed disclosure × status is filed about organisations, adults and minors', () => {
    for (const cls of ['organisation', 'adult', 'minor'])
      for (const type of CATALOG_TYPE_CODES)
        for (const disclosure of allowedDisclosures(type))
          for (const status of ['ACTIVE', 'WITHDRAWN', 'REPAIRED'])
            expect(data.combos.has(`${cls}|${type}|${disclosure}|${status}`), `${cls} ${type} ${disclosure} ${status}`).toBe(true);
    expect(loaded.subjects.size).toBe(12);
    expect(loaded.records.length).toBeGreaterThan(1000);
    expect(loaded.catalog.size).toBe(17);
  });

  it('fixture: at BASE, the in-memory facts put records in every effective class, and positions on both sides of EDGE', () => {
    const classesAt = (now: Date) => new Set(loaded.records.map((r) => recordFacts(r, loaded, now).effectiveDisclosure));
    expect(classesAt(BASE)).toEqual(new Set(['PUBLIC', 'SHARED', 'SUBJECT_ONLY']));
    const publicAt = (now: Date) => loaded.records.filter((r) => publicAbility.can('read', recordFacts(r, loaded, now))).length;
    // records ending at EDGE leave and records starting at EDGE enter the public view exactly at EDGE
    expect(publicAt(before(EDGE, 1))).not.toBe(publicAt(EDGE));
    expect(publicAt(before(BIRTHDAY, 1))).toBeLessThan(publicAt(BIRTHDAY));
  });

  const recordsInMemory = (ability: AppAbility, now: Date) => sorted(loaded.records.filter((r) => ability.can('read', recordFacts(r, loaded, now))).map((r) => r.id));
  const subjectsInMemory = (ability: AppAbility, now: Date) => sorted([...loaded.subjects.values()].filter((s) => {
    const facts: SubjectRowFacts = { __type: 'Subject', code: s.code, kind: s.kind, hasPublicRecord: hasPublicRecordInMemory(s.id, loaded, publicAbility, now) };
    return ability.can('read', facts);
  }).map((s) => s.id));
  const recordsFromSql = (ability: AppAbility, now: Date) => ids(database.db, sql`SELECT r.id FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type WHERE ${scopeSql(ability, 'Record', recordFieldMap(DEFAULT_ALIASES, now))}`);
  const subjectsFromSql = (ability: AppAbility, now: Date) => ids(database.db, sql`SELECT s.id FROM subjects s WHERE ${scopeSql(ability, 'Subject', subjectFieldMap('s', now, publicAbility))}`);
  /** the public's sets at an instant, computed once (agencies are compared with them) */
  const publicSets = new Map<number, { records: string[]; subjects: string[] }>();
  const publicAt = (now: Date) => {
    if (!publicSets.has(now.getTime())) publicSets.set(now.getTime(), { records: recordsInMemory(publicAbility, now), subjects: subjectsInMemory(publicAbility, now) });
    return publicSets.get(now.getTime())!;
  };
  /** `a` strictly contains `b` */
  const expectStrictSuperset = (a: string[], b: string[]) => {
    const set = new Set(a);
    expect(b.filter((x) => !set.has(x))).toEqual([]);
    expect(a.length).toBeGreaterThan(b.length);
  };

  for (const viewer of VIEWERS) describe(viewer.name, () => {
    const rule = viewer.name.split(':')[0];
    it.each(viewer.instants ?? INSTANTS)(`${rule}: the SQL record scope returns exactly the records ability.can allows at %s`, async (_label, now) => {
      const ability = defineAbility(viewer.standing(data));
      const fromSql = await recordsFromSql(ability, now);
      const inMemory = recordsInMemory(ability, now);
      expect(fromSql).toEqual(inMemory);
      // non-trivial: every viewer sees some records and none sees all (WITHDRAWN records of others stay hidden)
      expect(inMemory.length).toBeGreaterThan(0);
      expect(inMemory.length).toBeLessThan(loaded.records.length);
      // A2: grants open records beyond the public view; A1: without a purpose they open nothing
      if (viewer.comparedWithPublic === 'more') expectStrictSuperset(inMemory, publicAt(now).records);
      if (viewer.comparedWithPublic === 'same') expect(inMemory).toEqual(publicAt(now).records);
    });

    it.each(viewer.instants ?? INSTANTS)(`${rule}: the SQL subject scope returns exactly the subjects ability.can allows at %s`, async (_label, now) => {
      const ability = defineAbility(viewer.standing(data));
      const fromSql = await subjectsFromSql(ability, now);
      const inMemory = subjectsInMemory(ability, now);
      expect(fromSql).toEqual(inMemory);
      expect(inMemory.length).toBeGreaterThan(0);
      if (viewer.seesAllSubjects) expect(inMemory).toEqual(sorted(loaded.subjects.keys()));
      else expect(inMemory.length).toBeLessThan(loaded.subjects.size);
      if (viewer.comparedWithPublic === 'same') expect(inMemory).toEqual(publicAt(now).subjects);
      if (viewer.comparedWithPublic === 'more') {
        // A2: every granting subject is found (under the AGENCY view), whether or not the public finds it
        const granting = viewer.standing(data).grants.map((g) => [...loaded.subjects.values()].find((s) => s.code === g.subjectCode)!.id);
        expect(inMemory).toEqual(expect.arrayContaining(sorted(granting)));
        expect(new Set([...inMemory, ...publicAt(now).subjects]).size).toBe(inMemory.length);
      }
    });
  });

  describe('A3: the five-year look-back at its exact boundary, SQL and ability.can alike', () => {
    const lending = VIEWERS.find((v) => v.name.startsWith('A2/A3: an agency holding two grants'))!;
    const minorAgency = VIEWERS.find((v) => v.name.startsWith('A2/A3: an agency holding one grant from a minor'))!;
    const hiring = VIEWERS.find((v) => v.name.startsWith('A2/A3: an agency holding grants from an adult with no public record'))!;
    /** [viewer, subject label, type, served at the boundary, served 1 ms after] */
    const cases = [
      [lending, 'adult-1980', 'judgment', true, false, 'an adult\'s SHARED judgment (negative, granted JUDICIAL)'],
      [lending, 'adult-1980', 'penalty', true, false, 'an adult\'s PUBLIC penalty long outside its window (negative, effectively SHARED, granted ADMINISTRATIVE)'],
      [lending, 'adult-1980', 'license', true, true, 'an adult\'s PUBLIC licence (basic, effectively SHARED for an individual)'],
      [lending, 'adult-1980', 'dishonest-debtor', true, true, 'an adult\'s PUBLIC dishonest-debtor listing still inside its window (the public view keeps it)'],
      [lending, 'adult-1980', 'tax-arrears', false, false, 'an adult\'s SHARED tax-arrears outside the granted categories'],
      [lending, 'enterprise-1', 'tax-arrears', true, true, 'an enterprise\'s SHARED tax-arrears (negative, but not an individual\'s)'],
      [lending, 'enterprise-1', 'contract-performance', true, true, 'an enterprise\'s SHARED contract-performance (basic)'],
      [minorAgency, 'minor-2012', 'judgment', true, false, 'a minor\'s SHARED judgment (negative)'],
      [minorAgency, 'minor-2012', 'license', true, true, 'a minor\'s PUBLIC licence (basic, effectively SHARED)'],
      [hiring, 'adult-without-public-records', 'tax-arrears', true, false, 'a private adult\'s SHARED tax-arrears (negative, granted COMPLIANCE)'],
      [hiring, 'adult-without-public-records', 'contract-performance', false, false, 'a private adult\'s SHARED contract-performance outside the granted categories'],
      [hiring, 'enterprise-2', 'penalty', true, true, 'an enterprise\'s PUBLIC penalty outside its window (negative, not an individual\'s)'],
    ] as const;
    const table = LOOKBACK_DECISIONS.flatMap(([decision, , boundary], index) => cases.map(([viewer, label, type, atBoundary, afterBoundary, what]) =>
      [`A3: ${what}, ${decision}: ${atBoundary ? 'served' : 'not served'} at the boundary, ${afterBoundary ? 'served' : 'not served'} 1 ms later`,
        viewer, label, type, index, boundary, atBoundary, afterBoundary] as const));

    it.each(table)('%s', async (_name, viewer, label, type, index, boundary, atBoundary, afterBoundary) => {
      const id = data.lookback.get(`${label}|${type}|${index}`)!;
      expect(id).toBeDefined();
      const ability = defineAbility(viewer.standing(data));
      const row = loaded.records.find((r) => r.id === id)!;
      for (const [now, expected] of [[boundary, atBoundary], [after(boundary, 1), afterBoundary]] as const) {
        const fromSql = await ids(database.db, sql`SELECT r.id FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type WHERE r.id = ${id} AND ${scopeSql(ability, 'Record', recordFieldMap(DEFAULT_ALIASES, now))}`);
        expect(fromSql, `SQL at ${now.toISOString()}`).toEqual(expected ? [id] : []);
        expect(ability.can('read', recordFacts(row, loaded, now)), `ability.can at ${now.toISOString()}`).toBe(expected);
      }
    });

    it('A2: the agency holding a grant from an adult with no public record finds that adult, the public does not', async () => {
      const person = data.subjectsByLabel.get('adult-without-public-records')!;
      const found = async (ability: AppAbility, now: Date) =>
        (await ids(database.db, sql`SELECT s.id FROM subjects s WHERE s.id = ${person.id} AND ${scopeSql(ability, 'Subject', subjectFieldMap('s', now, publicAbility))}`)).length === 1;
      for (const [, now] of AGENCY_INSTANTS) {
        expect(await found(defineAbility(hiring.standing(data)), now)).toBe(true);
        expect(await found(publicAbility, now)).toBe(false);
      }
    });
  });

  it.each(INSTANTS)('P3: hasPublicRecord in SQL equals the in-memory one for every subject at %s', async (_label, now) => {
    const { hasPublicRecord } = subjectFieldMap('s', now, publicAbility);
    const result = (await database.db.execute(sql`SELECT s.id, ${hasPublicRecord} AS has FROM subjects s`)) as unknown as { rows: { id: string | number; has: boolean }[] };
    const fromSql = Object.fromEntries(result.rows.map((r) => [String(r.id), r.has]));
    const inMemory = Object.fromEntries([...loaded.subjects.keys()].map((id) => [String(id), hasPublicRecordInMemory(id, loaded, publicAbility, now)]));
    expect(fromSql).toEqual(inMemory);
    const individuals = [...loaded.subjects.values()].filter((s) => s.kind === 'INDIVIDUAL');
    expect(individuals.some((s) => inMemory[String(s.id)])).toBe(true);
    expect(individuals.some((s) => !inMemory[String(s.id)])).toBe(true);
  });

  it('D5/P3: a person turning 18 is found by the public exactly from Shanghai midnight of the birthday', async () => {
    const person = data.subjectsByLabel.get('turns-18-on-2026-06-16')!;
    const found = async (now: Date) => (await ids(database.db, sql`SELECT s.id FROM subjects s WHERE s.id = ${person.id} AND ${scopeSql(publicAbility, 'Subject', subjectFieldMap('s', now, publicAbility))}`)).length === 1;
    expect(await found(before(BIRTHDAY, 1))).toBe(false);
    expect(await found(BIRTHDAY)).toBe(true);
  });
});
