import { jobPath, type DaemonClient } from './client.js';
import { CliError, cliError } from './errors/cli-error.js';
import { commandLineHints } from './errors/codes.js';
import type { JobRecord } from './records.js';

const jobName = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/;

/** "web" is "default.web". */
export function jobKey(name: string): string {
  return name.includes('.') ? name : `default.${name}`;
}

/** "default.web" shows as "web"; other sessions keep theirs. */
export function displayName(job: string): string {
  return job.startsWith('default.') ? job.slice('default.'.length) : job;
}

export function unknownJob(name: string): CliError {
  return new CliError('POOL_UNKNOWN_JOB', `No job named ${name}`, commandLineHints.POOL_UNKNOWN_JOB!, { name });
}

/** A name that cannot be a job is an unknown job, said here rather than as a malformed request. */
export function checkJobName(name: string): string {
  if (!jobName.test(name)) throw unknownJob(name);
  return jobKey(name);
}

/** The loaded jobs; `env: true` for their env values in clear (the daemon shows `***` otherwise). */
export async function listJobs(client: DaemonClient, options: { env?: boolean } = {}): Promise<JobRecord[]> {
  return client.get<JobRecord[]>('/jobs', options.env ? { query: { env: true } } : undefined);
}

/** One job name, several, or none (every job). */
export type JobNames = string | readonly string[] | undefined;

/** `all` anywhere among the names (or no name): every loaded job. */
export function namesAll(names: JobNames): boolean {
  if (names === undefined) return true;
  return typeof names === 'string' ? names === 'all' : names.length === 0 || names.includes('all');
}

/**
 * The jobs a command acts on: every loaded job for `all` (or no name), else those named, each once and in the
 * order given. Several names are checked against the loaded jobs first: one unknown name, and nothing is done.
 */
export async function resolveJobs(client: DaemonClient, names: JobNames): Promise<string[]> {
  if (namesAll(names)) return (await listJobs(client)).map((job) => job.name);
  const given = typeof names === 'string' ? [names] : [...(names ?? [])];
  const keys = [...new Set(given.map(checkJobName))];
  if (keys.length > 1) {
    const loaded = new Set((await listJobs(client)).map((job) => job.name));
    const missing = given.find((name) => !loaded.has(jobKey(name)));
    if (missing !== undefined) throw unknownJob(missing);
  }
  return keys;
}

/**
 * Runs `action` on each job in turn; for `all`, a job unloaded meanwhile is skipped. With `verb` (what the
 * command does: "stop", "restart"), `all` when no job is loaded is an error (POOL_NO_JOBS), not a silent success.
 */
export async function eachJob<Result>(client: DaemonClient, names: JobNames, action: (job: string) => Promise<Result>, verb?: string): Promise<Result[]> {
  const jobs = await resolveJobs(client, names);
  const all = namesAll(names);
  if (all && jobs.length === 0 && verb !== undefined) throw cliError('POOL_NO_JOBS', { action: verb });
  const results: Result[] = [];
  for (const job of jobs) {
    try {
      results.push(await action(job));
    } catch (error) {
      if (all && (error as { code?: string }).code === 'POOL_UNKNOWN_JOB') continue;
      throw error;
    }
  }
  return results;
}

/** How to print several jobs' names while they are acted on: "web, worker", or "all". */
export function describeNames(names: JobNames): string {
  if (namesAll(names)) return 'all';
  return (typeof names === 'string' ? [names] : [...(names ?? [])]).join(', ');
}

/** One job named (not `all`, not several): its answer is printed alone, not in an array. */
export function single(names: JobNames): boolean {
  return !namesAll(names) && (typeof names === 'string' || names?.length === 1);
}

export { jobPath };
