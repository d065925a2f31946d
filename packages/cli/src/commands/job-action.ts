import type { CommandContext } from '../context.js';
import { describeNames, displayName, jobPath, type JobNames } from '../jobs.js';
import type { JobRecord } from '../records.js';
import { eachSelected, selectJobs, type SelectOptions } from '../selection.js';
import { updatedEnv } from '../update-env.js';

const words = {
  stop: ['Stopping', 'stopped'],
  restart: ['Restarting', 'restarted'],
  reload: ['Reloading', 'reloaded'],
  reset: ['Resetting the counters of', 'reset'],
} as const;

export interface JobActionOptions extends SelectOptions {
  json?: boolean;
  /** `pool restart --update-env`: the job's env refreshed from this command's environment first. */
  updateEnv?: boolean;
}

/**
 * One job, several (`pool stop web worker`), `all`, a /regex/, a session or a config file's jobs (selection.ts),
 * one after the other; a line for each.
 */
async function act(context: CommandContext, names: JobNames, action: keyof typeof words, options: JobActionOptions = {}): Promise<number> {
  const { client, output } = context;
  const [doing, done] = words[action];
  const selection = await selectJobs(client, names, { ...options, verb: action, command: action, warn: (text) => output.warn(text) });
  const spinner = output.spinner(`${doing} ${describeNames(names)}…`);
  let jobs: JobRecord[];
  try {
    jobs = await eachSelected(selection, (job) => (options.updateEnv ? restartWithShellEnv(context, job) : client.post<JobRecord>(jobPath(job, `/${action}`))));
  } finally {
    spinner.stop();
  }
  if (output.json) output.value(selection.single ? jobs[0] : jobs);
  else output.lines(jobs.map((job) => `${done} ${displayName(job.name)}${options.updateEnv ? ' (env updated from this shell)' : ''}`));
  return 0;
}

/**
 * `pool restart --update-env`: the job's config updated with its env refreshed from this command's environment
 * (update-env.ts says what is merged), which replaces its processes (`PUT /jobs/:job`, at its current scale); a
 * job that was stopped is then started, as `pool restart` starts it.
 */
async function restartWithShellEnv({ client }: CommandContext, job: string): Promise<JobRecord> {
  const record = await client.get<JobRecord>(jobPath(job), { query: { env: true } });
  const config = record.config as { env?: Record<string, string | number | boolean>; envFile?: string | string[]; cwd?: string };
  const updated = await client.put<JobRecord>(jobPath(job), { ...record.config, env: updatedEnv(config, process.env), numprocesses: record.numprocesses });
  return updated.active ? updated : client.post<JobRecord>(jobPath(job, '/start'));
}

export const stopJob = (context: CommandContext, names: JobNames, options?: JobActionOptions) => act(context, names, 'stop', options);
export const restartJob = (context: CommandContext, names: JobNames, options?: JobActionOptions) => act(context, names, 'restart', options);
export const reloadJob = (context: CommandContext, names: JobNames, options?: JobActionOptions) => act(context, names, 'reload', options);
/** PM2's `reset`: the restart counters (`pool ps`'s RESTARTS) back to 0. */
export const resetJob = (context: CommandContext, names: JobNames, options?: JobActionOptions) => act(context, names, 'reset', options);

export async function unloadJob({ client, output }: CommandContext, names: JobNames, options: JobActionOptions = {}): Promise<number> {
  const selection = await selectJobs(client, names, { ...options, verb: 'unload', command: 'unload', warn: (text) => output.warn(text) });
  const spinner = output.spinner(`Unloading ${describeNames(names)}…`);
  let jobs: string[];
  try {
    jobs = await eachSelected(selection, async (job) => {
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
