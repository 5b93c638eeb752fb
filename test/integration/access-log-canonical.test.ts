import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { appendEvents, type NewAccessEvent } from '../../src/modules/access-log/access-log.repository.js';
import { MAX_EVENTS_PER_APPEND } from '../../src/modules/access-log/access-log.writer.js';
import { canonicalEvent, chainHash, GENESIS_HASH, type CanonicalEventFields } from '../../src/modules/access-log/chain.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { migrationFunction } from '../support/migration-sql.js';

/**
 * SPEC L3, after migration 0015 rewrote `access_event_canonical` in PL/pgSQL and `append_access_events` to read its
 * events with jsonb_to_recordset, and 0017 made the append one INSERT for all its events (issue 18: the append's
 * PostgreSQL time per event): the database and the
 * application (src/modules/access-log/chain.ts) must still agree on every canonical text and hash, or
 * verifyAccessLog would call a sound log broken — and the new text must be the old one, byte for byte, or every chain
 * written before the migration would stop verifying. Property-based, with the characters that could confuse either
 * side: the separators `|`, `,`, `:` and `#`, the NULL mark `-`, array-literal syntax, characters outside the BMP.
 */

const PIECES = ['a', 'Z', '0', '9', '|', ',', ':', '#', '-', '{', '}', '"', '\\', ' ', '\n', "'", 'NULL', '案', '韶关', '𠮷', '😀', 'é'];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((pieces) => pieces.join(''));
const maybe = fc.option(text, { nil: null });
/** instants 2019–2036: inside and outside the yearly partitions (2020–2032 and the DEFAULT one) */
const instant = fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2036, 11, 31) }).map((ms) => new Date(ms).toISOString());

const newEvent: fc.Arbitrary<NewAccessEvent> = fc.record({
  at: instant,
  requestId: text,
  actor: maybe,
  role: text,
  orgCode: maybe,
  view: maybe,
  purposeKind: maybe,
  purposeReference: maybe,
  grantId: maybe,
  subjectCode: maybe,
  recordIds: fc.array(text, { maxLength: 5 }),
  operationName: maybe,
});

/** the canonical instant: ISO with microseconds (milliseconds here, so the last three digits are 0) */
const microsecondText = (iso: string) => `${iso.slice(0, 23)}000Z`;

const fieldsOf = (event: NewAccessEvent, sequence: number, prevHash: string | null, recordIds: readonly (string | null)[] = event.recordIds): CanonicalEventFields => ({
  sequence: String(sequence),
  at: microsecondText(event.at),
  requestId: event.requestId,
  actor: event.actor,
  role: event.role,
  orgCode: event.orgCode,
  view: event.view,
  purposeKind: event.purposeKind,
  purposeReference: event.purposeReference,
  grantId: event.grantId,
  subjectCode: event.subjectCode,
  recordIds,
  operationName: event.operationName,
  prevHash,
});

