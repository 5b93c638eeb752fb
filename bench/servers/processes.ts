import cluster from 'node:cluster';

/**
 * BENCH_PROCESSES=N (default 1) for a benchmark server (gateway.ts, raw.ts): N node:cluster workers behind one port,
 * as the gateway's own GATEWAY_PROCESSES runs (src/cluster.ts), so that raw and the gateway can be measured alike
 * with one process or several. Called first thing: in the primary it forks the workers, prints the first worker's
 * `LISTENING <url>` (a port of 0 is the same port for every worker of a cluster), passes SIGTERM on, and never
 * returns; in a worker, or with one process, it returns at once and the script serves.
 */
export async function servedByWorkers(): Promise<void> {
  const processes = Number(process.env.BENCH_PROCESSES ?? 1);
  if (!Number.isInteger(processes) || processes < 1) throw new Error(`BENCH_PROCESSES must be a whole number of 1 or more, not "${process.env.BENCH_PROCESSES}"`);
  if (processes === 1 || cluster.isWorker) return;
  const workers = Array.from({ length: processes }, () => cluster.fork({ ...process.env, BENCH_PROCESSES: '1' }));
  // the workers share this process's stdout and stderr: a worker that fails has said why there already
  const urls = await Promise.all(workers.map((worker) => new Promise<string>((resolve, reject) => {
    worker.on('message', (message: unknown) => { if (typeof message === 'string' && message.startsWith('LISTENING ')) resolve(message.slice(10)); });
    worker.on('exit', (code) => reject(new Error(`a worker exited with ${code} before listening`)));
  })));
  if (new Set(urls).size !== 1) throw new Error(`the workers listen on different addresses: ${urls.join(', ')}`);
  process.stdout.write(`LISTENING ${urls[0]}\n`);
  process.on('SIGTERM', () => {
    let left = workers.length;
    for (const worker of workers) {
      worker.on('exit', () => { if (--left === 0) process.exit(0); });
      worker.process.kill('SIGTERM');
    }
  });
  await new Promise<never>(() => {});
}

/**
 * What a server says once it listens: `LISTENING <url>` on stdout, or, in a worker, to its primary only — a worker's
 * stdout is the primary's, and the orchestrator must not read one worker's line as all of them listening.
 */
export function announceListening(url: string): void {
  if (cluster.isWorker) process.send!(`LISTENING ${url}`);
  else process.stdout.write(`LISTENING ${url}\n`);
}
