import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { loadConfig } from '../../src/config/config.js';

/**
 * SPEC §11 (issue 15): rate limits that hold across several gateway processes. With RATE_LIMIT_STORE=postgres the
 * buckets live in the database every process shares; two gateways on one database stand for two processes.
 */
describe.each(testDatabaseKinds())('§11 shared rate limits on %s', (kind) => {
  let database: TestDatabase;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await database?.close();
  });

  async function pair(store: 'memory' | 'postgres'): Promise<[TestGateway, TestGateway]> {
    const limits = { ratePerSecond: 1, rateBurst: 4, store } as const;
    const both: [TestGateway, TestGateway] = [await startTestGateway(database, { limits }), await startTestGateway(database, { limits })];
    gateways.push(...both);
    return both;
  }

  async function alternate(gws: [TestGateway, TestGateway], token: string, count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const gw = gws[i % 2];
      statuses.push((await gw.request('{ me { role } }', { token })).status);
    }
    return statuses;
  }

  it('§11: with RATE_LIMIT_STORE=postgres one viewer\'s burst is shared by every process: the 5th request across two gateways is 429', async () => {
    const token = tokens.department(await createOrganization(database.db, 'DEPARTMENT'));
    expect(await alternate(await pair('postgres'), token, 6)).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('§11: with the default memory store each process has its own buckets (two processes admit twice the burst)', async () => {
    const token = tokens.department(await createOrganization(database.db, 'DEPARTMENT'));
    expect(await alternate(await pair('memory'), token, 8)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
  });

  it('§11: RATE_LIMIT_STORE is memory by default, postgres on request, and nothing else', () => {
    expect(loadConfig({}).limits.store).toBe('memory');
    expect(loadConfig({ RATE_LIMIT_STORE: 'postgres' }).limits.store).toBe('postgres');
    expect(() => loadConfig({ RATE_LIMIT_STORE: 'redis' })).toThrow(/RATE_LIMIT_STORE/);
  });
});
