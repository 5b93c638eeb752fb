import { createHash, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { records } from '../../src/db/schema/index.js';
import { RecordChangedMeanwhile, withdraw, writeRecordBatch, type ExistingRecord } from '../../src/modules/filing/filing.repository.js';
import type { NormalisedRecord } from '../../src/modules/filing/record-validation.js';
import { post } from '../support/access-log-e2e.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { mulberry32 } from '../support/random.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC X1 under concurrency: a peer that pages `recordChanges` from its last `endCursor` never misses and never
 * repeats a change, even while hundreds of transactions commit in an order other than the one they started in.
 *
 * Writers go through the product's write path (filing.repository.ts `writeRecordBatch`, `withdraw`) with a database
 * whose `transaction` is scripted: after the product's statements (and so after the rows, their xids and their row
 * locks exist) each transaction sleeps a random while (a JS timer or `pg_sleep`) and then commits — or throws and
 * rolls back, or is refused AT COMMIT by a test-only deferred trigger that fires after migration 0013's capture
 * trigger (so it took sequence numbers and left a gap); on PostgreSQL a quarter of them also commit slowly AFTER
 * taking their numbers (the window the advisory lock of 0013 closes). Meanwhile one consumer pages the feed over HTTP with an
 * exchange token and pages of varying size (1, 7, 13, 50, 100), polling from its old cursor when a page is empty,
 * until the writers are done and one more page is empty. On PostgreSQL the writers use a pool of their own (40
 * connections) so that ~40 transactions are open at once; on PGlite (one connection) they are serialised.
 * Two deterministic PostgreSQL tests pin each half of the rule: numbers are taken at commit, not at statement time
 * (T1 open, T2 committed), and a commit that has its numbers holds back later commits until it is visible.
 */
const NOW = new Date('2026-06-01T04:00:00Z');

const FEED = `query Feed($after: String, $first: Int) {
  recordChanges(after: $after, first: $first) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { sequence kind at subjectCode subjectKind subjectName record { id version status disclosure title } } }
  }
}`;

interface FeedNode {
  sequence: string;
  kind: string;
  at: string;
  subjectCode: string;
  subjectKind: string;
  subjectName: string;
  record: { id: string; version: number; status: string; disclosure: string; title: string };
}

interface Page {
  requestId: string;
  after: string | null;
  first: number;
  nodes: FeedNode[];
  hasNextPage: boolean;
  /** the writers had all finished before this page was asked for */
  writersDone: boolean;
}

