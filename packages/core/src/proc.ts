import { readdirSync, readFileSync } from 'node:fs';

/** What /proc/<pid>/stat says of a process (Linux). */
export interface ProcessStat {
  /** R, S, D, Z (zombie: exited, not reaped yet), T, … */
  state: string;
  ppid: number;
  pgid: number;
  /** CPU time in clock ticks (USER_HZ, 100 a second), user and system. */
  ticks: number;
  /** When it started, in ticks after boot: with the pid, it names one process for good. */
  startTime: number;
}

/** The one reader of /proc/<pid>/stat; undefined when there is no such process (or no /proc). */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command name, which may itself hold spaces and parentheses: [0] is field 3, the state.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    ticks: Number(fields[11]) + Number(fields[12]),
    startTime: Number(fields[19]),
  };
}

/** Running: it exists, and is not a zombie waiting for its parent to reap it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcessStat(pid);
  return stat === undefined ? process.platform !== 'linux' : stat.state !== 'Z';
}

export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Clock ticks a second in /proc's times (USER_HZ: 100 on every Linux architecture Node runs on). */
const ticksPerSecond = 100;
let bootTime: number | undefined;

/**
 * When the process started, in ms since the epoch (Linux), undefined if unknown. Derived from the boot time,
 * which /proc/stat gives in whole seconds: it may read up to a second early.
 */
export function startedAt(pid: number): number | undefined {
  const stat = readProcessStat(pid);
  if (stat === undefined) return undefined;
  if (bootTime === undefined) {
    try {
      const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      if (line) bootTime = Number(line[1]) * 1000;
    } catch {
      return undefined;
    }
  }
  return bootTime === undefined ? undefined : bootTime + (stat.startTime * 1000) / ticksPerSecond;
}

/**
 * The resident memory of whole process groups (a process and what it started), in bytes, by group id: one
 * pass over /proc. Groups not found are absent; elsewhere than Linux the map is empty.
 */
export function groupMemory(groups: ReadonlySet<number>): Map<number, number> {
  const usage = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return usage;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readProcessStat(pid);
    if (!stat || !groups.has(stat.pgid) || stat.state === 'Z') continue;
    try {
      const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) usage.set(stat.pgid, (usage.get(stat.pgid) ?? 0) + Number(rss[1]) * 1024);
    } catch {
      // Gone meanwhile.
    }
  }
  return usage;
}
