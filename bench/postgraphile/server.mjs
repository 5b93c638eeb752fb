/**
 * Issue 7 comparator (b): PostGraphile v4 as a library on node:http, over the gateway's tables, with the
 * row-level-security policies of bench/postgraphile/setup.ts doing the disclosure rules.
 *
 *   node bench/postgraphile/server.mjs     env: DATABASE_URL, PORT (0), POOL_SIZE (10),
 *                                          COUNT_STATEMENTS=1 (GET /statements → SQL statements sent so far),
 *                                          LOG_SQL=1 (every statement to stderr)
 *
 * Role per request from headers: `x-bench-role: department` → cqg_pg_department with `cqg.org` =
 * `x-bench-org`; anything else → cqg_pg_public. PostGraphile sets both with `set_config(…, true)` inside the
 * request's transaction. Prints `LISTENING http://127.0.0.1:<port>/graphql` once the schema is built.
 * Dependencies come from bench/postgraphile/node_modules (npm install --prefix bench/postgraphile).
 */
import http from 'node:http';
import pg from 'pg';
import postgraphileModule from 'postgraphile';
import graphileUtils from 'graphile-utils';
import ConnectionFilterPluginModule from 'postgraphile-plugin-connection-filter';

// CommonJS packages: their default export is module.exports
const { postgraphile } = postgraphileModule;
const { makePgSmartTagsPlugin } = graphileUtils;
const ConnectionFilterPlugin = ConnectionFilterPluginModule.default ?? ConnectionFilterPluginModule;
const PORT = Number(process.env.PORT ?? 0);
const POOL_SIZE = Number(process.env.POOL_SIZE ?? 10);
const COUNT_STATEMENTS = process.env.COUNT_STATEMENTS === '1';
const LOG_SQL = process.env.LOG_SQL === '1';

/**
 * Only the four tables the comparator serves and the computed column publicUntil are in the GraphQL schema;
 * the rest of `public` (access log, grants, their SQL functions) is omitted.
 */
const EXPOSED_TABLES = new Set(['subjects', 'records', 'organizations', 'catalog_types']);
const EXPOSED_FUNCTIONS = new Set(['records_public_until']);
const OmitOtherTablesPlugin = makePgSmartTagsPlugin([
  {
    kind: 'class',
    match: (entity) => entity.namespaceName === 'public' && !EXPOSED_TABLES.has(entity.name),
    tags: { omit: true },
  },
  {
    kind: 'procedure',
    match: (entity) => entity.namespaceName === 'public' && !EXPOSED_FUNCTIONS.has(entity.name),
    tags: { omit: true },
  },
]);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });
pool.on('error', () => undefined);

let statements = 0;
if (COUNT_STATEMENTS || LOG_SQL) {
  pool.on('connect', (client) => {
    const query = client.query;
    client.query = function countedQuery(...args) {
      statements += 1;
      if (LOG_SQL) {
        const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
        const values = typeof args[0] === 'string' ? args[1] : args[0]?.values;
        process.stderr.write(`SQL ${JSON.stringify(text)} ${JSON.stringify(values ?? [])}\n`);
      }
      return query.apply(this, args);
    };
  });
}

const middleware = postgraphile(pool, 'public', {
  graphqlRoute: '/graphql',
  graphiql: false,
  watchPg: false,
  retryOnInitFail: false,
  disableQueryLog: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  enableQueryBatching: false,
  disableDefaultMutations: true,
  legacyRelations: 'omit',
  showErrorStack: false,
  extendedErrors: [],
  appendPlugins: [ConnectionFilterPlugin, OmitOtherTablesPlugin],
  graphileBuildOptions: {
    connectionFilterRelations: false,
    connectionFilterAllowNullInput: false,
    connectionFilterAllowEmptyObjectInput: false,
  },
  pgSettings: (req) => {
    if (req.headers['x-bench-role'] === 'department') {
      return { role: 'cqg_pg_department', 'cqg.org': String(req.headers['x-bench-org'] ?? '') };
    }
    return { role: 'cqg_pg_public' };
  },
});

const server = http.createServer((req, res) => {
  if (COUNT_STATEMENTS && req.url === '/statements') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ statements }));
    return;
  }
  middleware(req, res);
});

await middleware.getGraphQLSchema();
server.listen(PORT, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING http://127.0.0.1:${typeof address === 'object' && address ? address.port : PORT}/graphql\n`);
});

process.on('SIGTERM', () => {
  server.close(() => {
    pool.end().then(() => process.exit(0), () => process.exit(0));
  });
  // keep-alive sockets from a load generator must not hold the exit
  server.closeAllConnections?.();
});
