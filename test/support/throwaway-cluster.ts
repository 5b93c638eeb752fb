import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createStandby, dropStandby, freePort, setReplayPaused, waitForReplay } from '../../scripts/standby.js';
import { openTestDatabase, type TestDatabase } from './db.js';

/**
 * A PostgreSQL cluster of a test's own (Debian's postgresql-common: pg_createcluster, pg_ctlcluster,
 * pg_dropcluster), for tests that stop, kill and restart the database server under a running gateway — which
 * they must never do to the shared server of the other suites. The cluster listens on localhost at a free port
 * with trust authentication, runs without fsync (nothing here must survive the machine, only the server: a
 * committed transaction is still in the WAL after an immediate stop), allows prepared transactions (a lock that
 * outlives every session and a restart), and is dropped by `drop()`, or at the latest
 * when the test process exits. Clusters left behind by a process that was killed are dropped by the next run.
 * Every such cluster can be a primary (wal_level=replica, and initdb's pg_hba.conf admits replication connections on
 * localhost): `createThrowawayStandby(cluster)` makes a streaming standby of it with `npm run db:standby`'s functions
 * (scripts/standby.ts), for the read-replica tests, which pause its replay and stop it.
 */

const run = promisify(execFile);
const PREFIX = 'cqgtmp';
const ETC = '/etc/postgresql';

export type StopMode = 'fast' | 'immediate';

export interface ThrowawayCluster {
  version: string;
  name: string;
  port: number;
  /** the cluster's maintenance database, as the superuser `postgres` */
  serverUrl: string;
  start(): Promise<void>;
  /** fast: ends sessions and shuts down cleanly; immediate: kills the server (crash recovery at the next start) */
  stop(mode: StopMode): Promise<void>;
  restart(mode: StopMode): Promise<void>;
  /** whether the server is running (pg_ctlcluster status) */
  running(): Promise<boolean>;
  /** a fresh database on this cluster with the repo's migrations applied (test/support/db.ts openTestDatabase) */
  createDatabase(): Promise<TestDatabase>;
  /** stops and removes the cluster (data, configuration, log); idempotent */
  drop(): Promise<void>;
}

/** The newest installed server version (/usr/lib/postgresql/<v>/bin/initdb), or null. */
function serverVersion(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ?? null;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Why no throw-away cluster can be made here (for describe.skipIf), or null when one can: the postgresql-common
 * tools and a server must be installed, and the user must be able to write the clusters' configuration (root).
 */
export function throwawayClusterUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  for (const tool of ['pg_createcluster', 'pg_ctlcluster', 'pg_dropcluster']) if (!onPath(tool)) return `${tool} is not installed`;
  const version = serverVersion();
  if (!version) return 'no PostgreSQL server installed under /usr/lib/postgresql';
  try {
    accessSync(path.join(ETC, version), constants.W_OK);
    accessSync(path.join('/var/lib/postgresql', version), constants.W_OK);
  } catch {
    return `cannot create clusters (no write access to ${ETC}/${version})`;
  }
  return null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops clusters of this helper whose creating process is gone (killed before its exit hook could run). */
function dropOrphans(version: string): void {
  const dir = path.join(ETC, version);
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const owner = new RegExp(`^${PREFIX}_(\\d+)_[0-9a-f]+$`).exec(name);
    if (owner && !processAlive(Number(owner[1]))) spawnSync('pg_dropcluster', ['--stop', version, name], { stdio: 'ignore' });
  }
}

async function ctl(version: string, name: string, action: 'start' | 'stop', mode?: StopMode): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', ...(mode ? ['-m', mode] : []), version, name, action], { timeout: 60_000 });
}

