// Loaded into a benchmark server with `node --import ./bench/phase-hook.mjs` (bench/phases.ts does it): where a
// request's time goes inside the server, without touching its code. Benchmarks only; never in the product.
//   - each pg statement, by kind (the access-log append, the organisation lookup, the rest by their first words):
//     from the call to its callback on the main thread ("exec", PostgreSQL's work and the wait for the event loop to
//     read the answer) and through pool.query ("pool", with the connection checkout)
//   - each HTTP request from its start (headers parsed) to its response's finish (diagnostics_channel)
//   - the main thread's utilisation (performance.eventLoopUtilization) and V8's GC pauses (PerformanceObserver 'gc')
//   - with PHASE_PATHS=1, each request's server-side time also by the statements it ran (e.g. `read+append` when its
//     append was folded into its read, `append, read` when it was not): AsyncLocalStorage carries the request from the
//     request's start to its statements
//   - with PHASE_STALLS=1, the main thread's stalls: a 1 ms timer that wakes more than 3 ms late marks a stall, and each
//     is told apart at the report as a GC pause (one overlaps it), the process running something else (it used CPU for
//     most of the stall: JavaScript, or another of its threads) or the process not running at all (the machine)
// SIGUSR2 starts a new measurement; SIGUSR1 writes the one so far to $PHASES_DIR/phases-<pid>.json (the reader deletes
// the previous one first). SIGUSR1 is also Node's signal to start the inspector: a listener replaces that, so a server
// whose hook failed to load would open a debugger instead — bench:phases checks the file arrives.
// The statement kinds are cached by text: a regular expression over a long statement's text per call cost the
// gateway 0.7 ms per S2 request when it was not (measured with bench:paired).
import { createRequire } from 'node:module';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import dc from 'node:diagnostics_channel';
import { renameSync, writeFileSync } from 'node:fs';
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { tmpdir } from 'node:os';

const pg = createRequire(import.meta.url)('pg');
// bounded, so that a server measured for a long time without SIGUSR2 (bench:quick's closed-loop rounds) does not grow its
// own heap: past the bound a kind keeps its first samples only (reported as `n`, with `dropped`)
const KEPT = 50_000;
let samples = new Map();
let dropped = 0;
const add = (key, ms) => {
  let list = samples.get(key);
  if (!list) samples.set(key, (list = []));
  if (list.length < KEPT) list.push(ms);
  else dropped++;
};

const kinds = new Map();
function kindOf(query) {
  const text = typeof query === 'string' ? query : query?.text ?? '';
  let kind = kinds.get(text);
  if (kind === undefined) {
    kind = /append_access_events|bench_access_inbox/.test(text) ? (/WITH r AS|WITH subj AS/.test(text) ? 'read+append' : 'append')
      : /organizations/.test(text) && text.length < 400 ? 'organisation' : /WITH subj AS/.test(text) ? 'read' : `other: ${text.replace(/\s+/g, ' ').slice(0, 30)}`;
    kinds.set(text, kind);
  }
  return kind;
}

// PHASE_PATHS=1: the statement kinds each request ran
const paths = process.env.PHASE_PATHS === '1' ? new AsyncLocalStorage() : null;

const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function query(config, values, callback) {
  const started = performance.now();
  const kind = kindOf(config);
  paths?.getStore()?.add(kind);
  const key = `exec ${kind}`;
  const timed = (fn) => (...args) => {
    add(key, performance.now() - started);
    return fn(...args);
  };
  if (typeof values === 'function') values = timed(values);
  else if (typeof callback === 'function') callback = timed(callback);
  const result = clientQuery.call(this, config, values, callback);
  if (result && typeof result.then === 'function') result.then(() => add(key, performance.now() - started), () => undefined);
  return result;
};
const poolQuery = pg.Pool.prototype.query;
pg.Pool.prototype.query = function query(config, values, callback) {
  const started = performance.now();
  const key = `pool ${kindOf(config)}`;
  const result = poolQuery.call(this, config, values, callback);
  if (result && typeof result.then === 'function') result.then(() => add(key, performance.now() - started), () => undefined);
  return result;
};

const requestStarts = new WeakMap();
const requestKinds = new WeakMap();
dc.subscribe('http.server.request.start', ({ request }) => {
  requestStarts.set(request, performance.now());
  if (paths) {
    // published just before the server emits 'request': the handler's continuations inherit this store
    const kinds = new Set();
    requestKinds.set(request, kinds);
    paths.enterWith(kinds);
  }
});
dc.subscribe('http.server.response.finish', ({ request }) => {
  const started = requestStarts.get(request);
  if (started === undefined) return;
  const ms = performance.now() - started;
  add('http request (server side)', ms);
  const kinds = requestKinds.get(request);
  if (kinds) add(`path ${[...kinds].filter((k) => k !== 'organisation').sort().join(', ') || '(none)'}`, ms);
});

const GC_KINDS = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'gc scavenge'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'gc mark-compact'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'gc incremental marking'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'gc weak callbacks'],
]);
// PHASE_STALLS=1: [start, end, CPU ms the process used meanwhile] of each stall, and [start, end] of each GC pause
const STALL_MS = 3;
const watchStalls = process.env.PHASE_STALLS === '1';
let stalls = [];
let pauses = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    add(GC_KINDS.get(entry.detail?.kind) ?? 'gc other', entry.duration);
    if (watchStalls && pauses.length < KEPT) pauses.push([entry.startTime, entry.startTime + entry.duration]);
  }
}).observe({ entryTypes: ['gc'] });
if (watchStalls) {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    if (now - last - 1 > STALL_MS && stalls.length < KEPT) {
      stalls.push([last + 1, now, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000]);
    }
    last = now;
    lastCpu = cpu;
  }, 1).unref();
}
function classifyStalls() {
  for (const [start, end, cpuMs] of stalls) {
    const wall = end - start;
    const gc = pauses.some(([from, to]) => from < end && to > start);
    add(gc ? 'stall gc' : cpuMs >= 0.6 * wall ? 'stall running' : 'stall not running', wall);
  }
}

let utilisation = performance.eventLoopUtilization();
let since = performance.now();
process.on('SIGUSR2', () => {
  samples = new Map();
  dropped = 0;
  stalls = [];
  pauses = [];
  utilisation = performance.eventLoopUtilization();
  since = performance.now();
});
process.on('SIGUSR1', () => {
  classifyStalls();
  stalls = [];
  const out = {
    seconds: (performance.now() - since) / 1000, eventLoopUtilisation: performance.eventLoopUtilization(utilisation).utilization,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20, dropped, phases: {},
  };
  const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const server = [...(samples.get('http request (server side)') ?? [])].sort((a, b) => a - b);
  const overallP99 = server.length ? percentile(server, 0.99) : undefined;
  for (const [key, list] of samples) {
    const sorted = [...list].sort((a, b) => a - b);
    const at = (p) => percentile(sorted, p);
    out.phases[key] = { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1), total: sorted.reduce((a, b) => a + b, 0) };
    // PHASE_PATHS: how many of this path's requests are among the slowest 1 % of all
    if (key.startsWith('path ') && overallP99 !== undefined) out.phases[key].aboveOverallP99 = sorted.filter((ms) => ms > overallP99).length;
  }
  // written whole under another name, then renamed: the reader never sees half a file
  const file = path.join(process.env.PHASES_DIR ?? tmpdir(), `phases-${process.pid}.json`);
  writeFileSync(`${file}.partial`, JSON.stringify(out));
  renameSync(`${file}.partial`, file);
});
