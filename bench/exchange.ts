/**
 * `npm run bench:exchange` — SPEC §12 (X1, X2): what the exchange feed delivers, and what recording changes costs
 * filing. One PostgreSQL database of its own (cqg_bench_exchange, dropped and created again every run), in one run:
 *
 * 1. Feed throughput. Seeds ~100,000 changes (RECORDS records of SUBJECTS subjects, filed in 10 chunks interleaved
 *    with versions, narrowings to SUBJECT_ONLY (UNSHARED), withdrawals, repairs, disputes and their ends; PUBLIC,
 *    SHARED and SUBJECT_ONLY classes; 2 % of the records from another peer platform, 2 % from the reading peer
 *    itself) with bulk SQL into `records` and `record_versions` — migration 0013's commit-time trigger fills
 *    `record_changes` as it does for the product's write paths. Then pages the whole feed, first=100, one reader
 *    (a peer reads its feed in order):
 *      gateway        `recordChanges` over HTTP with an exchange token (bench/servers/gateway.ts; X2 access log on)
 *      raw            the same rows read directly with `pg`: keyset on sequence, LIMIT 100, the same joins to
 *                     records / record_versions / subjects and the class (and origin) filter; no GraphQL, no log
 *      gateway-nolog  the gateway with its access log off (unsafe, benchmark only): splits the gateway's cost
 *      raw+log        raw, plus each page's access events (one per subject, X2) appended with the product's writer
 *    in an order rotated each round; every pass must return exactly the same (sequence, record, version, status)
 *    list. Reports changes/s (changes delivered / wall time of the pass) and the median page latency, medians over
 *    FEED_ROUNDS; a ratio is the median of each round's ratio. Also: SQL statements per gateway page (counting
 *    proxy, before the timed passes), and EXPLAIN (ANALYZE, BUFFERS) of the product's own feed statement (captured
 *    from feed.repository.ts, generic plan as the gateway runs it) and of the raw one, mid-feed.
 * 2. Filing slowdown. `submitRecords` over HTTP by CLIENTS departments at once, batches of 100 and of 1 record,
 *    with the trigger enabled and disabled (ALTER TABLE records ENABLE / DISABLE TRIGGER records_capture_changes),
 *    alternating (A B, B A, A B, …) over FILING_PAIRS pairs; records/s medians, slowdown = 1 − the median of each
 *    pair's with / without. Then the same in SQL without the gateway (BEGIN; INSERT 1 or 100 records; COMMIT, one
 *    connection and CLIENTS connections, the COMMIT timed: the deferred trigger runs in it), and a profile: extra
 *    runs (not the measured ones) with pg_stat_activity sampled every 5 ms — what the active backends wait on.
 *
 *   npm run bench:exchange
 *   env: BENCH_DATABASE_URL / DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test: the server to use; the
 *        bench creates and drops a database of its own), SUBJECTS (4000), RECORDS (80000), FEED_ROUNDS (3),
 *        FEED_TARGETS (gateway,raw,gateway-nolog,raw+log), FILING_PAIRS (5), CLIENTS (4), BATCH100_REQUESTS (25 per
 *        client), BATCH1_REQUESTS (200 per client), SQL_COMMITS (300 per connection; /6 for 100-record commits),
 *        PARTS (feed,filing), KEEP_DB=1 (leave the database for inspection)
 *
 * Ends with one line per measure, e.g.
 *   feed gateway=3321 changes/s raw=26645 ratio=0.13 page_p50_ms=28.6/3.5 page_p99_ms=62.9/10.5
 *   filing batch=100 with_changes=7837 without=8002 slowdown=8.0% (records/s, 4 clients; …)
 * and writes everything to bench/results/exchange-*.json. The numbers and their reading: bench/RESULTS.md
 * ("Exchange feed and the cost of recording changes").
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { openDatabase, SESSION_OPTIONS, type Db } from '../src/db/client.js';
import * as schema from '../src/db/schema/index.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { generateResidentId, generateUscc } from '../src/domain/identifiers.js';
import { AccessLogWriter } from '../src/modules/access-log/access-log.writer.js';
import type { NewAccessEvent } from '../src/modules/access-log/access-log.repository.js';
import { queryChanges } from '../src/modules/exchange/feed.repository.js';
import { feedScope } from '../src/modules/exchange/feed-position.js';
import { mulberry32 } from '../test/support/random.js';
import { startCountingProxy } from './pg-count-proxy.js';
import { benchToken } from './scenarios.js';
import { DEFAULT_PG, machine, median, recreateDatabase, startServer, type ServerProcess } from './support.js';

const num = (name: string, fallback: number) => Number(process.env[name] || fallback);
const DB_NAME = 'cqg_bench_exchange';
const SUBJECTS = num('SUBJECTS', 4000);
const RECORDS = num('RECORDS', 80_000);
const SEED_CHUNKS = 10;
const FEED_ROUNDS = num('FEED_ROUNDS', 3);
const FEED_TARGETS = (process.env.FEED_TARGETS ?? 'gateway,raw,gateway-nolog,raw+log').split(',').map((s) => s.trim()) as FeedTarget[];
const PAGE = 100;
const FILING_PAIRS = num('FILING_PAIRS', 5);
const CLIENTS = num('CLIENTS', 4);
const SHAPES = [
  { batch: 100, requests: num('BATCH100_REQUESTS', 25) },
  { batch: 1, requests: num('BATCH1_REQUESTS', 200) },
];
const SQL_COMMITS = num('SQL_COMMITS', 300);
/** the SQL-level filings: 1 and 100 records per transaction, one connection alone (the trigger's own cost) and CLIENTS at once */
const SQL_SHAPES = [{ batch: 1, connections: 1 }, { batch: 1, connections: CLIENTS }, { batch: 100, connections: 1 }, { batch: 100, connections: CLIENTS }];
const PARTS = (process.env.PARTS ?? 'feed,filing').split(',').map((s) => s.trim());
const PEER = 'PEER-PROV';
const OTHER_PEER = 'PEER-NATL';
const DEPARTMENTS = Array.from({ length: Math.max(CLIENTS, 4) }, (_, i) => `BENCH-DEPT-${i + 1}`);
const JWT_SECRET = 'bench-secret';