export async function createThrowawayCluster(): Promise<ThrowawayCluster> {
  const unavailable = throwawayClusterUnavailable();
  if (unavailable) throw new Error(`no throw-away PostgreSQL cluster: ${unavailable}`);
  const version = serverVersion()!;
  dropOrphans(version);
  const name = `${PREFIX}_${process.pid}_${randomBytes(4).toString('hex')}`;
  let dropped = false;
  const dropNow = () => {
    if (dropped) return;
    dropped = true;
    spawnSync('pg_dropcluster', ['--stop', version, name], { stdio: 'ignore' });
  };
  process.once('exit', dropNow);

  // another process may take the port between freePort() and the server's bind: then try the next one
  let port = 0;
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort();
    try {
      await run('pg_createcluster', [
        version, name, '-p', String(port), '--start-conf=manual', '-q',
        '-o', 'fsync=off', '-o', 'max_connections=60', '-o', 'max_prepared_transactions=4', '-o', 'wal_level=replica',
        '--', '--auth=trust', '--no-sync',
      ], { timeout: 60_000 });
      await ctl(version, name, 'start');
      break;
    } catch (error) {
      spawnSync('pg_dropcluster', ['--stop', version, name], { stdio: 'ignore' });
      if (attempt >= 3) {
        process.off('exit', dropNow);
        throw error;
      }
    }
  }

  const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    version,
    name,
    port,
    serverUrl,
    start: () => ctl(version, name, 'start'),
    stop: (mode) => ctl(version, name, 'stop', mode),
    async restart(mode) {
      await ctl(version, name, 'stop', mode);
      await ctl(version, name, 'start');
    },
    running: () => run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'status']).then(() => true, () => false),
    createDatabase: () => openTestDatabase('postgres', serverUrl),
    async drop() {
      if (dropped) return;
      dropped = true;
      process.off('exit', dropNow);
      await run('pg_dropcluster', ['--stop', version, name], { timeout: 60_000 });
    },
  };
}

/** A streaming standby of a throw-away cluster (scripts/standby.ts), dropped with `drop()` or at exit. */
export interface ThrowawayStandby {
  name: string;
  port: number;
  /** the standby's URL of one database of the primary, as the superuser `postgres` */
  urlOf(database: string): string;
  /** pg_wal_replay_pause(): it keeps answering, from an ever older state (a replica that falls behind) */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** resolves once it has replayed everything the primary had flushed when called */
  caughtUp(): Promise<void>;
  start(): Promise<void>;
  /** a replica that disappears (fast: sessions ended; immediate: killed) */
  stop(mode: StopMode): Promise<void>;
  running(): Promise<boolean>;
  /** stops and removes it, and drops its replication slot on the primary; idempotent */
  drop(): Promise<void>;
}

export async function createThrowawayStandby(primary: ThrowawayCluster): Promise<ThrowawayStandby> {
  const name = `${PREFIX}_${process.pid}_${randomBytes(4).toString('hex')}`;
  let dropped = false;
  const dropNow = () => {
    if (dropped) return;
    dropped = true;
    spawnSync('pg_dropcluster', ['--stop', primary.version, name], { stdio: 'ignore' });
  };
  process.once('exit', dropNow);
  let standby;
  try {
    standby = await createStandby({ primaryUrl: primary.serverUrl, name, settings: { fsync: 'off' } });
  } catch (error) {
    process.off('exit', dropNow);
    throw error;
  }
  const { version } = standby;
  const serverUrl = standby.urlOf('postgres');
  return {
    name,
    port: standby.port,
    urlOf: (database) => standby.urlOf(database),
    pauseReplay: () => setReplayPaused(serverUrl, true),
    resumeReplay: () => setReplayPaused(serverUrl, false),
    caughtUp: () => waitForReplay(primary.serverUrl, serverUrl),
    start: () => ctl(version, name, 'start'),
    stop: (mode) => ctl(version, name, 'stop', mode),
    running: () => run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'status']).then(() => true, () => false),
    async drop() {
      if (dropped) return;
      dropped = true;
      process.off('exit', dropNow);
      await dropStandby(name); // the cluster, and its slot on the primary
    },
  };
}
