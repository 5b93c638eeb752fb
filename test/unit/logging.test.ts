import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, describeError } from '../../src/logging.js';

/** Runs an ES module script in a child whose stderr is a file; its exit status, stdout and what reached stderr. */
function runWithStderrFile(script: string, env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cqg-log-')), 'stderr.log');
  const fd = openSync(file, 'w');
  try {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8', cwd: process.cwd(), stdio: ['ignore', 'pipe', fd], env,
    });
    return { status: child.status, stdout: child.stdout, stderr: readFileSync(file, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

describe('logs never carry query parameters (DEVELOPERS: secrets never reach logs)', () => {
  const queryError = () => {
    const cause = Object.assign(new Error('relation "access_events" does not exist'), { code: '42P01' });
    return new Error('Failed query: SELECT * FROM append_access_events($1)\nparams: [{"subjectCode":"11010519491231002X"}]', { cause });
  };

  it('a failed statement is logged with the driver message and SQLSTATE, without its SQL parameters', () => {
    const described = describeError(queryError());
    expect(described).toMatchObject({ message: 'query failed: relation "access_events" does not exist', sqlState: '42P01' });
    expect(JSON.stringify(described)).not.toContain('11010519491231002X');
  });

  it('the logger writes one JSON line per entry and applies the same redaction', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line: string) => lines.push(line) });
    logger.error('append failed', { requestId: 'r-1', error: queryError() });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 'error', message: 'append failed', requestId: 'r-1' });
    expect(lines[0]).not.toContain('11010519491231002X');
    expect(lines[0]).not.toContain('params');
  });
});

describe('O1: request lines on stderr are written off the request path and never lost at exit', () => {
  it('O1: 2,000 lines logged right before process.exit all reach stderr, each whole, in order', async () => {
    const script = `
      import { createLogger } from './src/logging.ts';
      const logger = createLogger(process.stderr);
      for (let i = 0; i < 2000; i += 1) logger.info('request', { requestId: 'r-' + i, status: 200 });
      process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    expect(child.status).toBe(0);
    const lines = child.stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(lines).toHaveLength(2000);
    expect(lines.map((line) => JSON.parse(line).requestId)).toEqual(Array.from({ length: 2000 }, (_, i) => `r-${i}`));
  });

  it('O1: the stderr logger does not write synchronously — a line is not on the descriptor before the call returns', async () => {
    // fstat of stderr (a file here) before and after one log call. The asynchronous destination writes from libuv's
    // thread pool; with one thread, kept busy by a long key derivation, its write cannot have happened when the call
    // returns (a synchronous logger's would have); by exit it has
    const script = `
      import { fstatSync } from 'node:fs';
      import { pbkdf2 } from 'node:crypto';
      import { createLogger, LOG_BATCH_BYTES } from './src/logging.ts';
      const logger = createLogger(process.stderr);
      logger.info('warm-up');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const busy = new Promise((resolve) => pbkdf2('x', 'y', 300000, 32, 'sha256', resolve));
      const before = fstatSync(2).size;
      // longer than a batch (LOG_BATCH_BYTES), so that the destination starts its write at once rather than buffering
      logger.info('request', { requestId: 'r-1', padding: 'x'.repeat(LOG_BATCH_BYTES) });
      const after = fstatSync(2).size;
      await busy;
      process.stdout.write(JSON.stringify({ before, after }));`;
    const child = runWithStderrFile(script, { ...process.env, UV_THREADPOOL_SIZE: '1' });
    expect(child.status).toBe(0);
    const { before, after } = JSON.parse(child.stdout);
    expect(after).toBe(before);
    expect(child.stderr).toContain('"requestId":"r-1"');
  });

  it('O1: lines of a server under light steady load are written in batches, none waiting longer than LOG_FLUSH_MS', async () => {
    // 40 short lines 2 ms apart (a gateway at a few hundred requests a second, not saturated): with a write per line
    // the descriptor grows 40 times; batched, once or twice. Then how long the last line waits for its write
    const script = `
      import { fstatSync, readFileSync } from 'node:fs';
      import { createLogger, LOG_FLUSH_MS } from './src/logging.ts';
      const logger = createLogger(process.stderr);
      logger.info('warm-up');
      await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_MS * 2));
      const sizes = new Set([fstatSync(2).size]);
      for (let i = 0; i < 40; i += 1) {
        logger.info('request', { requestId: 'r-' + i });
        await new Promise((resolve) => setTimeout(resolve, 2));
        sizes.add(fstatSync(2).size);
      }
      const last = performance.now();
      logger.info('request', { requestId: 'r-last' });
      let waited = 0;
      while (!readFileSync('/proc/self/fd/2', 'utf8').includes('r-last')) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        waited = performance.now() - last;
        if (waited > 5000) break;
      }
      process.stdout.write(JSON.stringify({ writes: sizes.size - 1, waited, flushMs: LOG_FLUSH_MS }));`;
    const child = runWithStderrFile(script);
    expect(child.status).toBe(0);
    const { writes, waited, flushMs } = JSON.parse(child.stdout);
    expect(writes).toBeLessThanOrEqual(5);
    expect(waited).toBeLessThanOrEqual(flushMs + 300);
    const lines = child.stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.map((line) => JSON.parse(line).requestId).filter(Boolean)).toEqual([...Array.from({ length: 40 }, (_, i) => `r-${i}`), 'r-last']);
  });

  it('O4: a graceful exit writes every buffered line (flushLogs) before the process ends, without the exit handler', async () => {
    // ten short lines stay in the batch buffer; after flushLogs all ten are on the descriptor while the process still runs
    const script = `
      import { readFileSync } from 'node:fs';
      import { createLogger, flushLogs } from './src/logging.ts';
      const logger = createLogger(process.stderr);
      for (let i = 0; i < 10; i += 1) logger.info('request', { requestId: 'r-' + i });
      const started = performance.now();
      await flushLogs();
      const written = readFileSync('/proc/self/fd/2', 'utf8').split('\\n').filter((line) => line.includes('"requestId"')).length;
      process.stdout.write(JSON.stringify({ written, ms: performance.now() - started }));`;
    const child = runWithStderrFile(script);
    expect(child.status).toBe(0);
    const { written, ms } = JSON.parse(child.stdout);
    expect(written).toBe(10);
    expect(ms).toBeLessThan(1000);
  });
});
