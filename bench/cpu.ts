import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time from /proc (Linux): a process's own user+system seconds, and the sum over every PostgreSQL server
 * process on the machine (backends come and go with pools, so the sum is taken over all `postgres` processes
 * alive at each snapshot; a backend that exits between two snapshots loses its share — pools keep theirs open).
 */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (state, ppid, …, utime, stime, …); null once the process is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

const secondsOf = (fields: string[]): number => (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime

export function processSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? secondsOf(fields) : 0;
}

/** every process alive now */
function livePids(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
}

/** every process named `postgres` (the comm field; a postgres_exporter is not one) */
export function postgresPids(): number[] {
  return livePids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false; // gone
    }
  });
}

/** A server's own seconds and those of its children: the workers of a server run as a cluster (BENCH_PROCESSES). */
export function serverSeconds(pid: number): number {
  let seconds = processSeconds(pid);
  for (const other of livePids()) {
    const fields = statFields(other);
    if (fields && Number(fields[1]) === pid) seconds += secondsOf(fields); // ppid
  }
  return seconds;
}

export interface CpuSnapshot {
  server: number;
  postgres: Map<number, number>;
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  return { server: serverSeconds(serverPid), postgres: new Map(postgresPids().map((pid) => [pid, processSeconds(pid)])) };
}

/** CPU seconds spent between two snapshots by the server process (with its workers) and by PostgreSQL. */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): { server: number; postgres: number } {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? 0);
  return { server: after.server - before.server, postgres };
}

/**
 * The machine's CPU time from /proc/stat, over every core: busy (user, nice, system, irq, softirq) and total (those,
 * idle, iowait and steal — time another virtual machine took). guest and guest_nice are already inside user and nice.
 */
export function machineTicks(): { busy: number; total: number } {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idle + iowait + steal };
}

/** How busy the whole machine was between two `machineTicks()`, in cores (0 … nproc). */
export function coresBusy(before: { busy: number; total: number }, after: { busy: number; total: number }, cores: number): number {
  const total = after.total - before.total;
  return total > 0 ? Math.round(((after.busy - before.busy) / total) * cores * 100) / 100 : 0;
}