type FeedTarget = 'gateway' | 'gateway-nolog' | 'raw' | 'raw+log';

const log = (line: string) => console.log(line);
const seconds = (fromNs: bigint) => Number(process.hrtime.bigint() - fromNs) / 1e9;
const fmt = (n: number, digits = 0) => n.toFixed(digits);

// ---- data -----------------------------------------------------------------------------------------------------

/**
 * The type of record g (g % 20): 55 % PUBLIC (licences, penalties, honours), 30 % SHARED (tax ratings, contract
 * performance, judgments, tax arrears), 15 % SUBJECT_ONLY (a licence, social-insurance arrears, a credit grade
 * filed stricter than their type's loosest class).
 */
const TYPE_MIX = `(VALUES
  (0, 'license', NULL, 'PUBLIC'), (1, 'license', NULL, 'PUBLIC'), (2, 'license', NULL, 'PUBLIC'), (3, 'license', NULL, 'PUBLIC'),
  (4, 'license', NULL, 'PUBLIC'), (5, 'license', NULL, 'PUBLIC'), (6, 'penalty', 'GENERAL', 'PUBLIC'), (7, 'penalty', 'GENERAL', 'PUBLIC'),
  (8, 'penalty', 'SERIOUS', 'PUBLIC'), (9, 'honor', NULL, 'PUBLIC'), (10, 'honor', NULL, 'PUBLIC'),
  (11, 'tax-rating', NULL, 'SHARED'), (12, 'tax-rating', NULL, 'SHARED'), (13, 'contract-performance', NULL, 'SHARED'),
  (14, 'contract-performance', NULL, 'SHARED'), (15, 'judgment', 'GENERAL', 'SHARED'), (16, 'tax-arrears', 'GENERAL', 'SHARED'),
  (17, 'license', NULL, 'SUBJECT_ONLY'), (18, 'social-insurance-arrears', 'MINOR', 'SUBJECT_ONLY'), (19, 'credit-grade', NULL, 'SUBJECT_ONLY')
) AS t(k, type, severity, disclosure)`;

interface Seeded {
  enterpriseCodes: string[];
  changes: number;
  visible: number;
  byKind: Record<string, number>;
  byClass: Record<string, number>;
  seconds: number;
}

/**
 * Applies one kind of change to `count` records picked at random (md5 of id and salt) in one transaction, as the
 * product does: the replaced version kept in record_versions whenever the version moves (W2).
 */
async function changeSome(client: pg.Client, kind: 'VERSIONED' | 'RECLASSIFIED' | 'WITHDRAWN' | 'REPAIRED' | 'DISPUTED' | 'UNDISPUTED', count: number, salt: string): Promise<void> {
  const where = {
    VERSIONED: `status = 'ACTIVE'`,
    RECLASSIFIED: `status = 'ACTIVE' AND disclosure <> 'SUBJECT_ONLY'`,
    WITHDRAWN: `status = 'ACTIVE'`,
    REPAIRED: `status = 'ACTIVE' AND type = 'penalty'`,
    DISPUTED: `status = 'ACTIVE' AND NOT disputed`,
    UNDISPUTED: `disputed`,
  }[kind];
  await client.query('BEGIN');
  await client.query(`CREATE TEMP TABLE pick ON COMMIT DROP AS
    SELECT id FROM records WHERE ${where} AND origin_platform IS NULL ORDER BY md5(id::text || $1) LIMIT $2`, [salt, count]);
  const version = (fields: string, set: string) => client.query(`
    INSERT INTO record_versions (record_id, version, snapshot, changed_fields, replaced_by, replaced_at)
    SELECT r.id, r.version, to_jsonb(r), ${fields}, 'bench', now() FROM records r JOIN pick USING (id);
    UPDATE records r SET ${set}, version = r.version + 1, updated_at = now() FROM pick WHERE r.id = pick.id`);
  switch (kind) {
    case 'VERSIONED':
      await version(`ARRAY['title', 'details']`, `title = r.title || '（更正' || r.version || '）', details = r.details || jsonb_build_object('corrected', r.version)`);
      break;
    case 'RECLASSIFIED': // W2: a correction may make the class stricter: the trigger records UNSHARED (the last shared version)
      await version(`ARRAY['disclosure']`, `disclosure = 'SUBJECT_ONLY'`);
      break;
    case 'WITHDRAWN':
      await version(`ARRAY['status']`, `status = 'WITHDRAWN', status_reason = 'bench withdrawal'`);
      break;
    case 'REPAIRED':
      await version(`ARRAY['status']`, `status = 'REPAIRED', status_reason = 'bench repair'`);
      break;
    case 'DISPUTED':
    case 'UNDISPUTED': // a dispute does not make a version
      await client.query(`UPDATE records r SET disputed = ${kind === 'DISPUTED'}, updated_at = now() FROM pick WHERE r.id = pick.id`);
      break;
  }
  await client.query('COMMIT');
}

