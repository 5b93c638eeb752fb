import http from 'node:http';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { SESSION_OPTIONS, type Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema/index.js';
import { AccessLogWriter } from '../../src/modules/access-log/access-log.writer.js';
import { buildStatements } from './raw/statements.js';
import { RawHandlers, type Reply } from './raw/handlers.js';
import { configureCursorSecret } from '../../src/modules/pagination.js';
import { announceListening, servedByWorkers } from './processes.js';

/**
 * The raw baseline (issue 7, comparator a): plain node:http + pg running the same SQL the gateway runs for each
 * scenario — recorded from the gateway's own repository functions (raw/statements.ts) — minus the access-log
 * append; no GraphQL, no policy objects per request. Routes (JSON out, the gateway's `data` shape):
 *   S1 GET  /subject?code=&first=                     public subject with its newest visible records
 *   S2 GET  /department-subject?code=&org=&first=     department (org = its DEPARTMENT code) with a purpose
 *   S3 GET  /search?q=&first=&after=[&count=0]        public searchSubjects (count=0: the page alone, as the website asks)
 *   S4 GET  /access-log?org=&from=&to=&first=&after=  auditor (org = an AUDIT_OFFICE) accessLog, newest first
 *   S5 POST /records?org=                             JSON array of RecordInput rows (≤ 1000)
 * `org` stands for the token's organisation: checked with the gateway's lookup, as the gateway does per request.
 * With RAW_ACCESS_LOG=1 (the orchestrator's "raw+log" target) S1/S2 also append their access event (SPEC L1);
 * with RAW_ACCESS_LOG=fold ("raw+fold", bench/phases.ts) the append is folded into the read statement instead.
 * Prints `LISTENING <url>` (the S1 route, as bench/access-log-cost.ts expects).
 */
await servedByWorkers();
// cursors sealed with the gateway's secret (§10.3), so that each side accepts the other's page-2 cursors
configureCursorSecret(process.env.CURSOR_SECRET || process.env.JWT_SECRET || 'bench-secret');
// the gateway's own session settings (jit off, generic plans), so that both run the same SQL the same way
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10), options: SESSION_OPTIONS });
// RAW_ACCESS_LOG=1: S1/S2 also append the L1 event with the gateway's writer (the "raw+log" comparator); fold: in
// the read statement itself (the "raw+fold" comparator: one statement, one round trip, one commit)
// inbox ("raw+inbox"): a plain INSERT of the event into a table with only a primary key, folded in the same way (handlers.ts)
const fold = process.env.RAW_ACCESS_LOG === 'fold' ? 'chain' : process.env.RAW_ACCESS_LOG === 'inbox' ? 'inbox' : false;
const writer = process.env.RAW_ACCESS_LOG === '1'
  ? new AccessLogWriter(drizzle(pool, { schema }) as unknown as Db)
  : null;
const handlers = new RawHandlers(pool, await buildStatements(), writer ? (events) => writer.append(events) : undefined, fold);
await handlers.start();

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function route(req: http.IncomingMessage, url: URL): Promise<Reply> {
  const query = url.searchParams;
  if (req.method === 'GET') {
    switch (url.pathname) {
      case '/subject': return handlers.subject('public', query);
      case '/department-subject': return handlers.subject('department', query);
      case '/search': return handlers.search(query);
      case '/access-log': return handlers.accessLog(query);
    }
  }
  if (req.method === 'POST' && url.pathname === '/records') return handlers.submitRecords(query, await readBody(req));
  return { status: 404, body: { error: 'not found' } };
}

const server = http.createServer((req, res) => {
  route(req, new URL(req.url ?? '/', 'http://localhost'))
    .then((reply) => res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body)))
    .catch((error) => {
      // a bad `first` or cursor (src/modules/pagination.ts throws BadUserInputError): answered like the gateway
      const code = (error as { extensions?: { code?: string } }).extensions?.code;
      const status = code === 'BAD_USER_INPUT' ? 200 : 500;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error), extensions: { code } }] }));
    });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  announceListening(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/subject`);
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
