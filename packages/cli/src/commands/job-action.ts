import type { CommandContext } from '../context.js';
import { displayName, eachJob, jobPath } from '../jobs.js';
import type { JobRecord } from '../records.js';

const words = {
  stop: ['Stopping', 'stopped'],
  restart: ['Restarting', 'restarted'],
  reload: ['Reloading', 'reloaded'],
} as const;

async function act(context: CommandContext, name: string, action: keyof typeof words): Promise<number> {
  const { client, output } = context;
  const [doing, done] = words[action];
  const spinner = output.spinner(`${doing} ${name}…`);
  let jobs: JobRecord[];
  try {
    jobs = await eachJob(client, name, (job) => client.post<JobRecord>(jobPath(job, `/${action}`)));
  } finally {
    spinner.stop();
  }
  if (output.json) output.value(name === 'all' ? jobs : jobs[0]);
  else output.lines(jobs.map((job) => `${done} ${displayName(job.name)}`));
  return 0;
}

export const stopJob = (context: CommandContext, name: string) => act(context, name, 'stop');
export const restartJob = (context: CommandContext, name: string) => act(context, name, 'restart');
export const reloadJob = (context: CommandContext, name: string) => act(context, name, 'reload');

export async function unloadJob({ client, output }: CommandContext, name: string): Promise<number> {
  const spinner = output.spinner(`Unloading ${name}…`);
  let jobs: string[];
  try {
    jobs = await eachJob(client, name, async (job) => {
      await client.delete(jobPath(job));
      return job;
    });
  } finally {
    spinner.stop();
  }
  if (output.json) output.value(jobs.map((job) => ({ job, unloaded: true })));
  else output.lines(jobs.map((job) => `unloaded ${displayName(job)}`));
  return 0;
}
