import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * `npm run db:standby`: a local PostgreSQL streaming standby of a primary, for the read replica
 * (DATABASE_REPLICA_URL, README "Read replica") in tests and benchmarks. A Debian cluster (postgresql-common:
 * pg_createcluster) of the primary's major version, its data directory replaced by `pg_basebackup -R -X stream`
 * through a replication slot of the same name, hot_standby_feedback on (so the primary's vacuum keeps the rows a
 * standby query still reads, and fewer replica queries are cancelled by recovery conflicts), at a free port.
 *
 *   npm run db:standby -- [--primary URL] [--name cqg_standby] [--port N] [--allow-replication]
 *   npm run db:standby -- --drop [--name cqg_standby]
 *
 * `--primary` defaults to DATABASE_URL and must reach the primary as a superuser (or a REPLICATION role) over TCP on
 * this machine. The standby copies the whole primary cluster (every database). Its authentication is `trust` on
 * localhost, like the development server it copies: a tool for this machine, not a production setup.
 * The primary must admit replication connections (a `replication` line in its pg_hba.conf); when it does not, the
 * script says so and stops — `--allow-replication` appends `host replication all 127.0.0.1/32 trust` and reloads
 * it. `--drop` stops and removes the standby and drops its slot on the primary (a forgotten slot keeps WAL forever).
 * test/support/throwaway-cluster.ts makes its test standbys with these functions.
 */

const run = promisify(execFile);
const ETC = '/etc/postgresql';
/** primary settings a hot standby needs at least as large (else it refuses to start) */
const NOT_SMALLER_ON_STANDBY = ['max_connections', 'max_prepared_transactions', 'max_locks_per_transaction', 'max_worker_processes', 'max_wal_senders'];
export const DEFAULT_STANDBY_NAME = 'cqg_standby';
export const REPLICATION_HBA_LINE = 'host replication all 127.0.0.1/32 trust';

