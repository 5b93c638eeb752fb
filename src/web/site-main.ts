import http from 'node:http';
import { loadSiteProcessConfig, type SiteProcessConfig } from '../config/config.js';
import { clientAddressOf } from '../http/client-address.js';
import { createLogger } from '../logging.js';
import { explainStartupFailure } from '../startup-errors.js';
import { createSiteApi } from './api.js';
import { createSite } from './site.js';

/**
 * `npm run site` (built: `node dist/src/web/site-main.js`): the public credit website alone, as a process of its own
 * behind a city's own domain, reading the public API of a gateway elsewhere (SITE_API_URL). It holds no database and
 * no key: it is just another public client of the API, which must run with TRUST_PROXY=1 so that it keys the rate
 * limit on the visitor's address this process forwards. `GET /healthz` answers while the process runs.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);

async function start(config: SiteProcessConfig): Promise<http.Server> {
  const logger = createLogger(process.stderr, false, config.logLevel);
  const api = createSiteApi({ url: () => config.apiUrl, siteKey: null, timeoutMs: (config.requestTimeoutMs || 10_000) + 1_000 });
  let draining = false;
  const site = createSite({ api, logger, draining: () => draining });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end('{"status":"ok"}');
      return;
    }
    // the visitor: the peer, or behind the city's reverse proxy (TRUST_PROXY=1) the address it appended last
    site.handle(req, res, url, clientAddressOf(req, { trustProxy: config.trustProxy, siteKey: null })).catch((error) => {
      logger.error('unhandled page error', { error });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  say(`Public credit website listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/ (API: ${config.apiUrl})`);
  const shutdown = (signal: string) => {
    if (draining) return;
    draining = true;
    say(`${signal}: finishing pages in flight (up to ${config.shutdownGraceMs} ms), then closing…`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, config.shutdownGraceMs).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return server;
}

let config: SiteProcessConfig;
try {
  config = loadSiteProcessConfig();
} catch (error) {
  process.stderr.write(`${explainStartupFailure(error, {})}\n`);
  process.exit(1);
}
start(config).catch((error: unknown) => {
  process.stderr.write(`${explainStartupFailure(error, { port: config.port, host: config.host })}\n`);
  process.exit(1);
});
