import pg from 'pg';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { cpuSnapshot, cpuSpent } from './cpu.js';
import { loadCalls, databaseUrl, DEFAULT_PG, loadQuickSample, machine, median, rawAccessLogFor, settle, startServer, type ServerProcess } from './support.js';
import { subjectCall } from './scenarios.js';

/**
 * What storing an access event costs PostgreSQL, per request, by how it is stored (issue 18, RESULTS 4k): each target
 * runs with ONE pool connection and is driven by ONE closed-loop connection, so that nothing is grouped, nothing waits
 * for a lock, and PostgreSQL's CPU (every `postgres` process, bench/cpu.ts) divided by the requests answered is what one
 * request costs it. Targets, in turn, PASSES times (the order reversed every other pass):
 *   raw          the read alone
 *   raw+log      the read, then the append as its own statement and commit (the gateway's writer)
 *   raw+fold     the read with the append folded into it (bench/servers/raw/handlers.ts)
 *   gateway      the gateway: its reads fold (its writer is idle with one connection)
 *   gateway-apollo  the gateway with compiled execution off: the read, then the append through the writer
 *
 *   npx tsx bench/fold-cost.ts     env: SCENARIO (S1 | S2, default S2), SECONDS (5), PASSES (3), CITY_DB
 */
const scenario = process.env.SCENARIO === 'S1' ? 'S1' : 'S2';
const seconds = Number(process.env.SECONDS ?? 5);
const passes = Number(process.env.PASSES ?? 3);
const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);
const client = new pg.Client({ connectionString: url });
await client.connect();
const { codes, department } = await loadQuickSample(client, scenario);
await client.end();
if (codes.length === 0) throw new Error('the quick city is missing: run `npm run bench:quick` once');

const TARGETS = ['raw', 'raw+log', 'raw+fold', 'gateway', 'gateway-apollo'] as const;
type Target = (typeof TARGETS)[number];
const servers = new Map<Target, ServerProcess>();
try {
  for (const name of TARGETS) {
    const raw = name.startsWith('raw');
    servers.set(name, await startServer(name, raw ? 'bench/servers/raw.ts' : 'bench/servers/gateway.ts', {
      DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '1', NODE_ENV: 'production', OBSERVABILITY: 'off',
      RAW_ACCESS_LOG: rawAccessLogFor(name),
      ...(name === 'gateway-apollo' ? { COMPILED_EXECUTION: 'off' } : {}),
      LOG_FILE: path.join(tmpdir(), 'cqg-fold-cost.log'),
    }));
  }
  const perRequest = new Map<Target, { pg: number[]; node: number[] }>(TARGETS.map((t) => [t, { pg: [], node: [] }]));
  console.log(`${machine()}; ${scenario}, one connection each, ${passes} passes of ${seconds} s`);
  for (let pass = 0; pass < passes; pass++) {
    const order = pass % 2 ? [...TARGETS].reverse() : [...TARGETS];
    for (const name of order) {
      const server = servers.get(name)!;
      let i = 0;
      const next = () => subjectCall(scenario, name.startsWith('raw') ? 'raw' : 'gateway', codes[i++ % codes.length]!, department);
      const origin = new URL(server.url).origin;
      await settle(url);
      await loadCalls(origin, { connections: 1, seconds: 1, next });
      const before = cpuSnapshot(server.child.pid!);
      const result = await loadCalls(origin, { connections: 1, seconds, next });
      const spent = cpuSpent(before, cpuSnapshot(server.child.pid!));
      if (result.errors || result.non2xx) throw new Error(`${name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      perRequest.get(name)!.pg.push((spent.postgres * 1000) / result.total);
      perRequest.get(name)!.node.push((spent.server * 1000) / result.total);
      console.log(`pass ${pass + 1} ${name.padEnd(15)} ${result.total} requests, PostgreSQL ${((spent.postgres * 1000) / result.total).toFixed(3)} ms/req, Node ${((spent.server * 1000) / result.total).toFixed(3)} ms/req, p50 ${result.p50} ms`);
    }
  }
  const rawPg = median(perRequest.get('raw')!.pg);
  for (const name of TARGETS) {
    const pgMs = median(perRequest.get(name)!.pg);
    console.log(`${scenario} fold_cost target=${name} pg_ms_per_req=${pgMs.toFixed(3)} above_raw_ms=${(pgMs - rawPg).toFixed(3)} node_ms_per_req=${median(perRequest.get(name)!.node).toFixed(3)}`);
  }
} finally {
  for (const server of servers.values()) await server.stop();
}
