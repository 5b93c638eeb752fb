import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/rows.js';
import { createRequestContext } from '../../src/context/request-context.js';
import { PUBLIC_VIEWER } from '../../policies/viewer.js';
import { AccessLogWriter } from '../../src/modules/access-log/access-log.writer.js';
import { accessLogObserver } from '../../src/modules/access-log/access-log.observer.js';
import { writeDisclosures } from '../../src/modules/access-log/access-log.service.js';
import { GatewayMetrics } from '../../src/http/metrics.js';
import { createLogger } from '../../src/logging.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';

/**
 * Issue 18, L1: a folded event the response did not place exactly stays in the chain (append-only); the response's own
 * entry is stored too, the folded one is counted as unmatched and logged as an error by its sequence — with the request
 * id, never the subject's code, name or records (logs carry no subject data). The gateway's own observer, its real
 * metrics and its real log destination; the response's entry stored in the test database.
 */
const SECRET_CODE = '91440200MA4WOBSERV1';

describe.each(testDatabaseKinds())('issue 18: what the gateway reports of folded events, on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  function reading(metrics: GatewayMetrics | null) {
    const lines: string[] = [];
    const writer = new AccessLogWriter(database.db);
    writer.observer = accessLogObserver(metrics, createLogger({ write: (line: string) => lines.push(line) }, false, 'info'));
    const ctx = createRequestContext({ db: database.db, viewer: PUBLIC_VIEWER, now: new Date('2026-06-01T00:00:00Z'), requestId: `req-${Math.random()}`, accessLog: writer });
    const entry = { subjectCode: SECRET_CODE, view: 'PUBLIC' as const, purpose: null, grantId: null, operationName: 'subject' };
    return { ctx, entry, lines };
  }

  const counted = async (metrics: GatewayMetrics, outcome: string) =>
    Number(new RegExp(`^gateway_access_log_folded_events_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(await metrics.registry.metrics())?.[1] ?? 0);

  it('L1, O2: an unmatched folded event is counted and logged as an error by request id and sequence, without subject data; the response\'s entry is stored', async () => {
    const metrics = new GatewayMetrics({ pool: () => null, accessLogQueue: () => 0 });
    const { ctx, entry, lines } = reading(metrics);
    // the fold stored one record; the response placed two: the response's entry is stored in full
    ctx.disclosures.markStored({ ...entry, recordIds: new Set(['rec-secret-1']) }, 4242);
    ctx.disclosures.subject(entry).recordIds.add('rec-secret-1').add('rec-secret-2');
    await writeDisclosures(ctx);
    expect(await counted(metrics, 'unmatched')).toBe(1);
    expect(await counted(metrics, 'matched')).toBe(0);
    const errors = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 'error' || line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ requestId: ctx.requestId, sequences: [4242] });
    const text = lines.join('\n');
    for (const secret of [SECRET_CODE, 'rec-secret-1', 'rec-secret-2']) expect(text).not.toContain(secret);
    const rows = await queryRows<{ record_ids: string[] }>(database.db, sql`SELECT record_ids FROM access_events WHERE request_id = ${ctx.requestId}`);
    expect(rows.map((row) => [...row.record_ids].sort())).toEqual([['rec-secret-1', 'rec-secret-2']]);
  });

  it('L1: without metrics an unmatched folded event is still logged (the error line is then its only report)', async () => {
    const { ctx, entry, lines } = reading(null);
    ctx.disclosures.markStored({ ...entry, recordIds: new Set(['rec-a']) }, 4444);
    ctx.disclosures.subject(entry).recordIds.add('rec-b');
    await writeDisclosures(ctx);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toMatchObject([{ requestId: ctx.requestId, sequences: [4444] }]);
    expect(lines.join('\n')).not.toContain(SECRET_CODE);
  });

  it('O4: drained() waits for a read storing its own event even when the writer\'s own append ends before it', async () => {
    const { ctx } = reading(null);
    const writer = ctx.accessLog!;
    const release = writer.claimFold()!;
    let drained = false;
    const appended = writer.append([{
      at: ctx.now.toISOString(), requestId: ctx.requestId, actor: 'test', role: 'auditor', orgCode: null, view: null,
      purposeKind: null, purposeReference: null, grantId: null, subjectCode: null, recordIds: [], operationName: 'drainedTest',
    }]);
    // asked while the append runs: its end must not release the waiter while the read is still storing
    const waiting = writer.drained().then(() => {
      drained = true;
    });
    await appended;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);
    release();
    await waiting;
    expect(drained).toBe(true);
  });

  it('L1: a matched folded event is counted, logs nothing and is not stored again; without metrics the same holds', async () => {
    for (const metrics of [new GatewayMetrics({ pool: () => null, accessLogQueue: () => 0 }), null]) {
      const { ctx, entry, lines } = reading(metrics);
      ctx.disclosures.markStored({ ...entry, recordIds: new Set(['r1', 'r2']) }, 4343);
      ctx.disclosures.subject(entry).recordIds.add('r2').add('r1');
      await writeDisclosures(ctx);
      if (metrics) expect(await counted(metrics, 'matched')).toBe(1);
      expect(lines).toEqual([]);
      const rows = await queryRows<{ one: number }>(database.db, sql`SELECT 1 AS one FROM access_events WHERE request_id = ${ctx.requestId}`);
      expect(rows).toEqual([]);
    }
  });
});
