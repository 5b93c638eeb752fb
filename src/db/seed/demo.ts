/**
 * The demo data set (SPEC §10.1 `SEED_DEMO`): departments, agencies and an audit office, and the issuers of the types
 * only some departments file (W5, ./issuers.ts); ≥ 500 subjects of all four kinds with valid codes (I1, I2) and
 * Chinese names; records of every catalog type spread over publicity windows, disclosure classes and statuses; and
 * a fixed cast (DEMO_CAST) whose codes the README and the start banner print.
 *
 * Deterministic: everything comes from two mulberry32 streams with constant seeds and the injected `now` — no
 * Math.random, no clock. Subject codes, names and birth dates depend on `now` only through its calendar year (ages are
 * counted from it), so they stay the same all year; registration and record dates are placed relative to `now` (the six
 * years before it, and a deliberate set of the cast enterprise's records just inside or outside a window).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { catalogTypeIssuers, catalogTypes, organizations, professionalGroups, records, subjects } from '../schema/index.js';
import { castRecords, type DemoCast } from './cast.js';
import * as words from './demo-names.js';
import { DEMO_ISSUERS } from './issuers.js';
import type { CatalogInfo, Draft, PlannedSubject, RecordContext } from './model.js';
import { planPopulation } from './population.js';
import { Random, ymdOf } from './random.js';
import { generateRecords, varyLifecycle } from './record-mix.js';
import { GENERATORS } from './records.js';
import { chunks, toRecordRow, toSubjectRow } from './rows.js';

export { DEMO_CAST, type DemoCast } from './cast.js';

export interface DemoSummary { organizations: number; subjects: number; records: number; tokensFor: DemoCast }

const POPULATION_SEED = 0x5eed_c0de;
const RECORDS_SEED = 0x0d15_c105;
const INSERT_CHUNK = 500;
/** pg_advisory_xact_lock key: two gateway processes starting on one empty database seed it once. */
const SEED_LOCK_KEY = 7_402_200_615;

/**
 * Loads the demo data set if the database has no subjects yet; returns null when it did nothing. Deterministic:
 * same `now` → byte-identical data (seeded PRNG, no Math.random, no new Date()). One transaction, inserts of at most
 * 500 rows. `subjects` (default 600) counts every subject, the five of the cast included.
 */
export async function seedDemo(
  db: Db,
  options: { now: Date; subjects?: number; onProgress?: (what: 'subjects' | 'records', done: number, total: number) => void },
): Promise<DemoSummary | null> {
  const now = new Date(options.now.getTime());
  if (Number.isNaN(now.getTime())) throw new RangeError('seedDemo needs a valid `now`.');
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY})`));
    const existing = await tx.select({ id: subjects.id }).from(subjects).limit(1);
    if (existing.length > 0) return null;

    const catalog = new Map<string, CatalogInfo>(
      (await tx.select().from(catalogTypes)).map((t) => [t.code, { category: t.category, nature: t.nature, loosest: t.loosestDisclosure, repairable: t.repairable }]),
    );
    const groups = new Set((await tx.select({ code: professionalGroups.code }).from(professionalGroups)).map((g) => g.code));
    const today = ymdOf(now);
    const { subjects: planned, cast } = planPopulation(options.subjects ?? 600, today, new Random(POPULATION_SEED));

    const insertedOrganizations = await tx.insert(organizations)
      .values(words.DEMO_ORGANIZATIONS.map((o) => ({ code: o.code, name: o.name, kind: o.kind, status: o.status, createdAt: now, updatedAt: now })))
      .onConflictDoNothing()
      .returning({ code: organizations.code });
    // W5: who may file each type (only types of this catalog; other lists stay empty)
    const issuerRows = Object.entries(DEMO_ISSUERS).filter(([type]) => catalog.has(type))
      .flatMap(([typeCode, orgCodes]) => orgCodes.map((orgCode) => ({ typeCode, orgCode })));
    if (issuerRows.length) await tx.insert(catalogTypeIssuers).values(issuerRows).onConflictDoNothing();

    const subjectIds = new Map<string, number>();
    for (const chunk of chunks(planned.map((s) => toSubjectRow(s, now)), INSERT_CHUNK)) {
      for (const row of await tx.insert(subjects).values(chunk).returning({ id: subjects.id, code: subjects.code })) subjectIds.set(row.code, row.id);
      options.onProgress?.('subjects', subjectIds.size, planned.length);
    }

    const ctx: RecordContext = {
      now, today, rand: new Random(RECORDS_SEED), catalog, groups,
      sourceRefs: new Map(), documentNumbers: new Map(), taxYears: new Map(),
    };
    const byCode = new Map(planned.map((s) => [s.code, s]));
    const drafts: { subject: PlannedSubject; draft: Draft }[] = castRecords(ctx, cast).map(({ code, draft }) => ({ subject: byCode.get(code)!, draft }));
    for (const subject of planned) {
      if (!subject.cast) for (const draft of generateRecords(ctx, subject)) drafts.push({ subject, draft });
    }
    // every catalog type the generators know has at least one record, whatever the population size
    for (const type of catalog.keys()) {
      if (!GENERATORS[type] || drafts.some((d) => d.draft.type === type)) continue;
      for (const subject of planned.filter((s) => !s.cast || s.code === cast.enterprise || s.code === cast.individual)) {
        const draft = GENERATORS[type]!(ctx, subject);
        if (draft) {
          drafts.push({ subject, draft: varyLifecycle(draft, ctx) });
          break;
        }
      }
    }

    const rows = drafts.map(({ subject, draft }) => toRecordRow(ctx, subject, subjectIds.get(subject.code)!, draft));
    let inserted = 0;
    for (const chunk of chunks(rows, INSERT_CHUNK)) {
      await tx.insert(records).values(chunk);
      inserted += chunk.length;
      options.onProgress?.('records', inserted, rows.length);
    }

    return {
      organizations: insertedOrganizations.length,
      subjects: planned.length,
      records: rows.length,
      tokensFor: { ...cast, departments: [...cast.departments], agencies: [...cast.agencies], auditOffices: [...cast.auditOffices], peerPlatforms: [...cast.peerPlatforms] },
    };
  });
}
