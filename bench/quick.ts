/**
 * `npm run bench:quick` — issue 7's scenarios S1–S5 on a small city data set (20,000 subjects, 200,000 records,
 * 200,000 access events; generated once, then reused), one round of 5 s per target, in under 5 minutes.
 * Ends with one line per scenario, e.g.
 *   S1 ratio_vs_raw=0.52 ratio_vs_postgraphile=1.61 p99_ms=14.2 statements=4
 * and, for S1–S4, one line of open-loop latency at half the gateway's saturation rate (bench/open-loop.ts), e.g.
 *   S1 open_loop rate=210 p99_ms=18.2 p99_raw_ms=11.0 p50_ms=6.1 p50_raw_ms=3.9
 * The full run is `npm run bench:city` (bench/RESULTS.md).
 */
process.env.BENCH_QUICK = '1';
const { runCity } = await import('./city/run.js');
await runCity();
process.exit(0);
