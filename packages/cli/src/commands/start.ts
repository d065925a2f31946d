import type { JobConfig } from '@pool/core';
import type { CommandContext } from '../context.js';
import { ensureDaemon } from '../daemon/launch.js';
import { CliError, usageError } from '../errors/cli-error.js';
import { checkJobName, displayName, jobKey, jobPath, listJobs } from '../jobs.js';
import type { JobRecord } from '../records.js';
import { describeFailure, settleStarts, type FailedStart } from '../settle.js';
import type { EnvArgument } from '../arguments.js';
import { classifyTarget, jobConfigsFor, onPath, targetOptions, type Target, type TargetOptions } from '../targets.js';

export interface StartOptions extends Omit<TargetOptions, 'env'> {
  json?: boolean;
  env?: EnvArgument;
  instances?: number | 'max';
  /** PM2's startOrRestart: the loaded jobs are restarted (updated if their config changed), the others loaded. */
  restart?: boolean;
  /** PM2's startOrReload: the same, with a reload (every process replaced, rolling when it has sockets). */
  reload?: boolean;
  /** `--no-wait`: answer as soon as the daemon has started the processes, without waiting to see them hold. */
  wait?: boolean;
}

/** What `pool start` did to a job, as its line says it and its `--json` record's `action`. */
type Action = 'loaded' | 'started' | 'restarted' | 'reloaded' | 'updated' | 'scaled' | 'running';

/**
 * Loads the jobs of a config file (or stdin's: `pool start -`), Procfile or script into the daemon (started if
 * need be), each started and settled before the next; or starts a loaded job again (`pool start web` after
 * `pool stop web`). With --restart or --reload (`pool startOrRestart`, `pool startOrReload`), the jobs loaded
 * already are restarted or reloaded, and updated to the file's config if it changed.
 */
export async function start(context: CommandContext, argument: string, args: string[], raw: StartOptions, argv = process.argv): Promise<number> {
  // `pool start a.js b.js` starts both (PM2 takes several scripts); what follows `--` goes to the one script.
  const dash = argv.indexOf('--');
  const scriptArgs = dash === -1 ? [] : argv.slice(dash + 1);
  const targets = [argument, ...args.slice(0, args.length - scriptArgs.length)];
  if (targets.length === 1) return startOne(context, argument, scriptArgs, raw);
  if (scriptArgs.length > 0) throw usageError('arguments after -- go to one script: give them when starting it alone', 'start');
  if (raw.name !== undefined) throw usageError('--name names one job (or one file\'s session): give it when starting one target', 'start');
  let code = 0;
  for (const target of targets) code = Math.max(code, await startOne(context, target, [], raw));
  return code;
}

async function startOne(context: CommandContext, argument: string, args: string[], raw: StartOptions): Promise<number> {
  const { client, output, home } = context;
  const { restart, reload, ...rest } = raw;
  if (restart && reload) throw usageError('--restart and --reload: give one (PM2\'s startOrRestart, or startOrReload)', 'start');
  const mode = restart ? 'restart' : reload ? 'reload' : undefined;
  const options = { ...targetOptions(rest, args), warn: (text: string) => output.warn(text), note: (text: string) => output.note(text) };
  let target: Target = await classifyTarget(argument, { worker: options.worker, allowJob: true });
  if (target.kind === 'job') {
    // A name: a loaded job (started again), else a command on PATH (`pool start ls`).
    const known = options.args === undefined && (await daemonKnows(context, target.name));
    if (known || !onPath(argument)) return startLoaded(context, target.name, mode, raw.wait !== false);
    target = { kind: 'script', file: argument, worker: false, command: true };
  }
  const session = target.kind === 'config' ? options.name : undefined;
  const configs = await jobConfigsFor(target, target.kind === 'config' ? { ...options, name: undefined } : options);

  const daemon = await ensureDaemon(home, output);
  if (daemon.started) output.note(`started the pool daemon (pid ${daemon.pid ?? '?'}, ${home.directory})`);
  const loaded = new Map((await listJobs(client, { env: true })).map((job) => [job.name, job]));
  const plan = configs.map((config) => ({ config, current: loaded.get(`${session ?? 'default'}.${config.name}`) }));
  // Starting the same file again is no error (a restarted daemon brought its jobs back; -w scales them); another
  // config under a loaded job's name is, before anything is loaded — unless --restart or --reload updates it.
  const conflict = mode === undefined && plan.find(({ config, current }) => current && !sameConfig(current.config, config));
  if (conflict) {
    const name = conflict.current!.name;
    const hint = `\`pool start ${argument} --restart\` (or --reload) updates it to this config; or remove it with \`pool unload ${displayName(name)}\` and start it again.`;
    throw new CliError('POOL_JOB_EXISTS', `Job ${name} is already loaded, with another config`, hint, { name }, { keepHint: true });
  }

  const jobs: (JobRecord & { action: Action })[] = [];
  const said: string[] = [];
  for (const { config, current } of plan) {
    if (!current) {
      const job = await load(context, config, session);
      jobs.push({ ...job, action: 'loaded' });
      said.push(mode === undefined ? 'started' : 'loaded');
      continue;
    }
    let job = current;
    const changes: Action[] = [];
    if (mode !== undefined && !sameConfig(current.config, config)) {
      // The file says otherwise now: the job takes its new config (PUT /jobs/:job replaces its processes).
      job = await update(context, job.name, config);
      changes.push('updated');
      if (!job.active) job = await startJob(context, job.name);
    } else if (!job.active) {
      job = await startJob(context, job.name);
      changes.push('started');
    } else if (mode !== undefined) {
      job = await act(context, job.name, mode);
      changes.push(mode === 'restart' ? 'restarted' : 'reloaded');
    }
    if (options.workers !== undefined && job.numprocesses !== config.numprocesses) {
      await client.post(jobPath(job.name, '/scale'), { n: config.numprocesses });
      job = await client.get<JobRecord>(jobPath(job.name));
      changes.push('scaled');
    }
    jobs.push({ ...job, action: changes[0] ?? 'running' });
    said.push(changes.join(' and '));
  }
  return report(context, jobs, said, raw.wait !== false);
}

