import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import { TransactionRollbackError } from 'drizzle-orm';
import { DEFAULT_SUBJECT_RIGHTS, type Config } from './config/config.js';
import { workingCalendar } from '../policies/working-days.js';
import type { Database, Db } from './db/client.js';
import { createRequestContext, type RequestContext } from './context/request-context.js';
import { viewerFromAuthorization } from './auth/tokens.js';
import { findOrganizations } from './modules/organizations/organizations.repository.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { createApollo } from './graphql/apollo.js';
import { createCompiledExecution } from './graphql/compiled.js';
import { AUDIT_UNAVAILABLE_ANSWER, disclosuresStored } from './graphql/access-log.plugin.js';
import { AppError, RateLimitedError, UnauthenticatedError } from './errors/app-errors.js';
import { RateLimiter, SharedRateLimiter, type Limiter } from './http/rate-limit.js';
import { AccessLogWriter } from './modules/access-log/access-log.writer.js';
import { accessLogObserver } from './modules/access-log/access-log.observer.js';
import { appendEvents, prepareAccessLogPartitions } from './modules/access-log/access-log.repository.js';
import { CheckpointSigner, type CheckpointSettings } from './modules/access-log/checkpoints.js';
import type { Logger } from './logging.js';
import { configureCursorSecret } from './modules/pagination.js';
import { GatewayMetrics } from './http/metrics.js';
import { appliedMigrations, shippedMigrations } from './db/migration-status.js';
import { applyCors } from './http/cors.js';
import { serveIde } from './http/ide.js';
import { invalidRequestText } from './http/request-text.js';
import { applyTrustedDocuments, loadTrustedDocuments } from './http/trusted-documents.js';
import { clientAddressOf } from './http/client-address.js';
import { createSiteApi } from './web/api.js';
import { createSite, type Site } from './web/site.js';
import { logReplicaChanges, readDatabaseFor } from './db/replica.js';
import type { ClusterMembership } from './cluster.js';
import { configurePretenuring } from './v8-heap.js';

/**
 * O4: after the grace period, how long a shutdown still waits for the handlers of cut-off requests to store what they
 * disclosed, then for the access-log writer to finish, then (src/main.ts) for the database pool to close (each; within
 * the cluster's SHUTDOWN_GRACE_MS + 15 s).
 */
export const SHUTDOWN_FLUSH_MS = 5_000;

/** HTTP + Apollo wiring only (STYLE layout): /graphql (GET and POST), /healthz, /readyz, /metrics (O2, O3); the website (WEB1) at every other path. */
export interface GatewayOptions {
  database: Database;
  config: Pick<Config, 'jwt' | 'limits' | 'production'>
    & Partial<Pick<Config, 'subjectRights' | 'cursorSecret' | 'graphqlIde' | 'corsOrigins' | 'shutdownGraceMs' | 'metricsPort' | 'metricsToken'
      | 'requestTimeoutMs' | 'maxBodyBytes' | 'trustedDocuments' | 'trustedDocumentsFile' | 'trustProxy' | 'site' | 'siteApiUrl'
      | 'keepAliveTimeoutMs' | 'compiledExecution' | 'v8Pretenuring' | 'accessLogFolds'>>;
  logger: Logger;
  /** injectable clock (tests move it); each request reads it once */
  clock?: () => Date;
  /**
   * Only for the benchmark that measures what logging costs: serve without writing access events. Never
   * exposed through configuration — the product always logs (SPEC §6).
   */
  unsafeDisableAccessLogForBenchmark?: boolean;
  /** L6: signed checkpoints, every `intervalMs`, on demand (signCheckpoint) and at shutdown; null or unset: off */
  checkpoints?: CheckpointSettings | null;
  /**
   * §11 scale-out: this process is one of several workers on one port (src/cluster.ts): the website's key is the
   * cluster's (its loopback calls may reach any worker), and the primary serves the sum of every worker's metrics.
   */
  cluster?: ClusterMembership;
  /** issue 18: with COMPILED_EXECUTION=repeated, which request for a document compiles it (the test suites use 1) */
  compileAtSighting?: 1 | 2;
}

