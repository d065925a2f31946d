import { readFileSync } from 'node:fs';
import { readProcessStat } from '../proc.js';
import type { ProcessInfo } from './info.js';

export interface ProcessStats extends ProcessInfo {
  /** CPU use since the previous sample of this process (the first: since its start), in % of one core. */
  cpu: number | undefined;
  /** Resident memory in bytes. */
  rss: number | undefined;
}

export interface JobStats {
  job: string;
  /** The sums over the job's running processes. */
  cpu: number;
  rss: number;
  /** Every restart of the job's processes since it was loaded or since `resetCounters()` (a counter: it goes down only then). */
  restarts: number;
  /** `restarts` by reason. */
  restartReasons: Record<string, number>;
  processes: ProcessStats[];
}

// USER_HZ: the unit of /proc/<pid>/stat's CPU times; 100 on every Linux architecture Node runs on.
const ticksPerSecond = 100;

interface Sample {
  ticks: number;
  at: number;
}

/**
 * Reads CPU time and resident memory from /proc (Linux; elsewhere both are undefined). Only called when
 * someone asks (`stats()`) or monitors: nothing is sampled on a timer otherwise.
 */
export class ProcessSampler {
  readonly #previous = new Map<number, Sample>();

  sample(info: ProcessInfo, now = Date.now()): ProcessStats {
    const { pid } = info;
    const usage = pid === undefined || !['starting', 'ready', 'stopping'].includes(info.state) ? undefined : readUsage(pid);
    if (!usage || pid === undefined) return { ...info, cpu: undefined, rss: undefined };
    const previous = this.#previous.get(pid) ?? (info.startedAt === undefined ? undefined : { ticks: 0, at: info.startedAt });
    this.#previous.set(pid, { ticks: usage.ticks, at: now });
    const elapsed = previous ? (now - previous.at) / 1_000 : 0;
    const cpu = previous && elapsed > 0 ? round((((usage.ticks - previous.ticks) / ticksPerSecond) / elapsed) * 100) : 0;
    return { ...info, cpu: Math.max(0, cpu), rss: usage.rss };
  }

  sampleJob(job: string, processes: ProcessInfo[], restarts: number, restartReasons: Record<string, number> = {}, now = Date.now()): JobStats {
    const stats = processes.map((info) => this.sample(info, now));
    return {
      job,
      restarts,
      restartReasons,
      cpu: round(stats.reduce((sum, process) => sum + (process.cpu ?? 0), 0)),
      rss: stats.reduce((sum, process) => sum + (process.rss ?? 0), 0),
      processes: stats,
    };
  }

  forget(pid: number): void {
    this.#previous.delete(pid);
  }
}

function readUsage(pid: number): { ticks: number; rss: number } | undefined {
  const stat = readProcessStat(pid);
  if (!stat) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return { ticks: stat.ticks, rss: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
