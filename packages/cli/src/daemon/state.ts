import { closeSync, constants, fstatSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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

/**
 * Undefined when there is no file; throws when it is not a job set (the caller decides what that means). The
 * file is opened without following a symbolic link and must belong to this user: whoever could write it would
 * choose the commands the daemon runs, and the processes it signals.
 */
export function readJobSetFile(file: string): JobSetFile | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new Error(`${file} is a symbolic link: a job set is read only from a file of its own`);
    throw error;
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    const uid = process.getuid?.();
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    if (uid !== undefined && stat.uid !== uid) throw new Error(`${file} belongs to uid ${stat.uid}, not to this user (uid ${uid})`);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  return checkJobSet(JSON.parse(text) as unknown, file);
}

/** The shape of a job set, checked field by field: the first problem is named with its path. */
export function checkJobSet(value: unknown, file: string): JobSetFile {
  const fail = (path: string, expected: string): never => {
    throw new Error(`${file} is not a pool job set: ${path} must be ${expected}`);
  };
  if (!isRecord(value)) return fail('the top level', 'an object');
  if (value.version !== 1) fail('version', '1');
  if (!Array.isArray(value.jobs)) fail('jobs', 'an array');
  (value.jobs as unknown[]).forEach((job, index) => {
    const path = `jobs[${index}]`;
    if (!isRecord(job)) return fail(path, 'an object');
    if (typeof job.session !== 'string' || job.session === '') fail(`${path}.session`, 'a session name');
    if (!isRecord(job.config)) fail(`${path}.config`, 'an object');
    if (typeof (job.config as Record<string, unknown>).name !== 'string') fail(`${path}.config.name`, 'a string');
    if (typeof job.active !== 'boolean') fail(`${path}.active`, 'true or false');
  });
  if (value.processes !== undefined) {
    if (!Array.isArray(value.processes)) fail('processes', 'an array');
    (value.processes as unknown[]).forEach((recorded, index) => {
      const path = `processes[${index}]`;
      if (!isRecord(recorded)) return fail(path, 'an object');
      // A pid of 0 or 1, or a negative one, would name a process group (or init) to kill(2).
      if (!Number.isSafeInteger(recorded.pid) || (recorded.pid as number) < 2) fail(`${path}.pid`, 'a process id (an integer of 2 or more)');
      if (!Number.isSafeInteger(recorded.startTime) || (recorded.startTime as number) < 0) fail(`${path}.startTime`, 'a start time (an integer)');
      if (typeof recorded.job !== 'string') fail(`${path}.job`, 'a job name');
    });
  }
  return value as unknown as JobSetFile;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
    const fd = openSync(temporary, 'wx', mode); // exclusive: never through a link planted under that name
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