async function seed(url: string): Promise<Seeded> {
  const started = process.hrtime.bigint();
  const database = await openDatabase({ url });
  await migrateDatabase(database);
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO organizations (code, name, kind) SELECT code, 'Bench department ' || code, 'DEPARTMENT' FROM unnest($1::text[]) code`, [DEPARTMENTS]);
  await client.query(`INSERT INTO organizations (code, name, kind) VALUES ($1, '省信用平台', 'PEER_PLATFORM'), ($2, '全国信用平台', 'PEER_PLATFORM')`, [PEER, OTHER_PEER]);
  const rand = mulberry32(0xe8c4);
  // a quarter of the subjects are people (born 1960–1999), the rest enterprises
  const people = Math.floor(SUBJECTS / 4);
  const enterpriseCodes = [...new Set(Array.from({ length: SUBJECTS - people }, () => generateUscc(rand, '91')))];
  const births = Array.from({ length: people }, () => `${1960 + Math.floor(rand() * 40)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`);
  const personCodes = births.map((birth) => generateResidentId(rand, birth));
  await client.query(`INSERT INTO subjects (code, kind, name, address, legal_representative, registered_by)
    SELECT code, 'ENTERPRISE', '韶关交换测试' || i || '有限公司', '韶关市浈江区', '李四', $2 FROM unnest($1::text[]) WITH ORDINALITY AS t(code, i)`,
  [enterpriseCodes, DEPARTMENTS[0]]);
  await client.query(`INSERT INTO subjects (code, kind, name, birth_date, registered_by)
    SELECT code, 'INDIVIDUAL', '王' || i, birth::date, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(code, birth, i)`,
  [personCodes, births, DEPARTMENTS[0]]);
  const { rows: [bounds] } = await client.query<{ first: string; n: string }>('SELECT min(id)::text AS first, count(*)::text AS n FROM subjects');
  const chunk = Math.ceil(RECORDS / SEED_CHUNKS);
  for (let c = 0; c < SEED_CHUNKS; c += 1) {
    const from = c * chunk + 1;
    const to = Math.min(RECORDS, (c + 1) * chunk);
    // records g = from..to: subject spread over all subjects, 2 % from the other peer, 2 % from the reading peer
    // (never sent back to it, X3), the rest from the four departments
    await client.query(`INSERT INTO records (subject_id, type, category, nature, severity, title, decision_number, decided_at,
        valid_from, valid_until, grade, disclosure, details, source_org, source_ref, content_hash, origin_platform, origin_id)
      SELECT $3::bigint + (g::bigint * 7919) % $4::bigint, t.type, ct.category, ct.nature, t.severity,
        ct.name_zh || ' 第' || g || '号', '韶' || (g % 97) || '〔2025〕' || g || '号',
        now() - ((g % 1400) || ' days')::interval - ((g * 37) % 86400) * interval '1 second',
        CASE WHEN t.type = 'license' THEN now() - ((g % 1400) || ' days')::interval END,
        CASE WHEN t.type = 'license' THEN now() + ((g % 900) || ' days')::interval END,
        CASE WHEN t.type = 'tax-rating' THEN (ARRAY['A','B','M','C','D'])[1 + g % 5] END,
        t.disclosure, jsonb_build_object('caseNo', 'C-' || g, 'amount', (g % 500) * 100, 'note', repeat('记', g % 40)),
        src.org, 'S-' || g, md5('r' || g), src.origin, CASE WHEN src.origin IS NOT NULL THEN 'O-' || g END
      FROM generate_series($1::int, $2::int) g
      JOIN ${TYPE_MIX} ON t.k = g % 20
      JOIN catalog_types ct ON ct.code = t.type
      CROSS JOIN LATERAL (SELECT CASE WHEN g % 50 = 7 THEN $6 WHEN g % 50 = 13 THEN $5 ELSE 'BENCH-DEPT-' || (1 + g % 4) END AS org,
        CASE WHEN g % 50 = 7 THEN $6 WHEN g % 50 = 13 THEN $5 END AS origin) src`,
    [from, to, bounds.first, bounds.n, PEER, OTHER_PEER]);
    // the changes of records filed so far, interleaved with the filings (as over a real year)
    const n = to - from + 1;
    await changeSome(client, 'VERSIONED', Math.round(n * 0.15), `v${c}`);
    await changeSome(client, 'RECLASSIFIED', Math.round(n * 0.01), `c${c}`);
    await changeSome(client, 'VERSIONED', Math.round(n * 0.03), `w${c}`);
    await changeSome(client, 'DISPUTED', Math.round(n * 0.04), `d${c}`);
    await changeSome(client, 'WITHDRAWN', Math.round(n * 0.04), `x${c}`);
    await changeSome(client, 'REPAIRED', Math.round(n * 0.01), `p${c}`);
    await changeSome(client, 'UNDISPUTED', Math.round(n * 0.015), `u${c}`);
    log(`  seed chunk ${c + 1}/${SEED_CHUNKS}: records ${from}–${to}`);
  }
  await client.query('VACUUM ANALYZE');
  const { rows: kinds } = await client.query<{ kind: string; n: number }>('SELECT kind, count(*)::int AS n FROM record_changes GROUP BY kind ORDER BY kind');
  const { rows: classes } = await client.query<{ disclosure: string; n: number }>('SELECT disclosure, count(*)::int AS n FROM records GROUP BY 1 ORDER BY 1');
  const visible = await client.query<{ n: number }>(`SELECT count(*)::int AS n ${RAW_FROM} WHERE ${RAW_FILTER}`, [PEER]);
  await client.end();
  const byKind = Object.fromEntries(kinds.map((row) => [row.kind, row.n]));
  return {
    enterpriseCodes,
    changes: kinds.reduce((sum, row) => sum + row.n, 0),
    visible: visible.rows[0].n,
    byKind,
    byClass: Object.fromEntries(classes.map((row) => [row.disclosure, row.n])),
    seconds: seconds(started),
  };
}

// ---- feed -------------------------------------------------------------------------------------------------------

const FEED_QUERY = `query Feed($after: String, $first: Int) {
  recordChanges(after: $after, first: $first) {
    edges { node { sequence kind at subjectCode subjectKind subjectName
      record { id type title status version disclosure decidedAt validFrom validUntil details severity source { code } origin { platform originId } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The raw baseline's rows: the change, its record as of the change (the same lateral as the product), its subject. */
const RAW_FROM = `FROM record_changes c
  JOIN records cur ON cur.id = c.record_id
  CROSS JOIN LATERAL (
    SELECT now_row.* FROM records now_row WHERE now_row.id = c.record_id AND now_row.version = c.version
    UNION ALL
    SELECT kept.* FROM record_versions rv CROSS JOIN LATERAL jsonb_populate_record(NULL::records, rv.snapshot) kept
    WHERE rv.record_id = c.record_id AND rv.version = c.version) r
  JOIN subjects s ON s.id = r.subject_id`;
const RAW_FILTER = `r.disclosure IN ('PUBLIC', 'SHARED') AND cur.origin_platform IS DISTINCT FROM $1`;
const RAW_PAGE = `SELECT c.sequence::text AS sequence, c.kind, c.at, c.status AS change_status, c.disputed AS change_disputed,
    cur.origin_platform, cur.origin_id, s.code AS subject_code, s.kind AS subject_kind, s.name AS subject_name,
    r.id, r.type, r.title, r.version, r.disclosure, r.decided_at, r.valid_from, r.valid_until, r.details, r.severity, r.source_org
  ${RAW_FROM}
  WHERE c.sequence > $2::bigint AND ${RAW_FILTER}
  ORDER BY c.sequence LIMIT $3`;

interface Pass {
  target: FeedTarget;
  changes: number;
  pages: number;
  seconds: number;
  changesPerSecond: number;
  pageMs: number[];
  /** raw+log: the time of each page's access-log append (part of pageMs) */
  appendMs: number[];
  /** `sequence:record:version:status` of every change, in order (the passes must agree) */
  fingerprint: string[];
}

interface FeedNode {
  sequence: string;
  kind: string;
  subjectCode: string;
  record: { id: string; status: string; version: number; disclosure: string };
}

async function gatewayPass(gateway: ServerProcess, token: string, maxPages = Infinity): Promise<Pass> {
  const fingerprint: string[] = [];
  const pageMs: number[] = [];
  let after: string | null = null;
  const started = process.hrtime.bigint();
  for (;;) {
    const t0 = process.hrtime.bigint();
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: FEED_QUERY, variables: { after, first: PAGE } }),
    });
    const body = (await response.json()) as {
      data?: { recordChanges: { edges: { node: FeedNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      errors?: unknown;
    };
    pageMs.push(seconds(t0) * 1000);
    if (response.status !== 200 || body.errors || !body.data) throw new Error(`gateway feed page: HTTP ${response.status} ${JSON.stringify(body).slice(0, 400)}`);
    const page = body.data.recordChanges;
    for (const { node } of page.edges) fingerprint.push(`${node.sequence}:${node.record.id}:${node.record.version}:${node.record.status}`);
    if (!page.pageInfo.hasNextPage || pageMs.length >= maxPages) break;
    after = page.pageInfo.endCursor;
  }
  const elapsed = seconds(started);
  return { target: 'gateway', changes: fingerprint.length, pages: pageMs.length, seconds: elapsed, changesPerSecond: fingerprint.length / elapsed, pageMs, appendMs: [], fingerprint };
}

/** raw: pages read with one `pg` connection (the gateway's session settings), a named prepared statement. */
async function rawPass(client: pg.Client, writer: AccessLogWriter | null): Promise<Pass> {
  const fingerprint: string[] = [];
  const pageMs: number[] = [];
  const appendMs: number[] = [];
  let after = '0';
  const started = process.hrtime.bigint();
  for (;;) {
    const t0 = process.hrtime.bigint();
    const { rows } = await client.query({ name: 'bench-raw-feed', text: RAW_PAGE, values: [PEER, after, PAGE] });
    // the page as JSON, as an answer would carry it
    JSON.stringify(rows);
    if (writer && rows.length) {
      // X2, as the gateway writes it: one DEPARTMENT event per subject on the page, purpose SUPERVISION, the peer's code
      const bySubject = new Map<string, string[]>();
      for (const row of rows) bySubject.set(row.subject_code, [...(bySubject.get(row.subject_code) ?? []), row.id]);
      const at = new Date().toISOString();
      const requestId = randomUUID();
      const events: NewAccessEvent[] = [...bySubject].map(([subjectCode, recordIds]) => ({
        at, requestId, actor: 'peer-sync', role: 'exchange', orgCode: PEER, view: 'DEPARTMENT', purposeKind: 'SUPERVISION',
        purposeReference: PEER, grantId: null, subjectCode, recordIds, operationName: 'recordChanges',
      }));
      const a0 = process.hrtime.bigint();
      await writer.append(events);
      appendMs.push(seconds(a0) * 1000);
    }
    pageMs.push(seconds(t0) * 1000);
    for (const row of rows) fingerprint.push(`${row.sequence}:${row.id}:${row.version}:${row.change_status}`);
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1].sequence;
  }
  const elapsed = seconds(started);
  return { target: writer ? 'raw+log' : 'raw', changes: fingerprint.length, pages: pageMs.length, seconds: elapsed, changesPerSecond: fingerprint.length / elapsed, pageMs, appendMs, fingerprint };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the gateway's own feed statement (captured from the product's repository) and the raw one, generic plans. */
async function explainFeed(url: string, after: string): Promise<{ gateway: string; raw: string }> {
  const captured: { sql: string; params: unknown[] }[] = [];
  const database = await openDatabase({ url, poolSize: 1, logger: { logQuery: (text, params) => captured.push({ sql: text, params }) } });
  const scope = feedScope({ role: 'exchange', actor: 'peer-sync', orgCode: PEER, subjectCode: null } as Parameters<typeof feedScope>[0]);
  await queryChanges(database.db, scope, after, PAGE + 1, new Date());
  await database.close();
  const statement = captured.find((q) => q.sql.includes('record_changes'));
  if (!statement) throw new Error('the feed statement was not captured');
  const client = new pg.Client({ connectionString: url, options: SESSION_OPTIONS });
  await client.connect();
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return client.escapeLiteral(`{${value.map((v) => `"${String(v)}"`).join(',')}}`);
    if (value instanceof Date) return client.escapeLiteral(value.toISOString());
    if (typeof value === 'number') return String(value);
    return client.escapeLiteral(String(value));
  };
  const plan = async (name: string, text: string, params: unknown[]) => {
    await client.query(`PREPARE ${name} AS ${text}`);
    await client.query(`EXECUTE ${name}(${params.map(literal).join(', ')})`); // warm
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE ${name}(${params.map(literal).join(', ')})`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  };
  const gateway = await plan('bench_gateway_feed', statement.sql, statement.params);
  const raw = await plan('bench_raw_feed', RAW_PAGE, [PEER, after, PAGE]);
  await client.end();
  return { gateway, raw };
}

// ---- filing -----------------------------------------------------------------------------------------------------

const SUBMIT = `mutation Submit($records: [RecordInput!]!) { submitRecords(records: $records) { accepted errors { index reason message } } }`;

let filingSerial = 0;
function filingRows(codes: string[], count: number, label: string): Record<string, unknown>[] {
  return Array.from({ length: count }, () => {
    const i = ++filingSerial;
    const code = codes[(i * 7) % codes.length];
    const base = { subjectCode: code, sourceRef: `${label}-${i}`, decidedAt: new Date(Date.now() - (1 + (i % 700)) * 86_400_000).toISOString() };
    switch (i % 5) {
      case 0: return { ...base, type: 'penalty', title: `行政处罚 ${i}`, severity: 'GENERAL', decisionNumber: `韶罚〔2026〕${i}号`, amount: 5000 };
      case 1: return { ...base, type: 'tax-rating', title: `纳税信用 ${i}`, grade: 'A' };
      case 2: return { ...base, type: 'license', title: `许可 ${i}`, disclosure: 'SUBJECT_ONLY' };
      default: return { ...base, type: 'license', title: `许可 ${i}`, details: { permitNo: `P-${i}`, scope: '食品经营' } };
    }
  });
}

interface FilingRun {
  trigger: boolean;
  batch: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  requestMs: number[];
  /** rows the trigger added to record_changes during the run (must be `records` with the trigger, 0 without) */
  changesAdded: number;
}

async function setTrigger(admin: pg.Client, on: boolean): Promise<void> {
  await admin.query(`ALTER TABLE records ${on ? 'ENABLE' : 'DISABLE'} TRIGGER records_capture_changes`);
}

async function changeCount(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{ n: string }>('SELECT coalesce(max(sequence), 0)::text AS n FROM record_changes');
  return Number(rows[0].n);
}

async function filingRun(gateway: ServerProcess, admin: pg.Client, codes: string[], trigger: boolean, batch: number, requests: number): Promise<FilingRun> {
  await setTrigger(admin, trigger);
  const before = await changeCount(admin);
  const requestMs: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
    const token = benchToken({ sub: `filer-${client}`, role: 'department', org: DEPARTMENTS[client] });
    for (let i = 0; i < requests; i += 1) {
      const rows = filingRows(codes, batch, `f${client}`);
      const t0 = process.hrtime.bigint();
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SUBMIT, variables: { records: rows } }),
      });
      const body = (await response.json()) as { data?: { submitRecords: { accepted: number; errors: unknown[] } }; errors?: unknown };
      requestMs.push(seconds(t0) * 1000);
      if (body.errors || body.data?.submitRecords.accepted !== batch) throw new Error(`submitRecords: ${JSON.stringify(body).slice(0, 400)}`);
    }
  }));
  const elapsed = seconds(started);
  const records = CLIENTS * requests * batch;
  const changesAdded = (await changeCount(admin)) - before;
  if (changesAdded !== (trigger ? records : 0)) throw new Error(`trigger ${trigger ? 'on' : 'off'}: ${changesAdded} changes recorded for ${records} records`);
  return { trigger, batch, records, seconds: elapsed, recordsPerSecond: records / elapsed, requestMs, changesAdded };
}

/**
 * The same at the SQL level, without the gateway: `connections` connections, each `commits` times BEGIN; INSERT
 * `batch` records (one statement); COMMIT — the INSERT and the COMMIT timed apart (the deferred trigger runs in the
 * COMMIT).
 */
async function sqlFilingRun(
  url: string, admin: pg.Client, trigger: boolean, shape: { batch: number; connections: number }, commits: number, salt: string,
): Promise<{ recordsPerSecond: number; commitMs: number[]; insertMs: number[] }> {
  await setTrigger(admin, trigger);
  const { rows: [subject] } = await admin.query<{ id: string }>(`SELECT min(id)::text AS id FROM subjects WHERE kind = 'ENTERPRISE'`);
  const clients = await Promise.all(Array.from({ length: shape.connections }, async () => {
    const c = new pg.Client({ connectionString: url, options: SESSION_OPTIONS });
    await c.connect();
    return c;
  }));
  const commitMs: number[] = [];
  const insertMs: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(clients.map(async (client, k) => {
    for (let i = 0; i < commits; i += 1) {
      await client.query('BEGIN');
      const t0 = process.hrtime.bigint();
      await client.query({
        name: 'bench-records',
        text: `INSERT INTO records (subject_id, type, category, nature, title, decided_at, disclosure, details, source_org, source_ref, content_hash)
          SELECT $1, 'license', 'ADMINISTRATIVE', 'BASIC', '许可 ' || n, now(), 'PUBLIC', '{"permitNo":"P"}', $2, $3 || '-' || n, md5($3 || n)
          FROM generate_series(1, $4::int) n`,
        values: [subject.id, DEPARTMENTS[k], `sql-${salt}-${shape.batch}-${shape.connections}-${k}-${i}`, shape.batch],
      });
      const t1 = process.hrtime.bigint();
      await client.query('COMMIT');
      insertMs.push(Number(t1 - t0) / 1e6);
      commitMs.push(seconds(t1) * 1000);
    }
  }));
  const elapsed = seconds(started);
  await Promise.all(clients.map((c) => c.end()));
  return { recordsPerSecond: (shape.connections * commits * shape.batch) / elapsed, commitMs, insertMs };
}

/** Samples what the active backends of the bench database wait on, every 5 ms, while `work` runs. */
async function sampleWaits(url: string, work: () => Promise<unknown>): Promise<{ samples: number; active: number; waits: Record<string, number> }> {
  const sampler = new pg.Client({ connectionString: url });
  await sampler.connect();
  const waits: Record<string, number> = {};
  let samples = 0;
  let active = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await sampler.query<{ w: string }>(`SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND backend_type = 'client backend'`);
      samples += 1;
      for (const { w } of rows) {
        active += 1;
        waits[w] = (waits[w] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await loop;
    await sampler.end();
  }
  return { samples, active, waits };
}

function waitShares(profile: { active: number; waits: Record<string, number> }): string {
  return Object.entries(profile.waits).sort((a, b) => b[1] - a[1]).slice(0, 6)
    .map(([w, n]) => `${w} ${fmt((100 * n) / profile.active)}%`).join(', ');
}

// ---- run ----------------------------------------------------------------------------------------------------------

function nproc(): string {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    return String(os.availableParallelism());
  }
}

async function feedEvents(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows: [row] } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_events WHERE operation_name = 'recordChanges'`);
  await client.end();
  return row.n;
}

type FeedMedians = Partial<Record<FeedTarget, { changesPerSecond: number; pageP50: number; pageP99: number; appendP50: number | null }>>;

/** Part 1: the whole feed, page by page, by each target in turn (order rotated each round), answers compared. */
async function feedPart(url: string, seeded: Seeded, results: Record<string, unknown>, lines: string[]): Promise<void> {
  const token = benchToken({ sub: 'peer-sync', role: 'exchange', org: PEER });
  // statements per feed page, behind a counting proxy (a server of its own, never during the timed passes)
  const proxy = await startCountingProxy(url);
  const probe = await startServer('gateway-probe', 'bench/servers/gateway.ts', { DATABASE_URL: proxy.url, JWT_SECRET, POOL_SIZE: '10' });
  let statements: number;
  try {
    await gatewayPass(probe, token, 5);
    proxy.reset();
    const probed = await gatewayPass(probe, token, 20);
    statements = proxy.statements() / probed.pages;
  } finally {
    await probe.stop();
    await proxy.close();
  }
  log(`SQL statements per gateway feed page: ${statements}`);

  const servers: Partial<Record<FeedTarget, ServerProcess>> = {};
  const raw = new pg.Client({ connectionString: url, options: SESSION_OPTIONS });
  const logPool = new pg.Pool({ connectionString: url, max: 2, options: SESSION_OPTIONS });
  const writer = new AccessLogWriter(drizzle(logPool, { schema }) as unknown as Db);
  const passes: Pass[] = [];
  let reference: string[] | null = null;
  let eventsBefore = 0;
  try {
    if (FEED_TARGETS.includes('gateway')) {
      servers.gateway = await startServer('gateway', 'bench/servers/gateway.ts', { DATABASE_URL: url, JWT_SECRET, POOL_SIZE: '10', ACCESS_LOG: 'on' });
    }
    if (FEED_TARGETS.includes('gateway-nolog')) {
      servers['gateway-nolog'] = await startServer('gateway-nolog', 'bench/servers/gateway.ts', { DATABASE_URL: url, JWT_SECRET, POOL_SIZE: '10', ACCESS_LOG: 'off' });
    }
    await raw.connect();
    for (const server of Object.values(servers)) await gatewayPass(server, token, 20); // warm-up: connections, prepared statements
    eventsBefore = await feedEvents(url);
    for (let round = 0; round < FEED_ROUNDS; round += 1) {
      const order = [...FEED_TARGETS.slice(round % FEED_TARGETS.length), ...FEED_TARGETS.slice(0, round % FEED_TARGETS.length)];
      for (const target of order) {
        const server = servers[target];
        const pass = server ? { ...(await gatewayPass(server, token)), target } : await rawPass(raw, target === 'raw+log' ? writer : null);
        if (pass.changes !== seeded.visible) throw new Error(`${target}: ${pass.changes} changes, expected ${seeded.visible}`);
        if (reference && pass.fingerprint.join('\n') !== reference.join('\n')) {
          const at = pass.fingerprint.findIndex((f, i) => f !== reference![i]);
          throw new Error(`${target} differs from the first pass at change ${at}: ${pass.fingerprint[at]} vs ${reference[at]}`);
        }
        reference ??= pass.fingerprint;
        passes.push({ ...pass, fingerprint: [] });
        log(`feed round ${round + 1} ${target.padEnd(13)} ${fmt(pass.changesPerSecond).padStart(6)} changes/s  ${pass.pages} pages in ${fmt(pass.seconds, 1)} s  `
          + `page p50 ${fmt(median(pass.pageMs), 1)} ms  p99 ${fmt(quantile(pass.pageMs, 0.99), 1)} ms${pass.appendMs.length ? `  (access-log append p50 ${fmt(median(pass.appendMs), 1)} ms)` : ''}`);
      }
    }
  } finally {
    for (const server of Object.values(servers)) await server.stop();
    await raw.end().catch(() => undefined);
    await writer.drained();
    await logPool.end();
  }

  const of = (target: FeedTarget) => passes.filter((p) => p.target === target);
  const targets = Object.fromEntries(FEED_TARGETS.map((target) => [target, {
    changesPerSecond: median(of(target).map((p) => p.changesPerSecond)),
    pageP50: median(of(target).map((p) => median(p.pageMs))),
    pageP99: median(of(target).map((p) => quantile(p.pageMs, 0.99))),
    appendP50: of(target)[0]?.appendMs.length ? median(of(target).map((p) => median(p.appendMs))) : null,
    passes: of(target).map((p) => ({ seconds: p.seconds, changesPerSecond: p.changesPerSecond, pageP50: median(p.pageMs) })),
  }])) as FeedMedians;
  // the ratio of each round's pair of passes (close in time, so under the same load of a shared machine), median
  const ratio = (target: FeedTarget, over: FeedTarget) => median(of(target).flatMap((p, r) => (of(over)[r] ? [p.changesPerSecond / of(over)[r].changesPerSecond] : [])));
  const middle = reference ? reference[Math.floor(reference.length / 2)].split(':')[0] : '0';
  const plans = await explainFeed(url, middle);
  const events = (await feedEvents(url)) - eventsBefore;
  const loggedPages = passes.filter((p) => p.target === 'gateway' || p.target === 'raw+log').reduce((n, p) => n + p.pages, 0);
  log(`\naccess events of recordChanges written by the timed gateway and raw+log passes: ${events} (${fmt(events / loggedPages, 1)} per page)`);
  log(`\ngateway feed statement (the product's, captured from feed.repository.ts), generic plan, after=${middle}:\n${plans.gateway}\n\nraw feed statement:\n${plans.raw}\n`);
  results.feed = { targets, statementsPerPage: statements, accessEventsPerPage: events / loggedPages, plans, explainedAfter: middle };

  const g = targets.gateway;
  const line = (over: FeedTarget, label = over) => {
    const o = targets[over];
    if (!g || !o) return;
    lines.push(`feed gateway=${fmt(g.changesPerSecond)} changes/s ${label}=${fmt(o.changesPerSecond)} ratio=${ratio('gateway', over).toFixed(2)} `
      + `page_p50_ms=${fmt(g.pageP50, 1)}/${fmt(o.pageP50, 1)} page_p99_ms=${fmt(g.pageP99, 1)}/${fmt(o.pageP99, 1)}`);
  };
  line('raw');
  line('raw+log');
  const rawLog = targets['raw+log'];
  if (rawLog?.appendP50) lines.push(`feed access_log_append_p50_ms=${fmt(rawLog.appendP50, 1)} (raw+log: one append of a page's events, X2)`);
  const nolog = targets['gateway-nolog'];
  if (g && nolog) lines.push(`feed gateway-nolog=${fmt(nolog.changesPerSecond)} changes/s (access log off, to split the cost) gateway/gateway-nolog=${ratio('gateway', 'gateway-nolog').toFixed(2)} page_p50_ms=${fmt(nolog.pageP50, 1)}`);
  lines.push(`feed statements_per_page=${statements} access_events_per_page=${fmt(events / loggedPages, 1)} changes=${seeded.visible} pages=${Math.ceil(seeded.visible / PAGE)}`);
}

/** Part 2: submitRecords with and without the trigger, then the same in SQL, then the wait-event profile. */
async function filingPart(url: string, seeded: Seeded, results: Record<string, unknown>, lines: string[]): Promise<void> {
  const gateway = await startServer('gateway', 'bench/servers/gateway.ts', { DATABASE_URL: url, JWT_SECRET, POOL_SIZE: '10', ACCESS_LOG: 'on' });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const codes = seeded.enterpriseCodes;
  const filing: Record<string, unknown> = {};
  results.filing = filing;
  try {
    for (const shape of SHAPES) {
      await filingRun(gateway, admin, codes, true, shape.batch, Math.max(1, Math.ceil(shape.requests / 2))); // warm-up
      const runs: FilingRun[] = [];
      const pairRatios: number[] = [];
      for (let pair = 0; pair < FILING_PAIRS; pair += 1) {
        const pairRuns: FilingRun[] = [];
        for (const trigger of pair % 2 ? [false, true] : [true, false]) {
          const run = await filingRun(gateway, admin, codes, trigger, shape.batch, shape.requests);
          pairRuns.push(run);
          runs.push(run);
          log(`filing batch=${String(shape.batch).padEnd(3)} trigger ${trigger ? 'on ' : 'off'} ${fmt(run.recordsPerSecond).padStart(6)} records/s  `
            + `${run.records} records in ${fmt(run.seconds, 1)} s  request p50 ${fmt(median(run.requestMs), 1)} ms`);
        }
        pairRatios.push(pairRuns.find((r) => r.trigger)!.recordsPerSecond / pairRuns.find((r) => !r.trigger)!.recordsPerSecond);
      }
      const withChanges = median(runs.filter((r) => r.trigger).map((r) => r.recordsPerSecond));
      const without = median(runs.filter((r) => !r.trigger).map((r) => r.recordsPerSecond));
      const slowdown = 1 - median(pairRatios);
      const p50 = (trigger: boolean) => median(runs.filter((r) => r.trigger === trigger).map((r) => median(r.requestMs)));
      filing[`batch${shape.batch}`] = { withChanges, without, slowdown, pairRatios, requestP50: { on: p50(true), off: p50(false) }, runs: runs.map((r) => ({ ...r, requestMs: undefined })) };
      lines.push(`filing batch=${shape.batch} with_changes=${fmt(withChanges)} without=${fmt(without)} slowdown=${fmt(100 * slowdown, 1)}% (records/s, `
        + `${CLIENTS} clients; pair ratios ${pairRatios.map((r) => r.toFixed(2)).join(' ')}; request p50 ${fmt(p50(true), 1)}/${fmt(p50(false), 1)} ms)`);
    }

    // the same at the SQL level (no gateway): the COMMIT timed; one connection alone shows the trigger's own cost
    const sqlSummary: Record<string, unknown> = {};
    for (const shape of SQL_SHAPES) {
      const commits = shape.batch === 1 ? SQL_COMMITS : Math.ceil(SQL_COMMITS / 6);
      await sqlFilingRun(url, admin, true, shape, Math.ceil(commits / 4), `warm-${shape.batch}-${shape.connections}`);
      const runs: { trigger: boolean; recordsPerSecond: number; commitP50: number; commitP99: number; insertP50: number }[] = [];
      const pairRatios: number[] = [];
      for (let pair = 0; pair < FILING_PAIRS; pair += 1) {
        const pairRuns: typeof runs = [];
        for (const trigger of pair % 2 ? [false, true] : [true, false]) {
          const run = await sqlFilingRun(url, admin, trigger, shape, commits, `${pair}${trigger}`);
          const summary = { trigger, recordsPerSecond: run.recordsPerSecond, commitP50: median(run.commitMs), commitP99: quantile(run.commitMs, 0.99), insertP50: median(run.insertMs) };
          pairRuns.push(summary);
          runs.push(summary);
          log(`sql filing batch=${String(shape.batch).padEnd(3)} connections=${shape.connections} trigger ${trigger ? 'on ' : 'off'} ${fmt(run.recordsPerSecond).padStart(6)} records/s  `
            + `COMMIT p50 ${fmt(summary.commitP50, 2)} ms  p99 ${fmt(summary.commitP99, 2)} ms  INSERT p50 ${fmt(summary.insertP50, 2)} ms`);
        }
        pairRatios.push(pairRuns.find((r) => r.trigger)!.recordsPerSecond / pairRuns.find((r) => !r.trigger)!.recordsPerSecond);
      }
      const med = (trigger: boolean, key: 'recordsPerSecond' | 'commitP50' | 'commitP99' | 'insertP50') => median(runs.filter((r) => r.trigger === trigger).map((r) => r[key]));
      sqlSummary[`batch${shape.batch}-connections${shape.connections}`] = { runs, pairRatios };
      lines.push(`filing-sql batch=${shape.batch} connections=${shape.connections} with_changes=${fmt(med(true, 'recordsPerSecond'))} without=${fmt(med(false, 'recordsPerSecond'))} `
        + `slowdown=${fmt(100 * (1 - median(pairRatios)), 1)}% (records/s; COMMIT p50 ${fmt(med(true, 'commitP50'), 2)}/${fmt(med(false, 'commitP50'), 2)} ms, `
        + `p99 ${fmt(med(true, 'commitP99'), 2)}/${fmt(med(false, 'commitP99'), 2)} ms)`);
    }
    filing.sql = sqlSummary;

    // profile (extra runs, not measured): what the active backends wait on, with and without the trigger
    const profiles: Record<string, unknown> = {};
    for (const shape of SHAPES) {
      for (const trigger of [true, false]) {
        const profile = await sampleWaits(url, () => filingRun(gateway, admin, codes, trigger, shape.batch, shape.requests));
        profiles[`batch${shape.batch}-${trigger ? 'on' : 'off'}`] = profile;
        const busy = profile.active / profile.samples;
        log(`profile batch=${shape.batch} trigger ${trigger ? 'on ' : 'off'}: ${fmt(busy, 2)} active backends on average; ${waitShares(profile)}`);
        lines.push(`profile batch=${shape.batch} trigger=${trigger ? 'on' : 'off'} active_backends=${fmt(busy, 2)} ${waitShares(profile).replaceAll(', ', ' ')}`);
      }
    }
    filing.profiles = profiles;
  } finally {
    await setTrigger(admin, true).catch(() => undefined);
    await gateway.stop();
    await admin.end();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const url = await recreateDatabase(DB_NAME, DEFAULT_PG);
  log(`database ${DB_NAME} on ${new URL(DEFAULT_PG).host}`);
  const seeded = await seed(url);
  log(`seeded in ${fmt(seeded.seconds)} s: ${seeded.changes} changes (${JSON.stringify(seeded.byKind)}), records by class ${JSON.stringify(seeded.byClass)}; `
    + `${seeded.visible} changes visible to ${PEER}`);
  const results: Record<string, unknown> = {
    machine: machine(), nproc: nproc(), cpu: os.cpus()[0]?.model, loadBefore: os.loadavg(), seeded: { ...seeded, enterpriseCodes: undefined },
    options: { SUBJECTS, RECORDS, FEED_ROUNDS, FEED_TARGETS, FILING_PAIRS, CLIENTS, SHAPES, SQL_COMMITS, SQL_SHAPES },
  };
  const lines: string[] = [];
  if (PARTS.includes('feed')) await feedPart(url, seeded, results, lines);
  if (PARTS.includes('filing')) await filingPart(url, seeded, results, lines);

  log(`\nmachine: nproc ${nproc()}, ${machine()}, ${os.cpus()[0]?.model ?? ''}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await mkdir('bench/results', { recursive: true });
  const file = `bench/results/exchange-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  await writeFile(file, JSON.stringify(results, null, 2));
  log(`results: ${file} (${fmt((Date.now() - started) / 1000)} s in all)\n`);
  for (const line of lines) log(line);
  if (process.env.KEEP_DB !== '1') {
    const server = new pg.Client({ connectionString: DEFAULT_PG });
    await server.connect();
    await server.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await server.end();
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
