import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { accessChainAppendSql, appendEvents, loadChainSegment, type NewAccessEvent } from '../../src/modules/access-log/access-log.repository.js';
import { GENESIS_HASH, verifySegment } from '../../src/modules/access-log/chain.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';

/**
 * SPEC L3, issue 18 (migration 0018): the chain's head lives in `access_chain_head`, moved by append_access_events and
 * by a read that stores its own event in its own statement (accessChainAppendSql, no PL/pgSQL). Both ways, one after
 * the other and at the same time from several connections, must leave one gap-free chain that chain.ts recomputes,
 * with the head row on its newest event.
 */

let counter = 0;
function event(overrides: Partial<NewAccessEvent> = {}): NewAccessEvent {
  counter += 1;
  return {
    at: new Date(Date.UTC(2026, 5, 1, 8, 0, 0, counter)).toISOString(), requestId: `head-${counter}`, actor: 'officer-1',
    role: 'department', orgCode: 'GOV001', view: 'DEPARTMENT', purposeKind: 'LICENSING', purposeReference: 'REF-1', grantId: null,
    subjectCode: `91440200MA${String(counter).padStart(8, '0')}`, recordIds: [String(1000 + counter), String(2000 + counter)],
    operationName: 'subject', ...overrides,
  };
}

/** accessChainAppendSql as a read uses it: a one-row source CTE with the event; answers the stored sequence. */
const foldedAppend = (stored: NewAccessEvent, when = true) => sql`
  WITH source AS (SELECT ${JSON.stringify(stored)}::jsonb AS event WHERE ${when}), ${accessChainAppendSql('source')}
  SELECT (SELECT sequence FROM appended) AS sequence`;

async function chainState(db: TestDatabase['db']) {
  const [bounds] = await queryRows<{ n: number; last: string | null }>(db, sql`SELECT count(*)::int AS n, max(sequence)::text AS last FROM access_events`);
  const [head] = await queryRows<{ sequence: string; hash: string; prev_hash: string }>(db, sql`SELECT sequence::text AS sequence, hash, prev_hash FROM access_chain_head`);
  const last = Number(bounds.last ?? 0);
  const segment = last ? verifySegment(await loadChainSegment(db, 1, last), 1, GENESIS_HASH) : { checked: 0, firstBroken: null, lastHash: GENESIS_HASH };
  return { count: Number(bounds.n), last, head, segment };
}

describe.each(testDatabaseKinds())('L3 the chain head row (migration 0018) on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('L3, issue 18: a read\'s own append and append_access_events, in turn, form one chain that chain.ts recomputes; the head row holds the newest event; a source with no row stores nothing', async () => {
    const before = await chainState(database.db);
    expect(before.segment.firstBroken).toBeNull();
    const folded = await queryRows<{ sequence: string }>(database.db, foldedAppend(event()));
    expect(Number(folded[0].sequence)).toBe(before.last + 1);
    await appendEvents(database.db, [event(), event({ recordIds: [] })]);
    await queryRows(database.db, foldedAppend(event({ actor: null, role: 'public', orgCode: null, view: 'PUBLIC', purposeKind: null, purposeReference: null })));
    const none = await queryRows<{ sequence: string | null }>(database.db, foldedAppend(event(), false));
    expect(none[0].sequence).toBeNull();
    await appendEvents(database.db, [event()]);
    const after = await chainState(database.db);
    expect(after.count).toBe(before.count + 5);
    expect(after.last).toBe(before.last + 5);
    expect(after.segment).toMatchObject({ checked: after.last, firstBroken: null });
    expect(after.head.sequence).toBe(String(after.last));
    expect(after.head.hash).toBe(after.segment.lastHash);
    const [newest] = await queryRows<{ prev_hash: string }>(database.db, sql`SELECT prev_hash FROM access_events WHERE sequence = ${after.last}`);
    expect(after.head.prev_hash).toBe(newest.prev_hash);
  });

  it('L3, issue 18: the newest events deleted with the triggers bypassed and the head row left as it was — the next append chains on from the head, and the chain names the gap from the first deleted sequence', async () => {
    await appendEvents(database.db, [event(), event(), event()]);
    const before = await chainState(database.db);
    expect(before.segment.firstBroken).toBeNull();
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      await tx.execute(sql`DELETE FROM access_events WHERE sequence > ${before.last - 2}`);
    });
    await queryRows(database.db, foldedAppend(event()));
    const after = await chainState(database.db);
    expect(after.last).toBe(before.last + 1);
    expect(after.segment.firstBroken).toBe(before.last - 1);
    // what a tamperer with the same rights would do next: the head read again from the events left, and the chain
    // whole once more (only a signed checkpoint tells then: access-log-checkpoints.test.ts)
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      await tx.execute(sql`DELETE FROM access_events WHERE sequence > ${before.last - 2}`);
      await tx.execute(sql`SELECT reset_access_chain_head()`);
    });
    await appendEvents(database.db, [event()]);
    const repaired = await chainState(database.db);
    expect(repaired.last).toBe(before.last - 1);
    expect(repaired.segment).toMatchObject({ checked: repaired.last, firstBroken: null });
  });

  it.skipIf(kind !== 'postgres')('L3, issue 18: eight connections appending both ways at once (a read\'s own append, single events and groups through the function) leave one gap-free chain', async () => {
    const before = await chainState(database.db);
    const pool = new pg.Pool({ connectionString: database.url, max: 8 });
    // closing the test database ends the pool's last connections from the server side: not this test's error
    pool.on('error', () => undefined);
    try {
      const work: Promise<unknown>[] = [];
      let expected = 0;
      for (let i = 0; i < 240; i += 1) {
        if (i % 3 === 0) {
          const folded = foldedAppend(event());
          const query = new PgDialect().sqlToQuery(folded);
          work.push(pool.query(query.sql, query.params));
          expected += 1;
        } else {
          const events = i % 3 === 1 ? [event()] : [event(), event(), event()];
          work.push(pool.query('SELECT * FROM append_access_events($1::jsonb)', [JSON.stringify(events)]));
          expected += events.length;
        }
      }
      await Promise.all(work);
      const after = await chainState(database.db);
      expect(after.count).toBe(before.count + expected);
      expect(after.last).toBe(before.last + expected);
      expect(after.segment).toMatchObject({ checked: after.last, firstBroken: null });
      expect(after.head.sequence).toBe(String(after.last));
      expect(after.head.hash).toBe(after.segment.lastHash);
    } finally {
      await pool.end();
    }
  });
});
