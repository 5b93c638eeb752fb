import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from './config/config.js';
import { openDatabase, type Database } from './db/client.js';
import type { Logger } from './logging.js';
import { CheckpointSigner, type CheckpointSettings } from './modules/access-log/checkpoints.js';
import { explainStartupFailure } from './startup-errors.js';

/**
 * SPEC §11 scale-out on one machine: GATEWAY_PROCESSES gateway processes (node:cluster workers) behind one port,
 * under one primary process (src/main.ts starts either).
 *
 * The primary migrates and seeds once, then only supervises: it forks the workers, waits until each listens,
 * replaces one that dies (after a backoff, logged), and on SIGTERM or SIGINT passes a graceful shutdown (O4) on to
 * every worker and exits 0 once all have finished. It also holds what a deployment needs once, not once per process:
 * - the keys every worker must share (WorkerSettings, handed over in each worker's environment);
 * - the L6 checkpoint signer: one signer for the whole, whose checkpoint at shutdown is signed after every worker
 *   has drained, so it covers the last events of all of them;
 * - the metrics endpoint (O2): prom-client's AggregatorRegistry sums the workers' registries on METRICS_PORT, and a
 *   worker answering /metrics behind METRICS_TOKEN asks the primary for the same sum.
 * Each worker is a whole gateway with a pool of its own (DATABASE_POOL_SIZE connections). Rate limits hold across
 * workers because their buckets live in PostgreSQL (RATE_LIMIT_STORE=postgres, the default with several processes).
 */

/** What the primary hands each worker: which one it is, and the keys all of them must share. */
export interface WorkerSettings {
  /** 1…N; a replaced worker keeps its number */
  worker: number;
  /** O7: the development JWT secret kept in the data directory (null when JWT_SECRET or JWT_PUBLIC_KEY is set) */
  jwtSecret: string | null;
  /** §10.3: a cursor key for this start when neither CURSOR_SECRET nor a JWT secret provides one (null otherwise) */
  cursorSecret: string | null;
  /** WEB1: the key the website's loopback calls carry; any worker may receive them, so all know it */
  siteKey: string;
}

export type SharedKeys = Omit<WorkerSettings, 'worker'>;

/** Read once by the worker and removed from its environment (nothing it starts inherits the keys). */
const SETTINGS_VARIABLE = 'GATEWAY_WORKER_SETTINGS';

type FromWorker =
  | { type: 'cqg:listening'; url: string }
  | { type: 'cqg:failed'; line: string }
  | { type: 'cqg:metrics?'; id: number };

type ToWorker = { type: 'cqg:metrics'; id: number; contentType?: string; body?: string; error?: string };

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

// ---- in a worker ------------------------------------------------------------------------------------------------

/** This process's settings when it is a worker of a primary; null in the primary or a process serving alone. */
export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings | null {
  const raw = env[SETTINGS_VARIABLE];
  if (!cluster.isWorker || !raw) return null;
  delete env[SETTINGS_VARIABLE];
  return JSON.parse(raw) as WorkerSettings;
}

/** What a gateway in a worker does differently (src/server.ts): the cluster's website key, metrics for the primary. */
export interface ClusterMembership {
  siteKey: string;
  /** the primary collects this registry (prom-client's AggregatorRegistry) and serves the sum of all workers' */
  shareMetrics(registry: Registry): void;
  /** the sum of all workers' metrics, from the primary (for /metrics behind METRICS_TOKEN) */
  metricsText(): Promise<{ contentType: string; body: string }>;
}

const METRICS_ANSWER_TIMEOUT_MS = 6_000;

export function joinCluster(settings: WorkerSettings): ClusterMembership {
  // answers the primary's collection requests from now on (an empty registry until the gateway shares its own),
  // so that a scrape while this worker starts does not wait for it until prom-client's timeout
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, { resolve(text: { contentType: string; body: string }): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  process.on('message', (message: unknown) => {
    if (!isMessage<ToWorker>(message, 'cqg:metrics')) return;
    const pending = waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error !== undefined || message.body === undefined) pending.reject(new Error(`metrics unavailable: ${message.error ?? 'no answer'}`));
    else pending.resolve({ contentType: message.contentType ?? 'text/plain; version=0.0.4; charset=utf-8', body: message.body });
  });
  return {
    siteKey: settings.siteKey,
    shareMetrics: (registry) => AggregatorRegistry.setRegistries([registry]),
    metricsText: () => new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary process did not answer with metrics'));
      }, METRICS_ANSWER_TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      process.send!({ type: 'cqg:metrics?', id } satisfies FromWorker);
    }),
  };
}

