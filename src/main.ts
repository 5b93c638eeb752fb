import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from './config/config.js';
import { developmentCheckpointFiles, devSecretFile, loadOrCreateDevSecret } from './config/dev-secret.js';
import { checkpointSettings, type CheckpointSettings } from './modules/access-log/checkpoints.js';
import { openDatabase, type Database } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { appliedMigrations, shippedMigrations } from './db/migration-status.js';
import { seedDemo, DEMO_CAST } from './db/seed/demo.js';
import { createGateway, SHUTDOWN_FLUSH_MS, withinDeadline, type Gateway } from './server.js';
import { createLogger, flushLogs, type Logger } from './logging.js';
import { demoTokens } from './auth/demo-tokens.js';
import { explainStartupFailure } from './startup-errors.js';
import { configurePretenuring } from './v8-heap.js';
import {
  ClusterStartError, joinCluster, reportListening, reportStartupFailure, superviseWorkers, workerLogger, workerSettings,
  type Supervisor, type WorkerSettings,
} from './cluster.js';

/**
 * `npm start` (and `npm run start:prod` from the build): migrate, seed the demo data set into an empty embedded
 * database, serve, print how to call it. Start-up says what it is doing (O7); every failure is one line on stderr
 * and exit code 1; SIGTERM and SIGINT shut down gracefully (O4) and exit 0.
 *
 * With GATEWAY_PROCESSES > 1 (§11 scale-out, src/cluster.ts) this process is the primary: it migrates, seeds and
 * prints once, then forks the workers, which run this file again and serve the port; every worker starts as
 * `startWorker` below.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);
const quiet = () => undefined;

/** Progress of a long step on one line (rewritten in a terminal, a few lines in a log). */
function progress(label: string): (done: number, total: number) => void {
  let lastQuarter = -1;
  return (done, total) => {
    const percent = total ? Math.floor((done / total) * 100) : 100;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r  ${label} ${done}/${total} (${percent}%)${done >= total ? '\n' : ''}`);
      return;
    }
    const quarter = Math.floor(percent / 25);
    if (quarter !== lastQuarter) say(`  ${label} ${done}/${total} (${percent}%)`);
    lastQuarter = quarter;
  };
}

/** Migrations, then the demo data set into an empty database; the cast whose tokens are printed. */
async function prepare(config: Config, database: Database): Promise<typeof DEMO_CAST> {
  const pending = (await shippedMigrations()) - (await appliedMigrations(database));
  if (!config.migrateOnStart) {
    // the owner role migrates (npm run db:migrate) once per release; /readyz stays 503 until it has
    say(pending > 0 ? `${pending} migration(s) pending: MIGRATE_ON_START=0, run npm run db:migrate as the owner role.` : 'Migrations are current.');
  } else {
    say(pending > 0 ? `Applying ${pending} migration(s)…` : 'Migrations are current.');
    await migrateDatabase(database);
  }
  if (!config.seedDemo) return DEMO_CAST;
  say('Loading the demo data set (only into an empty database)…');
  const subjects = progress('subjects');
  const records = progress('records');
  const seeded = await seedDemo(database.db, {
    now: new Date(),
    onProgress: (what, done, total) => (what === 'subjects' ? subjects : records)(done, total),
  });
  if (!seeded) {
    say('  the database has subjects already: nothing loaded');
    return DEMO_CAST;
  }
  say(`  loaded ${seeded.subjects} subjects and ${seeded.records} records`);
  return seeded.tokensFor; // the minor is re-cast when the fixed one has come of age
}

interface Running {
  gateway: Gateway;
  database: Database;
  logger: Logger;
}

/**
 * Migrations and the demo seed, once per start, without the request deadline (a migration may build an index for
 * minutes). With PostgreSQL on a connection of their own, closed before serving starts; the embedded database is
 * opened once, so it stays open and is served from (`embedded`).
 */
async function setUp(config: Config): Promise<{ cast: typeof DEMO_CAST; embedded: Database | null }> {
  say(config.databaseUrl ? 'Connecting to PostgreSQL (DATABASE_URL)…' : `Opening the embedded database (PGlite) at ${config.pgliteDir}…`);
  const setup = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, poolSize: 1 });
  let cast = DEMO_CAST;
  try {
    cast = await prepare(config, setup);
  } catch (error) {
    await setup.close().catch(() => undefined);
    throw error;
  }
  if (!config.databaseUrl) return { cast, embedded: setup };
  await setup.close();
  return { cast, embedded: null };
}

/**
 * The PostgreSQL pool this process serves from: DATABASE_POOL_SIZE connections, the request deadline as statement_timeout (H2);
 * with DATABASE_REPLICA_URL a pool of the same size on the replica beside it (src/db/replica.ts), closed with it.
 */
function openServingDatabase(config: Config): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, poolSize: config.poolSize, statementTimeoutMs: config.requestTimeoutMs, replica: config.replica });
}

/** O7: the development secret survives restarts (kept in the data directory), so printed tokens keep working. */
async function keepDevelopmentSecret(config: Config): Promise<void> {
  if (!config.jwt.generated) return;
  const file = devSecretFile(config);
  if (file) config.jwt.secret = await loadOrCreateDevSecret(file);
}

/** One process serving alone (GATEWAY_PROCESSES=1, the default). */
async function start(config: Config, started: number): Promise<Running> {
  const logger = createLogger(process.stderr, false, config.logLevel);
  const { cast, embedded } = await setUp(config);
  const database = embedded ?? (await openServingDatabase(config));
  try {
    await keepDevelopmentSecret(config);
    const checkpoints = await checkpointsOf(config, say);
    const gateway = await createGateway({ database, config, logger, checkpoints });
    const url = await gateway.listen(config.port, config.host);
    await announce(config, url, cast, started);
    return { gateway, database, logger };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/**
 * §11: the primary of GATEWAY_PROCESSES workers (PostgreSQL only: the configuration refuses PGlite). It sets up the
 * database and the keys the workers must share, forks them and waits until each listens (src/cluster.ts).
 */
async function startPrimary(config: Config, started: number, beforeFork: () => void): Promise<Supervisor> {
  const logger = createLogger(process.stderr, false, config.logLevel);
  const { cast } = await setUp(config);
  await keepDevelopmentSecret(config);
  const checkpoints = await checkpointsOf(config, say);
  beforeFork();
  // §10.3: with JWT_PUBLIC_KEY and no CURSOR_SECRET nothing derives a cursor key: one for this start, for all workers
  const cursorSecret = (config.cursorSecret ?? config.jwt.secret) ? null : randomBytes(32).toString('base64url');
  if (cursorSecret) logger.info('neither CURSOR_SECRET nor JWT_SECRET is set: the workers seal cursors with a key of this start, so cursors do not survive a restart or travel to other machines');
  say(`Starting ${config.processes} gateway processes…`);
  const supervisor = await superviseWorkers({
    config,
    logger,
    checkpoints,
    shared: { jwtSecret: config.jwt.generated ? config.jwt.secret : null, cursorSecret, siteKey: randomBytes(24).toString('base64url') },
  });
  await announce(config, supervisor.url, cast, started, supervisor);
  return supervisor;
}

/** §11: one worker of the primary above: a gateway with its own pool, on the shared port, with the shared keys. */
async function startWorker(config: Config, settings: WorkerSettings): Promise<Running & { url: string }> {
  if (settings.jwtSecret) config.jwt.secret = settings.jwtSecret;
  config.cursorSecret ??= settings.cursorSecret;
  const logger = workerLogger(createLogger(process.stderr, false, config.logLevel), settings.worker);
  const cluster = joinCluster(settings);
  const database = await openServingDatabase(config);
  try {
    // L6: every worker verifies and signs when an auditor asks; the interval's (and the last) signer is the primary
    const checkpoints = await checkpointsOf(config, quiet);
    const gateway = await createGateway({ database, config, logger, checkpoints: checkpoints && { ...checkpoints, intervalMs: 0 }, cluster });
    const url = await gateway.listen(config.port, config.host);
    return { gateway, database, logger, url };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/** L6: the configured checkpoints; in development a key and a directory of the data directory; else off, said. */
async function checkpointsOf(config: Config, tell: (line: string) => void): Promise<CheckpointSettings | null> {
  const { signingKey, verifyKeys, dir, intervalMs } = config.checkpoints;
  if (signingKey && dir) return checkpointSettings(signingKey, verifyKeys, dir, intervalMs);
  const development = config.production ? null : await developmentCheckpointFiles(config);
  if (development) return checkpointSettings(development.privatePem, verifyKeys, dir ?? development.dir, intervalMs);
  tell('Signed checkpoints are off (CHECKPOINT_SIGNING_KEY, CHECKPOINT_DIR): deleting the newest access events would go unnoticed.');
  return null;
}

/** The banner, the demo tokens in development, and how long the start took (O7): once, whatever the processes. */
async function announce(config: Config, url: string, cast: typeof DEMO_CAST, started: number, supervisor?: Supervisor): Promise<void> {
  banner(config, url, cast, supervisor);
  if (config.jwt.generated && config.jwt.secret) await printDemoTokens(config.jwt.secret, url);
  say(`Ready in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

function banner(config: Config, url: string, cast: typeof DEMO_CAST, supervisor?: Supervisor): void {
  const base = url.replace(/\/graphql$/, '');
  const lines = [
    '',
    `Credit query gateway listening on ${url}`,
    `  GraphQL IDE ${config.graphqlIde ? `${url} (open it in a browser)` : 'off (GRAPHQL_IDE=1 turns it on)'}`,
    `  public credit website ${config.site ? `${base}/${config.siteApiUrl ? ` (reading ${config.siteApiUrl})` : ''}` : 'off (SITE=1 turns it on)'}`,
    `  health ${base}/healthz   readiness ${base}/readyz${config.metricsPort ? `   metrics :${config.metricsPort}/metrics` : ''}`,
    `Database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite at ${config.pgliteDir}`}`,
  ];
  if (supervisor) {
    const primary = ['supervises', ...(supervisor.signsCheckpoints ? ['signs checkpoints'] : []), ...(config.metricsPort ? ['serves the metrics'] : [])];
    lines.push(`Processes: ${config.processes} workers on one port (pids ${supervisor.pids().join(', ')}), up to ${config.poolSize} connections each; `
      + `rate limits ${config.limits.ratePerSecond > 0 ? `in ${config.limits.store === 'postgres' ? 'PostgreSQL' : 'memory'}` : 'off'}; `
      + `the primary (pid ${process.pid}) ${primary.join(', ')}`);
  }
  if (config.seedDemo) {
    lines.push(
      'Demo subjects:',
      `  enterprise           ${cast.enterprise}`,
      `  individual (adult)   ${cast.individual}`,
      `  individual (minor)   ${cast.minor}`,
      `  public institution   ${cast.publicInstitution}`,
      `  social organisation  ${cast.socialOrganization}`,
    );
  }
  say(lines.join('\n'));
}

async function printDemoTokens(secret: string, url: string): Promise<void> {
  const tokens = demoTokens(secret);
  const lines = ['Demo tokens (development secret kept in the data directory; each token valid 8 hours, `npm run token` makes more):'];
  for (const token of tokens) lines.push(`  ${token.label.padEnd(22)} ${token.token}`);
  // the same tokens as shell variables, for the README's curl examples: `source .demo-tokens.env`
  await writeFile('.demo-tokens.env', `${tokens.map((t) => `export ${t.variable}=${t.token}`).join('\n')}\nexport GATEWAY=${url}\n`);
  lines.push('(also written to .demo-tokens.env: `source .demo-tokens.env`)');
  lines.push(`Try: curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer <token>" \\`);
  lines.push(`       -d '{"query":"{ me { role organization { code } allowedPurposes } }"}'`);
  say(`${lines.join('\n')}\n`);
}

/** O4: the gateway stops accepting, finishes requests in flight, flushes the access log and closes its pool. */
async function closeGateway(config: Config, running: Running, tell: (line: string) => void, signal: string): Promise<number> {
  tell(`${signal}: finishing requests in flight (up to ${config.shutdownGraceMs} ms), then closing…`);
  try {
    await running.gateway.close(config.shutdownGraceMs);
    // a statement with no deadline (REQUEST_TIMEOUT_MS=0), one waiting on a lock say, would hold pool.end() for as long
    // as it runs: past the bound the process exits without it (its connection ends with the process; no answer was
    // sent for what it ran)
    const closed = await withinDeadline(running.database.close().then(() => true), SHUTDOWN_FLUSH_MS, performance.now());
    if (!closed) {
      running.logger.warn('shutdown: database connections still busy after every request ended; exiting without them', { waitedMs: SHUTDOWN_FLUSH_MS });
      tell('Stopped; database connections were still busy (see the log).');
      return 1;
    }
    tell('Stopped.');
    return 0;
  } catch (error) {
    process.stderr.write(`shutdown failed: ${explainStartupFailure(error, {})}\n`);
    return 1;
  }
}

/** SIGTERM and SIGINT (either, any number of times) run `stop` once, then exit with its code. */
function stopOnSignals(stop: (signal: string) => Promise<number>): void {
  let stopping: Promise<void> | null = null;
  const onSignal = (signal: string) => {
    // every log line of the stop is written before the process ends (src/logging.ts)
    stopping ??= stop(signal).then(async (code) => {
      await flushLogs();
      process.exit(code);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function main(): Promise<void> {
  const started = performance.now();
  const worker = workerSettings();
  /** a start-up failure: one line (a worker hands it to the primary, which prints it), exit 1 */
  const fail = async (line: string): Promise<never> => {
    if (worker) await reportStartupFailure(line);
    else process.stderr.write(`${line}\n`);
    process.exit(1);
  };
  // a signal during start-up stops it there (nothing is served yet; migrations run in transactions)
  const stopEarly = (signal: NodeJS.Signals) => {
    if (!worker) say(`${signal} during start-up: stopping.`);
    process.exit(0);
  };
  process.once('SIGINT', stopEarly);
  process.once('SIGTERM', stopEarly);
  const served = () => {
    process.off('SIGINT', stopEarly);
    process.off('SIGTERM', stopEarly);
  };
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    return fail(explainStartupFailure(error, {}));
  }
  // before migrations, seeding and traffic: no allocation site gets tenured on the way (src/v8-heap.ts)
  configurePretenuring(config.v8Pretenuring);
  const explain = (error: unknown) => explainStartupFailure(error, { databaseUrl: config.databaseUrl, port: config.port, host: config.host });

  if (worker) {
    let running: Running & { url: string };
    try {
      running = await startWorker(config, worker);
    } catch (error) {
      return fail(explain(error));
    }
    served();
    reportListening(running.url);
    // a worker gets SIGTERM from the primary, or SIGINT/SIGTERM with its whole process group (Ctrl-C, systemd)
    return stopOnSignals((signal) => closeGateway(config, running, quiet, signal));
  }

  if (config.processes > 1) {
    // O4: once workers are forked they may be serving; a signal from then on is kept until every worker is up and
    // then drains them all, instead of exiting the primary at once (Node's cluster would end the workers undrained)
    let pending: NodeJS.Signals | null = null;
    const keep = (signal: NodeJS.Signals) => {
      pending ??= signal;
    };
    const beforeFork = () => {
      served();
      process.on('SIGINT', keep);
      process.on('SIGTERM', keep);
    };
    let supervisor: Supervisor;
    try {
      supervisor = await startPrimary(config, started, beforeFork);
    } catch (error) {
      // workers that stopped with the signal (Ctrl-C reaches the whole process group) are not a failure
      if (pending) {
        say(`${pending} during start-up: stopped.`);
        process.exit(0);
      }
      return fail(error instanceof ClusterStartError ? error.message : explain(error));
    }
    process.off('SIGINT', keep);
    process.off('SIGTERM', keep);
    stopOnSignals(async (signal) => {
      say(`${signal}: every process finishes its requests in flight (up to ${config.shutdownGraceMs} ms), then closes…`);
      const code = await supervisor.stop();
      say(code === 0 ? 'Stopped.' : 'Stopped; a process did not stop cleanly (see the log).');
      return code;
    });
    if (pending) process.kill(process.pid, pending);
    return;
  }

  let running: Running;
  try {
    running = await start(config, started);
  } catch (error) {
    return fail(explain(error));
  }
  served();
  stopOnSignals((signal) => closeGateway(config, running, say, signal));
}

void main();
