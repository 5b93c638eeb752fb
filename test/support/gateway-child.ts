import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A gateway in a child process of its own (test/support/gateway-process.ts) against a migrated PostgreSQL database:
 * for tests that need real processes (several writers of one chain, a process that must survive a cut
 * connection). `env` adds to the child's environment (e.g. GATEWAY_POOL_SIZE).
 */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STARTUP_TIMEOUT_MS = 45_000;

export interface GatewayChild {
  process: ChildProcess;
  url: Promise<string>;
  stderr: string[];
}

export function spawnGateway(databaseUrl: string, env: Record<string, string> = {}): GatewayChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/gateway-process.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void stderr.push(chunk));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway process did not start in time:\n${stderr.join('')}`)), STARTUP_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/^https?:\/\//.test(line.trim())) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway process exited (${code ?? signal}) before printing its URL:\n${stderr.join('')}`));
    });
  });
  url.catch(() => undefined); // observed by the awaiting hook; never an unhandled rejection
  return { process: child, url, stderr };
}

export async function stopGateway(child: GatewayChild): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
