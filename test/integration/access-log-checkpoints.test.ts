import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { Writable } from 'node:stream';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import {
  CheckpointKeys, checkpointSettings, checkpointText, DirectoryCheckpointStore, parseCheckpoint, signedBytes, StdoutCheckpointStore,
  type CheckpointSettings,
} from '../../src/modules/access-log/checkpoints.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { FILE_OBJECTION } from '../support/objections-e2e.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC L6: signed checkpoints. The chain alone cannot show that its newest events were deleted, or rewritten and
 * rehashed, by someone who can write the database (L3's tamper test covers what the chain does show). Here the
 * gateway signs the heads of the access log and the case events with an Ed25519 key outside the database, writes
 * them to a directory, and `verifyAccessLog` compares the database with the newest one. Each attack is done the
 * way an attacker with the database's superuser would (append-only triggers bypassed) and must be detected and
 * named; the same attack against a gateway without checkpoints is shown to pass the chain check, so the test
 * proves what the checkpoint adds. Each test has a database and a checkpoint directory of its own.
 */

const LOOKUP = `query($code: String!) { subject(code: $code) { code } }`;
const SIGN = `mutation { signCheckpoint { signedAt accessSequence accessHash caseSequence caseHash keyId signature document writtenTo } }`;
const VERIFY = `query($checkpoint: String) {
  verifyAccessLog(checkpoint: $checkpoint) {
    valid checked firstBrokenSequence toSequence headHash
    caseEvents { valid checked firstBrokenSequence headHash }
    checkpoint { status signedAt keyId accessSequence caseSequence firstBrokenSequence rolledBackTo }
  }
}`;

describe.each(testDatabaseKinds())('L6 signed checkpoints on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let dir: string;
  let settings: CheckpointSettings;
  let keys: CheckpointKeys;
  let auditor: string;
  let admin: string;
  let subject: SubjectFixture;
  let recordIds: string[];
  let clockMinutes = 0;
  let departmentCode: string;

  const db = () => database.db;

  /** Moves the clock one minute on: every event and checkpoint of a test has its own instant. */
  function tick(): void {
    clockMinutes += 1;
    gw.clock.now = new Date(Date.UTC(2026, 5, 1, 4, clockMinutes));
  }

  async function lookups(n: number): Promise<void> {
    for (let i = 0; i < n; i += 1) {
      tick();
      const response = await gw.request(LOOKUP, { variables: { code: subject.code } });
      expect(response.body.errors).toBeUndefined();
    }
  }

  async function sign(token = auditor) {
    tick();
    const response = await gw.request(SIGN, { token });
    expect(response.body.errors).toBeUndefined();
    return response.body.data.signCheckpoint as {
      signedAt: string; accessSequence: number; accessHash: string; caseSequence: number | null; caseHash: string | null;
      keyId: string; signature: string; document: string; writtenTo: string;
    };
  }

  async function verifyWith(gateway: TestGateway, checkpoint?: string) {
    tick();
    gateway.clock.now = gw.clock.now;
    const response = await gateway.request(VERIFY, { token: auditor, variables: { checkpoint: checkpoint ?? null } });
    expect(response.status).toBe(200);
    return response;
  }

  async function verifyLog(checkpoint?: string) {
    const response = await verifyWith(gw, checkpoint);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.verifyAccessLog;
  }

  async function fileObjection(recordId: string): Promise<void> {
    tick();
    const response = await gw.request(FILE_OBJECTION, { token: tokens.subject(subject.code), variables: { recordId, reason: '记录有误，请核实。' } });
    expect(response.body.errors).toBeUndefined();
  }

  async function head(table: 'access_events' | 'case_events'): Promise<number> {
    const rows = await queryRows<{ n: number | null }>(db(), sql`SELECT max(sequence)::int AS n FROM ${sql.identifier(table)}`);
    return Number(rows[0].n ?? 0);
  }

  /** As a superuser could: the append-only triggers bypassed for one transaction. */
  async function tamper(...statements: SQL[]): Promise<void> {
    await db().transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      for (const statement of statements) await tx.execute(statement);
    });
  }

  /** Rewrites the access events from `from` on (another actor) and rehashes the chain over them, with the database's own function. */
  const rewriteFrom = (from: number) => sql.raw(`DO $$
    DECLARE r record; v_prev text;
    BEGIN
      SELECT hash INTO v_prev FROM access_events WHERE sequence = ${from - 1};
      FOR r IN SELECT * FROM access_events WHERE sequence >= ${from} ORDER BY sequence LOOP
        UPDATE access_events SET actor = 'rewritten', prev_hash = v_prev,
          hash = encode(sha256(convert_to(v_prev || access_event_canonical(r.sequence, r.at, r.request_id, 'rewritten', r.role,
            r.org_code, r.view, r.purpose_kind, r.purpose_reference, r.grant_id, r.subject_code, r.record_ids, r.operation_name,
            v_prev), 'UTF8')), 'hex')
        WHERE sequence = r.sequence RETURNING hash INTO v_prev;
      END LOOP;
    END $$`);

  beforeEach(async () => {
    database = await openTestDatabase(kind);
    dir = await mkdtemp(path.join(os.tmpdir(), 'cqg-checkpoints-'));
    const generated = CheckpointKeys.generate();
    keys = generated.keys;
    settings = checkpointSettings(generated.privatePem, '', dir, 0);
    gw = await startTestGateway(database, { now: new Date('2026-06-01T04:00:00Z'), checkpoints: settings });
    clockMinutes = 0;
    const department = await createOrganization(db(), 'DEPARTMENT');
    departmentCode = department;
    auditor = tokens.auditor(await createOrganization(db(), 'AUDIT_OFFICE'));
    admin = tokens.admin();
    subject = await createSubject(db(), department, 'ENTERPRISE', { name: '检查点测试有限公司' });
    recordIds = [];
    for (let i = 0; i < 4; i += 1) recordIds.push(await createRecord(db(), subject, department, { type: 'license' }));
  });

  afterEach(async () => {
    await gw?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('L6: signCheckpoint signs both heads with Ed25519 (verifiable with the public key alone), writes the file outside the database and keeps a copy inside; the untouched log MATCHES', async () => {
    await lookups(3);
    await fileObjection(recordIds[0]);
    const signed = await sign();
    // the auditor's own call is an event first (L4), so the signed head includes it
    expect(signed.accessSequence).toBe(await head('access_events'));
    expect(signed.caseSequence).toBe(1);
    expect(signed.writtenTo).toBe(dir);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(1);
    const fromFile = parseCheckpoint(await readFile(path.join(dir, files[0]), 'utf8'));
    expect(fromFile && checkpointText(fromFile)).toBe(signed.document);
    // anyone with the public key can check it, without this code's verifier
    const publicKey = createPublicKey(keys.publicKeyPem());
    expect(verify(null, signedBytes(fromFile!), publicKey, Buffer.from(signed.signature, 'base64'))).toBe(true);
    const stored = await queryRows<{ signature: string }>(db(), sql`SELECT signature FROM access_checkpoints`);
    expect(stored.map((row) => row.signature)).toEqual([signed.signature]);
    // and the copy is append-only like the log
    const refused = await db().execute(sql`DELETE FROM access_checkpoints`).then(() => null, (error: unknown) => error);
    expect(refused).not.toBeNull();

    const result = await verifyLog();
    expect(result).toMatchObject({ valid: true, firstBrokenSequence: null, caseEvents: { valid: true, checked: 1 } });
    expect(result.checkpoint).toMatchObject({ status: 'MATCHED', accessSequence: signed.accessSequence, caseSequence: 1, keyId: keys.keyId });
    // admins may sign on demand too (an operator before maintenance)
    expect((await sign(admin)).accessSequence).toBeGreaterThan(signed.accessSequence);
  });

  it('L6: the newest events deleted — the shortened chain still verifies on its own, the checkpoint names EVENTS_DELETED from the first missing sequence', async () => {
    await lookups(5);
    await sign();
    await lookups(4);
    const signed = await sign();
    await tamper(sql`DELETE FROM access_events WHERE sequence > ${signed.accessSequence - 3}`);

    const withoutCheckpoints = await startTestGateway(database, { now: gw.clock.now });
    try {
      const chainOnly = await verifyWith(withoutCheckpoints);
      expect(chainOnly.body.data.verifyAccessLog).toMatchObject({ valid: true, firstBrokenSequence: null, checkpoint: null });
    } finally {
      await withoutCheckpoints.close();
    }
    // the chain-only call above appended an event: the deleted numbers are being reused, still named a deletion
    const result = await verifyLog();
    expect(result.valid).toBe(false);
    expect(result.checkpoint).toMatchObject({ status: 'EVENTS_DELETED', accessSequence: signed.accessSequence, firstBrokenSequence: signed.accessSequence - 2 });
    expect(result.firstBrokenSequence).toBe(result.checkpoint.firstBrokenSequence);
  });

  it('L6: the newest events deleted with nothing appended since — EVENTS_DELETED at one after the remaining head', async () => {
    await lookups(6);
    const signed = await sign();
    await tamper(sql`DELETE FROM access_events WHERE sequence > ${signed.accessSequence - 4}`);
    const result = await verifyLog();
    expect(result.checkpoint).toMatchObject({ status: 'EVENTS_DELETED', firstBrokenSequence: signed.accessSequence - 3 });
    expect(result.valid).toBe(false);
  });

  it('L6: the newest events rewritten and rehashed — the chain verifies on its own, the checkpoint names EVENTS_REWRITTEN after the newest older checkpoint that still matches', async () => {
    await lookups(4);
    const older = await sign();
    await lookups(5);
    const newest = await sign();
    await tamper(rewriteFrom(older.accessSequence + 3));

    const result = await verifyLog();
    // the rehashed chain is internally consistent: only the checkpoint shows it
    expect(result.checked).toBeGreaterThan(newest.accessSequence);
    expect(result.checkpoint).toMatchObject({ status: 'EVENTS_REWRITTEN', accessSequence: newest.accessSequence, firstBrokenSequence: older.accessSequence + 1 });
    expect(result).toMatchObject({ valid: false, firstBrokenSequence: older.accessSequence + 1 });
  });

  it('L6: the database restored from a backup older than the newest checkpoint — ROLLED_BACK, naming the checkpoint the backup still holds', async () => {
    await lookups(3);
    const beforeBackup = await sign();
    // the backup: a copy of every table of the application, taken now
    const tables = (await queryRows<{ name: string }>(db(), sql`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`)).map((row) => row.name);
    await db().execute(sql`CREATE SCHEMA backup`);
    for (const table of tables) await db().execute(sql`CREATE TABLE ${sql.identifier('backup')}.${sql.identifier(table)} AS TABLE ${sql.identifier(table)}`);
    const backupHead = await head('access_events');
    await lookups(4);
    await fileObjection(recordIds[1]);
    const newest = await sign();
    expect(newest.caseSequence).toBe(1);
    // the restore: every table as the backup has it
    await tamper(
      ...tables.map((table) => sql`DELETE FROM ${sql.identifier(table)}`),
      ...tables.map((table) => sql`INSERT INTO ${sql.identifier(table)} OVERRIDING SYSTEM VALUE SELECT * FROM ${sql.identifier('backup')}.${sql.identifier(table)}`),
    );
    expect(await head('access_events')).toBe(backupHead);
    expect(await head('case_events')).toBe(0);

    const result = await verifyLog();
    expect(result.valid).toBe(false);
    expect(result.checkpoint).toMatchObject({ status: 'ROLLED_BACK', accessSequence: newest.accessSequence, firstBrokenSequence: backupHead + 1 });
    expect(new Date(result.checkpoint.rolledBackTo).toISOString()).toBe(new Date(beforeBackup.signedAt).toISOString());
  });

  it('L6: case events are chained — a case event altered in place breaks the case chain at its sequence; the newest one deleted is CASE_EVENTS_DELETED', async () => {
    await fileObjection(recordIds[0]);
    await fileObjection(recordIds[1]);
    await fileObjection(recordIds[2]);
    const signed = await sign();
    expect(signed.caseSequence).toBe(3);
    // the trigger chained them in sequence order, each linked to the one before
    const links = await queryRows<{ sequence: number; prev_hash: string; hash: string }>(db(), sql`
      SELECT sequence::int AS sequence, prev_hash, hash FROM case_events ORDER BY sequence`);
    expect(links.map((l) => l.sequence)).toEqual([1, 2, 3]);
    expect(links[0].prev_hash).toBe('0'.repeat(64));
    expect(links[1].prev_hash).toBe(links[0].hash);
    expect(links[2].prev_hash).toBe(links[1].hash);

    const [original] = await queryRows<{ actor: string | null }>(db(), sql`SELECT actor FROM case_events WHERE sequence = 2`);
    await tamper(sql`UPDATE case_events SET actor = 'someone else' WHERE sequence = 2`);
    const altered = await verifyLog();
    expect(altered).toMatchObject({ valid: false, caseEvents: { valid: false, firstBrokenSequence: 2 } });

    await tamper(sql`UPDATE case_events SET actor = ${original.actor} WHERE sequence = 2`);
    expect((await verifyLog()).caseEvents).toMatchObject({ valid: true, checked: 3 });

    await tamper(sql`DELETE FROM case_events WHERE sequence = 3`);
    const deleted = await verifyLog();
    expect(deleted.caseEvents).toMatchObject({ valid: true, checked: 2 });
    expect(deleted.checkpoint).toMatchObject({ status: 'CASE_EVENTS_DELETED', caseSequence: 3, firstBrokenSequence: 3 });
    expect(deleted.valid).toBe(false);
  });

  it('L6: a checkpoint held outside (e.g. by a log shipper) can be passed in; a forged one is BAD_SIGNATURE, another key\'s UNKNOWN_KEY, garbage INVALID_CHECKPOINT; a rotated-out key still verifies its checkpoints', async () => {
    await lookups(2);
    const signed = await sign();
    expect((await verifyLog(signed.document)).checkpoint.status).toBe('MATCHED');

    const forged = JSON.parse(signed.document);
    forged.accessEvents.hash = 'f'.repeat(64);
    expect((await verifyLog(JSON.stringify(forged))).checkpoint).toMatchObject({ status: 'BAD_SIGNATURE' });

    const stranger = CheckpointKeys.generate().keys;
    const strangers = stranger.sign({ signedAt: signed.signedAt, accessEvents: { sequence: signed.accessSequence, hash: signed.accessHash }, caseEvents: null });
    const unknown = await verifyLog(checkpointText(strangers));
    expect(unknown).toMatchObject({ valid: false, checkpoint: { status: 'UNKNOWN_KEY' } });

    const garbage = await verifyWith(gw, '{"not":"a checkpoint"}');
    expect(garbage.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CHECKPOINT' });
    expect(garbage.body.data).toBeNull();

    // rotation: a new signing key, the old public key kept for verification
    await gw.close();
    const rotated = CheckpointKeys.generate();
    const oldPublic = keys.publicKeyPem();
    gw = await startTestGateway(database, {
      now: gw.clock.now,
      checkpoints: { ...checkpointSettings(rotated.privatePem, oldPublic, dir, 0), store: new DirectoryCheckpointStore(dir) },
    });
    const afterRotation = await verifyLog(signed.document);
    expect(afterRotation.checkpoint).toMatchObject({ status: 'MATCHED', keyId: keys.keyId });
    expect((await sign()).keyId).toBe(rotated.keys.keyId);
    expect((await verifyLog()).checkpoint).toMatchObject({ status: 'MATCHED', keyId: rotated.keys.keyId });
  });

  it('L6: a checkpoint vouches only for a chain that recomputes — an event edited in place below it, with the auditor verifying only a later range, is EVENTS_REWRITTEN', async () => {
    await lookups(6);
    const signed = await sign();
    await tamper(sql`UPDATE access_events SET actor = 'someone else' WHERE sequence = 2`);
    tick();
    const response = await gw.request(`query($from: DateTime) { verifyAccessLog(from: $from) { valid firstBrokenSequence checkpoint { status firstBrokenSequence } } }`,
      { token: auditor, variables: { from: gw.clock.now.toISOString() } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.verifyAccessLog).toMatchObject({
      valid: false, firstBrokenSequence: 2, checkpoint: { status: 'EVENTS_REWRITTEN', firstBrokenSequence: 2 },
    });
    expect(signed.accessSequence).toBeGreaterThan(2);
  });

  it('L6: checkpoints configured, the database holding some, CHECKPOINT_DIR emptied — CHECKPOINTS_MISSING, not valid', async () => {
    await lookups(2);
    await sign();
    for (const name of await readdir(dir)) await rm(path.join(dir, name));
    const result = await verifyLog();
    expect(result).toMatchObject({ valid: false, checkpoint: { status: 'CHECKPOINTS_MISSING' } });
  });

  it('L6: CHECKPOINT_DIR=- (stdout for a log shipper): one JSON line per checkpoint; verification uses the database\'s signed copy and still names a deletion', async () => {
    await gw.close();
    const lines: string[] = [];
    const out = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
    const generated = CheckpointKeys.generate();
    gw = await startTestGateway(database, { now: gw.clock.now, checkpoints: { keys: generated.keys, store: new StdoutCheckpointStore(out), intervalMs: 0 } });
    await lookups(4);
    const signed = await sign();
    expect(lines).toHaveLength(1);
    expect(checkpointText(parseCheckpoint(JSON.stringify(JSON.parse(lines[0]).checkpoint))!)).toBe(signed.document);
    expect((await verifyLog()).checkpoint).toMatchObject({ status: 'MATCHED', accessSequence: signed.accessSequence });
    await tamper(sql`DELETE FROM access_events WHERE sequence > ${signed.accessSequence - 2}`);
    expect((await verifyLog()).checkpoint).toMatchObject({ status: 'EVENTS_DELETED' });
    // the shipped line, passed back, is checked the same way
    expect((await verifyLog(signed.document)).checkpoint).toMatchObject({ status: 'EVENTS_DELETED' });
  });

  it('L6: signing needs the auditor or admin role; verifying with no checkpoint configured says CHECKPOINTS_OFF', async () => {
    const refused = await gw.request(SIGN, { token: tokens.department(departmentCode) });
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const off = await startTestGateway(database, { now: gw.clock.now });
    try {
      const response = await off.request(SIGN, { token: auditor });
      expect(response.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CHECKPOINTS_OFF' });
    } finally {
      await off.close();
    }
  });
});

describe.each(testDatabaseKinds())('L6 checkpoints signed on a schedule and at shutdown, case events under concurrency, on %s', (kind) => {
  it('L6: every CHECKPOINT_INTERVAL while the heads move, none while idle, one more at shutdown; concurrent case writes form one chain', async () => {
    const database = await openTestDatabase(kind);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cqg-checkpoints-'));
    try {
      const generated = CheckpointKeys.generate();
      const gw = await startTestGateway(database, { checkpoints: checkpointSettings(generated.privatePem, '', dir, 150) });
      const files = async () => (await readdir(dir)).filter((name) => name.endsWith('.json')).length;
      const department = await createOrganization(database.db, 'DEPARTMENT');
      const subject = await createSubject(database.db, department, 'ENTERPRISE');
      const records: string[] = [];
      for (let i = 0; i < 12; i += 1) records.push(await createRecord(database.db, subject, department, { type: 'license' }));
      const lookup = await gw.request(LOOKUP, { variables: { code: subject.code } });
      expect(lookup.body.errors).toBeUndefined();
      // twelve objections at once: each case event takes its number and link under the chain's lock
      const filed = await Promise.all(records.map((recordId) =>
        gw.request(FILE_OBJECTION, { token: tokens.subject(subject.code), variables: { recordId, reason: '同时提出的异议。' } })));
      expect(filed.map((r) => r.body.errors)).toEqual(records.map(() => undefined));
      for (let waited = 0; (await files()) === 0 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 400));
      const afterActivity = await files();
      expect(afterActivity).toBeGreaterThan(0);
      // idle: the heads do not move, no new checkpoint
      await new Promise((r) => setTimeout(r, 500));
      expect(await files()).toBe(afterActivity);
      const verified = await gw.request(VERIFY, { token: tokens.auditor(await createOrganization(database.db, 'AUDIT_OFFICE')) });
      expect(verified.body.errors).toBeUndefined();
      expect(verified.body.data.verifyAccessLog).toMatchObject({ valid: true, caseEvents: { valid: true, checked: 12 }, checkpoint: { status: 'MATCHED', caseSequence: 12 } });
      // the verify call is an event: the head moved, so shutdown signs once more
      const beforeClose = await files();
      await gw.close();
      expect(await files()).toBe(beforeClose + 1);
    } finally {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
