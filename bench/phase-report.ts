import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The reading side of bench/phase-hook.mjs (loaded into a server with `node --import`): start a measurement, collect
 * it, and say it in one line. Used by bench:phases and by bench:quick / bench:city with PHASES=1.
 */
export const PHASE_HOOK = fileURLToPath(new URL('./phase-hook.mjs', import.meta.url));

export interface Phase { n: number; p50: number; p90: number; p99: number; max: number; total: number; aboveOverallP99?: number }
export interface Phases { seconds: number; eventLoopUtilisation: number; heapUsedMb?: number; dropped?: number; phases: Record<string, Phase> }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A new measurement starts in the server (what it held before is dropped). */
export async function startPhases(child: ChildProcess): Promise<void> {
  child.kill('SIGUSR2');
  await sleep(50);
}

/**
 * The measurement since startPhases, as the server writes it to `dir`. The previous one's file is deleted first, so
 * what is read is this one; gives up after 5 s (a server that did not load the hook never writes one).
 */
export async function collectPhases(child: ChildProcess, dir: string): Promise<Phases> {
  const file = path.join(dir, `phases-${child.pid}.json`);
  rmSync(file, { force: true });
  child.kill('SIGUSR1');
  for (let tries = 0; tries < 25; tries++) {
    await sleep(200);
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Phases;
    } catch {
      // not written yet
    }
  }
  throw new Error(`no phases from process ${child.pid} (was it started with ${PHASE_HOOK}?)`);
}

/** GC pauses of every kind in a measurement (ms): scavenges, mark-compacts, incremental marking steps, weak callbacks. */
export function gcPauseMs(measured: Phases): number {
  return Object.entries(measured.phases).filter(([key]) => key.startsWith('gc ')).reduce((sum, [, phase]) => sum + phase.total, 0);
}

const fmt = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(1));
export const STATEMENT_KINDS = ['organisation', 'read', 'append', 'read+append'] as const;

/** `server side p50/p99; statements organisation …, read …, append …; main thread … % busy; scavenges …, mark-compacts …` */
export function describePhases(measured: Phases): string {
  const phase = (key: string) => measured.phases[key];
  // with the count of each kind: the gateway folds its append into the read only while its writer is idle (4j)
  const statements = STATEMENT_KINDS.filter((k) => phase(`exec ${k}`)).map((k) => `${k} ${phase(`exec ${k}`)!.n}× ${fmt(phase(`exec ${k}`)!.p50)}/${fmt(phase(`exec ${k}`)!.p99)}`);
  const gc = (key: string, label: string) => (phase(key) ? `${label} ${phase(key)!.n}× ≤${fmt(phase(key)!.max)} ms` : `${label} 0`);
  const server = phase('http request (server side)');
  return `server side p50/p99 ${fmt(server?.p50)}/${fmt(server?.p99)} ms; statements ${statements.join(', ')}; `
    + `main thread ${(measured.eventLoopUtilisation * 100).toFixed(0)} % busy; ${gc('gc scavenge', 'scavenges')}, ${gc('gc mark-compact', 'mark-compacts')}`
    + `${phase('gc incremental marking') ? `, incremental marking ${fmt(phase('gc incremental marking')!.total)} ms` : ''}; GC pauses ${fmt(gcPauseMs(measured))} ms in all`
    + `${measured.heapUsedMb ? `; heap ${measured.heapUsedMb.toFixed(0)} MB` : ''}${measured.dropped ? `; ${measured.dropped} samples beyond the bound` : ''}`
    + describeStalls(measured) + describePaths(measured);
}

/**
 * PHASE_PATHS=1: the server-side time of requests by the statements they ran (p50/p99), and how many of the slowest 1 %
 * of all requests took each path (from the samples: a path's requests above the overall p99).
 */
function describePaths(measured: Phases): string {
  const paths = Object.entries(measured.phases).filter(([key]) => key.startsWith('path '));
  if (!paths.length) return '';
  return `; by path: ${paths.sort((a, b) => b[1].n - a[1].n).map(([key, phase]) => `${key.slice(5)} ${phase.n}× ${fmt(phase.p50)}/${fmt(phase.p99)}`
    + (phase.aboveOverallP99 !== undefined ? ` (${phase.aboveOverallP99} of the slowest 1 %)` : '')).join(', ')}`;
}

/** PHASE_STALLS=1 (bench/phase-hook.mjs): the main thread's stalls over 3 ms, by what they were — count, longest, sum. */
function describeStalls(measured: Phases): string {
  const kinds = [['stall gc', 'GC'], ['stall running', 'running'], ['stall not running', 'not running']] as const;
  if (!kinds.some(([key]) => measured.phases[key])) return '';
  return `; stalls > 3 ms: ${kinds.map(([key, label]) => {
    const stall = measured.phases[key];
    return stall ? `${label} ${stall.n}× ≤${fmt(stall.max)} Σ${fmt(stall.total)} ms` : `${label} 0`;
  }).join(', ')}`;
}

export { fmt as formatMs };