export interface StandbyOptions {
  /** the primary, as a superuser or REPLICATION role, over TCP */
  primaryUrl: string;
  /** the Debian cluster's name, also the replication slot's ([a-z0-9_]) */
  name: string;
  /** default: a free port */
  port?: number;
  /** append REPLICATION_HBA_LINE to the primary's pg_hba.conf and reload it when no line admits replication */
  allowReplication?: boolean;
  /** more server settings of the standby (tests: fsync=off) */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Standby {
  version: string;
  name: string;
  port: number;
  /** the replication slot on the primary */
  slot: string;
  /** the standby's URL for one database of the primary (default: the primary URL's database) */
  urlOf(database?: string): string;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

interface PrimaryFacts {
  version: string;
  settings: Record<string, string>;
  /** null: pg_hba_file_rules not readable (not a superuser): pg_basebackup will tell */
  replicationLines: number | null;
  hbaFile: string;
  slotExists: boolean;
  bytes: number;
}

async function primaryFacts(url: string, slot: string): Promise<PrimaryFacts> {
  return withClient(url, async (client) => {
    const one = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0] as Record<string, unknown>;
    const versionNum = Number((await one('SHOW server_version_num')).server_version_num);
    const names = ['wal_level', 'hba_file', ...NOT_SMALLER_ON_STANDBY];
    const { rows } = await client.query('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [names]);
    const settings = Object.fromEntries(rows.map((r: { name: string; setting: string }) => [r.name, r.setting]));
    let replicationLines: number | null = null;
    try {
      replicationLines = Number((await one(`SELECT count(*) AS n FROM pg_hba_file_rules WHERE error IS NULL AND 'replication' = ANY(database)`)).n);
    } catch {
      replicationLines = null;
    }
    const slotExists = Boolean((await one('SELECT count(*) > 0 AS found FROM pg_replication_slots WHERE slot_name = $1', [slot])).found);
    const bytes = Number((await one('SELECT sum(pg_database_size(datname))::bigint AS bytes FROM pg_database')).bytes);
    return { version: String(Math.floor(versionNum / 10_000)), settings, replicationLines, hbaFile: settings.hba_file, slotExists, bytes };
  });
}

/** Why the primary cannot feed a standby as it is configured, or null. */
export function replicationRefusal(facts: Pick<PrimaryFacts, 'settings' | 'replicationLines' | 'hbaFile'>): string | null {
  if (facts.settings.wal_level === 'minimal') return 'the primary runs with wal_level=minimal; set wal_level=replica and restart it';
  if (Number(facts.settings.max_wal_senders) < 1) return 'the primary has max_wal_senders=0; raise it and restart it';
  if (facts.replicationLines === 0) {
    return `the primary's ${facts.hbaFile} has no line for replication connections (a "replication" database entry; "all" does not `
      + `cover them). Add "${REPLICATION_HBA_LINE}" and reload it (SELECT pg_reload_conf()), or run this again with --allow-replication to do exactly that`;
  }
  return null;
}

/** Appends REPLICATION_HBA_LINE to the primary's pg_hba.conf (a file on this machine) and reloads the configuration. */
export async function allowReplication(primaryUrl: string, hbaFile: string): Promise<void> {
  const host = new URL(primaryUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`--allow-replication edits a pg_hba.conf on this machine; the primary is at ${host}`);
  appendFileSync(hbaFile, `\n# added by npm run db:standby -- --allow-replication\n${REPLICATION_HBA_LINE}\n`);
  await withClient(primaryUrl, (client) => client.query('SELECT pg_reload_conf()'));
}

function binary(version: string, name: string): string {
  const file = path.join('/usr/lib/postgresql', version, 'bin', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: install the PostgreSQL ${version} server package`);
  return file;
}

async function ctl(version: string, name: string, action: 'start' | 'stop', mode?: 'fast' | 'immediate'): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', ...(mode ? ['-m', mode] : []), version, name, action], { timeout: 120_000 });
}

/** The Debian data directory of a cluster (data_directory in its postgresql.conf). */
function dataDirectory(version: string, name: string): string {
  const conf = readFileSync(path.join(ETC, version, name, 'postgresql.conf'), 'utf8');
  const match = /^\s*data_directory\s*=\s*'([^']+)'/m.exec(conf);
  if (!match) throw new Error(`no data_directory in ${ETC}/${version}/${name}/postgresql.conf`);
  return match[1];
}

/** Resolves once `url` answers as a standby whose WAL receiver streams from the primary. */
export async function waitForStreaming(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not yet connected';
  while (Date.now() < deadline) {
    try {
      const state = await withClient(url, async (client) => (await client.query(
        `SELECT pg_is_in_recovery() AS recovering, (SELECT status FROM pg_stat_wal_receiver) AS receiver`,
      )).rows[0] as { recovering: boolean; receiver: string | null });
      if (!state.recovering) throw new Error('the new server is not in recovery: it is not a standby');
      if (state.receiver === 'streaming') return;
      last = `WAL receiver ${state.receiver ?? 'not running'}`;
    } catch (error) {
      if ((error as Error).message.includes('not a standby')) throw error;
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the standby did not start streaming within ${timeoutMs} ms (${last})`);
}

/**
 * Creates, starts and waits for a streaming standby of `primaryUrl` (see the file's comment). On failure nothing is
 * left behind: the cluster is dropped and the slot too.
 */
export async function createStandby(options: StandbyOptions): Promise<Standby> {
  const log = options.log ?? (() => undefined);
  const { name } = options;
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`the standby's name "${name}" must be lower-case letters, digits and _ (it names the replication slot too)`);
  const primary = new URL(options.primaryUrl);
  let facts = await primaryFacts(options.primaryUrl, name);
  const refusal = replicationRefusal(facts);
  if (refusal && facts.replicationLines === 0 && options.allowReplication) {
    log(`adding "${REPLICATION_HBA_LINE}" to ${facts.hbaFile} and reloading the primary`);
    await allowReplication(options.primaryUrl, facts.hbaFile);
    facts = await primaryFacts(options.primaryUrl, name);
  }
  const stillRefused = replicationRefusal(facts);
  if (stillRefused) throw new Error(stillRefused);
  if (facts.slotExists) throw new Error(`the primary has a replication slot "${name}" already: drop the old standby first (--drop --name ${name}) or choose another --name`);
  const { version } = facts;
  if (existsSync(path.join(ETC, version, name))) throw new Error(`a cluster ${version}/${name} exists already (pg_lsclusters); --drop --name ${name} removes it`);
  const basebackup = binary(version, 'pg_basebackup');
  const port = options.port ?? (await freePort());
  log(`creating cluster ${version}/${name} on port ${port} and copying the primary (${(facts.bytes / 1e6).toFixed(0)} MB) with pg_basebackup…`);

  let created = false;
  try {
    await run('pg_createcluster', [version, name, '-p', String(port), '--start-conf=manual', '-q', '--', '--auth=trust', '--no-sync'], { timeout: 120_000 });
    created = true;
    const dataDir = dataDirectory(version, name);
    for (const entry of readdirSync(dataDir)) rmSync(path.join(dataDir, entry), { recursive: true, force: true });
    // -R: standby.signal and primary_conninfo (+ primary_slot_name) in postgresql.auto.conf; -C -S: a slot of the same name
    await run(basebackup, [
      '-h', primary.hostname, '-p', primary.port || '5432', '-U', decodeURIComponent(primary.username || 'postgres'),
      '-D', dataDir, '-R', '-X', 'stream', '-C', '-S', name, '-c', 'fast', '--no-sync', '-w',
    ], { timeout: 30 * 60_000, env: { ...process.env, ...(primary.password ? { PGPASSWORD: decodeURIComponent(primary.password) } : {}) } });
    // postgresql.auto.conf (copied from the primary, read after postgresql.conf) has the last word: the standby's own
    // settings go there, with the primary's values for those a hot standby needs at least as large
    const own: Record<string, string> = {
      port: String(port), hot_standby: 'on', hot_standby_feedback: 'on',
      ...Object.fromEntries(NOT_SMALLER_ON_STANDBY.map((setting) => [setting, facts.settings[setting]])),
      ...options.settings,
    };
    appendFileSync(path.join(dataDir, 'postgresql.auto.conf'), `# npm run db:standby\n${Object.entries(own).map(([k, v]) => `${k} = '${v}'`).join('\n')}\n`);
    await run('chown', ['-R', 'postgres:postgres', dataDir]);
    await run('chmod', ['700', dataDir]);
    await ctl(version, name, 'start');
    const standby: Standby = {
      version, name, port, slot: name,
      urlOf(database = databaseOf(options.primaryUrl)) {
        const url = new URL(options.primaryUrl);
        url.hostname = '127.0.0.1';
        url.port = String(port);
        url.pathname = `/${encodeURIComponent(database)}`;
        return url.toString();
      },
    };
    await waitForStreaming(standby.urlOf());
    return standby;
  } catch (error) {
    if (created) spawnSync('pg_dropcluster', ['--stop', version, name], { stdio: 'ignore' });
    // the slot did not exist before (checked above): whatever pg_basebackup created goes
    await dropSlot(options.primaryUrl, name).catch(() => undefined);
    throw error;
  }
}

async function dropSlot(primaryUrl: string, slot: string): Promise<boolean> {
  return withClient(primaryUrl, async (client) => {
    const { rows } = await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]);
    return rows.length > 0;
  });
}

