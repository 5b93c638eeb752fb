import { writeFile } from 'node:fs/promises';
import { loadConfig, ConfigError } from './config/config.js';
import { openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { seedDemo, DEMO_CAST } from './db/seed/demo.js';
import { createGateway } from './server.js';
import { createLogger } from './logging.js';
import { demoTokens } from './auth/demo-tokens.js';

/** `npm start`: migrate, seed the demo data set into an empty embedded database, serve, print how to call it. */
async function main(): Promise<void> {
  const logger = createLogger();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
  await migrateDatabase(database);
  let cast = DEMO_CAST;
  if (config.seedDemo) {
    const seeded = await seedDemo(database.db, { now: new Date() });
    if (seeded) {
      logger.info('demo data set loaded', { subjects: seeded.subjects, records: seeded.records });
      cast = seeded.tokensFor; // the minor is re-cast when the fixed one has come of age
    }
  }
  const gateway = await createGateway({ database, config, logger });
  const url = await gateway.listen(config.port, process.env.HOST ?? '127.0.0.1');
  const lines = [
    '',
    `Credit query gateway listening on ${url}  (health: ${url.replace(/graphql$/, 'healthz')})`,
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
  if (config.jwt.generated && config.jwt.secret) {
    const tokens = demoTokens(config.jwt.secret);
    lines.push('Demo tokens (development secret generated for this run; valid 8 hours):');
    for (const token of tokens) lines.push(`  ${token.label.padEnd(22)} ${token.token}`);
    // the same tokens as shell variables, for the README's curl examples: `source .demo-tokens.env`
    await writeFile('.demo-tokens.env', `${tokens.map((t) => `export ${t.variable}=${t.token}`).join('\n')}\nexport GATEWAY=${url}\n`);
    lines.push('(also written to .demo-tokens.env: `source .demo-tokens.env`)');
    lines.push(`Try: curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer <token>" \\`);
    lines.push(`       -d '{"query":"{ me { role organization { code } allowedPurposes } }"}'`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  const shutdown = async () => {
    await gateway.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