/**
 * What `pool start` says, once what it started has held (settle.ts; `--no-wait`: at once): a line per job, and for
 * each process that did not start, why, with its stderr tail; exit code 1 when any did not.
 */
async function report(context: CommandContext, started: (JobRecord & { action: Action })[], said: string[], wait: boolean): Promise<number> {
  const { client, output } = context;
  const moving = started.filter((job) => job.action !== 'running');
  const settled = wait && moving.length > 0 ? await settleStarts(client, moving) : { jobs: moving, failed: [] };
  const jobs = started.map((job) => ({ ...(settled.jobs.find((item) => item.name === job.name) ?? job), action: job.action }));
  const failed = [...settled.failed, ...spawnFailures(jobs).filter((failure) => !settled.failed.some((item) => item.job === failure.job && item.id === failure.id))];
  if (output.json) {
    output.value(jobs.map((job) => ({ ...job, failed: failed.filter((failure) => failure.job === job.name) })));
    return failed.length > 0 ? 1 : 0;
  }
  output.lines(
    jobs.map((job, index) => {
      if (job.action === 'running') return `${displayName(job.name)} is running already`;
      const count = failed.filter((failure) => failure.job === job.name).length;
      if (count === 0) return describe(job, said[index]);
      return `${said[index]} ${displayName(job.name)}: ${count} of ${job.numprocesses} process${job.numprocesses === 1 ? '' : 'es'} did not start`;
    }),
  );
  for (const failure of failed) output.warn(describeFailure(failure));
  return failed.length > 0 ? 1 : 0;
}

/** A loaded job given another config: `PUT /jobs/:job` (its processes replaced by ones of the new config). */
async function update({ client, output }: CommandContext, name: string, config: JobConfig): Promise<JobRecord> {
  const spinner = output.spinner(`Updating ${displayName(name)}…`);
  try {
    return await client.put<JobRecord>(jobPath(name), config);
  } finally {
    spinner.stop();
  }
}

/** `pool start … --restart` / `--reload` of a running job whose config is unchanged. */
async function act({ client, output }: CommandContext, name: string, mode: 'restart' | 'reload'): Promise<JobRecord> {
  const spinner = output.spinner(`${mode === 'restart' ? 'Restarting' : 'Reloading'} ${displayName(name)}…`);
  try {
    return await client.post<JobRecord>(jobPath(name, `/${mode}`));
  } finally {
    spinner.stop();
  }
}

/** The same job config, key order and scale aside. */
function sameConfig(loaded: Record<string, unknown>, wanted: JobConfig): boolean {
  const canonical = (config: Record<string, unknown>) => {
    const { numprocesses: _scale, ...rest } = config;
    return JSON.stringify(sortKeys(rest));
  };
  return canonical(loaded) === canonical(wanted as unknown as Record<string, unknown>);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}

async function load({ client, output }: CommandContext, config: JobConfig, session: string | undefined): Promise<JobRecord> {
  const spinner = output.spinner(`Starting ${session ? `${session}.` : ''}${config.name}…`);
  try {
    return await client.post<JobRecord>('/jobs', config, { query: { session } });
  } finally {
    spinner.stop();
  }
}

/** Whether the daemon runs and has a job of this name (no daemon: it has none). */
async function daemonKnows({ client }: CommandContext, name: string): Promise<boolean> {
  try {
    const key = jobKey(name);
    return (await listJobs(client)).some((job) => job.name === key);
  } catch (error) {
    if ((error as { code?: string }).code === 'POOL_DAEMON_NOT_RUNNING') return false;
    throw error;
  }
}

/** `pool start web`: a loaded job started again; with --restart or --reload, a running one restarted or reloaded. */
async function startLoaded(context: CommandContext, name: string, mode: 'restart' | 'reload' | undefined, wait: boolean): Promise<number> {
  const key = checkJobName(name);
  const running = mode !== undefined && (await context.client.get<JobRecord>(jobPath(key))).active;
  const job = running ? await act(context, key, mode) : await startJob(context, key);
  const action: Action = !running ? 'started' : mode === 'restart' ? 'restarted' : 'reloaded';
  return report(context, [{ ...job, action }], [action], wait);
}

async function startJob({ client, output }: CommandContext, name: string): Promise<JobRecord> {
  const spinner = output.spinner(`Starting ${displayName(name)}…`);
  try {
    return await client.post<JobRecord>(jobPath(name, '/start'));
  } finally {
    spinner.stop();
  }
}

function describe(job: JobRecord, done = 'started'): string {
  const pids = job.processes.map((process) => process.pid).filter((pid) => pid);
  const count = `${job.numprocesses} process${job.numprocesses === 1 ? '' : 'es'}`;
  return `${done} ${displayName(job.name)}: ${count}${pids.length > 0 ? ` (pid ${pids.join(', ')})` : ''}`;
}

/** Processes that could not even be spawned (no such command, bad cwd), as the daemon answered at once. */
function spawnFailures(jobs: JobRecord[]): FailedStart[] {
  return jobs.flatMap((job) =>
    job.processes
      .filter((process) => process.lastExit?.error && process.state !== 'ready' && process.state !== 'starting')
      .map((process) => ({ job: job.name, id: process.id, cause: `${process.lastExit!.error!.code}: ${process.lastExit!.error!.message}`, stderr: [] })),
  );
}