/** Every log line of a worker says which one wrote it (never its keys). */
export function workerLogger(logger: Logger, worker: number): Logger {
  return {
    info: (message, fields) => logger.info(message, { worker, ...fields }),
    warn: (message, fields) => logger.warn(message, { worker, ...fields }),
    error: (message, fields) => logger.error(message, { worker, ...fields }),
  };
}

export function reportListening(url: string): void {
  process.send?.({ type: 'cqg:listening', url } satisfies FromWorker);
}

/** The worker's one-line start-up failure, for the primary to print (the worker exits 1 after it). */
export function reportStartupFailure(line: string): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send({ type: 'cqg:failed', line } satisfies FromWorker, () => resolve());
  });
}

// ---- in the primary ---------------------------------------------------------------------------------------------

export interface SupervisorOptions {
  config: Config;
  logger: Logger;
  shared: SharedKeys;
  /** L6: signed by the primary alone (the workers verify, and sign only when an auditor asks) */
  checkpoints: CheckpointSettings | null;
}

export interface Supervisor {
  /** the URL every worker serves */
  readonly url: string;
  /** the workers' process ids, by worker number */
  pids(): number[];
  /** L6: the primary signs checkpoints (configured, with an interval) */
  readonly signsCheckpoints: boolean;
  /** O4 for the whole: every worker finishes its requests and closes; then the last checkpoint. The exit code. */
  stop(): Promise<number>;
}

/** A start-up failure of the workers, as the one line to print (O7). */
export class ClusterStartError extends Error {}

/** How long a worker may take to listen (the primary has migrated already: a worker only builds its schema). */
const START_TIMEOUT_MS = 120_000;
/** On top of SHUTDOWN_GRACE_MS: flushing the access log and closing the pool, before a worker is killed. */
const STOP_MARGIN_MS = 15_000;
/** A replaced worker waits FIRST_BACKOFF_MS, doubled for each failure in a row up to MAX_BACKOFF_MS ... */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** ... and a worker that ran this long starts the count afresh. */
const STABLE_AFTER_MS = 60_000;

interface Slot {
  number: number;
  worker: Worker | null;
  startedAt: number;
  /** exits in a row, each soon after its start */
  failures: number;
  restart: NodeJS.Timeout | null;
  listening: boolean;
  /** the line the worker reported before it exited at start-up */
  failure: string | null;
  /** the worker's exit code (null: killed by a signal), once it has exited */
  exited: Promise<number | null>;
}

const afterChannelClosed = (worker: Worker, then: () => void) => {
  if (worker.isConnected()) worker.once('disconnect', then);
  else then();
};

