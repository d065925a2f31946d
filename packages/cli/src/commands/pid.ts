import type { CommandContext } from '../context.js';
import { jobPath, listJobs, type JobNames } from '../jobs.js';
import type { JobRecord, ProcessRecord } from '../records.js';
import { eachSelected, selectJobs, type SelectOptions } from '../selection.js';

/** Gone, or about to be: its pid names nothing to signal any more. */
const ended = new Set(['exited', 'exiting']);

function livePids(processes: ProcessRecord[]): number[] {
  return processes.flatMap((process) => (typeof process.pid === 'number' && !ended.has(process.state) ? [process.pid] : []));
}

/** PM2's `pid`: the pids of a job's processes (of several jobs, `all`, a /regex/, a session, a file's), one a line; `--json`: an array. */
export async function pid({ client, output }: CommandContext, names: JobNames, options: SelectOptions = {}): Promise<number> {
  const selection = await selectJobs(client, names, { ...options, command: 'pid', warn: (text) => output.warn(text) });
  const records = selection.all ? await listJobs(client) : await eachSelected(selection, (job) => client.get<JobRecord>(jobPath(job)));
  const pids = records.flatMap((record) => livePids(record.processes));
  if (output.json) output.value(pids);
  else output.lines(pids.map(String));
  return 0;
}
