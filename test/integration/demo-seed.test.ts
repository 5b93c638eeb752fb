import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { DEMO_CAST, seedDemo, type DemoSummary } from '../../src/db/seed/demo.js';
import { isMinorAt, isValidResidentId, isValidUscc, ORGANISATION_PREFIX_KINDS, residentIdBirthDate } from '../../src/domain/identifiers.js';

const NOW = new Date('2026-06-01T04:00:00Z'); // 12:00 in Asia/Shanghai
const TODAY = '2026-06-01';

async function freshDatabase(): Promise<Database> {
  const database = await openDatabase({ pgliteDir: 'memory://' });
  await migrateDatabase(database);
  return database;
}

async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  return ((await db.execute(statement)) as unknown as { rows: T[] }).rows;
}

/** One digest over every seeded row (organisations but the migration's PLATFORM, issuers, subjects, records with their ids). */
async function fingerprint(db: Db): Promise<string> {
  const [row] = await query<{ digest: string }>(db, sql`
    SELECT md5(
      (SELECT coalesce(string_agg(o::text, E'\n' ORDER BY o.code), '') FROM organizations o WHERE o.code <> 'PLATFORM') ||
      (SELECT coalesce(string_agg(i::text, E'\n' ORDER BY i.type_code, i.org_code), '') FROM catalog_type_issuers i) ||
      (SELECT coalesce(string_agg((to_jsonb(s) - 'id')::text, E'\n' ORDER BY s.code), '') FROM subjects s) ||
      (SELECT coalesce(string_agg((to_jsonb(r) - 'subject_id' || jsonb_build_object('subject', s.code))::text, E'\n' ORDER BY r.id), '')
         FROM records r JOIN subjects s ON s.id = r.subject_id)
    ) AS digest`);
  return row!.digest;
}

/** W5: records whose type has an issuer list that does not name the record's source. */
async function recordsFiledByNonIssuers(db: Db): Promise<{ type: string; source_org: string }[]> {
  return query(db, sql`
    SELECT DISTINCT r.type, r.source_org FROM records r
     WHERE EXISTS (SELECT 1 FROM catalog_type_issuers i WHERE i.type_code = r.type)
       AND NOT EXISTS (SELECT 1 FROM catalog_type_issuers i WHERE i.type_code = r.type AND i.org_code = r.source_org)
     ORDER BY 1, 2`);
}

interface CastRecord { type: string; severity: string | null; disclosure: string; status: string; grade: string | null; group_code: string | null; months_ago: number }

async function castRecords(db: Db, code: string): Promise<CastRecord[]> {
  return query<CastRecord>(db, sql`
    SELECT r.type, r.severity, r.disclosure, r.status, r.grade, r.group_code,
           (extract(year FROM age(${NOW.toISOString()}::timestamptz, r.decided_at)) * 12
            + extract(month FROM age(${NOW.toISOString()}::timestamptz, r.decided_at)))::int AS months_ago
      FROM records r JOIN subjects s ON s.id = r.subject_id WHERE s.code = ${code}`);
}

