import { closeSync, constants, ftruncateSync, openSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { displayName, eachJob, jobPath, namesAll, type JobNames } from '../jobs.js';

/** `<job>.log` and the rotated `<job>.log.1` … that the daemon writes in `$POOL_HOME/logs`. */
const logFile = /^(.+)\.log(\.\d+)?$/;

/**
 * PM2's `flush`: empties the log files of the jobs named (none, or `all`: every file in the logs directory, of
 * jobs unloaded since too) and the tail of their output the daemon keeps, so that `pool logs` shows only what
 * comes next. Files are truncated, never removed: the daemon goes on appending to the same files.
 */
export async function flush({ client, output, home }: CommandContext, names: JobNames): Promise<number> {
  const all = namesAll(names);
  const jobs = await eachJob(client, names, async (job) => {
    await client.post(jobPath(job, '/logs/flush'));
    return job;
  });
  const files = logFiles(home.logsDirectory, all ? undefined : new Set(jobs));
  const emptied = files.filter((file) => truncate(file));
  // The daemon's writers count each file's size for its rotation: reopened, they count from 0 again.
  await client.post('/logs/reopen');
  const ofJob = (job: string) => emptied.filter((file) => logFile.exec(basename(file))?.[1] === job);
  if (output.json) output.value(jobs.map((job) => ({ job, files: ofJob(job) })));
  else output.lines(jobs.map((job) => `flushed ${displayName(job)}`));
  return 0;
}

function logFiles(directory: string, jobs: ReadonlySet<string> | undefined): string[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => {
      const match = logFile.exec(entry);
      return match !== null && (jobs === undefined || jobs.has(match[1]!));
    })
    .sort()
    .map((entry) => join(directory, entry));
}

/** Empties a file in place (never through a symbolic link); false when it is not there any more. */
function truncate(file: string): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(file, constants.O_WRONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return false;
    throw error;
  }
  try {
    ftruncateSync(descriptor, 0);
  } finally {
    closeSync(descriptor);
  }
  return true;
}
