import net from 'node:net';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject } from '../support/factories.js';
import { at, placeRecord } from '../support/disclosure-e2e.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC H2: bodies over MAX_BODY_BYTES (default 1 MiB) get 413; every request has a deadline (REQUEST_TIMEOUT_MS),
 * enforced in PostgreSQL too (statement_timeout): past it the caller gets a clear error, never a hung connection,
 * and nothing is half-written.
 */
describe.each(testDatabaseKinds())('H2 deadlines and sizes on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database);
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('H2: a body over 1 MiB (1,048,576 bytes, the default) gets HTTP 413; one just under it is served', async () => {
    const envelope = (padding: number) => JSON.stringify({ query: '{ __typename }', extensions: { padding: 'x'.repeat(padding) } });
    const overhead = envelope(0).length;
    const under = await post(gw.url, envelope(1_048_576 - overhead));
    expect(under.status).toBe(200);
    expect(await under.json()).toEqual({ data: { __typename: 'Query' } });
    const over = await post(gw.url, envelope(1_048_576 - overhead + 1));
    expect(over.status).toBe(413);
    expect((await over.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('H2: MAX_BODY_BYTES is configuration', async () => {
    const small = await startTestGateway(database, { maxBodyBytes: 2048 });
    try {
      expect((await post(small.url, JSON.stringify({ query: `{ __typename }#${'x'.repeat(2100)}` }))).status).toBe(413);
      expect((await post(small.url, JSON.stringify({ query: '{ __typename }' }))).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('H2: a body trickled in past the deadline is cut off (408), not held for minutes', async () => {
    const slow = await startTestGateway(database, { requestTimeoutMs: 500 });
    try {
      const { hostname, port } = new URL(slow.url);
      const started = performance.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(port), hostname, () => {
          socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":');
        });
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.setTimeout(10_000, () => socket.destroy());
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await slow.close();
    }
  });

  it.skipIf(kind !== 'postgres')('H2: a request waiting past its deadline answers 503 DEADLINE_EXCEEDED at the deadline, PostgreSQL cancels its statement, nothing is written, and the next request is served', async () => {
    const timed = await openDatabase({ url: database.url!, statementTimeoutMs: 400, poolSize: 2 });
    const slow = await startTestGateway({ ...database, ...timed } as TestDatabase, { requestTimeoutMs: 400 });
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      const dept = await createOrganization(database.db, 'DEPARTMENT');
      const subject = await createSubject(database.db, dept, 'ENTERPRISE');
      const record = await placeRecord(database.db, subject, dept, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') });
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM records WHERE id = $1 FOR UPDATE', [record.id]);
      const started = performance.now();
      const waited = await slow.request(`mutation($id: ID!) { withdrawRecord(id: $id, reason: "撤销") { id status } }`, {
        token: tokens.department(dept), variables: { id: record.id },
      });
      const elapsed = performance.now() - started;
      expect(waited.status).toBe(503);
      expect(waited.body.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', reason: 'DEADLINE_EXCEEDED' });
      expect(waited.body.data ?? null).toBeNull();
      expect(elapsed).toBeLessThan(3_000);
      // PostgreSQL gave up on the waiting statement by itself (statement_timeout), before the lock was released
      await new Promise((resolve) => setTimeout(resolve, 600));
      await locker.query('COMMIT');
      const [row] = await queryRows<{ status: string; versions: number }>(database.db, sql`
        SELECT r.status, (SELECT count(*)::int FROM record_versions v WHERE v.record_id = r.id) AS versions FROM records r WHERE r.id = ${record.id}::uuid`);
      expect(row).toEqual({ status: 'ACTIVE', versions: 0 });
      const next = await slow.request(`{ catalog { code } }`);
      expect(next.status).toBe(200);
    } finally {
      await locker.end().catch(() => undefined);
      await slow.close();
      await timed.close();
    }
  });
});
