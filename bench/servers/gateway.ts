import { openDatabase } from '../../src/db/client.js';
import { createGateway } from '../../src/server.js';
import { createLogger } from '../../src/logging.js';

/**
 * A gateway process for benchmarks: DATABASE_URL, JWT_SECRET; ACCESS_LOG=off serves without writing access
 * events (only to measure what logging costs). Prints `LISTENING <url>`.
 */
const database = await openDatabase({ url: process.env.DATABASE_URL, poolSize: Number(process.env.POOL_SIZE ?? 10) });
const gateway = await createGateway({
  database,
  config: {
    jwt: { secret: process.env.JWT_SECRET ?? 'bench-secret', publicKey: null, issuer: null, audience: null, generated: false },
    limits: { maxDepth: 10, maxAliases: 30, maxCost: 1_000_000, ratePerSecond: 0, rateBurst: 100 },
    production: true,
  },
  logger: createLogger(process.stderr),
  unsafeDisableAccessLogForBenchmark: process.env.ACCESS_LOG === 'off',
});
const url = await gateway.listen(0);
process.stdout.write(`LISTENING ${url}\n`);
process.on('SIGTERM', async () => {
  await gateway.close();
  await database.close();
  process.exit(0);
});
