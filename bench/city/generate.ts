/**
 * Issue 7 point 1: a deterministic city-scale data set on PostgreSQL — 1,000,000 subjects, 10,000,000 records and
 * 20,000,000 hash-chained access events by default — loaded with COPY in minutes, and a manifest of samples for
 * the benchmark scenarios. The same options (seed, sizes, anchor) give the same data; a database that already holds
 * the manifest of the same options is reused as it is.
 *
 *   npx tsx bench/city/generate.ts     (env: CITY_DB=cqg_bench_city, CITY_SUBJECTS=1_000_000, CITY_RECORDS=10_000_000,
 *                                       CITY_EVENTS=20_000_000, CITY_SEED=7, CITY_ANCHOR=<ISO instant>, CITY_FORCE=1,
 *                                       BENCH_DATABASE_URL for the server)
 */
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { databaseUrl, recreateDatabase } from '../support.js';
import { captureSchema, compareSchema, dropSchema, foreignKeyStatement, indexStatements } from './bulk-schema.js';
import { EventGenerator } from './events.js';
import { adminUrl, connect, inParallel, loadEvents, loadSubjectsAndRecords } from './load.js';
import { AGENCIES, AUDIT_OFFICE, CITY_ORGANIZATIONS, DEPARTMENTS } from './organizations.js';
import { countSummary, KINDS, planCity } from './plan.js';
import { RecordFactory, type CatalogType, type ProfessionalGroup, type RecordStats } from './records.js';
import { phaseSeed, Rng } from './rng.js';
import { scenarioSamples, searchTerms } from './samples.js';
import { SubjectFactory } from './subjects.js';
import { DAY_MS, localDayOf } from './time.js';
import { verifyGeneratedChain, type ChainCheck } from './verify-chain.js';

export interface CityOptions {
  subjects: number;
  records: number;
  events: number;
  seed: number;
  /** the instant the data set is "now" (ISO); default: the first day of the current month, 00:00 UTC */
  anchor?: string;
  /** regenerate even when the database holds a manifest for these options */
  force?: boolean;
  log?: (line: string) => void;
}

type StoredOptions = Required<Pick<CityOptions, 'subjects' | 'records' | 'events' | 'seed' | 'anchor'>> & { generator: number };

export interface CityManifest {
  options: StoredOptions;
  generatedAt: string;
  database: string;
  organizations: { department: string; departments: string[]; agencies: string[]; auditor: string };
  counts: {
    organizations: Record<string, number>;
    subjects: Record<string, number>;
    records: RecordStats & { total: number; perSubject: Record<string, number> };
    accessEvents: { total: number; byRole: Record<string, number>; byView: Record<string, number> };
  };
  timings: Record<string, number>;
  tableSizes: Record<string, number>;
  s1Codes: string[];
  s2Codes: string[];
  samplesChecked: { candidates: number; s1Eligible: number; s2Eligible: number };
  searchTerms: string[];
  searchTermMatches: Record<string, number>;
  accessLogRange: { from: string; to: string; events: number };
  heavySubjectCode: string;
  heavySubjectRecords: number;
  chainHead: { sequence: number; hash: string; at: string };
  chainCheck: ChainCheck;
}

/** Bumped whenever the generator's output changes, so that an old database is not reused. */
const GENERATOR_VERSION = 3;

function storedOptions(options: CityOptions): StoredOptions {
  const now = new Date();
  const anchor = options.anchor ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  return { subjects: options.subjects, records: options.records, events: options.events, seed: options.seed, anchor: new Date(anchor).toISOString(), generator: GENERATOR_VERSION };
}

/** The manifest stored in `url` for exactly these options, if that database exists and holds one. */
async function storedManifest(url: string, options: StoredOptions): Promise<CityManifest | null> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = await connect(adminUrl(url));
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) return null;
  } finally {
    await admin.end();
  }
  const client = await connect(url);
  try {
    const table = await client.query(`SELECT to_regclass('bench_manifest') IS NOT NULL AS present`);
    if (!table.rows[0].present) return null;
    const rows = await client.query<{ manifest: CityManifest }>('SELECT manifest FROM bench_manifest WHERE options = $1::jsonb', [JSON.stringify(options)]);
    return rows.rows[0]?.manifest ?? null;
  } finally {
    await client.end();
  }
}