export async function superviseWorkers(options: SupervisorOptions): Promise<Supervisor> {
  const { config, logger } = options;
  if (cluster.isWorker) {
    throw new ClusterStartError('GATEWAY_PROCESSES is above 1 in a process that is itself a cluster worker (pm2 in cluster mode?): set GATEWAY_PROCESSES=1 there');
  }
  const count = config.processes;
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    number: i + 1, worker: null, startedAt: 0, failures: 0, restart: null, listening: false, failure: null, exited: Promise.resolve(0),
  }));
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let url = '';
  let started!: { resolve(): void; reject(error: Error): void };
  const metricsWanted = config.metricsPort > 0 || Boolean(config.metricsToken);
  const aggregator = metricsWanted ? new AggregatorRegistry() : null;

  const answerMetrics = (worker: Worker, id: number) => {
    const reply = (message: ToWorker) => {
      if (worker.isConnected()) worker.send(message);
    };
    if (!aggregator) return reply({ type: 'cqg:metrics', id, error: 'metrics are off' });
    aggregator.clusterMetrics().then(
      (body) => reply({ type: 'cqg:metrics', id, contentType: aggregator.contentType, body }),
      (error: Error) => reply({ type: 'cqg:metrics', id, error: error.message }),
    );
  };

  const fork = (slot: Slot) => {
    const worker = cluster.fork({ [SETTINGS_VARIABLE]: JSON.stringify({ worker: slot.number, ...options.shared } satisfies WorkerSettings) });
    Object.assign(slot, { worker, startedAt: Date.now(), listening: false, failure: null });
    slot.exited = new Promise((resolve) => worker.once('exit', (code: number | null) => resolve(code)));
    // a message to a worker that just died fails on its channel: never a crash of the primary
    worker.on('error', (error: Error) => logger.warn('gateway worker channel error', { worker: slot.number, error }));
    worker.on('message', (message: unknown) => {
      if (isMessage<Extract<FromWorker, { type: 'cqg:metrics?' }>>(message, 'cqg:metrics?')) return answerMetrics(worker, message.id);
      if (isMessage<Extract<FromWorker, { type: 'cqg:failed' }>>(message, 'cqg:failed')) slot.failure = message.line;
      if (!isMessage<Extract<FromWorker, { type: 'cqg:listening' }>>(message, 'cqg:listening')) return;
      slot.listening = true;
      url ||= message.url;
      if (phase === 'running') logger.info('gateway worker replaced', { worker: slot.number, pid: worker.process.pid });
      if (phase === 'starting' && slots.every((s) => s.listening)) started.resolve();
    });
    // after the channel has closed as well: a start-up failure's line may still be on its way when 'exit' fires
    worker.on('exit', (code: number | null, signal: string | null) => afterChannelClosed(worker, () => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      if (phase === 'stopping') return;
      if (phase === 'starting') {
        started.reject(new ClusterStartError(slot.failure
          ?? `gateway worker ${slot.number} of ${count} exited (${signal ?? `code ${code}`}) before it listened; its output is above`));
        return;
      }
      slot.failures = Date.now() - slot.startedAt >= STABLE_AFTER_MS ? 1 : slot.failures + 1;
      const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (slot.failures - 1));
      logger.error('gateway worker exited; replacing it', {
        worker: slot.number, pid: worker.process.pid, code: code ?? undefined, signal: signal ?? undefined, reason: slot.failure ?? undefined, restartInMs: delay,
      });
      slot.restart = setTimeout(() => {
        slot.restart = null;
        if (phase === 'running') fork(slot);
      }, delay);
    }));
  };

  /** Every worker asked to finish (SIGTERM: its own O4 shutdown), killed past the deadline; true when all exited 0. */
  const stopWorkers = async (deadlineMs: number): Promise<boolean> => {
    let clean = true;
    const running = slots.filter((slot) => slot.worker);
    for (const slot of slots) if (slot.restart) clearTimeout(slot.restart);
    await Promise.all(running.map(async (slot) => {
      const worker = slot.worker!;
      worker.process.kill('SIGTERM');
      const timer = setTimeout(() => {
        logger.error('gateway worker did not stop in time; killing it', { worker: slot.number, pid: worker.process.pid, afterMs: deadlineMs });
        worker.process.kill('SIGKILL');
      }, deadlineMs);
      const code = await slot.exited;
      clearTimeout(timer);
      if (code !== 0) clean = false;
    }));
    return clean;
  };

  // METRICS_PORT first: a port in use fails the start before any worker is forked
  let metricsServer: http.Server | null = null;
  if (aggregator && config.metricsPort > 0) {
    metricsServer = http.createServer((req, res) => {
      if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        return res.end('{"error":"not found"}');
      }
      aggregator.clusterMetrics().then((body) => {
        res.writeHead(200, { 'content-type': aggregator.contentType });
        res.end(body);
      }, () => {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"error":"metrics unavailable"}');
      });
    });
    const server = metricsServer;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new ClusterStartError(explainStartupFailure(error, { port: config.metricsPort, host: config.host }))));
      server.listen(config.metricsPort, config.host, () => resolve());
    });
  }
  const closeMetrics = () => (metricsServer ? new Promise<void>((resolve) => metricsServer!.close(() => resolve())) : Promise.resolve());

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ClusterStartError(`the gateway workers did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      started = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      slots.forEach(fork);
    });
  } catch (error) {
    phase = 'stopping';
    await stopWorkers(5_000);
    await closeMetrics();
    throw error;
  }
  phase = 'running';

  // L6: one signer for every worker (theirs have no interval); it signs once more after they all have drained
  let signerDatabase: Database | null = null;
  let signer: CheckpointSigner | null = null;
  if (options.checkpoints && options.checkpoints.intervalMs > 0) {
    signerDatabase = await openDatabase({ url: config.databaseUrl, poolSize: 1 });
    signer = new CheckpointSigner(signerDatabase.db, options.checkpoints, () => new Date(), logger);
    signer.start();
  }

  let stopping: Promise<number> | null = null;
  return {
    url,
    signsCheckpoints: signer !== null,
    pids: () => slots.map((slot) => slot.worker?.process.pid ?? 0),
    stop() {
      stopping ??= (async () => {
        phase = 'stopping';
        const clean = await stopWorkers(config.shutdownGraceMs + STOP_MARGIN_MS);
        await signer?.stop();
        await signerDatabase?.close().catch(() => undefined);
        await closeMetrics();
        return clean ? 0 : 1;
      })();
      return stopping;
    },
  };
}
