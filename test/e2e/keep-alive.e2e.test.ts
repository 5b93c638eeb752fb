import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/**
 * Behind a load balancer (README, Deploying): an idle keep-alive connection must stay open longer than the
 * balancer's own idle timeout, or the balancer sends a request on a connection the gateway is closing and the
 * client gets a reset (the soak's driver saw exactly that with Node's default 5 s). KEEP_ALIVE_TIMEOUT_MS sets
 * it (default 65 s); measured here on a raw socket: one request, then how long the gateway keeps it idle.
 */

/** Sends one keep-alive request on a fresh socket; resolves with the ms from its answer to the server's close. */
function idleLifetime(url: string, waitAtMostMs: number): Promise<number | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let answeredAt = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, waitAtMostMs);
    socket.on('data', (chunk) => {
      if (!answeredAt && chunk.toString('latin1').startsWith('HTTP/1.1 200')) answeredAt = Date.now();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answeredAt ? Date.now() - answeredAt : -1);
    });
    socket.on('error', reject);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe.each(testDatabaseKinds().slice(0, 1))('keep-alive behind a load balancer (%s)', (kind) => {
  let database: TestDatabase;
  let short: TestGateway;
  let standard: TestGateway;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    short = await startTestGateway(database, { keepAliveTimeoutMs: 1_000 });
    standard = await startTestGateway(database);
  });

  afterAll(async () => {
    await short?.close();
    await standard?.close();
    await database?.close();
  });

  it('KEEP_ALIVE_TIMEOUT_MS: an idle connection is closed by the gateway after the configured time, not before', async () => {
    const lifetime = await idleLifetime(short.url, 10_000);
    expect(lifetime).not.toBeNull();
    expect(lifetime!).toBeGreaterThanOrEqual(900);
    expect(lifetime!).toBeLessThan(4_000);
  });

  it('the default outlives Node\'s 5 s (and a balancer\'s common 60 s idle timeout: 65 s)', async () => {
    expect(standard.gateway.server.keepAliveTimeout).toBe(65_000);
    expect(await idleLifetime(standard.url, 6_500)).toBeNull();
  }, 15_000);
});
