import type { DaemonClient } from './client.js';
import { displayName, jobPath } from './jobs.js';
import type { JobRecord, LogLineRecord, ProcessRecord } from './records.js';

/** A process that did not start, and why: its exit, and the last lines it wrote to stderr. */
export interface FailedStart {
  job: string;
  id: number;
  cause: string;
  stderr: string[];
}

/** Processes count as started once they have run this long (a job's minUptime, at most this). */
const longestWait = 1_000;

/**
 * Waits until each process of `jobs` has held for its job's `minUptime` (1 s by default; at most a second here),
 * or has failed — exited sooner (EADDRINUSE, a missing module: a crash the job would count as a failure), or could
 * not be spawned — and says which did, with their exit and stderr tail. A process that ends with code 0 in a job
 * that does not restart such an end (`restart: on-failure` or `never`) has done its work: no failure. Asks the
 * daemon every 100 ms; never waits more than the wait plus 5 s.
 */
export async function settleStarts(client: DaemonClient, jobs: JobRecord[]): Promise<{ jobs: JobRecord[]; failed: FailedStart[] }> {
  const baseline = new Map(jobs.map((job) => [job.name, new Map(job.processes.map((process) => [process.id, process.restarts]))]));
  const { toMilliseconds } = await import('@pool/core');
  const minUptime = (job: JobRecord) => toMilliseconds((job.config.minUptime as number | string | undefined) ?? 1_000, 'minUptime');
  const waits = new Map(jobs.map((job) => [job.name, Math.min(longestWait, minUptime(job))]));
  const deadline = Date.now() + Math.max(0, ...waits.values()) + 5_000;
  let current = jobs;
  for (;;) {
    const verdicts = current.map((job) => job.processes.map((process) => verdict(job, process, baseline.get(job.name)?.get(process.id) ?? 0, waits.get(job.name)!)));
    if (verdicts.flat().every((state) => state !== 'pending') || Date.now() > deadline) {
      const failed: FailedStart[] = [];
      for (const [index, job] of current.entries()) {
        for (const [at, process] of job.processes.entries()) {
          if (verdicts[index]![at] === 'failed') failed.push({ job: job.name, id: process.id, cause: causeOf(process), stderr: [] });
        }
      }
      await addStderr(client, failed);
      return { jobs: current, failed };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    current = await Promise.all(current.map((job) => client.get<JobRecord>(jobPath(job.name)).catch(() => job)));
  }
}

function verdict(job: JobRecord, process: ProcessRecord, restartsBefore: number, wait: number): 'held' | 'failed' | 'pending' {
  const exit = process.lastExit;
  const done = process.state === 'exited' && exit?.code === 0;
  if (process.commit || done) return 'held';
  if (process.restarts > restartsBefore || ['errored', 'gave-up'].includes(process.state)) return 'failed';
  if (exit?.error && process.state !== 'ready' && process.state !== 'starting') return 'failed';
  if (process.state === 'waiting' && exit) return 'failed';
  if (!job.active || process.state === 'stopped') return 'held';
  return process.state === 'ready' && process.uptime >= wait ? 'held' : 'pending';
}

function causeOf(process: ProcessRecord): string {
  const exit = process.lastExit;
  if (!exit) return 'it did not start';
  if (exit.error && exit.error.code !== 'POOL_EXITED_BEFORE_READY') return `${exit.error.code}: ${exit.error.message}`;
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
  return `it exited ${(exit.uptime / 1_000).toFixed(1)} s after it started (${how})`;
}

/** The last 5 lines each failed process wrote to stderr, as the daemon kept them. */
async function addStderr(client: DaemonClient, failed: FailedStart[]): Promise<void> {
  for (const job of new Set(failed.map((entry) => entry.job))) {
    const lines = await client.get<LogLineRecord[]>(jobPath(job, '/logs'), { query: { lines: 500 } }).catch(() => [] as LogLineRecord[]);
    for (const entry of failed.filter((item) => item.job === job)) {
      entry.stderr = lines.filter((line) => line.worker === entry.id && line.stream === 'stderr').slice(-5).map((line) => line.line);
    }
  }
}

/** A failed start as the lines `pool start` prints. */
export function describeFailure(failure: FailedStart): string {
  const tail = failure.stderr.length > 0 ? `; its stderr ended with:\n${failure.stderr.map((line) => `    ${line}`).join('\n')}` : '';
  return `${displayName(failure.job)}.${failure.id} did not start: ${failure.cause}${tail}`;
}
