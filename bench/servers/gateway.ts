import { openDatabase } from '../../src/db/client.js';
import { createGateway } from '../../src/server.js';
import { openSync } from 'node:fs';
import { createLogger, logDestination } from '../../src/logging.js';

/**
 * A gateway process for benchmarks: DATABASE_URL, JWT_SECRET; ACCESS_LOG=off serves without writing access
 * events (only to measure what logging costs). OBSERVABILITY=on writes one log line per request (O1) to LOG_FILE
 * (through the product's own destination, as to stderr) and keeps metrics (O2); off (the default) has neither.
 * COMPILED_EXECUTION=0 turns compiled execution of known documents off. Prints `LISTENING <url>`.
 */
const observed = process.env.OBSERVABILITY === 'on';
const logFd = observed && process.env.LOG_FILE ? openSync(process.env.LOG_FILE, 'w') : null;
const logStream = logFd === null ? process.stderr : logDestination(logFd);
const database = await openDatabase({ url: process.env.DATABASE_URL, poolSize: Number(process.env.POOL_SIZE ?? 10) });
const gateway = await createGateway({
  database,
  config: {
    jwt: { secret: process.env.JWT_SECRET ?? 'bench-secret', publicKey: null, issuer: null, audience: null, generated: false },
    limits: { maxDepth: 10, maxAliases: 30, maxCost: 1_000_000, ratePerSecond: 0, rateBurst: 100 },
    production: true,
    metricsToken: observed ? 'bench-metrics-token-0123456789' : null,
    // COMPILED_EXECUTION=0: every request through Apollo's interpreter (the comparison before/after issue 18's change)
    compiledExecution: process.env.COMPILED_EXECUTION !== '0',
  },
  logger: createLogger(logStream, false, observed ? 'info' : 'warn'),
  unsafeDisableAccessLogForBenchmark: process.env.ACCESS_LOG === 'off',
});
const url = await gateway.listen(0);
process.stdout.write(`LISTENING ${url}\n`);
process.on('SIGTERM', async () => {
  await gateway.close();
  await database.close();
  process.exit(0); // the log destination writes what it still holds on exit
});
