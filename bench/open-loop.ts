import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpCall } from './scenarios.js';

/**
 * Issue 18 point 1: an open-loop load driver. Requests are sent on a fixed schedule (one every 1000 / rate ms,
 * whatever the answers do), and each latency is measured from the moment the request was *due*, not from when it
 * could be sent, so a server that falls behind shows its queue in the percentiles (no coordinated omission).
 *
 * autocannon's `overallRate` is not this: each connection sends its share of the second back to back as soon as
 * the second starts and then waits for the next second (lib/httpClient.js `reqsMadeThisSecond`), so its requests
 * arrive in bursts and its latencies are those of a closed loop within each burst.
 *
 * Connections come from a keep-alive agent with room for every request in flight (up to `maxSockets`); a request
 * that finds every socket busy waits in the agent's queue and that wait counts, as it should.
 */
export interface OpenLoopOptions {
  /** requests per second offered */
  rate: number;
  seconds: number;
  next: () => HttpCall;
  /** requests slower than this count as timeouts (ms; default 30 s) */
  timeoutMs?: number;
  maxSockets?: number;
  /** each answered request: its index in the schedule (the order `next` was called in), its latency and status */
  onAnswer?: (index: number, latencyMs: number, status: number) => void;
}

export interface OpenLoopResult {
  /** the rate offered and the rate answered */
  rate: number;
  answeredPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** requests sent, answered with 2xx, answered otherwise, failed (connection error or timeout) */
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** how late the driver itself was in sending (ms, p99): above a few ms the driver, not the server, is the limit */
  sendLagP99: number;
  /** requests sent again after ECONNRESET on a reused kept-alive socket (see `fire`); printed when not 0 */
  retried: number;
}

/** What a run's line says of its resent requests: nothing when there were none. */
export const retriedNote = (result: OpenLoopResult) => (result.retried ? `  retried ${result.retried} (reset kept-alive sockets)` : '');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index] * 10) / 10;
}

/**
 * One request; its status, or 0 when it failed. A kept-alive socket the server closed (its keep-alive timeout) just as
 * this request went out on it fails with ECONNRESET before any answer: like any HTTP client (Node's documentation of
 * `request.reusedSocket`), it is sent again once on a new socket — its latency still counts from when it was due.
 * A reset after the server had read the request would make it do the work twice (a second access event); the run
 * counts and prints every retry, so none goes unseen.
 */
function fire(agent: http.Agent, origin: URL, call: HttpCall, timeoutMs: number, onRetry: () => void, retried = false): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request({
      agent,
      host: origin.hostname,
      port: origin.port,
      method: call.method,
      path: call.path,
      headers: call.body === undefined ? call.headers : { ...call.headers, 'content-length': Buffer.byteLength(call.body) },
      timeout: timeoutMs,
    }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(0));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!retried && request.reusedSocket && error.code === 'ECONNRESET') {
        onRetry();
        resolve(fire(agent, origin, call, timeoutMs, onRetry, true));
      } else resolve(0);
    });
    if (call.body !== undefined) request.write(call.body);
    request.end();
  });
}

export async function openLoop(originText: string, options: OpenLoopOptions): Promise<OpenLoopResult> {
  const origin = new URL(originText);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const interval = 1000 / options.rate;
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let retried = 0;
  const onRetry = () => {
    retried++;
  };
  const pending: Promise<void>[] = [];
  const start = performance.now() + 5;
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(Math.floor(wait));
    // the timer may wake late; the request is still counted from when it was due
    sendLags.push(Math.max(0, performance.now() - due));
    pending.push(fire(agent, origin, options.next(), timeoutMs, onRetry).then((status) => {
      const latency = performance.now() - due;
      options.onAnswer?.(i, latency, status);
      if (status >= 200 && status < 300) {
        ok++;
        latencies.push(latency);
      } else if (status === 0) errors++;
      else non2xx++;
    }));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  sendLags.sort((a, b) => a - b);
  return {
    rate: options.rate,
    answeredPerSecond: Math.round((ok / elapsed) * 10) / 10,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    sent: total,
    ok,
    non2xx,
    errors,
    sendLagP99: percentile(sendLags, 99),
    retried,
  };
}
