import type { DaemonClient } from '../client.js';
import type { CommandContext } from '../context.js';
import { processColumns, processJson } from '../format/processes.js';
import { jobPath, resolveJobs } from '../jobs.js';
import type { JobStatsRecord } from '../records.js';

export async function ps({ client, output }: CommandContext, job: string | undefined): Promise<number> {
  const processes = (await jobStats(client, job)).flatMap((stats) => stats.processes);
  if (output.json) {
    output.value(processes.map(processJson));
    return 0;
  }
  if (processes.length === 0) {
    output.note('No processes. Load jobs with `pool start <config|Procfile|script>`.');
    return 0;
  }
  output.table(processColumns(output.paint), processes);
  return 0;
}

/** Each job's processes with their CPU and memory, fetched side by side; a job unloaded meanwhile is left out. */
export async function jobStats(client: DaemonClient, job: string | undefined): Promise<JobStatsRecord[]> {
  if (job === undefined || job === 'all') {
    // One request for every job; a daemon started by an older pool has no such route: ask job by job.
    try {
      return await client.get<JobStatsRecord[]>('/stats');
    } catch (error) {
      if ((error as { code?: string }).code !== 'POOL_ROUTE_NOT_FOUND') throw error;
    }
  }
  const names = await resolveJobs(client, job);
  const answers = await Promise.allSettled(names.map((name) => client.get<JobStatsRecord>(jobPath(name, '/stats'))));
  const stats: JobStatsRecord[] = [];
  for (const answer of answers) {
    if (answer.status === 'fulfilled') stats.push(answer.value);
    else if (job !== undefined && job !== 'all') throw answer.reason;
    else if ((answer.reason as { code?: string }).code !== 'POOL_UNKNOWN_JOB') throw answer.reason;
  }
  return stats;
}

