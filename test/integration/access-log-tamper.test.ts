import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH, type CanonicalEventFields } from '../../src/modules/access-log/chain.js';
import { queryRows } from '../../src/db/rows.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC L3: the access log is append-only and tamper-evident. Events are appended through real requests; the
 * database refuses UPDATE, DELETE and TRUNCATE from the application's connection; with the triggers bypassed
 * (`session_replication_role = replica`, as a superuser could), every kind of tampering is detected by
 * `verifyAccessLog` and located at the first broken sequence.
 *
 * One database per file: a pristine copy of the log is kept in `access_events_pristine` and restored before
 * every tampering case, so the cases do not depend on each other.
 */

const LOOKUPS = 30;
/** Lookup i (1-based) is sequence i; lookup 30 lands in the DEFAULT partition (no yearly partition for 2035). */
const lookupTime = (i: number) =>
  i === LOOKUPS ? new Date('2035-01-01T00:00:00.500Z') : new Date(Date.UTC(2026, 5, 1, 2, i, 0, i * 37));
const VERIFY_TIME = new Date('2035-01-02T00:00:00Z');
const isDepartmentLookup = (i: number) => i % 3 === 0;
const DEPARTMENT_ACTOR = 'officer|𠮷';

const SUBJECT_QUERY = `query($code: String!, $p: PurposeInput) {
  subject(code: $code, purpose: $p) { code view records(first: 20) { edges { node { id } } } }
}`;
const VERIFY_QUERY = `query($from: DateTime, $to: DateTime) {
  verifyAccessLog(from: $from, to: $to) { valid checked firstBrokenSequence fromSequence toSequence headHash }
}`;

interface Verification {
  valid: boolean;
  checked: number;
  firstBrokenSequence: number | null;
  fromSequence: number | null;
  toSequence: number | null;
  headHash: string | null;
}

interface StoredEvent {
  sequence: number;
  /** record ids are always an array here (the column is NOT NULL), joined by ',' */
  fields: CanonicalEventFields;
  prevHash: string;
  hash: string;
}