/** The primary a standby streams from, read from its primary_conninfo (libpq key=value), and its slot. */
function primaryOf(dataDir: string): { url: string; slot: string } | null {
  const file = path.join(dataDir, 'postgresql.auto.conf');
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const conninfo = /^\s*primary_conninfo\s*=\s*'((?:[^']|'')*)'/m.exec(text)?.[1]?.replace(/''/g, "'");
  const slot = /^\s*primary_slot_name\s*=\s*'([^']*)'/m.exec(text)?.[1];
  if (!conninfo || !slot) return null;
  const pairs = Object.fromEntries([...conninfo.matchAll(/(\w+)=('(?:[^'\\]|\\.)*'|\S+)/g)].map((m) => [m[1], m[2].replace(/^'|'$/g, '').replace(/\\(.)/g, '$1')]));
  const url = new URL('postgres://localhost/postgres');
  url.hostname = pairs.host ?? '127.0.0.1';
  url.port = pairs.port ?? '5432';
  url.username = encodeURIComponent(pairs.user ?? 'postgres');
  if (pairs.password) url.password = encodeURIComponent(pairs.password);
  return { url: url.toString(), slot };
}

/** The versions under which a cluster `name` exists. */
function versionsOf(name: string): string[] {
  return existsSync(ETC) ? readdirSync(ETC).filter((v) => existsSync(path.join(ETC, v, name, 'postgresql.conf'))) : [];
}

/** Stops and removes the standby `name` and drops its slot on its primary; idempotent. */
export async function dropStandby(name: string, log: (line: string) => void = () => undefined): Promise<void> {
  for (const version of versionsOf(name)) {
    let primary: { url: string; slot: string } | null = null;
    try {
      primary = primaryOf(dataDirectory(version, name));
    } catch {
      primary = null;
    }
    await run('pg_dropcluster', ['--stop', version, name], { timeout: 120_000 });
    log(`dropped cluster ${version}/${name}`);
    if (primary) {
      try {
        if (await dropSlot(primary.url, primary.slot)) log(`dropped replication slot ${primary.slot} on the primary`);
      } catch (error) {
        log(`could not drop replication slot ${primary.slot} on the primary (${(error as Error).message}): drop it there, or it keeps WAL`);
      }
    }
  }
}

/** Pauses or resumes WAL replay on a standby (tests: a standby that falls behind while it still answers). */
export async function setReplayPaused(standbyUrl: string, paused: boolean): Promise<void> {
  await withClient(standbyUrl, (client) => client.query(paused ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()'));
}

/** Resolves once the standby has replayed everything the primary had flushed when this was called. */
export async function waitForReplay(primaryUrl: string, standbyUrl: string, timeoutMs = 30_000): Promise<void> {
  const target = await withClient(primaryUrl, async (client) => String((await client.query('SELECT pg_current_wal_flush_lsn() AS lsn')).rows[0].lsn));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const caughtUp = await withClient(standbyUrl, async (client) => Boolean((await client.query(
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [target],
    )).rows[0].done));
    if (caughtUp) return;
    if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${target} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function argument(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const name = argument(args, '--name') ?? DEFAULT_STANDBY_NAME;
  if (args.includes('--drop')) {
    if (versionsOf(name).length === 0) say(`no cluster named ${name}: nothing to drop`);
    await dropStandby(name, say);
    return;
  }
  const primaryUrl = argument(args, '--primary') ?? process.env.DATABASE_URL;
  if (!primaryUrl) throw new Error('which primary? pass --primary postgres://… or set DATABASE_URL');
  const port = argument(args, '--port');
  const standby = await createStandby({
    primaryUrl, name, port: port ? Number(port) : undefined, allowReplication: args.includes('--allow-replication'), log: say,
  });
  say(`standby ${standby.version}/${standby.name} streams from the primary through slot ${standby.slot} (hot_standby_feedback on)`);
  say(`DATABASE_REPLICA_URL=${standby.urlOf()}`);
  say(`remove it with: npm run db:standby -- --drop --name ${standby.name}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`db:standby: ${error.message}\n`);
    process.exit(1);
  });
}
