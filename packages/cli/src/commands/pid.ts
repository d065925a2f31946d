import type { CommandContext } from '../context.js';
import { jobPath, listJobs, namesAll, resolveJobs, type JobNames } from '../jobs.js';
import type { JobRecord, ProcessRecord } from '../records.js';

/** Gone, or about to be: its pid names nothing to signal any more. */
const ended = new Set(['exited', 'exiting']);

function livePids(processes: ProcessRecord[]): number[] {
  return processes.flatMap((process) => (typeof process.pid === 'number' && !ended.has(process.state) ? [process.pid] : []));
}

/** PM2's `pid`: the pids of a job's processes (of several jobs, or `all`), one a line; `--json`: an array. */
export async function pid({ client, output }: CommandContext, names: JobNames): Promise<number> {
  const records = namesAll(names) ? await listJobs(client) : await Promise.all((await resolveJobs(client, names)).map((job) => client.get<JobRecord>(jobPath(job))));
  const pids = records.flatMap((record) => livePids(record.processes));
  if (output.json) output.value(pids);
  else output.lines(pids.map(String));
  return 0;
}
