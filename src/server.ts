import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import { DEFAULT_SUBJECT_RIGHTS, type Config } from './config/config.js';
import { workingCalendar } from '../policies/working-days.js';
import type { Database } from './db/client.js';
import { createRequestContext, type RequestContext } from './context/request-context.js';
import { viewerFromAuthorization } from './auth/tokens.js';
import { findOrganizations } from './modules/organizations/organizations.repository.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { createApollo } from './graphql/apollo.js';
import { AppError, RateLimitedError, UnauthenticatedError } from './errors/app-errors.js';
import { RateLimiter } from './http/rate-limit.js';
import { AccessLogWriter } from './modules/access-log/access-log.writer.js';
import { prepareAccessLogPartitions } from './modules/access-log/access-log.repository.js';
import type { Logger } from './logging.js';
import { configureCursorSecret } from './modules/pagination.js';

/** HTTP + Apollo wiring only (STYLE layout): /graphql (GET and POST) and /healthz. */
export interface GatewayOptions {
  database: Database;
  config: Pick<Config, 'jwt' | 'limits' | 'production'> & Partial<Pick<Config, 'subjectRights' | 'cursorSecret'>>;
  logger: Logger;
  /** injectable clock (tests move it); each request reads it once */
  clock?: () => Date;
  /**
   * Only for the benchmark that measures what logging costs: serve without writing access events. Never
   * exposed through configuration — the product always logs (SPEC §6).
   */
  unsafeDisableAccessLogForBenchmark?: boolean;
}

export interface Gateway {
  server: http.Server;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('BODY_TOO_LARGE'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function errorBody(error: AppError) {
  const { http: _http, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
  return { errors: [{ message: error.message, extensions: { ...extensions, code: error.code } }] };
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { database, config, logger } = options;
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
  const accessLog = options.unsafeDisableAccessLogForBenchmark ? null : new AccessLogWriter(database.db);
  const rightsConfig = config.subjectRights ?? DEFAULT_SUBJECT_RIGHTS;
  const rights = {
    calendar: workingCalendar(rightsConfig.holidays, rightsConfig.extraWorkdays),
    objectionWorkingDays: rightsConfig.objectionWorkingDays,
  };
  const limiter = new RateLimiter(config.limits.ratePerSecond, config.limits.rateBurst);
  const lookupOrganization = async (code: string) => (await findOrganizations(database.db, [code]))[0] ?? null;

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const now = clock();
    const requestId = randomUUID();
    let context: RequestContext;
    try {
      // tokens are checked against the wall clock; the injectable clock moves disclosure windows only
      const viewer = await viewerFromAuthorization(req.headers.authorization, config.jwt, lookupOrganization, new Date());
      const limiterKey = viewer.role === 'public' ? `ip:${req.socket.remoteAddress}` : `${viewer.role}:${viewer.orgCode ?? ''}:${viewer.actor}`;
      const wait = limiter.take(limiterKey, now.getTime());
      if (wait > 0) throw new RateLimitedError(Math.ceil(wait / 1000));
      context = createRequestContext({ db: database.db, viewer, now, requestId, accessLog, rights });
    } catch (error) {
      if (error instanceof UnauthenticatedError) return sendJson(res, 401, errorBody(error), { 'www-authenticate': 'Bearer' });
      if (error instanceof RateLimitedError) {
        return sendJson(res, 429, errorBody(error), { 'retry-after': String(error.extensions.retryAfterSeconds) });
      }
      logger.error('request setup failed', { requestId, error });
      return sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req);
      } catch {
        return sendJson(res, 413, { errors: [{ message: 'The request body is too large.', extensions: { code: 'BAD_REQUEST' } }] });
      }
      try {
        body = raw.length ? JSON.parse(raw) : {};
      } catch {
        return sendJson(res, 400, { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search: url.search, body },
      context: async () => context,
    });
    const outHeaders: Record<string, string> = { 'x-request-id': requestId };
    for (const [key, value] of response.headers) outHeaders[key] = value;
    res.writeHead(response.status ?? 200, outHeaders);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight += 1;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = async () => {
      if (url.pathname === '/healthz' && req.method === 'GET') {
        const ok = await database.ping();
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'database unavailable' });
      }
      if (url.pathname === '/graphql' && (req.method === 'GET' || req.method === 'POST')) return handleGraphQL(req, res, url);
      if (url.pathname === '/graphql') return sendJson(res, 405, { errors: [{ message: 'Use GET or POST.' }] }, { allow: 'GET, POST' });
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

  return {
    server,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve) => {
        server.listen(port, host, () => {
          const address = server.address();
          const actualPort = typeof address === 'object' && address ? address.port : port;
          resolve(`http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}/graphql`);
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // drain: requests whose client went away still finish (and log) before the database is closed
      for (let waited = 0; inFlight > 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      server.closeIdleConnections();
      await closed;
      await apollo.stop();
    },
  };
}
