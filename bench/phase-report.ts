import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The reading side of bench/phase-hook.mjs (loaded into a server with `node --import`): start a measurement, collect
 * it, and say it in one line. Used by bench:phases and by bench:quick / bench:city with PHASES=1.
 */
export const PHASE_HOOK = path.resolve('bench/phase-hook.mjs');

export interface Phase { n: number; p50: number; p90: number; p99: number; max: number; total: number }
export interface Phases { seconds: number; eventLoopUtilisation: number; phases: Record<string, Phase> }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A new measurement starts in the server (what it held before is dropped). */
export async function startPhases(child: ChildProcess): Promise<void> {
  child.kill('SIGUSR2');
  await sleep(50);
}

/** The measurement since startPhases, as the server writes it to `dir` (at least `seconds` long: not an older one). */
export async function collectPhases(child: ChildProcess, dir: string, seconds: number): Promise<Phases> {
  child.kill('SIGUSR1');
  const file = path.join(dir, `phases-${child.pid}.json`);
  for (let tries = 0; ; tries++) {
    await sleep(200);
    try {
      const written = JSON.parse(readFileSync(file, 'utf8')) as Phases;
      if (written.seconds >= seconds) return written;
    } catch (error) {
      if (tries > 25) throw error;
    }
  }
}

const fmt = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(1));
export const STATEMENT_KINDS = ['organisation', 'read', 'append', 'read+append'] as const;

/** `server side p50/p99; statements organisation …, read …, append …; main thread … % busy; scavenges …, mark-compacts …` */
export function describePhases(measured: Phases): string {
  const phase = (key: string) => measured.phases[key];
  const statements = STATEMENT_KINDS.filter((k) => phase(`exec ${k}`)).map((k) => `${k} ${fmt(phase(`exec ${k}`)!.p50)}/${fmt(phase(`exec ${k}`)!.p99)}`);
  const gc = (key: string, label: string) => (phase(key) ? `${label} ${phase(key)!.n}× ≤${fmt(phase(key)!.max)} ms` : `${label} 0`);
  const server = phase('http request (server side)');
  return `server side p50/p99 ${fmt(server?.p50)}/${fmt(server?.p99)} ms; statements ${statements.join(', ')}; `
    + `main thread ${(measured.eventLoopUtilisation * 100).toFixed(0)} % busy; ${gc('gc scavenge', 'scavenges')}, ${gc('gc mark-compact', 'mark-compacts')}`;
}

export { fmt as formatMs };