/** `at` as PostgreSQL's microseconds since the epoch → the canonical UTC text, computed here, not by to_char. */
function canonicalInstant(epochMicros: string): string {
  const micros = BigInt(epochMicros);
  const iso = new Date(Number(micros / 1000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(micros % 1_000_000n).padStart(6, '0')}Z`;
}

function errorChain(error: unknown): { code?: string; message?: string }[] {
  const chain: { code?: string; message?: string }[] = [];
  let current = error as { code?: string; message?: string; cause?: unknown } | undefined;
  while (current && chain.length < 5) {
    chain.push(current);
    current = current.cause as typeof current;
  }
  return chain;
}

describe.each(testDatabaseKinds())('L3 access-log tamper evidence on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let auditor: string;
  const subjects: SubjectFixture[] = [];

  const db = () => database.db;

  async function verify(range: { from?: Date; to?: Date } = {}): Promise<Verification> {
    gw.clock.now = VERIFY_TIME;
    const response = await gw.request(VERIFY_QUERY, {
      token: auditor,
      variables: { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null },
    });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.verifyAccessLog as Verification;
  }

  async function storedEvents(table = 'access_events'): Promise<StoredEvent[]> {
    const rows = await queryRows<Record<string, unknown>>(db(), sql`
      SELECT sequence::text AS sequence, (extract(epoch FROM at) * 1000000)::bigint::text AS at_micros, request_id, actor,
        role, org_code, view, purpose_kind, purpose_reference, grant_id, subject_code, to_json(record_ids) AS record_ids,
        operation_name, prev_hash, hash
      FROM ${sql.identifier(table)} e ORDER BY e.sequence, e.at`);
    return rows.map((row) => {
      const ids = (typeof row.record_ids === 'string' ? JSON.parse(row.record_ids) : row.record_ids) as string[];
      const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
      return {
        sequence: Number(row.sequence),
        prevHash: String(row.prev_hash),
        hash: String(row.hash),
        fields: {
          sequence: String(row.sequence),
          at: canonicalInstant(String(row.at_micros)),
          requestId: text(row.request_id),
          actor: text(row.actor),
          role: text(row.role),
          orgCode: text(row.org_code),
          view: text(row.view),
          purposeKind: text(row.purpose_kind),
          purposeReference: text(row.purpose_reference),
          grantId: text(row.grant_id),
          subjectCode: text(row.subject_code),
          recordIds: ids,
          operationName: text(row.operation_name),
          prevHash: text(row.prev_hash),
        },
      };
    });
  }

  async function eventCount(): Promise<number> {
    const rows = await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM access_events`);
    return Number(rows[0].n);
  }

  /** Runs statements with the append-only triggers bypassed (superuser), in one transaction on one connection. */
  async function tamper(...statements: SQL[]): Promise<void> {
    await db().transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      for (const statement of statements) await tx.execute(statement);
    });
    const role = await queryRows<{ role: string }>(db(), sql`SELECT current_setting('session_replication_role') AS role`);
    expect(role[0].role).toBe('origin');
  }

  async function restorePristine(): Promise<void> {
    await tamper(sql`DELETE FROM access_events`, sql`INSERT INTO access_events SELECT * FROM access_events_pristine`);
    expect(await eventCount()).toBe(LOOKUPS);
  }

  async function expectRefused(statement: SQL): Promise<void> {
    const error = await db().execute(statement).then(() => null, (caught: unknown) => caught);
    expect(error, 'the database accepted the statement').not.toBeNull();
    const chain = errorChain(error);
    expect(chain.map((e) => e.code)).toContain('42501');
    expect(chain.map((e) => e.message ?? '').join('\n')).toMatch(/append-only/);
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database, { now: lookupTime(1) });
    const department = await createOrganization(db(), 'DEPARTMENT');
    auditor = tokens.auditor(await createOrganization(db(), 'AUDIT_OFFICE'));
    const departmentToken = tokens.department(department, DEPARTMENT_ACTOR);
    for (let i = 1; i <= LOOKUPS; i += 1) {
      const subject = await createSubject(db(), department, 'ENTERPRISE', { name: `链测试${String(i).padStart(2, '0')}有限公司` });
      await createRecord(db(), subject, department, { type: 'license' });
      await createRecord(db(), subject, department, { type: 'honor' });
      await createRecord(db(), subject, department, { type: 'tax-rating' }); // SHARED: departments only
      subjects.push(subject);
    }
    for (let i = 1; i <= LOOKUPS; i += 1) {
      gw.clock.now = lookupTime(i);
      const department = isDepartmentLookup(i);
      const response = await gw.request(SUBJECT_QUERY, {
        token: department ? departmentToken : undefined,
        variables: { code: subjects[i - 1].code, p: department ? { kind: 'LICENSING', reference: `韶𠮷审-${i}` } : null },
      });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.subject.code).toBe(subjects[i - 1].code);
    }
    await db().execute(sql`CREATE TABLE access_events_pristine AS SELECT * FROM access_events`);
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  describe('an untouched log', () => {
    it('L3: each lookup appended one event, sequences 1..N in time order, each linked to the one before', async () => {
      const events = await storedEvents();
      expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: LOOKUPS }, (_, i) => i + 1));
      expect(events.map((e) => e.fields.subjectCode)).toEqual(subjects.map((s) => s.code));
      expect(events.map((e) => e.fields.at)).toEqual(
        Array.from({ length: LOOKUPS }, (_, i) => lookupTime(i + 1).toISOString().replace('Z', '000Z')),
      );
      expect(events[0].prevHash).toBe(GENESIS_HASH);
      for (let i = 1; i < events.length; i += 1) expect(events[i].prevHash).toBe(events[i - 1].hash);
      // the department events carry the awkward characters the canonical form must count like PostgreSQL
      expect(events[2].fields).toMatchObject({ actor: DEPARTMENT_ACTOR, view: 'DEPARTMENT', purposeReference: '韶𠮷审-3' });
      expect(events[2].fields.recordIds).toHaveLength(3);
      expect(events[0].fields).toMatchObject({ actor: null, view: 'PUBLIC', purposeReference: null });
      expect(events[0].fields.recordIds).toHaveLength(2);
    });

    it("L3: the SQL function's hash of every row equals chainHash recomputed in TypeScript", async () => {
      const events = await storedEvents();
      expect(events).toHaveLength(LOOKUPS);
      for (const event of events) expect(chainHash(event.prevHash, event.fields), `sequence ${event.sequence}`).toBe(event.hash);
    });

    it('L3: verifyAccessLog (auditor) is valid and checks every event, its own included', async () => {
      await restorePristine();
      const result = await verify();
      const count = await eventCount();
      expect(count).toBe(LOOKUPS + 1);
      expect(result).toMatchObject({ valid: true, checked: count, firstBrokenSequence: null, fromSequence: 1, toSequence: count });
      const events = await storedEvents();
      expect(result.headHash).toBe(events[events.length - 1].hash);
      expect(events[events.length - 1].fields).toMatchObject({ role: 'auditor', subjectCode: null, view: null, operationName: 'verifyAccessLog' });
      expect(chainHash(events[events.length - 1].prevHash, events[events.length - 1].fields)).toBe(events[events.length - 1].hash);
    });

    it('L3: verifyAccessLog over a sub-range checks only the events in it', async () => {
      await restorePristine();
      const result = await verify({ from: lookupTime(11), to: lookupTime(20) });
      expect(result).toMatchObject({ valid: true, checked: 10, firstBrokenSequence: null, fromSequence: 11, toSequence: 20 });
      expect(result.headHash).toBe((await storedEvents())[19].hash);
    });
  });

  describe("the application's connection cannot change events", () => {
    it.each([
      ['UPDATE access_events', sql`UPDATE access_events SET subject_code = 'X' WHERE sequence = 3`],
      ['DELETE FROM access_events', sql`DELETE FROM access_events WHERE sequence = 3`],
      ['DELETE FROM access_events (all rows)', sql`DELETE FROM access_events`],
      ['TRUNCATE access_events', sql`TRUNCATE access_events`],
      ['UPDATE access_events_y2026', sql`UPDATE access_events_y2026 SET hash = repeat('f', 64) WHERE sequence = 4`],
      ['UPDATE moving a row out of its partition', sql`UPDATE access_events SET at = '2031-01-01T00:00:00Z' WHERE sequence = 4`],
      ['DELETE FROM access_events_y2026', sql`DELETE FROM access_events_y2026 WHERE sequence = 4`],
      ['TRUNCATE access_events_y2026', sql`TRUNCATE access_events_y2026`],
      ['UPDATE access_events_default', sql`UPDATE access_events_default SET actor = 'x'`],
      ['DELETE FROM access_events_default', sql`DELETE FROM access_events_default`],
      ['TRUNCATE access_events_default', sql`TRUNCATE access_events_default`],
      ['TRUNCATE an empty yearly partition', sql`TRUNCATE access_events_y2031`],
    ])('L3: %s is refused by the database', async (_name, statement) => {
      await restorePristine();
      const before = await storedEvents();
      expect(before.filter((e) => e.fields.at.startsWith('2035'))).toHaveLength(1); // the DEFAULT partition holds one
      await expectRefused(statement);
      expect(await storedEvents()).toEqual(before);
      expect(await verify()).toMatchObject({ valid: true, checked: LOOKUPS + 1, firstBrokenSequence: null });
    });
  });

  describe('tampering with the triggers bypassed is detected and located', () => {
    it.each([
      ['subject_code', 7, sql`UPDATE access_events SET subject_code = '91440200MA4UTFORGED' WHERE sequence = 7`],
      ['record_ids (one id dropped)', 12, sql`UPDATE access_events SET record_ids = record_ids[1:1] WHERE sequence = 12`],
      ['record_ids (one id replaced)', 13, sql`UPDATE access_events SET record_ids[2] = '00000000-0000-0000-0000-000000000000' WHERE sequence = 13`],
      ['actor', 9, sql`UPDATE access_events SET actor = 'someone-else' WHERE sequence = 9`],
      ['org_code', 18, sql`UPDATE access_events SET org_code = NULL WHERE sequence = 18`],
      ['view (department look disguised as public)', 24, sql`UPDATE access_events SET view = 'PUBLIC' WHERE sequence = 24`],
      ['purpose_reference', 21, sql`UPDATE access_events SET purpose_reference = 'QC-other' WHERE sequence = 21`],
      ['purpose_kind', 27, sql`UPDATE access_events SET purpose_kind = 'SUPERVISION' WHERE sequence = 27`],
      ['grant_id (NULL → empty string)', 4, sql`UPDATE access_events SET grant_id = '' WHERE sequence = 4`],
      ['request_id', 2, sql`UPDATE access_events SET request_id = 'forged' WHERE sequence = 2`],
      ['operation_name of the first event', 1, sql`UPDATE access_events SET operation_name = 'searchSubjects' WHERE sequence = 1`],
      ['role', 5, sql`UPDATE access_events SET role = 'auditor' WHERE sequence = 5`],
      ['prev_hash', 16, sql`UPDATE access_events SET prev_hash = repeat('0', 64) WHERE sequence = 16`],
      ['hash', 14, sql`UPDATE access_events SET hash = repeat('f', 64) WHERE sequence = 14`],
      ['at (one second later)', 15, sql`UPDATE access_events SET at = at + interval '1 second' WHERE sequence = 15`],
      ['at (one microsecond later)', 17, sql`UPDATE access_events SET at = at + interval '1 microsecond' WHERE sequence = 17`],
      ['at (moved into another partition)', 19, sql`UPDATE access_events SET at = '2031-03-01T00:00:00Z' WHERE sequence = 19`],
      ['sequence (renumbered)', 20, sql`UPDATE access_events SET sequence = 1020 WHERE sequence = 20`],
    ])('L3: editing %s of event k is located at k', async (_column, k, statement) => {
      await restorePristine();
      await tamper(statement);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: k });
    });

    it('L3: record_ids {a,b} rewritten as the single id {"a,b"} is detected at that event', async () => {
      // the canonical form joins the array with ',' — the same text for a different array value
      await restorePristine();
      await tamper(sql`UPDATE access_events SET record_ids = ARRAY[array_to_string(record_ids, ',')] WHERE sequence = 11`);
      const edited = (await storedEvents()).find((e) => e.sequence === 11)!;
      expect(edited.fields.recordIds).toHaveLength(1);
      const stored = await queryRows<{ n: number }>(db(), sql`SELECT cardinality(record_ids) AS n FROM access_events WHERE sequence = 11`);
      expect(Number(stored[0].n)).toBe(1);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 11 });
    });

    it('L3: deleting a middle event is located at its sequence', async () => {
      await restorePristine();
      await tamper(sql`DELETE FROM access_events WHERE sequence = 10`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 10 });
    });

    it('L3: deleting the first event is located at 1', async () => {
      await restorePristine();
      await tamper(sql`DELETE FROM access_events WHERE sequence = 1`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 1 });
    });

    it('L3: deleting an event from the DEFAULT partition is located at its sequence', async () => {
      await restorePristine();
      // verify first so that the deleted event is not the head (a later event links to it)
      await verify();
      await tamper(sql`DELETE FROM access_events_default WHERE sequence = ${LOOKUPS}`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: LOOKUPS });
    });

    it("L3: swapping two events' contents (reordering them) is located at the earlier one", async () => {
      await restorePristine();
      await tamper(sql`
        UPDATE access_events a SET at = b.at, request_id = b.request_id, actor = b.actor, role = b.role,
          org_code = b.org_code, view = b.view, purpose_kind = b.purpose_kind, purpose_reference = b.purpose_reference,
          grant_id = b.grant_id, subject_code = b.subject_code, record_ids = b.record_ids,
          operation_name = b.operation_name, prev_hash = b.prev_hash, hash = b.hash
        FROM access_events_pristine b
        WHERE a.sequence IN (6, 22) AND b.sequence = CASE a.sequence WHEN 6 THEN 22 ELSE 6 END`);
      const events = await storedEvents();
      expect(events.find((e) => e.sequence === 6)!.fields.subjectCode).toBe(subjects[21].code);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 6 });
    });

    it('L3: swapping the sequence numbers of two events (contents kept) is located at the earlier one', async () => {
      await restorePristine();
      await tamper(sql`UPDATE access_events SET sequence = CASE sequence WHEN 8 THEN 23 ELSE 8 END WHERE sequence IN (8, 23)`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 8 });
    });

    it('L3: a forged event appended at the end with a wrong hash is located at its sequence', async () => {
      await restorePristine();
      // INSERT is not refused (appending is the point); the chain catches a forgery
      await db().execute(sql`
        INSERT INTO access_events (sequence, at, request_id, actor, role, org_code, view, purpose_kind, purpose_reference,
          grant_id, subject_code, record_ids, operation_name, prev_hash, hash)
        SELECT sequence + 1, at + interval '1 second', 'forged', NULL, 'public', NULL, 'PUBLIC', NULL, NULL, NULL,
          ${subjects[0].code}, ARRAY[]::text[], 'subject', hash, repeat('a', 64)
        FROM access_events WHERE sequence = ${LOOKUPS}`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: LOOKUPS + 1 });
    });

    it('L3: a forged duplicate of a sequence number inserted beside the original is located at that sequence', async () => {
      await restorePristine();
      await db().execute(sql`
        INSERT INTO access_events SELECT sequence, at + interval '1 millisecond', 'forged', actor, role, org_code, view,
          purpose_kind, purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash, hash
        FROM access_events WHERE sequence = 14`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 14 });
    });
  });

  describe('a time range (from, to) is verified with its link to the event before it', () => {
    const range = { from: lookupTime(11), to: lookupTime(20) };

    it('L3: deleting the first event of the range is located when verifying that range', async () => {
      await restorePristine();
      await tamper(sql`DELETE FROM access_events WHERE sequence = 11`);
      expect(await verify(range)).toMatchObject({ valid: false, firstBrokenSequence: 11 });
    });

    it('L3: deleting the event just before the range is located when verifying that range', async () => {
      await restorePristine();
      await tamper(sql`DELETE FROM access_events WHERE sequence = 10`);
      expect(await verify(range)).toMatchObject({ valid: false, firstBrokenSequence: 10 });
    });

    it("L3: a forged hash on the event before the range breaks the range's first link", async () => {
      await restorePristine();
      await tamper(sql`UPDATE access_events SET hash = repeat('f', 64) WHERE sequence = 10`);
      expect(await verify(range)).toMatchObject({ valid: false, firstBrokenSequence: 11 });
    });

    it('L3: an edit inside the range is located; an edit after it is outside what the range checks', async () => {
      await restorePristine();
      await tamper(sql`UPDATE access_events SET subject_code = 'X' WHERE sequence = 25`);
      expect(await verify(range)).toMatchObject({ valid: true, checked: 10, firstBrokenSequence: null, fromSequence: 11, toSequence: 20 });
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 25 });
      await tamper(sql`UPDATE access_events SET subject_code = 'X' WHERE sequence = 17`);
      expect(await verify(range)).toMatchObject({ valid: false, firstBrokenSequence: 17 });
    });
  });
});
