import { jobPath, type DaemonClient } from './client.js';
import { CliError } from './errors/cli-error.js';
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

/** The jobs a command acts on: every loaded job for `all`, else the one named. */
export async function resolveJobs(client: DaemonClient, name: string | undefined): Promise<string[]> {
  if (name === undefined || name === 'all') return (await listJobs(client)).map((job) => job.name);
  return [checkJobName(name)];
}

/** Runs `action` on each job in turn; for `all`, a job unloaded meanwhile is skipped. */
export async function eachJob<Result>(client: DaemonClient, name: string, action: (job: string) => Promise<Result>): Promise<Result[]> {
  const jobs = await resolveJobs(client, name);
  const results: Result[] = [];
  for (const job of jobs) {
    try {
      results.push(await action(job));
    } catch (error) {
      if (name === 'all' && (error as { code?: string }).code === 'POOL_UNKNOWN_JOB') continue;
      throw error;
    }
  }
  return results;
}

export { jobPath };
