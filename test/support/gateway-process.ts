/**
 * A gateway in a process of its own, for tests that need several real gateway processes against one PostgreSQL
 * (SPEC L3: concurrent writers still form one chain). Run with `node --import tsx test/support/gateway-process.ts`
 * and DATABASE_URL set to an already migrated database; prints its GraphQL URL as one line on stdout, logs
 * errors on stderr, and exits cleanly on SIGTERM or SIGINT. GATEWAY_POOL_SIZE and REQUEST_TIMEOUT_MS (default 0: none) as the
 * gateway's DATABASE_POOL_SIZE and REQUEST_TIMEOUT_MS.
 */
import { openDatabase } from '../../src/db/client.js';
import { createLogger } from '../../src/logging.js';
import { createGateway } from '../../src/server.js';
import { TEST_LIMITS } from './gateway.js';
import { TEST_SECRET } from './tokens.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('gateway-process: DATABASE_URL is required\n');
  process.exit(2);
}

// H2 as src/main.ts sets it: REQUEST_TIMEOUT_MS is each request's deadline and each connection's statement_timeout
const requestTimeoutMs = Number(process.env.REQUEST_TIMEOUT_MS ?? 0);
const database = await openDatabase({ url, poolSize: Number(process.env.GATEWAY_POOL_SIZE ?? 10), statementTimeoutMs: requestTimeoutMs });
const gateway = await createGateway({
  database,
  config: {
    jwt: { secret: TEST_SECRET, publicKey: null, issuer: null, audience: null, generated: false },
    limits: TEST_LIMITS,
    production: false,
    requestTimeoutMs,
  },
  logger: createLogger(process.stderr, false),
});
const address = await gateway.listen(0);
process.stdout.write(`${address}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await gateway.close();
    await database.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
