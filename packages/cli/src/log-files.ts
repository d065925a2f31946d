import { join, resolve } from 'node:path';
import type { JobRecord } from './records.js';

/** One file of a job's `logs`: its path (placeholders left in), and each current process's file when it has any. */
export interface LogFile {
  path: string;
  /** The files of the current processes, for a path with {worker}, {pid} or {stream} (else the path alone). */
  paths: string[];
}

/** Where a job's output is written: pool's own log of it, and the files its config's `logs` asks for. */
export interface LogFiles {
  /** `$POOL_HOME/logs/<job>.log` (the daemon's; `pool logs` reads what it keeps in memory). */
  pool: string;
  out?: LogFile;
  err?: LogFile;
  combined?: LogFile;
}

const placeholder = /\{(job|worker|pid|stream)\}/g;
const hasPlaceholder = /\{(job|worker|pid|stream)\}/;

/** As @pool/log-transports puts a value into a path: one segment, `..` and `/` made harmless. */
function segment(value: string | number): string {
  const text = String(value).replace(/[^\w.@+-]/g, '_');
  return text === '' || text === '.' || text === '..' ? '_' : text;
}

/** The daemon's own log file of a job (`pool logs` reads it back when its memory is short: log-history.ts). */
export function poolLogFile(job: string, logsDirectory: string): string {
  return join(logsDirectory, `${segment(job)}.log`);
}

/**
 * The daemon writes `{job}.log` in `$POOL_HOME/logs` (run-daemon.ts) and a job's `logs` paths from its cwd,
 * with `{job}`, `{worker}`, `{pid}` and `{stream}` filled in per process (log-transports' jobFilesTransport).
 */
export function logFilesOf(record: JobRecord, logsDirectory: string): LogFiles {
  const files: LogFiles = { pool: poolLogFile(record.name, logsDirectory) };
  const config = record.config as { cwd?: string; logs?: { out?: string; err?: string; combined?: string } };
  const streams = { out: ['stdout'], err: ['stderr'], combined: ['stdout', 'stderr'] } as const;
  for (const key of ['out', 'err', 'combined'] as const) {
    const given = config.logs?.[key];
    if (!given) continue;
    const path = config.cwd ? resolve(config.cwd, given) : given;
    if (!hasPlaceholder.test(path)) {
      files[key] = { path, paths: [path] };
      continue;
    }
    const paths = new Set<string>();
    for (const process of record.processes) {
      for (const stream of streams[key]) {
        const values: Record<string, string | number | null | undefined> = { job: record.name, worker: process.id, pid: process.pid, stream };
        if (/\{pid\}/.test(path) && typeof process.pid !== 'number') continue;
        paths.add(path.replace(placeholder, (_whole, name: string) => segment(values[name] as string | number)));
      }
    }
    files[key] = { path, paths: [...paths] };
  }
  return files;
}
