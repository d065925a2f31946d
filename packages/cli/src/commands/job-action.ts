import type { CommandContext } from '../context.js';
import { describeNames, displayName, eachJob, jobPath, single, type JobNames } from '../jobs.js';
import type { JobRecord } from '../records.js';

const words = {
  stop: ['Stopping', 'stopped'],
  restart: ['Restarting', 'restarted'],
  reload: ['Reloading', 'reloaded'],
  reset: ['Resetting the counters of', 'reset'],
} as const;

/** One job, several (`pool stop web worker`) or `all`, one after the other; a line for each. */
async function act(context: CommandContext, names: JobNames, action: keyof typeof words): Promise<number> {
  const { client, output } = context;
  const [doing, done] = words[action];
  const spinner = output.spinner(`${doing} ${describeNames(names)}…`);
  let jobs: JobRecord[];
  try {
    jobs = await eachJob(client, names, (job) => client.post<JobRecord>(jobPath(job, `/${action}`)), action);
  } finally {
    spinner.stop();
  }
  if (output.json) output.value(single(names) ? jobs[0] : jobs);
  else output.lines(jobs.map((job) => `${done} ${displayName(job.name)}`));
  return 0;
}

export const stopJob = (context: CommandContext, names: JobNames) => act(context, names, 'stop');
export const restartJob = (context: CommandContext, names: JobNames) => act(context, names, 'restart');
export const reloadJob = (context: CommandContext, names: JobNames) => act(context, names, 'reload');
/** PM2's `reset`: the restart counters (`pool ps`'s RESTARTS) back to 0. */
export const resetJob = (context: CommandContext, names: JobNames) => act(context, names, 'reset');

export async function unloadJob({ client, output }: CommandContext, names: JobNames): Promise<number> {
  const spinner = output.spinner(`Unloading ${describeNames(names)}…`);
  let jobs: string[];
  try {
    jobs = await eachJob(client, names, async (job) => {
      await client.delete(jobPath(job));
      return job;
    }, 'unload');
  } finally {
    spinner.stop();
  }
  if (output.json) output.value(jobs.map((job) => ({ job, unloaded: true })));
  else output.lines(jobs.map((job) => `unloaded ${displayName(job)}`));
  return 0;
}
