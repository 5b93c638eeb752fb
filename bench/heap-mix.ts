/**
 * `npm run bench:heap-mix` — a diagnosis (issue 18, RESULTS 4i "mixed traffic", 4j): what a gateway process holds
 * alive after serving S1 in volume, then S2, against one that served S2 only. PRELOAD_SCENARIO (S1 | S2) for PRELOAD s
 * of 32 connections, then S2 open loop at OPEN_RATE for 10 s, then a heap snapshot (V8 collects first: only live
 * objects) and the live objects by kind, most numerous first. The snapshot file stays in a temporary folder.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { openLoop } from './open-loop.js';
import { subjectCall } from './scenarios.js';
import { databaseUrl, DEFAULT_PG, loadCalls, loadQuickSample, startServer } from './support.js';

const url = databaseUrl(process.env.CITY_DB ?? 'cqg_bench_city_quick', DEFAULT_PG);
const preloadScenario = process.env.PRELOAD_SCENARIO === 'S2' ? 'S2' : 'S1';
const preload = Number(process.env.PRELOAD ?? 20);
const rate = Number(process.env.OPEN_RATE ?? 290);
const dir = mkdtempSync(path.join(tmpdir(), 'cqg-heap-'));
const client = new pg.Client({ connectionString: url });
await client.connect();
const s2 = await loadQuickSample(client, 'S2');
const pre = preloadScenario === 'S2' ? s2 : await loadQuickSample(client, 'S1');
await client.end();
const server = await startServer('gateway', path.resolve('bench/servers/gateway.ts'), {
  DATABASE_URL: url, JWT_SECRET: 'bench-secret', POOL_SIZE: '10', NODE_ENV: 'production', OBSERVABILITY: 'on', LOG_FILE: path.join(dir, 'requests.log'),
}, { nodeFlags: ['--heapsnapshot-signal=SIGUSR2', '--diagnostic-dir', dir] });
const origin = new URL(server.url).origin;
try {
  let k = 0;
  await loadCalls(origin, { connections: 32, seconds: preload, next: () => subjectCall(preloadScenario, 'gateway', pre.codes[k++ % pre.codes.length]!, s2.department) });
  let j = 0;
  const result = await openLoop(origin, { rate, seconds: 10, next: () => subjectCall('S2', 'gateway', s2.codes[j++ % s2.codes.length]!, s2.department) });
  console.log(`after ${preloadScenario}: S2 open loop p50 ${result.p50.toFixed(1)} p99 ${result.p99.toFixed(1)} ms`);
  server.child.kill('SIGUSR2');
  let file: string | undefined;
  for (let i = 0; i < 600 && !file; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (file) {
      // written when the size stops changing
      let size = -1;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const now = statSync(path.join(dir, file)).size;
        if (now === size) break;
        size = now;
      }
    }
  }
  if (!file) throw new Error('no snapshot');
  type Snapshot = { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  let snapshot: Snapshot | null = null;
  for (let tries = 0; !snapshot; tries++) {
    try {
      snapshot = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Snapshot;
    } catch (error) {
      if (tries > 60) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const counts = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(string)' : snapshot.strings[snapshot.nodes[i + nameAt]!]!.slice(0, 60);
    const key = `${type}: ${name}`;
    const entry = counts.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += snapshot.nodes[i + sizeAt]!;
    total += snapshot.nodes[i + sizeAt]!;
    counts.set(key, entry);
  }
  console.log(`live heap ${(total / 1e6).toFixed(1)} MB in ${snapshot.nodes.length / width} nodes; snapshot ${path.join(dir, file)}`);
  for (const [key, { count, bytes }] of [...counts].sort((a, b) => b[1].count - a[1].count).slice(0, 40)) console.log(`${String(count).padStart(8)} ${(bytes / 1e3).toFixed(0).padStart(8)} KB  ${key}`);
} finally {
  await server.stop();
}
