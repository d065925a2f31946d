import type { CommandContext } from '../context.js';
import { processColumns } from '../format/processes.js';
import { formatBytes, formatPercent } from '../format/units.js';
import { displayName } from '../jobs.js';
import { jobStats } from './ps.js';

export async function stats({ client, output }: CommandContext, job: string | undefined): Promise<number> {
  const jobs = await jobStats(client, job);
  if (output.json) {
    output.value(job === undefined || job === 'all' ? jobs : jobs[0]);
    return 0;
  }
  if (jobs.length === 0) {
    output.note('No jobs. Load some with `pool start <config|Procfile|script>`.');
    return 0;
  }
  output.table(processColumns(output.paint), jobs.flatMap((entry) => entry.processes));
  const totals = jobs.map((entry) => `${displayName(entry.job)}: ${entry.processes.length} process${entry.processes.length === 1 ? '' : 'es'}, CPU ${formatPercent(entry.cpu)}, memory ${formatBytes(entry.rss)}`);
  if (output.tty) {
    output.line();
    output.lines(totals.map((line) => output.paint('gray', line)));
  }
  return 0;
}
