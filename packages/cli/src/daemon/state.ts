import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One job as saved: enough to load it again, at the scale it had. */
export interface SavedJob {
  session: string;
  /** Its config as loaded (name without the session), `numprocesses` set to its current scale. */
  config: Record<string, unknown> & { name: string };
  /** Whether it should run (a job that gave up after flapping still should: a restart tries again). */
  active: boolean;
}

/** A process the daemon ran: if the daemon died without stopping it, the next daemon ends it. */
export interface RecordedProcess {
  pid: number;
  /** Start time in clock ticks after boot: the pid alone may since name another process. */
  startTime: number;
  job: string;
}

/** `state.json` (kept by the daemon at every change) and `dump.json` (`pool save`) share this shape. */
export interface JobSetFile {
  version: 1;
  savedAt: string;
  jobs: SavedJob[];
  processes?: RecordedProcess[];
}

/** What the daemon's API says of a job (GET /jobs), or the Manager's `info()`. */
export interface JobSnapshot {
  name: string;
  session: string;
  active: boolean;
  numprocesses: number;
  failure?: unknown;
  config: Record<string, unknown>;
}

export function savedJobs(jobs: JobSnapshot[]): SavedJob[] {
  return jobs.map((job) => ({
    session: job.session,
    config: { ...job.config, name: String(job.config.name ?? job.name.slice(job.session.length + 1)), numprocesses: job.numprocesses },
    active: job.active || (job.failure !== undefined && job.failure !== null),
  }));
}

export function jobSetFile(jobs: SavedJob[], processes?: RecordedProcess[]): JobSetFile {
  return { version: 1, savedAt: new Date().toISOString(), jobs, ...(processes ? { processes } : {}) };
}

/** Undefined when there is no file; throws when it is not a job set (the caller decides what that means). */
export function readJobSetFile(file: string): JobSetFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<JobSetFile>;
  if (value?.version !== 1 || !Array.isArray(value.jobs)) throw new Error(`${file} is not a pool job set (version 1)`);
  return value as JobSetFile;
}

let sequence = 0;

/**
 * Replaces `file` so that a reader (or a crash at any moment) sees the old content or the new, never a part:
 * write a temporary file in the same directory, fsync it, rename it over, fsync the directory.
 */
export function writeFileAtomic(file: string, text: string, mode = 0o600): void {
  const directory = dirname(file);
  const temporary = join(directory, `.${basename(file)}.${process.pid}.${++sequence}.tmp`);
  try {
    const fd = openSync(temporary, 'w', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  }
}
