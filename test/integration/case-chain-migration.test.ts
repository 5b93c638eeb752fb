import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.js';
import { queryRows } from '../../src/db/rows.js';
import { testDatabaseKinds } from '../support/db.js';
import { caseChainHash, GENESIS_HASH, type CanonicalCaseEventFields } from '../../src/modules/access-log/chain.js';

/**
 * L6 on a platform that already has case events: migration 0011 chains the events written before it, in sequence
 * order, with the same canonical form the trigger uses afterwards (recomputed here in TypeScript). PGlite: the
 * migration's SQL is the same on PostgreSQL, and the PostgreSQL suites apply it to every fresh database.
 */

async function migrateWith(database: Database, folder: string) {
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  await migrate(database.db as never, { migrationsFolder: folder });
}

describe.skipIf(!testDatabaseKinds().includes('pglite'))('L6 migration 0011 chains existing case events', () => {
  let database: Database;
  let before: string;

  beforeAll(async () => {
    // the migrations as they were before 0011: the same folder, the journal cut there
    before = await mkdtemp(path.join(os.tmpdir(), 'cqg-migrations-'));
    await cp(MIGRATIONS_FOLDER, before, { recursive: true });
    const journalFile = path.join(before, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalFile, 'utf8'));
    journal.entries = journal.entries.filter((entry: { tag: string }) => entry.tag < '0011');
    await writeFile(journalFile, JSON.stringify(journal));
    database = await openDatabase({ pgliteDir: 'memory://' });
    await migrateWith(database, before);
  });

  afterAll(async () => {
    await database?.close();
    await rm(before, { recursive: true, force: true });
  });

  it('L6: events written before the migration are numbered 1..n (gaps closed) and get prev_hash and hash in order; the trigger continues the same chain', async () => {
    const columns = await queryRows<{ name: string }>(database.db, sql`
      SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'case_events' AND column_name IN ('prev_hash', 'hash')`);
    expect(columns).toEqual([]);
    // a gap in the old numbers, as a bigserial leaves after a rolled-back insert or a crash
    await database.db.execute(sql`SELECT setval(pg_get_serial_sequence('case_events', 'sequence'), 40)`);
    for (let i = 0; i < 5; i += 1) {
      if (i === 2) await database.db.execute(sql`SELECT setval(pg_get_serial_sequence('case_events', 'sequence'), 90)`);
      await database.db.execute(sql`
        INSERT INTO case_events (case_kind, case_id, record_id, subject_code, action, outcome, actor, role, org_code, at)
        VALUES ('OBJECTION', gen_random_uuid(), gen_random_uuid(), ${`91440200MA${i}XXXXXXX`}, ${i % 2 ? 'RESOLVED' : 'FILED'},
          ${i % 2 ? 'CORRECTED' : null}, ${i % 2 ? 'officer|𠮷' : null}, ${i % 2 ? 'department' : 'subject'}, ${i % 2 ? 'D01' : null},
          ${new Date(Date.UTC(2026, 0, 1, 0, 0, i, 123)).toISOString()}::timestamptz)`);
    }
    await migrateWith(database, MIGRATIONS_FOLDER);
    await database.db.execute(sql`
      INSERT INTO case_events (case_kind, case_id, record_id, subject_code, action, role, at)
      VALUES ('REPAIR', gen_random_uuid(), gen_random_uuid(), '91440200MA9XXXXXXX', 'APPLIED', 'subject', now())`);

    const rows = await queryRows<Record<string, unknown>>(database.db, sql`
      SELECT sequence::text AS sequence, case_kind, case_id::text AS case_id, record_id::text AS record_id, subject_code, action,
        outcome, actor, role, org_code, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, prev_hash, hash
      FROM case_events ORDER BY sequence`);
    expect(rows.map((row) => Number(row.sequence))).toEqual([1, 2, 3, 4, 5, 6]);
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const text = (value: unknown) => (value === null ? null : String(value));
      const fields: CanonicalCaseEventFields = {
        sequence: String(row.sequence), caseKind: String(row.case_kind), caseId: String(row.case_id), recordId: String(row.record_id),
        subjectCode: String(row.subject_code), action: String(row.action), outcome: text(row.outcome), actor: text(row.actor),
        role: String(row.role), orgCode: text(row.org_code), at: String(row.at), prevHash: text(row.prev_hash),
      };
      expect(row.prev_hash, `sequence ${row.sequence}`).toBe(prev);
      expect(row.hash, `sequence ${row.sequence}`).toBe(caseChainHash(prev, fields));
      prev = String(row.hash);
    }
    // and the events stay append-only after the backfill lifted the trigger for its own transaction
    const refused = await database.db.execute(sql`UPDATE case_events SET actor = 'x' WHERE sequence = 1`).then(() => null, (e: unknown) => e);
    expect(refused).not.toBeNull();
  });
});