export interface Gateway {
  server: http.Server;
  listen(port: number, host?: string): Promise<string>;
  /** O4: true once shutdown began */
  readonly draining: boolean;
  close(graceMs?: number): Promise<void>;
}

/** The gateway's own paths; with the website on, every other path is one of its pages (or its 404 page). */
const GATEWAY_PATHS = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);

/** How this process reaches itself: loopback for a wildcard bind, else the bound address itself. */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** H2 default: 1 MiB */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/**
 * The body, up to `maxBytes` (H2). A larger one (by its content-length, or as it arrives) is refused: the rest is
 * read and dropped, so the client receives its 413 rather than a reset connection, and nothing more is kept.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // O4: a client that hung up before its body was read (the request's setup awaits first) has had its request
    // destroyed already — its 'end' or 'error' came before these listeners, and would never come again
    if (req.destroyed && !req.readableEnded) {
      reject(new ClientClosedError());
      return;
    }
    req.once('close', () => {
      if (!req.readableEnded) reject(new ClientClosedError());
    });
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > maxBytes;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    // the connection went away while the body arrived (the client, a request timeout, shutdown): nobody to answer
    req.on('error', () => reject(new ClientClosedError()));
  });
}

class BodyTooLargeError extends Error {
  constructor() {
    super('BODY_TOO_LARGE');
  }
}

/** The client closed its connection before its request was read whole: nobody is left to answer (logged as 499). */
class ClientClosedError extends Error {
  constructor() {
    super('CLIENT_CLOSED_REQUEST');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** What one request contributes to the log line and the metrics. */
interface RequestLine {
  started: number;
  requestId: string;
  role: string;
  org: string | null;
  status: number;
  errorCodes: string[];
  trace: RequestContext['trace'] | null;
  /** answered by compiled execution (src/graphql/compiled.ts), not by Apollo */
  compiled: boolean;
}

/** The promise's value, or null once `deadlineMs` (counted from `started`) has passed; 0 = no deadline. */
export async function withinDeadline<T>(work: Promise<T>, deadlineMs: number, started: number): Promise<T | null> {
  if (deadlineMs <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(1, deadlineMs - (performance.now() - started)));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** `Authorization: Bearer <token>` equal to `expected`, compared in constant time. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function errorBody(error: AppError) {
  const { http: _http, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
  return { errors: [{ message: error.message, extensions: { ...extensions, code: error.code } }] };
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { database, config, logger } = options;
  // issue 18: objects of a request are not born old (src/v8-heap.ts); main.ts has set it already, an embedder has not
  configurePretenuring(config.v8Pretenuring ?? 'off');
  const clock = options.clock ?? (() => new Date());
  // §10.3: cursors sealed with a secret every process of the deployment shares (CURSOR_SECRET, else JWT_SECRET)
  const cursorSecret = config.cursorSecret ?? config.jwt.secret;
  if (cursorSecret) configureCursorSecret(cursorSecret);
  else logger.info('neither CURSOR_SECRET nor JWT_SECRET is set: cursors are sealed with a key of this process only, so they do not travel between processes');
  const schema = await buildGatewaySchema();
  const apollo = createApollo(schema, { production: config.production, limits: config.limits, logger });
  await apollo.start();
  try {
    await prepareAccessLogPartitions(database.db, clock());
  } catch (error) {
    // events still land in the DEFAULT partition; an operator must split it (see README, Retention)
    logger.error('could not create access-log partitions', { error });
  }
  const accessLog = options.unsafeDisableAccessLogForBenchmark ? null : new AccessLogWriter(database.db, config.accessLogFolds);
  const signer = options.checkpoints ? new CheckpointSigner(database.db, options.checkpoints, clock, logger) : null;
  signer?.start();
  const rightsConfig = config.subjectRights ?? DEFAULT_SUBJECT_RIGHTS;
  const rights = {
    calendar: workingCalendar(rightsConfig.holidays, rightsConfig.extraWorkdays),
    objectionWorkingDays: rightsConfig.objectionWorkingDays,
  };
  const limiter: Limiter = config.limits.store === 'postgres'
    ? new SharedRateLimiter(database.db, config.limits.ratePerSecond, config.limits.rateBurst)
    : new RateLimiter(config.limits.ratePerSecond, config.limits.rateBurst);
  // H1: read once at start; a manifest whose ids are not the hashes of their bodies stops the start
  const trusted = loadTrustedDocuments(config.trustedDocuments ?? 'off', config.trustedDocumentsFile ?? null);
  // issue 18: known read documents run compiled; the trusted ones (the website's among them) are compiled now
  const compiledMode = config.compiledExecution ?? 'trusted';
  const compiled = compiledMode === 'off' ? null : createCompiledExecution(schema, config.limits, { mode: compiledMode, compileAtSighting: options.compileAtSighting });
  for (const { name, body } of compiled ? trusted.named : []) compiled!.prepare(body, name);
  // WEB1: the public credit website, the first client of the public API: its own /graphql over loopback (the URL is
  // known at listen), or SITE_API_URL. Its requests carry a key of this process (of the cluster, with several
  // workers), so that the rate limit believes the visitor's address they forward (src/http/client-address.ts).
  let ownApiUrl: string | null = null;
  const siteKey = config.site && !config.siteApiUrl ? (options.cluster?.siteKey ?? randomBytes(24).toString('base64url')) : null;
  let site: Site | null = null;
  if (config.site) {
    const api = createSiteApi({ url: () => config.siteApiUrl ?? ownApiUrl, siteKey, timeoutMs: (config.requestTimeoutMs || 10_000) + 1_000 });
    site = createSite({ api, logger, draining: () => draining });
    if (!config.siteApiUrl && !api.documentIds.every((id) => trusted.byHash.has(id))) {
      logger.warn('the website\'s documents are not all in TRUSTED_DOCUMENTS_FILE: its pages will fail (npm run docs:trusted, or add them to your list)');
    }
  }
  // O2: metrics only where someone can read them (a metrics port or token); otherwise no per-request cost
  const metricsWanted = (config.metricsPort ?? 0) > 0 || Boolean(config.metricsToken);
  const metrics = metricsWanted
    ? new GatewayMetrics({ pool: () => database.poolStats(), accessLogQueue: () => accessLog?.queueDepth ?? 0, replica: () => database.replica ?? null })
    : null;
  if (metrics) options.cluster?.shareMetrics(metrics.registry);
  // §11 read replica: where the public's reads go, said at start and at every change (src/db/replica.ts)
  const unwatchReplica = database.replica ? logReplicaChanges(database.replica, logger) : null;
  if (accessLog) accessLog.observer = accessLogObserver(metrics, logger);
  const shipped = await shippedMigrations();
  let migrationsCurrent = false;
  /** O4: set on shutdown — readiness turns 503, responses close their connections */
  let draining = false;
  let metricsServer: http.Server | null = null;
  const lookupOrganization = async (code: string) => (await findOrganizations(database.db, [code]))[0] ?? null;

  /**
   * The client's address for the public's rate limit: the connection's peer, or the address appended last to
   * X-Forwarded-For by a load balancer (TRUST_PROXY=1) or by this process's own website (its key, over loopback).
   */
  function clientAddress(req: IncomingMessage): string {
    return clientAddressOf(req, { trustProxy: config.trustProxy ?? false, siteKey });
  }

  /** One line per request (O1) and its metrics (O2), whatever the outcome; never tokens, variables or subject data. */
  function recordRequest(line: RequestLine): void {
    const durationMs = Math.round((performance.now() - line.started) * 10) / 10;
    const operation = line.trace?.rootFields.join(',') || (line.status === 200 ? 'unknown' : 'none');
    const fields = {
      requestId: line.requestId, operation, operationName: line.trace?.operationName ?? undefined, role: line.role,
      org: line.org ?? undefined, status: line.status, durationMs, errors: line.errorCodes.length ? line.errorCodes : undefined,
      compiled: line.compiled || undefined,
    };
    if (line.status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
    if (!metrics) return;
    metrics.requests.inc({ operation, role: line.role, status: String(line.status) });
    metrics.duration.observe({ operation }, durationMs / 1000);
    if (line.compiled) metrics.compiled.inc();
    if (line.status === 429) metrics.rateLimited.inc();
    // 499: the client left before its request was read; nothing was refused
    else if (line.status >= 400 && line.status < 499) metrics.refused.inc({ code: line.errorCodes[0] ?? String(line.status) });
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const now = clock();
    const requestId = randomUUID();
    const line: RequestLine = { started, requestId, role: 'unknown', org: null, status: 500, errorCodes: [], trace: null, compiled: false };
    const refuse = (status: number, error: { code: string; body: unknown }, headers: Record<string, string> = {}) => {
      line.status = status;
      line.errorCodes = [error.code];
      sendJson(res, status, error.body, { 'x-request-id': requestId, ...headers });
    };
    /** 429 with retry-after: a viewer's bucket, or the client address's for the public and refused tokens */
    const refuseLimited = (waitMs: number) => {
      const limited = new RateLimitedError(Math.ceil(waitMs / 1000));
      return refuse(429, { code: limited.code, body: errorBody(limited) }, { 'retry-after': String(limited.extensions.retryAfterSeconds) });
    };
    /** H2: 503 at the deadline, whichever step it falls in */
    const refuseLate = () => refuse(503, {
      code: 'INTERNAL_SERVER_ERROR',
      body: { errors: [{ message: `The request did not finish within ${config.requestTimeoutMs} ms.`, extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DEADLINE_EXCEEDED' } }] },
    });
    /**
     * H2: the setup reads the database too (a token's organisation, a shared rate-limit bucket); with the pool
     * exhausted it waits for a connection, so the deadline covers it as it covers the execution (null: passed)
     */
    const inTime = <T>(work: T | Promise<T>) => (work instanceof Promise ? withinDeadline(work, config.requestTimeoutMs ?? 0, started) : work);
    try {
      let context: RequestContext;
      let newContext: () => RequestContext;
      try {
        // tokens are checked against the wall clock; the injectable clock moves disclosure windows only
        const viewer = await inTime(viewerFromAuthorization(req.headers.authorization, config.jwt, lookupOrganization, new Date()));
        if (!viewer) return refuseLate();
        line.role = viewer.role;
        line.org = viewer.orgCode;
        const limiterKey = viewer.role === 'public' ? `ip:${clientAddress(req)}` : `${viewer.role}:${viewer.orgCode ?? ''}:${viewer.actor}`;
        const wait = await inTime(limiter.take(limiterKey, now.getTime()));
        if (wait === null) return refuseLate();
        if (wait > 0) return refuseLimited(wait);
        // RR1 (src/db/replica.ts): the public reads the replica while it is caught up; every token holder, every write
        // and the access log (accessLog, on database.db) stay on the primary
        const db = readDatabaseFor(database, viewer);
        newContext = () => createRequestContext({ db, viewer, now, requestId, accessLog, checkpoints: options.checkpoints ?? null, rights });
        context = newContext();
      } catch (error) {
        if (error instanceof UnauthenticatedError) {
          // §11: a refused token still spends the client address's budget, so rotating invalid tokens is limited too
          const wait = await inTime(limiter.take(`ip:${clientAddress(req)}`, now.getTime()));
          if (wait === null) return refuseLate();
          if (wait > 0) return refuseLimited(wait);
          return refuse(401, { code: error.code, body: errorBody(error) }, { 'www-authenticate': 'Bearer' });
        }
        logger.error('request setup failed', { requestId, error });
        return refuse(500, { code: 'INTERNAL_SERVER_ERROR', body: { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } });
      }
      line.trace = context.trace;
      let body: unknown = undefined;
      if (req.method === 'POST') {
        let raw: string;
        try {
          raw = await readBody(req, config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
        } catch (error) {
          if (!(error instanceof BodyTooLargeError)) {
            // nothing was read, nothing disclosed; the request line says so (499: the client closed the request)
            line.status = 499;
            line.errorCodes = ['CLIENT_CLOSED_REQUEST'];
            return;
          }
          return refuse(413, {
            code: 'BAD_REQUEST',
            body: { errors: [{ message: `The request body is larger than ${config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes.`, extensions: { code: 'BAD_REQUEST', reason: 'BODY_TOO_LARGE' } }] },
          }, { connection: 'close' });
        }
        try {
          body = raw.length ? JSON.parse(raw) : {};
        } catch {
          return refuse(400, { code: 'BAD_REQUEST', body: { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] } });
        }
      }
      // §10.4: NUL or an unpaired surrogate anywhere in the request (POST body or GET query string) → 400 before Apollo
      const invalidText = invalidRequestText(req.method === 'POST' ? body : url.searchParams);
      if (invalidText) return refuse(400, { code: 'BAD_USER_INPUT', body: { errors: [invalidText] } });
      // H1: the allow-list binds the public (or everyone), and brings the document of a known hash — before parsing
      const bound = trusted.mode === 'all' || (trusted.mode === 'public' && context.viewer.role === 'public');
      const resolved = applyTrustedDocuments(trusted, bound, req.method!.toUpperCase(), body, url.searchParams);
      if (!resolved.ok) {
        const code = resolved.status === 403 ? 'FORBIDDEN' : 'BAD_USER_INPUT';
        return refuse(resolved.status, { code, body: { errors: [{ message: resolved.message, extensions: { code, reason: resolved.reason } }] } });
      }
      body = resolved.body;
      // issue 18: a known read runs compiled; its plain success is answered here, anything else by Apollo below on a
      // fresh context (nothing of the compiled run was sent, and what it registered is dropped with its context)
      if (compiled && req.method === 'POST') {
        const run = (async () => {
          // issue 18: on the primary, a subject read may store its own access event (never on a standby: RR1)
          const answer = await compiled.execute(context, { body, accept: req.headers.accept, foldable: context.db === database.db });
          // L1/L2 as Apollo's willSendResponse does: stored before anything is sent, or the answer is withheld
          return answer && { answer, stored: await disclosuresStored(context, logger) };
        })();
        const ran = await withinDeadline(run.then((outcome) => ({ outcome })), config.requestTimeoutMs ?? 0, started);
        if (!ran) {
          run.catch(() => undefined);
          return refuseLate();
        }
        if (ran.outcome) {
          const { answer, stored } = ran.outcome;
          const headersOut: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId };
          if (draining) headersOut.connection = 'close';
          line.compiled = true;
          line.status = stored ? 200 : AUDIT_UNAVAILABLE_ANSWER.status;
          line.errorCodes = context.trace.errorCodes;
          res.writeHead(line.status, headersOut);
          res.end(stored ? answer.body : `${JSON.stringify({ errors: AUDIT_UNAVAILABLE_ANSWER.errors })}\n`);
          return;
        }
        // events a folded read of the dropped run already stored are not stored twice (src/context/disclosures.ts)
        const dropped = context;
        context = newContext!();
        context.disclosures.adoptStored(dropped.disclosures);
        line.trace = context.trace;
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const execution = apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search: resolved.search ? `?${resolved.search}` : '', body },
        context: async () => context,
      });
      // H2: past its deadline the caller gets a clear error, never a hung connection (PostgreSQL's statement_timeout
      // stops the statements; what still runs here answers nobody)
      const response = await withinDeadline(execution, config.requestTimeoutMs ?? 0, started);
      if (!response) {
        execution.catch(() => undefined);
        return refuseLate();
      }
      const outHeaders: Record<string, string> = { 'x-request-id': requestId };
      for (const [key, value] of response.headers) outHeaders[key] = value;
      if (draining) outHeaders.connection = 'close';
      line.status = response.status ?? 200;
      line.errorCodes = context.trace.errorCodes;
      res.writeHead(line.status, outHeaders);
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } finally {
      recordRequest(line);
    }
  }

  /** O3: ready only while the database answers, the migrations are current and the access log accepts appends. */
  async function readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    if (draining) return { ready: false, checks: { shuttingDown: true } };
    const databaseAnswers = await database.ping();
    migrationsCurrent ||= databaseAnswers && (await appliedMigrations(database)) >= shipped;
    // the writer says `failing` from a failed append until one succeeds; no request comes to a process that is not
    // ready, so readiness tries one itself, or the gateway would never be ready again after the database was away
    if (databaseAnswers && accessLog?.failing && (await appendsAccepted())) accessLog.failing = false;
    const accessLogAccepts = databaseAnswers && !(accessLog?.failing ?? false);
    const checks = { database: databaseAnswers, migrations: migrationsCurrent, accessLog: accessLogAccepts };
    return { ready: databaseAnswers && migrationsCurrent && accessLogAccepts, checks };
  }

  /**
   * O3: whether the access log accepts appends now: a probe event appended in a transaction that is rolled back —
   * the chain's lock, its head, the insert and the role's privileges are exercised, and nothing is kept (sequence
   * numbers follow the stored head, so a rolled-back append leaves no gap in the chain).
   */
  async function appendsAccepted(): Promise<boolean> {
    try {
      await database.db.transaction(async (tx) => {
        await appendEvents(tx as unknown as Db, [{
          at: clock().toISOString(), requestId: `readiness-probe-${randomUUID()}`, actor: null, role: 'system', orgCode: null, view: null,
          purposeKind: null, purposeReference: null, grantId: null, subjectCode: null, recordIds: [], operationName: 'readyz',
        }]);
        tx.rollback();
      });
      return false;
    } catch (error) {
      return error instanceof TransactionRollbackError;
    }
  }

  /** O2: /metrics answers on METRICS_PORT, or on the main port with `Authorization: Bearer <METRICS_TOKEN>`. */
  async function serveMetrics(res: ServerResponse): Promise<void> {
    const { contentType, body } = await (options.cluster?.metricsText() ?? metrics!.text());
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
  }

  let inFlight = 0;
  const server = http.createServer({
    // H2: the deadline covers receiving the request too — a body trickled in slowly is cut off, not held for minutes
    ...(config.requestTimeoutMs ? {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(config.requestTimeoutMs, 60_000),
      // Node checks those timeouts on this interval (30 s by default)
      connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs),
    } : {}),
  }, (req, res) => {
    inFlight += 1;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = async () => {
      // O3: liveness (the process answers) and readiness (it can serve: database, migrations, access log)
      if (url.pathname === '/healthz' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz' && req.method === 'GET') {
        const { ready, checks } = await readiness();
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
      }
      if (url.pathname === '/metrics' && req.method === 'GET') {
        if (!metrics || !config.metricsToken || !bearerMatches(req.headers.authorization, config.metricsToken)) return sendJson(res, 404, { error: 'not found' });
        return serveMetrics(res);
      }
      // O6: the offline IDE for browsers; CORS headers for allowed origins (a preflight is answered there)
      if (await serveIde(req, res, url, config.graphqlIde ?? !config.production)) return;
      if (url.pathname === '/graphql' && (await applyCors(req, res, config.corsOrigins ?? []))) return;
      if (url.pathname === '/graphql' && (req.method === 'GET' || req.method === 'POST')) return handleGraphQL(req, res, url);
      if (url.pathname === '/graphql') return sendJson(res, 405, { errors: [{ message: 'Use GET or POST.' }] }, { allow: 'GET, POST' });
      if (site && !GATEWAY_PATHS.has(url.pathname)) return site.handle(req, res, url, clientAddress(req));
      return sendJson(res, 404, { error: 'not found' });
    };
    route().catch((error) => {
      logger.error('unhandled request error', { error });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    }).finally(() => {
      inFlight -= 1;
    });
  });
  // idle keep-alive connections outlive a load balancer's own idle timeout (KEEP_ALIVE_TIMEOUT_MS)
  server.keepAliveTimeout = config.keepAliveTimeoutMs ?? 65_000;

  /** Listens; rejects (EADDRINUSE, EACCES) instead of crashing the process with an unhandled 'error' event. */
  const listenOn = (target: http.Server, port: number, host: string) =>
    new Promise<number>((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      target.once('error', failed);
      target.listen(port, host, () => {
        target.off('error', failed);
        const address = target.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });

  return {
    server,
    async listen(port, host = '127.0.0.1') {
      const actualPort = await listenOn(server, port, host);
      ownApiUrl = `http://${loopbackHost(host)}:${actualPort}/graphql`;
      // in a worker of several, the primary answers METRICS_PORT
      if (metrics && (config.metricsPort ?? 0) > 0 && !options.cluster) {
        metricsServer = http.createServer((req, res) => {
          if (req.method === 'GET' && new URL(req.url ?? '/', 'http://localhost').pathname === '/metrics') {
            serveMetrics(res).catch(() => sendJson(res, 500, { error: 'metrics unavailable' }));
          } else sendJson(res, 404, { error: 'not found' });
        });
        await listenOn(metricsServer, config.metricsPort!, host);
      }
      return `http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}/graphql`;
    },
    get draining() {
      return draining;
    },
    /**
     * O4: stop accepting, let requests in flight finish (up to `graceMs`), flush the access-log writer. The
     * caller closes the database pool afterwards. Readiness answers 503 from the first moment.
     */
    async close(graceMs = config.shutdownGraceMs ?? 10_000) {
      draining = true;
      // from now on every event goes through the writer, which drained() waits for (issue 18: no read folds)
      accessLog?.stopFolding();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // requests whose client went away still finish (and log) before the database is closed
      const settled = async (ms: number) => {
        for (let waited = 0; inFlight > 0 && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
      };
      await settled(graceMs);
      if (inFlight > 0) logger.warn('shutdown grace period over; closing connections with requests in flight', { inFlight });
      // every connection left is idle or past the grace period (kept-alive ones answered while draining would otherwise
      // stay open until their keep-alive timeout)
      server.closeAllConnections();
      if (inFlight > 0) {
        // their handlers still run and store what they disclosed: a little longer for that
        await settled(SHUTDOWN_FLUSH_MS);
        if (inFlight > 0) logger.warn('shutdown: requests still running after the grace period and 5 s more', { inFlight });
      }
      await closed;
      if (accessLog) {
        // a statement without a deadline (REQUEST_TIMEOUT_MS=0) must not hold the shutdown for ever
        const flushed = await withinDeadline(accessLog.drained().then(() => true), SHUTDOWN_FLUSH_MS, performance.now());
        if (!flushed) logger.warn('shutdown: access-log appends still running; the pool closes once they end', { inFlight, queued: accessLog.queueDepth });
      }
      // L6: the head as it stands after the last request of this process, signed before the pool closes
      await signer?.stop();
      unwatchReplica?.();
      await apollo.stop();
      if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
    },
  };
}