describe('demo data set (seedDemo)', () => {
  let database: Database;
  let db: Db;
  let summary: DemoSummary | null;
  let seedMs: number;

  beforeAll(async () => {
    database = await freshDatabase();
    db = database.db;
    const started = performance.now();
    summary = await seedDemo(db, { now: NOW });
    seedMs = performance.now() - started;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('loads 600 subjects by default and takes well under 15 s on the embedded database', async () => {
    expect(summary).not.toBeNull();
    expect(summary!.subjects).toBe(600);
    const [{ n }] = await query<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM subjects`) as [{ n: number }];
    expect(n).toBe(600);
    expect(seedMs).toBeLessThan(15_000);
  });

  it('§1: has subjects of all four kinds', async () => {
    const kinds = await query<{ kind: string; n: number }>(db, sql`SELECT kind, count(*)::int AS n FROM subjects GROUP BY kind`);
    expect(kinds.map((k) => k.kind).sort()).toEqual(['ENTERPRISE', 'INDIVIDUAL', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION']);
    for (const k of kinds) expect(k.n).toBeGreaterThanOrEqual(20);
  });

  it('I1, I2, I4: every subject code is valid under the scheme of its kind and its prefix matches the kind', async () => {
    const all = await query<{ code: string; kind: string; birth_date: string | null }>(db, sql`SELECT code, kind, birth_date::text FROM subjects`);
    for (const s of all) {
      if (s.kind === 'INDIVIDUAL') {
        expect(isValidResidentId(s.code, NOW), s.code).toBe(true);
        expect(s.birth_date, s.code).toBe(residentIdBirthDate(s.code));
      } else {
        expect(isValidUscc(s.code), s.code).toBe(true);
        expect(ORGANISATION_PREFIX_KINDS.get(s.code.slice(0, 2)), s.code).toBe(s.kind);
        expect(s.birth_date).toBeNull();
      }
    }
    expect(new Set(all.filter((s) => s.kind === 'ENTERPRISE').map((s) => s.code.slice(0, 2)))).toEqual(new Set(['91', '92', '93']));
    expect(new Set(all.filter((s) => s.kind === 'SOCIAL_ORGANIZATION').map((s) => s.code.slice(0, 2)))).toEqual(new Set(['51', '52', '53']));
  });

  it('P1: organisations have a Chinese name, an address and a legal representative with a valid identity number', async () => {
    const orgs = await query<{ code: string; name: string; address: string | null; legal_representative: string | null; legal_representative_id: string | null }>(
      db, sql`SELECT code, name, address, legal_representative, legal_representative_id FROM subjects WHERE kind <> 'INDIVIDUAL'`);
    for (const o of orgs) {
      expect(o.name, o.code).toMatch(/^[\u4e00-\u9fff（）“”]+$/);
      expect(o.address, o.code).toMatch(/^广东省韶关市/);
      expect(o.legal_representative, o.code).toMatch(/^[\u4e00-\u9fff]{2,4}$/);
      expect(isValidResidentId(o.legal_representative_id ?? '', NOW), o.code).toBe(true);
    }
    const names = await query<{ n: number; distinct_names: number }>(db, sql`
      SELECT count(*)::int AS n, count(DISTINCT name)::int AS distinct_names FROM subjects WHERE kind <> 'INDIVIDUAL'`);
    expect(names[0]!.distinct_names).toBe(names[0]!.n);
    expect(orgs.some((o) => /^韶关市.+有限公司$/.test(o.name))).toBe(true);
  });

  it('§1: registers active departments, agencies and an audit office, plus the suspended SG-SUSPENDED', async () => {
    const orgs = await query<{ code: string; kind: string; status: string }>(db, sql`SELECT code, kind, status FROM organizations`);
    const byCode = new Map(orgs.map((o) => [o.code, o]));
    for (const code of DEMO_CAST.departments) expect(byCode.get(code)).toMatchObject({ kind: 'DEPARTMENT', status: 'ACTIVE' });
    for (const code of DEMO_CAST.agencies) expect(byCode.get(code)).toMatchObject({ kind: 'AGENCY', status: 'ACTIVE' });
    for (const code of DEMO_CAST.auditOffices) expect(byCode.get(code)).toMatchObject({ kind: 'AUDIT_OFFICE', status: 'ACTIVE' });
    expect(byCode.get('SG-SUSPENDED')).toMatchObject({ kind: 'DEPARTMENT', status: 'SUSPENDED' });
    expect(DEMO_CAST.departments.length).toBeGreaterThanOrEqual(8);
    expect(summary!.organizations).toBe(orgs.length - 1); // all but PLATFORM
    const registrars = await query<{ kind: string }>(db, sql`
      SELECT DISTINCT o.kind FROM subjects s JOIN organizations o ON o.code = s.registered_by`);
    expect(registrars).toEqual([{ kind: 'DEPARTMENT' }]);
  });

  it('§3: every catalog type has at least one record', async () => {
    const missing = await query<{ code: string }>(db, sql`
      SELECT c.code FROM catalog_types c WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.type = c.code)`);
    expect(missing).toEqual([]);
    const [{ n }] = await query<{ n: number }>(db, sql`SELECT count(DISTINCT type)::int AS n FROM records`) as [{ n: number }];
    expect(n).toBe(17);
  });

  it('§3: individuals hold qualifications in several key professional groups, each a known group', async () => {
    const groups = await query<{ group_code: string; known: boolean; individuals_only: boolean }>(db, sql`
      SELECT r.group_code, bool_and(g.code IS NOT NULL) AS known, bool_and(s.kind = 'INDIVIDUAL') AS individuals_only
        FROM records r JOIN subjects s ON s.id = r.subject_id LEFT JOIN professional_groups g ON g.code = r.group_code
       WHERE r.type = 'qualification' GROUP BY r.group_code`);
    expect(groups.length).toBeGreaterThanOrEqual(3);
    for (const g of groups) expect(g).toMatchObject({ known: true, individuals_only: true });
    expect(groups.map((g) => g.group_code)).toEqual(expect.arrayContaining(['LAWYER', 'TEACHER', 'MEDICAL_WORKER', 'ACCOUNTANT', 'TOUR_GUIDE']));
  });

  it('D5: exactly one subject is under 18 at now, and it is the cast minor', async () => {
    const minors = await query<{ code: string }>(db, sql`
      SELECT code FROM subjects WHERE kind = 'INDIVIDUAL' AND birth_date + interval '18 years' > ${TODAY}::date`);
    expect(minors).toEqual([{ code: DEMO_CAST.minor }]);
    expect(isMinorAt(DEMO_CAST.minor, NOW)).toBe(true);
    const [{ age }] = await query<{ age: number }>(db, sql`
      SELECT extract(year FROM age(${TODAY}::date, birth_date))::int AS age FROM subjects WHERE code = ${DEMO_CAST.minor}`) as [{ age: number }];
    expect(age).toBe(15);
  });

  it('D4: statuses ACTIVE, WITHDRAWN and REPAIRED are all present, mostly ACTIVE, REPAIRED only for repairable types', async () => {
    const statuses = await query<{ status: string; n: number }>(db, sql`SELECT status, count(*)::int AS n FROM records GROUP BY status`);
    const count = new Map(statuses.map((s) => [s.status, s.n]));
    expect([...count.keys()].sort()).toEqual(['ACTIVE', 'REPAIRED', 'WITHDRAWN']);
    const total = statuses.reduce((sum, s) => sum + s.n, 0);
    expect(count.get('ACTIVE')! / total).toBeGreaterThan(0.85);
    const badRepairs = await query(db, sql`
      SELECT r.id FROM records r JOIN catalog_types c ON c.code = r.type WHERE r.status = 'REPAIRED' AND NOT c.repairable`);
    expect(badRepairs).toEqual([]);
  });

  it('§4.1: no record is looser than its type allows, and all three disclosure classes occur', async () => {
    const looser = await query(db, sql`
      SELECT r.id FROM records r JOIN catalog_types c ON c.code = r.type
       WHERE (CASE r.disclosure WHEN 'PUBLIC' THEN 0 WHEN 'SHARED' THEN 1 ELSE 2 END)
           < (CASE c.loosest_disclosure WHEN 'PUBLIC' THEN 0 WHEN 'SHARED' THEN 1 ELSE 2 END)`);
    expect(looser).toEqual([]);
    const classes = await query<{ disclosure: string }>(db, sql`SELECT DISTINCT disclosure FROM records ORDER BY disclosure`);
    expect(classes.map((c) => c.disclosure)).toEqual(['PUBLIC', 'SHARED', 'SUBJECT_ONLY']);
  });

  it('W1, W3: every record passes the filing rules (severity, group, grade, validity, catalog copy, source department)', async () => {
    const violations = await query<{ id: string; rule: string }>(db, sql`
      SELECT r.id, v.rule FROM records r
        JOIN catalog_types c ON c.code = r.type
        JOIN organizations o ON o.code = r.source_org
        CROSS JOIN LATERAL (VALUES
          ('severity', (c.nature = 'NEGATIVE') <> (r.severity IS NOT NULL)),
          ('group', r.type = 'qualification' AND r.group_code IS NULL),
          ('group on other type', r.type <> 'qualification' AND r.group_code IS NOT NULL),
          ('tax grade', r.type = 'tax-rating' AND (r.grade IS NULL OR r.grade NOT IN ('A','B','M','C','D'))),
          ('validity', r.valid_until < r.valid_from),
          ('category', r.category <> c.category OR r.nature <> c.nature),
          ('source', o.kind <> 'DEPARTMENT' OR o.status <> 'ACTIVE'),
          ('decided in the future', r.decided_at > ${NOW.toISOString()}::timestamptz),
          ('details', jsonb_typeof(r.details) <> 'object' OR r.details->>'caseOfficer' IS NULL),
          ('content hash', r.content_hash !~ '^[0-9a-f]{64}$')
        ) AS v(rule, broken)
       WHERE v.broken`);
    expect(violations).toEqual([]);
  });

  it('W5: every demo record was filed by an issuer of its type; courts, the tax bureau and HRSS alone file theirs', async () => {
    expect(await recordsFiledByNonIssuers(db)).toEqual([]);
    const issuers = await query<{ type_code: string; orgs: string }>(db, sql`
      SELECT i.type_code, string_agg(i.org_code, ',' ORDER BY i.org_code) AS orgs
        FROM catalog_type_issuers i JOIN organizations o ON o.code = i.org_code
       WHERE o.kind = 'DEPARTMENT' GROUP BY i.type_code`);
    expect(Object.fromEntries(issuers.map((i) => [i.type_code, i.orgs]))).toMatchObject({
      'dishonest-debtor': 'SG-COURT', judgment: 'SG-COURT', 'tax-rating': 'SG-TAX', 'tax-arrears': 'SG-TAX',
      'social-insurance-arrears': 'SG-HRSS', 'abnormal-operation': 'SG-CIVIL,SG-MARKET',
    });
    const [{ n }] = await query<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM catalog_type_issuers`) as [{ n: number }];
    expect(n).toBe(issuers.reduce((sum, i) => sum + i.orgs.split(',').length, 0)); // every issuer is a department
    // types many departments file keep an empty list (every department may file them)
    expect(issuers.map((i) => i.type_code)).not.toContain('penalty');
    expect(issuers.map((i) => i.type_code)).not.toContain('license');
  });

  it('W1 MINOR_NOT_ALLOWED: no dishonest-debtor record about someone under 18 at decidedAt', async () => {
    const rows = await query(db, sql`
      SELECT r.id FROM records r JOIN subjects s ON s.id = r.subject_id
       WHERE r.type = 'dishonest-debtor' AND s.kind = 'INDIVIDUAL'
         AND s.birth_date + interval '18 years' > (r.decided_at AT TIME ZONE 'Asia/Shanghai')::date`);
    expect(rows).toEqual([]);
  });

  it('D1, D2: records are spread over windows — old, recent, expired and not yet started', async () => {
    const [spread] = await query<Record<string, number>>(db, sql`
      SELECT count(*) FILTER (WHERE decided_at < ${NOW.toISOString()}::timestamptz - interval '5 years')::int AS older_than_5y,
             count(*) FILTER (WHERE decided_at > ${NOW.toISOString()}::timestamptz - interval '3 months')::int AS last_3_months,
             count(*) FILTER (WHERE valid_until < ${NOW.toISOString()}::timestamptz)::int AS expired,
             count(*) FILTER (WHERE valid_from > ${NOW.toISOString()}::timestamptz)::int AS not_started,
             count(*) FILTER (WHERE type = 'penalty' AND severity = 'GENERAL' AND decided_at > ${NOW.toISOString()}::timestamptz - interval '1 year')::int AS penalty_in_window,
             count(*) FILTER (WHERE type = 'penalty' AND severity = 'GENERAL' AND decided_at < ${NOW.toISOString()}::timestamptz - interval '1 year')::int AS penalty_expired
        FROM records`);
    for (const [bucket, n] of Object.entries(spread!)) expect(n, bucket).toBeGreaterThanOrEqual(5);
  });

  it('records per subject are power-law-ish: 6–12 on average, a few subjects with 100+', async () => {
    const [stats] = await query<{ avg: number; heavy: number; min: number }>(db, sql`
      SELECT avg(n)::float AS avg, count(*) FILTER (WHERE n >= 100)::int AS heavy, min(n)::int AS min
        FROM (SELECT s.id, count(r.id) AS n FROM subjects s LEFT JOIN records r ON r.subject_id = s.id GROUP BY s.id) x`);
    expect(stats!.avg).toBeGreaterThanOrEqual(6);
    expect(stats!.avg).toBeLessThanOrEqual(12);
    expect(stats!.heavy).toBeGreaterThanOrEqual(2);
    expect(stats!.min).toBeGreaterThanOrEqual(1);
    expect(summary!.records).toBeGreaterThanOrEqual(3000);
  });

  it('the cast enterprise has records in every state the demos need', async () => {
    const rows = await castRecords(db, DEMO_CAST.enterprise);
    const has = (m: Partial<CastRecord>) => expect(rows, JSON.stringify(m)).toContainEqual(expect.objectContaining(m));
    has({ type: 'penalty', severity: 'GENERAL', disclosure: 'PUBLIC', status: 'ACTIVE', months_ago: 3 });
    has({ type: 'penalty', severity: 'GENERAL', disclosure: 'PUBLIC', status: 'ACTIVE', months_ago: 18 });
    has({ type: 'penalty', severity: 'MINOR', status: 'ACTIVE' });
    has({ type: 'tax-rating', grade: 'A', disclosure: 'SHARED', status: 'ACTIVE' });
    has({ type: 'self-declared', disclosure: 'SUBJECT_ONLY', status: 'ACTIVE' });
    has({ type: 'license', status: 'WITHDRAWN' });
    has({ type: 'abnormal-operation', status: 'REPAIRED' });
    has({ type: 'honor', disclosure: 'PUBLIC', status: 'ACTIVE' });
    const [source] = await query<{ kind: string }>(db, sql`
      SELECT o.kind FROM records r JOIN subjects s ON s.id = r.subject_id JOIN organizations o ON o.code = r.source_org
       WHERE s.code = ${DEMO_CAST.enterprise} AND r.type = 'self-declared'`);
    expect(source).toEqual({ kind: 'DEPARTMENT' });
  });

  it('the cast individual is an adult lawyer with a public dishonest-debtor record', async () => {
    expect(isMinorAt(DEMO_CAST.individual, NOW)).toBe(false);
    const rows = await castRecords(db, DEMO_CAST.individual);
    expect(rows).toContainEqual(expect.objectContaining({ type: 'qualification', group_code: 'LAWYER', disclosure: 'PUBLIC', status: 'ACTIVE' }));
    expect(rows).toContainEqual(expect.objectContaining({ type: 'dishonest-debtor', disclosure: 'PUBLIC', status: 'ACTIVE' }));
  });

  it('D5: the cast minor has an ACTIVE PUBLIC record of a type that would be public for an adult', async () => {
    const rows = await query(db, sql`
      SELECT r.type FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types c ON c.code = r.type
       WHERE s.code = ${DEMO_CAST.minor} AND r.disclosure = 'PUBLIC' AND r.status = 'ACTIVE' AND c.public_for_individuals`);
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });

  it('the cast codes are constant, valid, registered with their kinds, and reported by seedDemo', async () => {
    expect(summary!.tokensFor).toEqual(DEMO_CAST);
    const cast = await query<{ code: string; kind: string }>(db, sql`
      SELECT code, kind FROM subjects WHERE code IN (${DEMO_CAST.enterprise}, ${DEMO_CAST.individual}, ${DEMO_CAST.minor},
                                                     ${DEMO_CAST.publicInstitution}, ${DEMO_CAST.socialOrganization})`);
    expect(new Map(cast.map((c) => [c.code, c.kind]))).toEqual(new Map([
      [DEMO_CAST.enterprise, 'ENTERPRISE'], [DEMO_CAST.individual, 'INDIVIDUAL'], [DEMO_CAST.minor, 'INDIVIDUAL'],
      [DEMO_CAST.publicInstitution, 'PUBLIC_INSTITUTION'], [DEMO_CAST.socialOrganization, 'SOCIAL_ORGANIZATION'],
    ]));
  });

  it('re-running seedDemo on a database that has subjects returns null and changes nothing', async () => {
    const before = await fingerprint(db);
    expect(await seedDemo(db, { now: NOW })).toBeNull();
    expect(await seedDemo(db, { now: new Date('2027-01-01T00:00:00Z') })).toBeNull();
    expect(await fingerprint(db)).toBe(before);
  });

  it('is deterministic: two fresh databases seeded with the same now hold identical rows, record ids included', async () => {
    const other = await freshDatabase();
    try {
      await seedDemo(other.db, { now: NOW });
      expect(await fingerprint(other.db)).toBe(await fingerprint(db));
    } finally {
      await other.close();
    }
  });
});

