/**
 * `npm run bench:quick` — a small, fast run (a few minutes) that prints one line per scenario measured so far:
 *   S1 ratio_vs_raw=… p50_ms=… p99_ms=…   (public subject with 20 records, access logging on)
 * Other scenarios of issue 7 (S2–S5 at city scale, PostGraphile comparator) are not built yet.
 */
process.env.ROUNDS ??= '3';
process.env.BENCH_SECONDS ??= '5';
const { runAccessLogCost } = await import('./access-log-cost.js');
const summary = await runAccessLogCost();
const on = summary['logging-on'];
const raw = summary.raw;
console.log(`S1 ratio_vs_raw=${(on.reqPerSec / raw.reqPerSec).toFixed(2)} p50_ms=${on.p50} p99_ms=${on.p99}`);