describe.each(testDatabaseKinds())('L3 canonical events, database and application, on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('L3: access_event_canonical gives the text chain.ts gives, for any event (NULL fields and NULL or empty record ids included)', async () => {
    const recordIds = fc.oneof(fc.constant(null), fc.array(fc.option(text, { nil: null }), { maxLength: 5 }));
    await fc.assert(fc.asyncProperty(newEvent, fc.integer({ min: 1, max: 2 ** 40 }), fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }), recordIds,
      async (event, sequence, prevHash, ids) => {
        const rows = await queryRows<{ canonical: string }>(database.db, sql`
          SELECT access_event_canonical(${sequence}::bigint, ${event.at}::timestamptz, ${event.requestId}, ${event.actor},
            ${event.role}, ${event.orgCode}, ${event.view}, ${event.purposeKind}, ${event.purposeReference}, ${event.grantId},
            ${event.subjectCode},
            CASE WHEN ${JSON.stringify(ids)}::jsonb = 'null'::jsonb THEN NULL::text[]
              ELSE ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) END,
            ${event.operationName}, ${prevHash}) AS canonical`);
        // a NULL array and an empty one both count 0 elements
        expect(rows[0].canonical).toBe(canonicalEvent(fieldsOf(event, sequence, prevHash, ids ?? [])));
      }), { numRuns: 150 });
  });

  it('L3: the canonical text of migration 0015 is 0003\'s, byte for byte (microsecond instants, NULL and empty arrays, NULL ids, 1,500 ids)', async () => {
    // 0003's function, as it was, beside the current one (this database is the test's own)
    await database.db.execute(sql.raw(await migrationFunction('0003_access_log.sql', 'access_event_canonical', 'access_event_canonical_0003')));
    const micros = fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0'));
    const recordIds = fc.oneof(fc.constant(null), fc.array(fc.option(text, { nil: null }), { maxLength: 6 }));
    const compare = async (event: NewAccessEvent, at: string, sequence: number, prevHash: string | null, ids: (string | null)[] | null) => {
      const rows = await queryRows<{ now: string; then: string }>(database.db, sql`
        WITH a AS (SELECT ${sequence}::bigint AS seq, ${at}::timestamptz AS at, CASE WHEN ${JSON.stringify(ids)}::jsonb = 'null'::jsonb
          THEN NULL::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) END AS ids)
        SELECT access_event_canonical(a.seq, a.at, ${event.requestId}, ${event.actor}, ${event.role}, ${event.orgCode}, ${event.view},
            ${event.purposeKind}, ${event.purposeReference}, ${event.grantId}, ${event.subjectCode}, a.ids, ${event.operationName}, ${prevHash}) AS now,
          access_event_canonical_0003(a.seq, a.at, ${event.requestId}, ${event.actor}, ${event.role}, ${event.orgCode}, ${event.view},
            ${event.purposeKind}, ${event.purposeReference}, ${event.grantId}, ${event.subjectCode}, a.ids, ${event.operationName}, ${prevHash}) AS then
        FROM a`);
      expect(rows[0].now).toBe(rows[0].then);
    };
    await fc.assert(fc.asyncProperty(newEvent, micros, fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }), recordIds,
      async (event, fraction, sequence, prevHash, ids) => compare(event, `${event.at.slice(0, 19)}.${fraction}Z`, sequence, prevHash, ids)), { numRuns: 150 });
    // an export page names up to 1,000 records in one event
    const many = Array.from({ length: 1500 }, (_, i) => `0192f0c4-7a3b-7c10-8000-${String(i).padStart(12, '0')}`);
    await compare(fc.sample(newEvent, { numRuns: 1, seed: 7 })[0], '2026-06-01T04:00:00.123456Z', 42, null, many);
  });

  it('L3: append_access_events refuses record ids nested in lists (chain.ts could not recompute their text) and stores nothing — one event alone, or the second of three (0017\'s one INSERT: none of the three)', async () => {
    const plain = { at: '2026-06-01T00:00:00.000Z', requestId: 'plain', role: 'public', recordIds: ['a'] };
    const nested = { ...plain, requestId: 'nested', recordIds: [['a', 'b'], ['c', 'd']] };
    for (const batch of [[nested], [plain, nested, plain]]) {
      const [before] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM access_events`);
      await expect(database.db.execute(sql`SELECT * FROM append_access_events(${JSON.stringify(batch)}::jsonb)`)).rejects.toThrow();
      const [after] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM access_events`);
      expect(after.n).toBe(before.n);
    }
  });

  it('L3: append_access_events (one INSERT since migration 0017) stores one event (inserted alone), 25, and a batch as large as the writer sends (2,000 events) in chain order from the head, and answers each event\'s sequence and hash as stored; an empty list appends nothing', async () => {
    const count = async () => (await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM access_events`))[0].n;
    const before = await count();
    expect(await queryRows(database.db, sql`SELECT * FROM append_access_events('[]'::jsonb)`)).toEqual([]);
    expect(await count()).toBe(before);
    for (const size of [1, 25, MAX_EVENTS_PER_APPEND]) {
      const [head] = await queryRows<{ sequence: string | null; hash: string | null }>(database.db,
        sql`SELECT e.sequence::text AS sequence, e.hash FROM access_events e ORDER BY e.sequence DESC LIMIT 1`);
      const events = fc.sample(newEvent, { numRuns: size, seed: size });
      const answered = await queryRows<{ sequence: string; hash: string }>(database.db,
        sql`SELECT appended_sequence::text AS sequence, appended_hash AS hash FROM append_access_events(${JSON.stringify(events)}::jsonb)`);
      const stored = await queryRows<{ sequence: string; hash: string; prev_hash: string; request_id: string }>(database.db,
        sql`SELECT e.sequence::text AS sequence, e.hash, e.prev_hash, e.request_id FROM access_events e
          WHERE e.sequence > ${Number(head?.sequence ?? 0)} ORDER BY e.sequence`);
      expect(stored).toHaveLength(size);
      expect(answered).toEqual(stored.map(({ sequence, hash }) => ({ sequence, hash })));
      // each row is its event, in the list's order, chained from the head by the hash chain.ts computes
      let prev = head?.hash ?? GENESIS_HASH;
      events.forEach((event, i) => {
        const sequence = Number(head?.sequence ?? 0) + i + 1;
        expect(stored[i].sequence).toBe(String(sequence));
        expect(stored[i].request_id).toBe(event.requestId);
        expect(stored[i].prev_hash).toBe(prev);
        expect(stored[i].hash).toBe(chainHash(prev, fieldsOf(event, sequence, prev)));
        prev = stored[i].hash;
      });
    }
  });

  it('L3: append_access_events stores every field as sent and chains each event by the hash chain.ts computes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(newEvent, { minLength: 1, maxLength: 8 }), async (events) => {
      const [head] = await queryRows<{ sequence: string | null; hash: string | null }>(database.db,
        sql`SELECT max(sequence)::text AS sequence, (SELECT hash FROM access_events ORDER BY sequence DESC LIMIT 1) AS hash FROM access_events`);
      await appendEvents(database.db, events);
      const stored = await queryRows<Record<string, unknown>>(database.db, sql`
        SELECT sequence::text AS sequence, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, request_id,
          actor, role, org_code, view, purpose_kind, purpose_reference, grant_id, subject_code,
          to_json(record_ids)::text AS record_ids, operation_name, prev_hash, hash
        FROM access_events e WHERE e.sequence > ${Number(head.sequence ?? 0)} ORDER BY e.sequence`);
      expect(stored).toHaveLength(events.length);
      let prev = head.hash ?? GENESIS_HASH;
      events.forEach((event, i) => {
        const row = stored[i];
        const sequence = Number(head.sequence ?? 0) + i + 1;
        expect({
          sequence: row.sequence, at: row.at, requestId: row.request_id, actor: row.actor, role: row.role, orgCode: row.org_code,
          view: row.view, purposeKind: row.purpose_kind, purposeReference: row.purpose_reference, grantId: row.grant_id,
          subjectCode: row.subject_code, recordIds: JSON.parse(String(row.record_ids)), operationName: row.operation_name,
        }).toEqual({ ...event, sequence: String(sequence) });
        expect(row.prev_hash).toBe(prev);
        expect(row.hash).toBe(chainHash(prev, fieldsOf(event, sequence, prev)));
        prev = String(row.hash);
      });
    }), { numRuns: 40 });
  });
});