describe('demo data set at other sizes and clocks', () => {
  it('a small population still covers every catalog type and the whole cast', async () => {
    const database = await freshDatabase();
    try {
      const summary = await seedDemo(database.db, { now: NOW, subjects: 30 });
      expect(summary!.subjects).toBe(30);
      expect(await recordsFiledByNonIssuers(database.db)).toEqual([]);
      const missing = await query(database.db, sql`
        SELECT c.code FROM catalog_types c WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.type = c.code)`);
      expect(missing).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('D5: with a clock after the fixed minor turns 18 there is still exactly one minor, reported in tokensFor', async () => {
    const later = new Date('2031-06-01T04:00:00Z');
    const database = await freshDatabase();
    try {
      const summary = await seedDemo(database.db, { now: later, subjects: 40 });
      expect(summary!.tokensFor.minor).not.toBe(DEMO_CAST.minor);
      expect(isMinorAt(summary!.tokensFor.minor, later)).toBe(true);
      const minors = await query<{ code: string }>(database.db, sql`
        SELECT code FROM subjects WHERE kind = 'INDIVIDUAL' AND birth_date + interval '18 years' > '2031-06-01'::date`);
      expect(minors).toEqual([{ code: summary!.tokensFor.minor }]);
    } finally {
      await database.close();
    }
  });
});
