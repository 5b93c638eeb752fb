import { openDatabase } from '../../src/db/client.js';
import { createGateway } from '../../src/server.js';
import { accessLogFoldsFrom, pretenuringFrom } from '../../src/config/config.js';
import { createLogger, logDestination } from '../../src/logging.js';
import { openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTrustedManifest } from '../../src/web/manifest.js';
import { sha256Hex } from '../../src/http/trusted-documents.js';
import { S1, S2, S3 } from '../scenarios.js';
import { announceListening, servedByWorkers } from './processes.js';

/**
 * The benchmark's read documents (S1–S3, with the website's own) as a trusted-document manifest: what a deployment
 * lists for its applications so that their documents are compiled at start (src/graphql/compiled.ts).
 */
function benchManifest(): string {
  const queryOf = (call: { body?: string }) => (JSON.parse(call.body!) as { query: string }).query;
  const bench = [
    { name: 'S1', body: queryOf(S1.gateway({ code: '-' })) },
    { name: 'S2', body: queryOf(S2.gateway({ code: '-', org: '-' })) },
    { name: 'S3', body: queryOf(S3.gateway({ q: '-' })) },
  ];
  const operations = [...buildTrustedManifest().operations, ...bench.map(({ name, body }) => ({ id: sha256Hex(body), name, type: 'query', body }))];
  const file = path.join(tmpdir(), `cqg-bench-documents-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
  return file;
}

/**
 * A gateway process for benchmarks: DATABASE_URL, JWT_SECRET; ACCESS_LOG=off serves without writing access
 * events (only to measure what logging costs). OBSERVABILITY=on writes one log line per request (O1) to LOG_FILE
 * (through the product's own destination, as to stderr) and keeps metrics (O2); off (the default) has neither.
 * The benchmark's documents (bench/scenarios.ts) are its trusted documents (not binding anyone), compiled at start as
 * a deployment's own applications' documents would be; COMPILED_EXECUTION=off turns compiled execution off; ACCESS_LOG_FOLDS
 * (default 2, 0 = none) sets how many reads may fold their access event into the read at once. Prints `LISTENING <url>`.
 */
await servedByWorkers();
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
    // COMPILED_EXECUTION=off: every request through Apollo's interpreter (the comparison before/after issue 18's change)
    // V8_PRETENURING=on: V8's allocation-site pretenuring as Node has it by default (the comparison before/after 4p)
    v8Pretenuring: pretenuringFrom(process.env),
    // ACCESS_LOG_FOLDS: how many reads may fold their access event into the read at once (0: none), as config reads it
    accessLogFolds: accessLogFoldsFrom(process.env),
    compiledExecution: (process.env.COMPILED_EXECUTION as 'trusted' | 'repeated' | 'off' | undefined) ?? 'trusted',
    // the benchmark's documents as a deployment lists its applications' documents: compiled at start
    trustedDocuments: 'off',
    trustedDocumentsFile: benchManifest(),
  },
  logger: createLogger(logStream, false, observed ? 'info' : 'warn'),
  unsafeDisableAccessLogForBenchmark: process.env.ACCESS_LOG === 'off',
});
const url = await gateway.listen(0);
announceListening(url);
process.on('SIGTERM', async () => {
  await gateway.close();
  await database.close();
  process.exit(0); // the log destination writes what it still holds on exit
});