/** A change as (record, version, kind): what a writer expects to see once, and what the consumer received. */
const key = (c: { recordId: string; version: number; kind: string }) => `${c.recordId}#${c.version}#${c.kind}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class ScriptedRollback extends Error {
  constructor() {
    super('scripted rollback');
  }
}

const FAIL_AT_COMMIT = 'FAIL-AT-COMMIT';
const SLOW_COMMIT = 'SLOW-COMMIT';
const STALL_COMMIT = 'STALL-COMMIT';
/** the advisory lock a STALL-COMMIT record's commit waits for (held by the test) */
const STALL_LOCK = 7262099;

/**
 * Test-only constraint triggers, deferred like migration 0013's `records_capture_changes` and firing after it (the
 * deferred triggers of one event fire in name order, zz_… last), so that when they run the transaction has already
 * taken the lock and its sequence numbers:
 * - a record whose title starts FAIL-AT-COMMIT is refused: its transaction rolls back, leaving a gap in the sequence;
 * - a record whose title starts SLOW-COMMIT makes its commit take 15 ms more (a slow WAL flush, a synchronous standby):
 *   numbers taken, not yet visible — without the lock, a later transaction could take the next number, commit first
 *   and be read, and the consumer's cursor would pass over the slow one's change;
 * - a record whose title starts STALL-COMMIT makes its commit wait (numbers taken) until the test releases STALL_LOCK.
 */
async function installCommitHooks(db: Db) {
  await db.execute(sql.raw(`
    CREATE FUNCTION x1_test_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.title LIKE '${FAIL_AT_COMMIT}%' THEN RAISE EXCEPTION 'x1 test: refused at commit'; END IF;
      IF NEW.title LIKE '${SLOW_COMMIT}%' THEN PERFORM pg_sleep(0.015); END IF;
      IF NEW.title LIKE '${STALL_COMMIT}%' THEN PERFORM pg_advisory_xact_lock_shared(${STALL_LOCK}); END IF;
      RETURN NULL;
    END $$`));
  await db.execute(sql.raw(`
    CREATE CONSTRAINT TRIGGER zz_x1_test_at_commit AFTER INSERT OR UPDATE ON records
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION x1_test_at_commit()`));
}

type Op = 'file' | 'version' | 'withdraw';
type Fate = 'commit' | 'rollback' | 'failAtCommit';

interface Plan {
  index: number;
  op: Op;
  fate: Fate;
  /** before the transaction begins (spreads the writers over the consumer's run) */
  startAfterMs: number;
  /** inside the transaction, after the product's statements, before COMMIT */
  holdMs: number;
  holdWith: 'timer' | 'pg_sleep';
  /** PostgreSQL: the commit is slow after the numbers are taken (see installCommitHooks) */
  slowCommit: boolean;
}

interface Outcome {
  plan: Plan;
  committed: boolean;
  /** the changes this writer's transaction makes (when it commits) */
  changes: { recordId: string; version: number; kind: string }[];
  /** records this writer inserted (whether or not it committed) */
  insertedIds: string[];
  /** pg_current_xact_id() of the transaction (the order transactions began writing) */
  xid: bigint | null;
  error: unknown;
}

/** A transaction scripted around the product's work: hold it open a while, then commit or roll back. */
function scripted(db: Db, plan: Plan, observe: (tx: Db) => Promise<void>): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return Reflect.get(target, prop, receiver);
      return (work: (tx: Db) => Promise<unknown>) => target.transaction(async (tx) => {
        const result = await work(tx as unknown as Db);
        await observe(tx as unknown as Db);
        if (plan.holdWith === 'pg_sleep') await tx.execute(sql`SELECT pg_sleep(${plan.holdMs / 1000}::float8)`);
        else await sleep(plan.holdMs);
        if (plan.fate === 'rollback') throw new ScriptedRollback();
        return result;
      });
    },
  });
}

const TITLE_VERSION = /@v(\d+)$/;

function filing(subject: SubjectFixture, sourceRef: string, title: string, type: 'license' | 'tax-rating', disclosure: 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY'): NormalisedRecord {
  const [category, nature] = type === 'license' ? ['ADMINISTRATIVE', 'BASIC'] : ['EVALUATION', 'BASIC'];
  return {
    subjectId: subject.id, subjectCode: subject.code, type, category, nature, severity: null, title, summary: 'X1 ordering',
    decisionNumber: `X1-${sourceRef}`, decidedAt: new Date('2026-05-01T00:00:00Z'), validFrom: null, validUntil: null,
    legalBasis: 'X1 test', amount: null, grade: type === 'tax-rating' ? 'A' : null, groupCode: null, disclosure,
    details: { sourceRef }, sourceRef, contentHash: createHash('sha256').update(title).digest('hex'),
  };
}

describe.each(testDatabaseKinds())('X1 recordChanges: commit order on %s', (kind) => {
  let database: TestDatabase;
  /** PostgreSQL: the writers' own pool, so that many transactions are open at once (PGlite: the one database) */
  let writers: Database | null = null;
  let gw: TestGateway;
  let dept: string;
  let peer: string;
  let subjects: SubjectFixture[] = [];

  const PG = kind === 'postgres';
  const WRITERS = PG ? 360 : 120;
  const BASE_RECORDS = PG ? 100 : 40;
  const SPREAD_MS = PG ? 2_500 : 4_000;
  const MAX_HOLD_MS = PG ? 150 : 8;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database, { now: NOW });
    dept = await createOrganization(database.db, 'DEPARTMENT');
    peer = await createOrganization(database.db, 'PEER_PLATFORM');
    subjects = [];
    for (let i = 0; i < 12; i += 1) subjects.push(await createSubject(database.db, dept, 'ENTERPRISE'));
    await installCommitHooks(database.db);
    if (PG) writers = await openDatabase({ url: database.url!, poolSize: 40 });
  });

  afterAll(async () => {
    await writers?.close();
    await gw?.close();
    await database?.close();
  });

  const feedToken = () => tokens.exchange(peer);

  /** Pages the feed until `stop()` was true before a page was asked for and that page came back empty. */
  async function consume(from: string | null, sizes: () => number, stop: () => boolean): Promise<{ pages: Page[]; cursor: string | null }> {
    const pages: Page[] = [];
    let cursor = from;
    for (;;) {
      const writersDone = stop();
      const first = sizes();
      const response = await post(gw, FEED, { token: feedToken(), variables: { after: cursor, first } });
      expect(response.status, JSON.stringify(response.body.errors)).toBe(200);
      expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
      const connection = response.body.data.recordChanges;
      const nodes: FeedNode[] = connection.edges.map((edge: { node: FeedNode }) => edge.node);
      pages.push({ requestId: response.requestId, after: cursor, first, nodes, hasNextPage: connection.pageInfo.hasNextPage, writersDone });
      expect(nodes.length).toBeLessThanOrEqual(first);
      if (nodes.length > 0) {
        const edges = connection.edges as { cursor: string }[];
        expect(connection.pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
        cursor = connection.pageInfo.endCursor;
        continue;
      }
      // an empty page: keep the old cursor, and poll again unless the writers were done before it was asked for
      expect(connection.pageInfo.hasNextPage).toBe(false);
      if (writersDone) return { pages, cursor };
      await sleep(PG ? 3 : 10);
    }
  }

  async function fileBase(count: number): Promise<{ id: string; subject: SubjectFixture }[]> {
    const rows = Array.from({ length: count }, (_, i) => {
      const subject = subjects[i % subjects.length];
      const sourceRef = `X1-BASE-${randomUUID()}`;
      return { id: randomUUID(), subject, record: filing(subject, sourceRef, `base ${i} @v1`, i % 3 === 0 ? 'tax-rating' : 'license', i % 3 === 0 ? 'SHARED' : 'PUBLIC') };
    });
    await writeRecordBatch(database.db, dept, 'officer-x1', rows.map(({ id, record }) => ({ id, record })), [], NOW);
    return rows.map(({ id, subject }) => ({ id, subject }));
  }

  it(`X1: a consumer paging by cursor receives every committed change exactly once, in sequence and version order, while ${WRITERS} concurrent writing transactions commit${PG ? ' out of order' : ''} (some rolling back, some refused at commit)`, async () => {
    const started = Date.now();
    const rand = mulberry32(PG ? 0x0713_0001 : 0x0713_0002);
    const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)];
    const base = await fileBase(BASE_RECORDS);

    const plans: Plan[] = Array.from({ length: WRITERS }, (_, index) => {
      const r = rand();
      const op: Op = r < 0.6 ? 'file' : r < 0.88 ? 'version' : 'withdraw';
      const f = rand();
      const fate: Fate = f < 0.12 ? 'rollback' : op === 'file' && f < 0.2 ? 'failAtCommit' : 'commit';
      return {
        index, op, fate,
        startAfterMs: Math.floor(rand() * SPREAD_MS),
        holdMs: Math.floor(rand() * MAX_HOLD_MS),
        holdWith: PG && rand() < 0.5 ? 'pg_sleep' : 'timer',
        slowCommit: PG && op !== 'withdraw' && rand() < 0.25,
      };
    });
    // the scenario needs every kind of writer
    for (const fate of ['commit', 'rollback', 'failAtCommit'] as const) expect(plans.some((p) => p.fate === fate), fate).toBe(true);
    if (PG) expect(plans.filter((p) => p.slowCommit && p.fate === 'commit').length).toBeGreaterThan(20);
    for (const op of ['file', 'version', 'withdraw'] as const) expect(plans.some((p) => p.op === op && p.fate === 'commit'), op).toBe(true);

    const writerDb = (writers ?? database).db;

    async function runWriter(plan: Plan): Promise<Outcome> {
      const outcome: Outcome = { plan, committed: false, changes: [], insertedIds: [], xid: null, error: null };
      await sleep(plan.startAfterMs);
      const observeXid = async (tx: Db) => {
        const [row] = await queryRows<{ xid: string }>(tx, sql`SELECT pg_current_xact_id()::text AS xid`);
        outcome.xid = BigInt(row.xid);
      };
      try {
        if (plan.op === 'file') {
          const count = 1 + Math.floor(rand() * 3);
          const inserts = Array.from({ length: count }, (_, i) => {
            const subject = pick(subjects);
            const visible = rand() < 0.85;
            const type = rand() < 0.3 ? 'tax-rating' : 'license';
            const title = plan.fate === 'failAtCommit' && i === count - 1
              ? `${FAIL_AT_COMMIT} writer ${plan.index}.${i} @v1` : `${plan.slowCommit ? `${SLOW_COMMIT} ` : ''}writer ${plan.index}.${i} @v1`;
            return { id: randomUUID(), record: filing(subject, `X1-W-${randomUUID()}`, title, type, visible ? (type === 'license' ? 'PUBLIC' : 'SHARED') : 'SUBJECT_ONLY') };
          });
          outcome.insertedIds = inserts.map((row) => row.id);
          await writeRecordBatch(scripted(writerDb, plan, observeXid), dept, `officer-${plan.index}`, inserts, [], NOW);
          outcome.changes = inserts.map(({ id }) => ({ recordId: id, version: 1, kind: 'FILED' }));
        } else if (plan.op === 'version') {
          const target = pick(base);
          const [existing] = await writerDb.select().from(records).where(eq(records.id, target.id)) as ExistingRecord[];
          if (existing.status !== 'ACTIVE') return outcome; // the product does not re-file a withdrawn record
          const next = existing.version + 1;
          const title = `${plan.slowCommit ? `${SLOW_COMMIT} ` : ''}${existing.title.replace(`${SLOW_COMMIT} `, '').replace(TITLE_VERSION, '')}@v${next}`;
          const record = filing(target.subject, existing.sourceRef, title,
            existing.type as 'license' | 'tax-rating', existing.disclosure);
          await writeRecordBatch(scripted(writerDb, plan, observeXid), dept, `officer-${plan.index}`, [], [{ existing, record, changedFields: ['title'] }], NOW);
          outcome.changes = [{ recordId: existing.id, version: next, kind: 'VERSIONED' }];
        } else {
          const target = pick(base);
          let version = 0;
          const result = await withdraw(scripted(writerDb, plan, async (tx) => {
            await observeXid(tx);
            const [row] = await queryRows<{ version: number }>(tx, sql`SELECT version FROM records WHERE id = ${target.id}::uuid`);
            version = Number(row.version);
          }), target.id, `X1 withdrawal ${plan.index}`, `officer-${plan.index}`, NOW);
          if (result.withdrawn) outcome.changes = [{ recordId: target.id, version, kind: 'WITHDRAWN' }];
        }
        outcome.committed = true;
      } catch (error) {
        outcome.error = error;
        outcome.changes = [];
      }
      return outcome;
    }

    let writersDone = false;
    const writing = Promise.all(plans.map(runWriter)).finally(() => {
      writersDone = true;
    });
    const sizes = [1, 7, 7, 13, 50, 100];
    const [outcomes, consumed] = await Promise.all([writing, consume(null, () => pick(sizes), () => writersDone)]);
    const writeSeconds = (Date.now() - started) / 1000;

    // every writer ended as scripted: committed, or refused for one of the scripted reasons (a version planned from
    // a record another writer changed first is refused by the product: RecordChangedMeanwhile)
    const unexpected = outcomes.filter((o) => o.error && !(o.error instanceof ScriptedRollback) && !(o.error instanceof RecordChangedMeanwhile)
      && !String((o.error as Error).message ?? '').includes('x1 test: refused at commit')
      && !String(((o.error as { cause?: Error }).cause)?.message ?? '').includes('x1 test: refused at commit'));
    expect(unexpected.map((o) => `${o.plan.op}/${o.plan.fate}: ${String(o.error)} ${String((o.error as { cause?: unknown }).cause ?? '')}`)).toEqual([]);
    for (const o of outcomes) {
      if (o.plan.fate !== 'commit') expect(o.committed, `writer ${o.plan.index} (${o.plan.fate}) must not commit`).toBe(false);
    }
    const committed = outcomes.filter((o) => o.committed && o.changes.length > 0);
    const rolledBack = outcomes.filter((o) => !o.committed);
    expect(committed.length).toBeGreaterThan(WRITERS / 3);
    expect(rolledBack.some((o) => o.plan.fate === 'failAtCommit')).toBe(true);

    const received = consumed.pages.flatMap((page) => page.nodes);
    const nonEmptyBeforeDone = consumed.pages.filter((page) => !page.writersDone && page.nodes.length > 0).length;
    // the consumer really read while the writers were writing (PGlite: its requests queue behind the writers' on
    // the one connection, so fewer)
    expect(nonEmptyBeforeDone).toBeGreaterThanOrEqual(PG ? 10 : 4);

    // sequences strictly increasing across pages: no repeats, nothing out of order
    const sequences = received.map((node) => BigInt(node.sequence));
    for (let i = 1; i < sequences.length; i += 1) {
      expect(sequences[i] > sequences[i - 1], `change ${i}: sequence ${sequences[i]} after ${sequences[i - 1]}`).toBe(true);
    }
    for (const page of consumed.pages) {
      if (page.hasNextPage) expect(page.nodes).toHaveLength(page.first);
      if (page.nodes.length < page.first) expect(page.hasNextPage).toBe(false);
    }

    // the oracle: every change in record_changes the peer may receive (PUBLIC/SHARED, not sent by the peer itself)
    const stored = await queryRows<{ sequence: string; record_id: string; version: number; kind: string; status: string; disclosure: string }>(database.db, sql`
      SELECT c.sequence::text AS sequence, c.record_id::text AS record_id, c.version, c.kind, c.status, r.disclosure
        FROM record_changes c JOIN records r ON r.id = c.record_id
       WHERE r.disclosure IN ('PUBLIC', 'SHARED') AND r.origin_platform IS DISTINCT FROM ${peer}
       ORDER BY c.sequence`);
    expect(received.map((n) => ({ sequence: n.sequence, recordId: n.record.id, version: n.record.version, kind: n.kind, status: n.record.status })))
      .toEqual(stored.map((s) => ({ sequence: s.sequence, recordId: s.record_id, version: Number(s.version), kind: s.kind, status: s.status })));

    // and what the writers committed: every FILED / VERSIONED / WITHDRAWN of a committed transaction, once; nothing else
    const visible = new Set(stored.map((s) => s.record_id));
    const hidden = await queryRows<{ id: string }>(database.db, sql`SELECT id::text AS id FROM records WHERE disclosure = 'SUBJECT_ONLY'`);
    const hiddenIds = new Set(hidden.map((h) => h.id));
    const expectedKeys = [
      ...base.map(({ id }) => key({ recordId: id, version: 1, kind: 'FILED' })),
      ...committed.flatMap((o) => o.changes).filter((c) => !hiddenIds.has(c.recordId)).map(key),
    ].sort();
    const receivedKeys = received.map((n) => key({ recordId: n.record.id, version: n.record.version, kind: n.kind }));
    expect(new Set(receivedKeys).size).toBe(receivedKeys.length);
    expect([...receivedKeys].sort()).toEqual(expectedKeys);
    // SUBJECT_ONLY records were filed too, and never sent
    expect(committed.some((o) => o.changes.some((c) => hiddenIds.has(c.recordId)))).toBe(true);
    expect(received.filter((n) => hiddenIds.has(n.record.id) || n.record.disclosure === 'SUBJECT_ONLY')).toEqual([]);

    // nothing of a rolled-back transaction exists anywhere: not its records, not their changes
    const rolledBackIds = rolledBack.flatMap((o) => o.insertedIds);
    expect(rolledBackIds.length).toBeGreaterThan(0);
    const leftovers = await queryRows<{ n: number }>(database.db, sql`
      SELECT (SELECT count(*) FROM records WHERE id::text = ANY(${sql.param(rolledBackIds)}::text[]))
           + (SELECT count(*) FROM record_changes WHERE record_id::text = ANY(${sql.param(rolledBackIds)}::text[])) AS n`);
    expect(Number(leftovers[0].n)).toBe(0);
    expect(received.filter((n) => rolledBackIds.includes(n.record.id))).toEqual([]);
    expect(visible.size).toBeGreaterThan(0);

    // transactions refused at commit had taken numbers: the feed has gaps, and the consumer passed over them
    const [{ total, top }] = await queryRows<{ total: string; top: string }>(database.db, sql`
      SELECT count(*)::text AS total, max(sequence)::text AS top FROM record_changes`);
    const [{ last }] = await queryRows<{ last: string }>(database.db, sql`SELECT last_value::text AS last FROM record_changes_sequence`);
    expect(BigInt(last) > BigInt(total), `sequence ${last}, ${total} changes: gaps expected`).toBe(true);
    expect(BigInt(top) <= BigInt(last)).toBe(true);

    // each change carries the record as of that change, and one record's changes arrive in version order
    const lastVersion = new Map<string, number>();
    for (const node of received) {
      const previous = lastVersion.get(node.record.id);
      if (previous === undefined) expect(node, 'a record is first received as FILED version 1').toMatchObject({ kind: 'FILED', record: { version: 1 } });
      else expect(node.record.version, `record ${node.record.id}: version ${node.record.version} after ${previous}`).toBeGreaterThan(previous);
      lastVersion.set(node.record.id, node.record.version);
      const titleVersion = Number(TITLE_VERSION.exec(node.record.title)?.[1]);
      expect(titleVersion, `${node.kind} ${node.record.title}`).toBe(node.kind === 'WITHDRAWN' ? node.record.version - 1 : node.record.version);
      expect(node.record.status).toBe(node.kind === 'WITHDRAWN' ? 'WITHDRAWN' : 'ACTIVE');
      expect(node.subjectKind).toBe('ENTERPRISE');
      expect(subjects.map((s) => s.code)).toContain(node.subjectCode);
    }
    expect(received.some((n) => n.kind === 'VERSIONED')).toBe(true);
    expect(received.some((n) => n.kind === 'WITHDRAWN')).toBe(true);

    // the transactions committed in another order than they began writing (PostgreSQL: they really overlapped)
    const seqOf = new Map(stored.map((s) => [key({ recordId: s.record_id, version: Number(s.version), kind: s.kind }), BigInt(s.sequence)]));
    const byXid = committed
      .filter((o) => o.xid !== null && o.changes.some((c) => seqOf.has(key(c))))
      .map((o) => ({ xid: o.xid!, sequence: o.changes.map((c) => seqOf.get(key(c))).filter((s): s is bigint => s !== undefined).reduce((a, b) => (a < b ? a : b)) }))
      .sort((a, b) => (a.xid < b.xid ? -1 : a.xid > b.xid ? 1 : 0));
    let inversions = 0;
    for (let i = 1; i < byXid.length; i += 1) if (byXid[i].sequence < byXid[i - 1].sequence) inversions += 1;
    if (PG) expect(inversions, 'commit order differs from begin order').toBeGreaterThan(10);

    // X2: each non-empty page wrote one access event per subject in it — view DEPARTMENT, purpose SUPERVISION, the
    // peer's code as reference, role exchange, operation recordChanges, the page's records of that subject; an empty
    // page wrote none
    const expectedEvents = new Map<string, string>();
    for (const page of consumed.pages) {
      const bySubject = new Map<string, Set<string>>();
      for (const node of page.nodes) bySubject.set(node.subjectCode, (bySubject.get(node.subjectCode) ?? new Set()).add(node.record.id));
      for (const [subjectCode, ids] of bySubject) expectedEvents.set(`${page.requestId}|${subjectCode}`, [...ids].sort().join(','));
    }
    const requestIds = consumed.pages.map((page) => page.requestId);
    let events: { request_id: string; subject_code: string; record_ids: string[]; role: string; org_code: string; view: string; purpose_kind: string; purpose_reference: string; operation_name: string }[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      events = await queryRows(database.db, sql`
        SELECT request_id, subject_code, to_json(record_ids) AS record_ids, role, org_code, view, purpose_kind, purpose_reference, operation_name
          FROM access_events WHERE request_id = ANY(${sql.param(requestIds)}::text[])`);
      if (events.length >= expectedEvents.size) break;
      await sleep(50);
    }
    expect(events).toHaveLength(expectedEvents.size);
    for (const event of events) {
      expect(event).toMatchObject({ role: 'exchange', org_code: peer, view: 'DEPARTMENT', purpose_kind: 'SUPERVISION', purpose_reference: peer, operation_name: 'recordChanges' });
      expect([...event.record_ids].sort().join(','), `${event.request_id} ${event.subject_code}`).toBe(expectedEvents.get(`${event.request_id}|${event.subject_code}`));
    }

    console.info(`[X1 ${kind}] ${WRITERS} writers (${committed.length} committed with changes, ${rolledBack.length} rolled back/refused), `
      + `${received.length} changes in ${consumed.pages.length} pages (${nonEmptyBeforeDone} non-empty while writing), `
      + `${inversions} commit-order inversions, ${events.length} access events, ${writeSeconds.toFixed(1)} s`);
  }, 180_000);

  /** Two focused tests: raw `pg` connections of their own, so that the test decides when each transaction commits. */
  async function clients(count: number): Promise<pg.Client[]> {
    return Promise.all(Array.from({ length: count }, async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return client;
    }));
  }

  async function closeClients(list: pg.Client[]) {
    for (const client of list) {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }

  async function insertRecord(client: pg.Client, title: string): Promise<string> {
    const id = randomUUID();
    await client.query(`
      INSERT INTO records (id, subject_id, type, category, nature, title, decided_at, disclosure, source_org, source_ref, content_hash)
      VALUES ($1, $2, 'license', 'ADMINISTRATIVE', 'BASIC', $3, '2026-05-01T00:00:00Z', 'PUBLIC', $4, $5, $6)`,
    [id, subjects[0].id, title, dept, `X1-FOCUS-${id}`, createHash('sha256').update(id).digest('hex')]);
    return id;
  }

  const xidOf = async (client: pg.Client) => BigInt((await client.query('SELECT pg_current_xact_id()::text AS x')).rows[0].x);
  const received = (result: { pages: Page[] }) => result.pages.flatMap((page) => page.nodes);

  it.runIf(PG)('X1: a change is numbered when its transaction commits — transaction A inserts and stays open, B inserts and commits; the consumer reads B\'s change, and A\'s on its next page once A commits', async () => {
    const [one, two] = await clients(2);
    try {
      // the consumer starts from the end of the feed
      const { cursor: cursor0 } = await consume(null, () => 100, () => true);

      await one.query('BEGIN');
      const first = await insertRecord(one, 'T1 @v1');
      const xid1 = await xidOf(one);
      await two.query('BEGIN');
      const second = await insertRecord(two, 'T2 @v1');
      const xid2 = await xidOf(two);
      expect(xid1 < xid2, 'T1 began writing first: a sequence taken at statement time would number it first').toBe(true);
      await two.query('COMMIT');

      // T2 is committed, T1 is not: the consumer may receive T2's change (or nothing yet), never T1's
      const whileOpen = await consume(cursor0, () => 7, () => true);
      const seenWhileOpen = received(whileOpen);
      expect(seenWhileOpen.map((n) => n.record.id)).toEqual(seenWhileOpen.length ? [second] : []);

      await one.query('COMMIT');
      const seenAfter = received(await consume(whileOpen.cursor, () => 7, () => true));
      expect(seenAfter[0]?.record.id, 'the next page after T1 commits starts with T1\'s change').toBe(seenWhileOpen.length ? first : second);
      const all = [...seenWhileOpen, ...seenAfter];
      expect(all.map((n) => `${n.kind} ${n.record.id}`).sort()).toEqual([`FILED ${first}`, `FILED ${second}`].sort());
      expect(BigInt(all[1].sequence) > BigInt(all[0].sequence)).toBe(true);
      // T2 committed first, so it is numbered first although T1 began first
      const stored = await queryRows<{ record_id: string }>(database.db, sql`
        SELECT record_id::text AS record_id FROM record_changes WHERE record_id IN (${first}::uuid, ${second}::uuid) ORDER BY sequence`);
      expect(stored.map((s) => s.record_id)).toEqual([second, first]);
    } finally {
      await closeClients([one, two]);
    }
  });

  it.runIf(PG)('X1: while a transaction that has taken its numbers is still committing, later commits go through but the feed waits for it — the consumer then receives both, in number order', async () => {
    const [holder, one, two] = await clients(3);
    try {
      const { cursor: cursor0 } = await consume(null, () => 100, () => true);
      await holder.query('SELECT pg_advisory_lock($1)', [STALL_LOCK]);

      // A's COMMIT runs the capture trigger (shared fence, numbers), then stalls in the test trigger
      await one.query('BEGIN');
      const first = await insertRecord(one, `${STALL_COMMIT} A @v1`);
      const committingOne = one.query('COMMIT');
      const waiting = async (pid: number) => (await holder.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND NOT granted`, [pid])).rows[0].n > 0;
      const pidOne = (one as unknown as { processID: number }).processID;
      for (let i = 0; i < 200 && !(await waiting(pidOne)); i += 1) await sleep(10);
      expect(await waiting(pidOne), 'A stalls inside its COMMIT').toBe(true);
      const [{ taken }] = (await holder.query(`SELECT last_value::text AS taken, is_called FROM record_changes_sequence`)).rows;

      // B begins after A, inserts and commits: writers do not wait for each other (the fence is shared)
      await two.query('BEGIN');
      const second = await insertRecord(two, 'B @v1');
      await two.query('COMMIT');
      const [{ n }] = (await holder.query('SELECT count(*)::int AS n FROM record_changes WHERE record_id = $1', [second])).rows;
      expect(n, "B's change is committed, numbered after A's").toBe(1);

      // the consumer asks now: its page waits behind A's commit instead of passing over A's number
      let answered = false;
      const page = consume(cursor0, () => 7, () => true).then((result) => {
        answered = true;
        return result;
      });
      await sleep(300);
      expect(answered, 'the feed does not answer while a numbered transaction is still committing').toBe(false);

      await holder.query('SELECT pg_advisory_unlock($1)', [STALL_LOCK]);
      await committingOne;
      const after = received(await page);
      expect(after.map((node) => node.record.id), 'A (numbered first) then B').toEqual([first, second]);
      expect(BigInt(after[0].sequence)).toBe(BigInt(taken));
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await closeClients([holder, one, two]);
    }
  });
});
