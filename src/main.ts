import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from './config/config.js';
import { developmentCheckpointFiles, devSecretFile, loadOrCreateDevSecret } from './config/dev-secret.js';
import { checkpointSettings, type CheckpointSettings } from './modules/access-log/checkpoints.js';
import { openDatabase, type Database } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { appliedMigrations, shippedMigrations } from './db/migration-status.js';
import { seedDemo, DEMO_CAST } from './db/seed/demo.js';
import { createGateway, type Gateway } from './server.js';
import { createLogger } from './logging.js';
import { demoTokens } from './auth/demo-tokens.js';
import { explainStartupFailure } from './startup-errors.js';

/**
 * `npm start` (and `npm run start:prod` from the build): migrate, seed the demo data set into an empty embedded
 * database, serve, print how to call it. Start-up says what it is doing (O7); every failure is one line on stderr
 * and exit code 1; SIGTERM and SIGINT shut down gracefully (O4) and exit 0.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);

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

async function start(config: Config, started: number): Promise<{ gateway: Gateway; database: Database }> {
  const logger = createLogger(process.stderr, false, config.logLevel);
  say(config.databaseUrl ? 'Connecting to PostgreSQL (DATABASE_URL)…' : `Opening the embedded database (PGlite) at ${config.pgliteDir}…`);
  // migrations and the demo seed run without the request deadline (a migration may build an index for minutes);
  // with PostgreSQL on a connection of their own, closed before serving starts
  const setup = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, poolSize: 1 });
  let cast = DEMO_CAST;
  try {
    cast = await prepare(config, setup);
  } catch (error) {
    await setup.close().catch(() => undefined);
    throw error;
  }
  let database = setup;
  if (config.databaseUrl) {
    await setup.close();
    database = await openDatabase({ url: config.databaseUrl, poolSize: config.poolSize, statementTimeoutMs: config.requestTimeoutMs });
  }
  try {
    if (config.jwt.generated) {
      // O7: the development secret survives restarts (kept in the data directory), so printed tokens keep working
      const file = devSecretFile(config);
      if (file) config.jwt.secret = await loadOrCreateDevSecret(file);
    }
    const checkpoints = await checkpointsOf(config);
    const gateway = await createGateway({ database, config, logger, checkpoints });
    const url = await gateway.listen(config.port, config.host);
    banner(config, database, url, cast);
    if (config.jwt.generated && config.jwt.secret) await printDemoTokens(config.jwt.secret, url);
    say(`Ready in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    return { gateway, database };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/** L6: the configured checkpoints; in development a key and a directory of the data directory; else off, said. */
async function checkpointsOf(config: Config): Promise<CheckpointSettings | null> {
  const { signingKey, verifyKeys, dir, intervalMs } = config.checkpoints;
  if (signingKey && dir) return checkpointSettings(signingKey, verifyKeys, dir, intervalMs);
  const development = config.production ? null : await developmentCheckpointFiles(config);
  if (development) return checkpointSettings(development.privatePem, verifyKeys, dir ?? development.dir, intervalMs);
  say('Signed checkpoints are off (CHECKPOINT_SIGNING_KEY, CHECKPOINT_DIR): deleting the newest access events would go unnoticed.');
  return null;
}

function banner(config: Config, database: Database, url: string, cast: typeof DEMO_CAST): void {
  const base = url.replace(/\/graphql$/, '');
  const lines = [
    '',
    `Credit query gateway listening on ${url}`,
    `  GraphQL IDE ${config.graphqlIde ? `${url} (open it in a browser)` : 'off (GRAPHQL_IDE=1 turns it on)'}`,
    `  public credit website ${config.site ? `${base}/${config.siteApiUrl ? ` (reading ${config.siteApiUrl})` : ''}` : 'off (SITE=1 turns it on)'}`,
    `  health ${base}/healthz   readiness ${base}/readyz${config.metricsPort ? `   metrics :${config.metricsPort}/metrics` : ''}`,
    `Database: ${database.driver === 'pglite' ? `embedded PGlite at ${config.pgliteDir}` : 'PostgreSQL (DATABASE_URL)'}`,
  ];
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

async function main(): Promise<void> {
  const started = performance.now();
  // a signal during start-up stops it there (nothing is served yet; migrations run in transactions)
  const stopEarly = (signal: NodeJS.Signals) => {
    say(`${signal} during start-up: stopping.`);
    process.exit(0);
  };
  process.once('SIGINT', stopEarly);
  process.once('SIGTERM', stopEarly);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${explainStartupFailure(error, {})}\n`);
    process.exit(1);
  }
  let running: { gateway: Gateway; database: Database };
  try {
    running = await start(config, started);
  } catch (error) {
    process.stderr.write(`${explainStartupFailure(error, { databaseUrl: config.databaseUrl, port: config.port, host: config.host })}\n`);
    process.exit(1);
  }
  process.off('SIGINT', stopEarly);
  process.off('SIGTERM', stopEarly);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: finishing requests in flight (up to ${config.shutdownGraceMs} ms), then closing…`);
    try {
      await running.gateway.close(config.shutdownGraceMs);
      await running.database.close();
      say('Stopped.');
      process.exit(0);
    } catch (error) {
      process.stderr.write(`shutdown failed: ${explainStartupFailure(error, {})}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