export async function generateCity(url: string, options: CityOptions): Promise<CityManifest> {
  const log = options.log ?? ((line: string) => console.log(line));
  const opts = storedOptions(options);
  if (!options.force) {
    const stored = await storedManifest(url, opts);
    if (stored) {
      log(`city: ${stored.database} already holds this data set (generated ${stored.generatedAt}); reusing it`);
      return stored;
    }
  }
  const timings: Record<string, number> = {};
  const started = Date.now();
  const phase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    log(`city: ${name} …`);
    const result = await run();
    timings[name] = (Date.now() - t0) / 1000;
    log(`city: ${name} done in ${timings[name]!.toFixed(1)} s`);
    return result;
  };
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const anchor = Date.parse(opts.anchor);
  log(`city: ${opts.subjects} subjects, ${opts.records} records, ${opts.events} events, seed ${opts.seed}, anchor ${opts.anchor} → ${name}`);

  const client = await phase('migrate', async () => {
    await recreateDatabase(name, adminUrl(url));
    const database = await openDatabase({ url, poolSize: 1 });
    await migrateDatabase(database);
    await database.close();
    return connect(url);
  });
  try {
    const { catalog, groups, schema } = await phase('prepare', async () => {
      await client.query(`INSERT INTO organizations (code, name, kind) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
        [CITY_ORGANIZATIONS.map((o) => o.code), CITY_ORGANIZATIONS.map((o) => o.name), CITY_ORGANIZATIONS.map((o) => o.kind)]);
      const catalogRows = await client.query(`SELECT code, name_zh, category, nature, loosest_disclosure, repairable, requires_group FROM catalog_types ORDER BY code`);
      const catalog: CatalogType[] = catalogRows.rows.map((r) => ({
        code: r.code, nameZh: r.name_zh, category: r.category, nature: r.nature, loosest: r.loosest_disclosure, repairable: r.repairable, requiresGroup: r.requires_group,
      }));
      const groupRows = await client.query(`SELECT code, name_zh FROM professional_groups ORDER BY code`);
      const groups: ProfessionalGroup[] = groupRows.rows.map((r) => ({ code: r.code, nameZh: r.name_zh }));
      const schema = await captureSchema(client);
      await dropSchema(client, schema);
      log(`  catalog: ${catalog.length} types; ${groups.length} professional groups; dropped ${schema.indexes.length} indexes and ${schema.foreignKeys.length} foreign keys for the load`);
      return { catalog, groups, schema };
    });

    const plan = planCity(opts.subjects, opts.records, opts.seed);
    const codes: string[] = new Array(opts.subjects);
    const active = new Uint8Array(opts.subjects);
    const subjectKinds: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
    const recordFactory = new RecordFactory(phaseSeed(opts.seed, 3), anchor, catalog, groups, opts.records);

    await phase('subjects+records', () => loadSubjectsAndRecords(url, plan, new SubjectFactory(phaseSeed(opts.seed, 2), localDayOf(anchor), groups.map((g) => g.code)),
      recordFactory, { codes, active, kinds: subjectKinds }, new Rng(phaseSeed(opts.seed, 6)), log));

    const rangeFrom = anchor - 90 * DAY_MS;
    const events = new EventGenerator(phaseSeed(opts.seed, 4), plan, codes, (i) => recordFactory.recordId(i), anchor);
    const eventRun = await phase('access events', () => loadEvents(url, events, opts.events, rangeFrom * 1000, anchor, log));

    await phase('indexes', async () => {
      // largest first; unique constraints and indexes of each table in any order (two builds at a time)
      const order = ['access_events', 'records', 'subject_name_grams', 'subjects'];
      const tasks = [...schema.indexes].sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table)).map(indexStatements);
      await inParallel(url, 2, tasks, log);
    });
    await phase('foreign keys', async () => {
      for (const fk of schema.foreignKeys) {
        const t0 = Date.now();
        await client.query(foreignKeyStatement(fk));
        log(`  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${fk.table}.${fk.name}`);
      }
      await client.query(`SELECT setval('subjects_id_seq', $1, $2)`, [Math.max(1, opts.subjects), opts.subjects > 0]);
    });
    await phase('analyze', async () => {
      await client.query('ANALYZE organizations, catalog_types, subjects, records, access_events');
      // the postings are written by the subjects' trigger, not COPY FREEZE: vacuum them so the walk of a search page
      // (an index-only scan) reads no heap page
      await client.query('VACUUM (ANALYZE) subject_name_grams');
    });

    const checks = await phase('verify', async () => {
      const problems = await compareSchema(client, schema);
      if (problems.length) throw new Error(`the schema after the load differs:\n${problems.join('\n')}`);
      const totals = await client.query<{ subjects: number; records: number; events: number }>(`SELECT
        (SELECT count(*) FROM subjects)::int AS subjects, (SELECT count(*) FROM records)::int AS records, (SELECT count(*) FROM access_events)::int AS events`);
      const t = totals.rows[0]!;
      if (t.subjects !== opts.subjects || t.records !== opts.records || t.events !== opts.events) throw new Error(`row counts differ from the options: ${JSON.stringify(t)}`);
      const chain = eventRun.events > 0 ? await verifyGeneratedChain(url, client, eventRun.events, eventRun.head) : { segments: [], sqlRecomputed: 0, appendContinues: true };
      // the rolled-back append of the check left one dead tuple: vacuum it so every page is all-visible again (cheap: frozen pages are skipped)
      await client.query('VACUUM access_events');
      const range = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM access_events WHERE at >= $1 AND at <= $2', [eventRun.range.from, eventRun.range.to]);
      if (range.rows[0]!.n !== eventRun.range.events) throw new Error(`access log range holds ${range.rows[0]!.n} events, expected ${eventRun.range.events}`);
      log(`  schema as before; counts exact; chain verified on ${chain.segments.map((s) => `${s.first}–${s.last}`).join(', ')}, ${chain.sqlRecomputed} recomputed in SQL, append continues`);
      return chain;
    });

    const samples = await phase('samples', async () => {
      const scenario = await scenarioSamples(client, plan, codes, active, phaseSeed(opts.seed, 5));
      const minimum = Math.max(2, Math.ceil((100 * opts.subjects) / 1_000_000));
      const terms = await searchTerms(client, minimum);
      if (scenario.s1Codes.length < 200 || scenario.s2Codes.length < 200) log(`  warning: only ${scenario.s1Codes.length} S1 and ${scenario.s2Codes.length} S2 codes at this scale`);
      if (Object.keys(terms).length < 10) log(`  warning: only ${Object.keys(terms).length} search terms match ≥ ${minimum} organisations`);
      return { ...scenario, terms };
    });

    const sizes = await client.query<{ name: string; bytes: string }>(`
      SELECT t AS name, (CASE WHEN t = 'access_events'
        THEN (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'access_events'::regclass)
        ELSE pg_total_relation_size(t::regclass) END)::bigint::text AS bytes
      FROM unnest(ARRAY['subjects', 'records', 'access_events']) AS t
      UNION ALL SELECT 'database', pg_database_size(current_database())::text`);
    timings.total = (Date.now() - started) / 1000;
    const manifest: CityManifest = {
      options: opts,
      generatedAt: new Date().toISOString(),
      database: name,
      organizations: { department: DEPARTMENTS[0]!.code, departments: DEPARTMENTS.map((d) => d.code), agencies: AGENCIES.map((a) => a.code), auditor: AUDIT_OFFICE.code },
      counts: {
        organizations: { DEPARTMENT: DEPARTMENTS.length, AGENCY: AGENCIES.length, AUDIT_OFFICE: 1 },
        subjects: { total: opts.subjects, ...subjectKinds },
        records: { total: opts.records, perSubject: countSummary(plan), ...recordFactory.stats },
        accessEvents: { total: eventRun.events, byRole: eventRun.byRole, byView: eventRun.byView },
      },
      timings,
      tableSizes: Object.fromEntries(sizes.rows.map((r) => [r.name, Number(r.bytes)])),
      s1Codes: samples.s1Codes,
      s2Codes: samples.s2Codes,
      samplesChecked: samples.checked,
      searchTerms: Object.keys(samples.terms),
      searchTermMatches: samples.terms,
      accessLogRange: eventRun.range,
      heavySubjectCode: codes[plan.heaviest] ?? '',
      heavySubjectRecords: plan.count[plan.heaviest] ?? 0,
      chainHead: eventRun.head,
      chainCheck: checks,
    };
    await client.query('CREATE TABLE IF NOT EXISTS bench_manifest (options jsonb NOT NULL, manifest jsonb NOT NULL)');
    await client.query('DELETE FROM bench_manifest');
    await client.query('INSERT INTO bench_manifest (options, manifest) VALUES ($1::jsonb, $2::jsonb)', [JSON.stringify(opts), JSON.stringify(manifest)]);
    log(`city: done in ${timings.total.toFixed(1)} s`);
    return manifest;
  } finally {
    await client.end();
  }
}

const envNumber = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};

if (process.argv[1]?.endsWith('generate.ts')) {
  const url = databaseUrl(process.env.CITY_DB || 'cqg_bench_city');
  generateCity(url, {
    subjects: envNumber('CITY_SUBJECTS', 1_000_000),
    records: envNumber('CITY_RECORDS', 10_000_000),
    events: envNumber('CITY_EVENTS', 20_000_000),
    seed: envNumber('CITY_SEED', 7),
    anchor: process.env.CITY_ANCHOR || undefined,
    force: process.env.CITY_FORCE === '1',
  }).then((manifest) => {
    const { s1Codes, s2Codes, searchTerms: terms, ...rest } = manifest;
    console.log(JSON.stringify({
      ...rest, s1Codes: `${s1Codes.length} codes, e.g. ${s1Codes.slice(0, 3).join(' ')}`, s2Codes: `${s2Codes.length} codes, e.g. ${s2Codes.slice(0, 3).join(' ')}`,
      searchTerms: terms.join(' '),
    }, null, 2));
  }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
