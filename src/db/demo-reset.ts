import { lstat, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../config/config.js';
import { DEV_SECRET_FILE_NAME, readDevSecret } from '../config/dev-secret.js';
import { openDatabase, type Database } from './client.js';
import { migrateDatabase } from './migrate.js';
import { seedDemo, type DemoSummary } from './seed/demo.js';

/**
 * `npm run demo:reset`: starts the demo over, so the README's walk-through answers as shown again.
 * - Embedded database: removes the PGLITE_DIR data directory (default ./.data) — only when it is a PGlite data
 *   directory that no gateway has open — keeping the development JWT secret in it (the tokens printed before stay
 *   valid), then migrates and loads the demo data set.
 * - DATABASE_URL: only with `--yes`, drops the gateway's schemas (`public` and drizzle's bookkeeping `drizzle`), then
 *   migrates and loads the demo data set.
 * Every refusal is one line on stderr and exit code 1.
 */
export class DemoResetRefused extends Error {}

export interface DemoResetOptions {
  databaseUrl?: string;
  pgliteDir: string;
  /** DATABASE_URL: consent to drop every table; PGlite: open the directory although postmaster.pid says it is in use */
  yes: boolean;
  /** the instant the demo is seeded at (npm start: the present) */
  now: Date;
  /** the size of the demo population (tests); default that of npm start */
  subjects?: number;
  say(line: string): void;
}

/** Files and directories every PostgreSQL (and so PGlite) data directory has. */
const PGLITE_MARKERS = [{ name: 'PG_VERSION', dir: false }, { name: 'base', dir: true }, { name: 'global', dir: true }];
/** PGlite writes it while a process has the database open and removes it on close. */
const IN_USE_MARKER = 'postmaster.pid';

type DirectoryState = 'missing' | 'link' | 'empty' | 'pglite' | 'other';

async function directoryState(dir: string): Promise<DirectoryState> {
  let info;
  try {
    info = await lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  if (info.isSymbolicLink()) return 'link'; // never followed
  if (!info.isDirectory()) return 'other';
  if ((await readdir(dir)).length === 0) return 'empty';
  for (const marker of PGLITE_MARKERS) {
    const found = await stat(path.join(dir, marker.name)).catch(() => null);
    if (!found || found.isDirectory() !== marker.dir) return 'other';
  }
  return 'pglite';
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null)) !== null;
}

/** A URL fit to print: no user name or password. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

async function resetEmbedded(options: DemoResetOptions): Promise<Database> {
  const dir = options.pgliteDir;
  if (dir.startsWith('memory://')) throw new DemoResetRefused(`PGLITE_DIR=${dir} is a throw-away database: there is nothing to reset.`);
  const state = await directoryState(dir);
  if (state === 'link') throw new DemoResetRefused(`refusing to remove ${dir}: it is a symbolic link; set PGLITE_DIR to the directory itself.`);
  if (state === 'other') {
    throw new DemoResetRefused(`refusing to remove ${dir}: it is not a PGlite data directory (no PG_VERSION, base/ and global/).`);
  }
  let secret: string | null = null;
  if (state === 'pglite') {
    if (!options.yes && (await exists(path.join(dir, IN_USE_MARKER)))) {
      throw new DemoResetRefused(`refusing to remove ${dir}: a gateway has it open (${IN_USE_MARKER}); stop npm start first, or add --yes if none is running.`);
    }
    secret = await readDevSecret(path.join(dir, DEV_SECRET_FILE_NAME));
    await rm(dir, { recursive: true, force: true });
    options.say(`Removed the PGlite data directory ${dir}.`);
  } else {
    options.say(state === 'missing' ? `No data directory at ${dir} yet: creating it.` : `${dir} is empty: using it.`);
  }
  const database = await openDatabase({ pgliteDir: dir });
  if (secret) {
    // written after PGlite has initialised the new directory (src/config/dev-secret.ts keeps it there)
    await writeFile(path.join(dir, DEV_SECRET_FILE_NAME), `${secret}\n`, { mode: 0o600 });
    options.say('Kept the development JWT secret: the demo tokens printed before stay valid.');
  }
  return database;
}

async function resetPostgres(url: string, options: DemoResetOptions): Promise<Database> {
  const where = describeUrl(url);
  if (!options.yes) {
    throw new DemoResetRefused(`refusing to drop every table of ${where} (DATABASE_URL) without --yes: npm run demo:reset -- --yes`);
  }
  const database = await openDatabase({ url, poolSize: 1 });
  try {
    await database.db.transaction(async (tx) => {
      await tx.execute(sql.raw('DROP SCHEMA IF EXISTS public CASCADE'));
      await tx.execute(sql.raw('DROP SCHEMA IF EXISTS drizzle CASCADE'));
      await tx.execute(sql.raw('CREATE SCHEMA public'));
      await tx.execute(sql.raw('GRANT USAGE ON SCHEMA public TO PUBLIC'));
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  options.say(`Dropped the schemas public and drizzle of ${where}.`);
  return database;
}

/** Starts the demo over; returns what was loaded. Throws DemoResetRefused without touching anything. */
export async function resetDemo(options: DemoResetOptions): Promise<DemoSummary> {
  const database = options.databaseUrl ? await resetPostgres(options.databaseUrl, options) : await resetEmbedded(options);
  try {
    await migrateDatabase(database);
    options.say('Applied the migrations.');
    const seeded = await seedDemo(database.db, { now: options.now, subjects: options.subjects });
    if (!seeded) throw new Error('the demo data set was not loaded: the database still has subjects');
    options.say(`Loaded the demo data set: ${seeded.subjects} subjects, ${seeded.records} records (seeded at ${options.now.toISOString()}).`);
    return seeded;
  } finally {
    await database.close();
  }
}

/** The command line: `npm run demo:reset [-- --yes]`. Returns the exit code. */
export async function demoResetCli(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const unknown = argv.filter((arg) => arg !== '--yes');
  if (unknown.length > 0) {
    err(`demo:reset: unknown argument ${unknown[0]} (usage: npm run demo:reset [-- --yes])`);
    return 1;
  }
  try {
    const config = loadConfig(env);
    await resetDemo({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, yes: argv.includes('--yes'), now: new Date(), say: out });
    out('The demo is as new: start it with npm start (it prints the demo tokens and writes .demo-tokens.env).');
    return 0;
  } catch (error) {
    if (error instanceof DemoResetRefused || error instanceof ConfigError) {
      err(`demo:reset: ${error.message}`);
      return 1;
    }
    err(`demo:reset failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await demoResetCli(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
}
