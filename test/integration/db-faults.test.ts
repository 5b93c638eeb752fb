import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { openTestDatabase, postgresUrl, type TestDatabase } from '../support/db.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { spawnGateway, stopGateway, type GatewayChild } from '../support/gateway-child.js';
import { isAlive, pause, post, type Answer } from '../support/db-faults.js';

/**
 * SPEC §10.4 and §11 (masked errors; a stateless gateway that keeps serving): a database connection cut while a
 * request holds it inside a write transaction answers that request a masked INTERNAL_SERVER_ERROR and ends nothing
 * else — the gateway process stays up and its next requests succeed on fresh connections. The gateway runs in a
 * child process (test/support/gateway-process.ts), so "the process survives" is observed, not assumed.
 * PostgreSQL only: PGlite has no server backends to terminate.
 */

const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawRecord(id: $id, reason: $reason) { id status version } }`;
const LOOKUP = `query($code: String!) { subject(code: $code) { code view } }`;

describe.skipIf(!postgresUrl())('a database connection cut under a running gateway process on postgres', () => {
  let database: TestDatabase;
  let gateway: GatewayChild;
  let url: string;
  let department: string;
  let subject: SubjectFixture;
  const killOnExit = () => gateway?.process.kill('SIGKILL');

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    department = await createOrganization(database.db, 'DEPARTMENT');
    subject = await createSubject(database.db, department, 'ENTERPRISE');
    process.once('exit', killOnExit);
  });

  // a gateway process per test: a test whose gateway died leaves the next one a live gateway to prove itself on;
  // a small pool: the cut connection must be replaced for the later requests to be served at all
  beforeEach(async () => {
    gateway = spawnGateway(database.url!, { GATEWAY_POOL_SIZE: '2' });
    url = await gateway.url;
  });

  afterEach(async () => {
    if (gateway) await stopGateway(gateway);
  });

  afterAll(async () => {
    process.off('exit', killOnExit);
    await database?.close();
  });

  /** Backends of this test's database other than the given ones, as pg_stat_activity sees them now. */
  async function otherBackends(except: number[], where = sql`TRUE`) {
    return queryRows<{ pid: number; state: string | null; wait: string | null; query: string }>(database.db, sql`
      SELECT pid, state, wait_event_type AS wait, query FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> ALL (${sql.param(except)}::int[]) AND ${where}`);
  }

  it('§10.4/§11: terminating the backend of a withdrawal waiting inside its transaction answers it INTERNAL_SERVER_ERROR (masked), the process lives on, and the next requests succeed', async () => {
    const officer = tokens.department(department);
    const recordId = await createRecord(database.db, subject, department, { type: 'license' });
    // warm up: the gateway has served a request and holds pooled connections
    expect((await post(url, LOOKUP, { code: subject.code })).body.errors).toBeUndefined();

    // a second client holds the record's row lock, so the withdrawal's transaction waits on it
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      const [{ pid: lockerPid }] = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM records WHERE id = $1 FOR UPDATE', [recordId]);

      const pending = post(url, WITHDRAW, { id: recordId, reason: '撤销（连接将被切断）' }, officer);
      let waiting: { pid: number; query: string }[] = [];
      for (let tries = 0; tries < 200 && waiting.length === 0; tries += 1) {
        await pause(50);
        waiting = await otherBackends([lockerPid], sql`wait_event_type = 'Lock' AND query ILIKE '%records%'`);
      }
      expect(waiting, 'the withdrawal never waited on the row lock').toHaveLength(1);
      const [{ terminated }] = await queryRows<{ terminated: boolean }>(database.db, sql`SELECT pg_terminate_backend(${waiting[0].pid}) AS terminated`);
      expect(terminated).toBe(true);

      const answered = await pending.catch((error: unknown) => error);
      await pause(300);
      expect(isAlive(gateway), `the gateway process died:\n${gateway.stderr.join('')}`).toBe(true);
      expect(answered, 'the request got no answer').not.toBeInstanceOf(Error);
      const answer = answered as Answer;
      expect(answer.body.data?.withdrawRecord ?? null).toBeNull();
      expect(answer.body.errors, JSON.stringify(answer.body)).toHaveLength(1);
      expect(answer.body.errors![0]).toMatchObject({ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      // masked: no SQL, no driver message, no stack
      expect(JSON.stringify(answer.body)).not.toMatch(/records|terminat|SELECT|UPDATE|INSERT|stack|admin/i);

      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }

    // the process is still alive, well after the dead connection's 'error' and 'end' events
    expect(isAlive(gateway), gateway.stderr.join('')).toBe(true);

    // the cut transaction rolled back (the record is still ACTIVE, no version was kept), so the same withdrawal
    // now succeeds, and a burst of reads larger than the pool is served on fresh connections
    const again = await post(url, WITHDRAW, { id: recordId, reason: '撤销（重试）' }, officer);
    expect(again.body.errors, JSON.stringify(again.body.errors)).toBeUndefined();
    expect(again.body.data.withdrawRecord).toEqual({ id: recordId, status: 'WITHDRAWN', version: 2 });
    const versions = await queryRows<{ version: number }>(database.db, sql`SELECT version FROM record_versions WHERE record_id = ${recordId}::uuid`);
    expect(versions.map((v) => Number(v.version))).toEqual([1]);
    const burst = await Promise.all(Array.from({ length: 6 }, () => post(url, LOOKUP, { code: subject.code })));
    for (const response of burst) {
      expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
      expect(response.body.data.subject).toEqual({ code: subject.code, view: 'PUBLIC' });
    }
    expect(isAlive(gateway), gateway.stderr.join('')).toBe(true);
  });

  it('§11: terminating every connection the gateway holds idle in its pool ends nothing; the next requests reconnect', async () => {
    // every backend of this database but the one giving the order: the gateway's pooled connections (and this
    // test's own pool, which reconnects just the same)
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    } finally {
      await admin.end();
    }
    await pause(500);
    expect(isAlive(gateway), gateway.stderr.join('')).toBe(true);
    const burst = await Promise.all(Array.from({ length: 6 }, () => post(url, LOOKUP, { code: subject.code })));
    for (const response of burst) expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
    expect(isAlive(gateway), gateway.stderr.join('')).toBe(true);
  });
});
