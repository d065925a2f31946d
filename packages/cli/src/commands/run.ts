import type { OutputTarget } from '@pool/core';
import type { CommandContext } from '../context.js';
import { randomBytes } from 'node:crypto';
import { usageError } from '../errors/cli-error.js';
import { runManager, type RunHttp } from '../foreground/run-manager.js';
import { runSupervisor, type SupervisorRun } from '../foreground/run-supervisor.js';
import { Reporter } from '../foreground/reporter.js';
import { displayName } from '../jobs.js';
import type { EnvArgument } from '../arguments.js';
import { classifyTarget, jobConfigsFor, nameOf, targetOptions, workerCount, type TargetOptions } from '../targets.js';

export interface RunOptions extends Omit<TargetOptions, 'env'> {
  env?: EnvArgument;
  instances?: number | 'max';
  http?: string;
}

/**
 * `pool run`: the foreground runner (a container's entrypoint, `foreman start`). Output goes to the console
 * as `web.1 | line`, pool's own lines as `pool | …`; with --json, one JSON record a line.
 */
export async function run({ output }: CommandContext, argument: string, args: string[], raw: RunOptions): Promise<number> {
  const options = { ...targetOptions(raw, args), warn: (text: string) => output.warn(text), note: (text: string) => output.note(text) };
  const target = await classifyTarget(argument, { worker: options.worker, allowJob: false });
  if (target.kind === 'job') throw new Error(`${argument} was taken for a job name`);
  const http = options.http === undefined ? undefined : httpOption(options.http);
  if (http && target.kind === 'script' && target.worker) throw usageError('--http serves a Manager: give a config file, a Procfile or a plain script, not a worker module', 'run');
  const write = output.json ? () => {} : (text: string) => void process.stdout.write(text);
  if (target.kind === 'script' && target.worker) {
    if (options.profile !== undefined || options.interpreter !== undefined || options.args || options.envFile || options.restartDelay !== undefined) {
      throw usageError('--env <profile>, --env-file, --interpreter, --restart-delay and arguments after -- are not for a worker module run in the foreground', 'run');
    }
    const run: SupervisorRun = { file: target.file, name: options.name ?? nameOf(target.file), workers: workerCount(options.workers), env: options.env };
    const width = labelWidth([`${run.name}.${(run.workers ?? 1) - 1}`]);
    const reporter = new Reporter(write, output.paint, width);
    await reapOrphans(reporter);
    return withConsole(output.json, width, (console) => runSupervisor(run, console, reporter));
  }
  const configs = await jobConfigsFor(target, options);
  const width = labelWidth(configs.map((config) => `${config.name}.${Math.max(0, (config.numprocesses ?? 1) - 1)}`));
  const reporter = new Reporter(write, output.paint, width);
  await reapOrphans(reporter);
  if (http && !process.env.POOL_TOKEN) reporter.say(`no POOL_TOKEN in the environment: the API's token for this run is ${http.token}`);
  return withConsole(output.json, width, (console) => runManager(configs, console, reporter, http));
}

/** `--http [host:]port`: on 127.0.0.1 unless a host is given (0.0.0.0 in a container); the token from POOL_TOKEN. */
function httpOption(value: string): RunHttp {
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port > 65_535) throw usageError(`--http takes [host:]port (9615, 0.0.0.0:9615), not "${value}"`, 'run');
  const host = (match[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  return { host, port, token: process.env.POOL_TOKEN || randomBytes(24).toString('base64url') };
}

/**
 * `pool run` is often PID 1 (a container's entrypoint): it reaps the orphans of its jobs' processes, and
 * elsewhere it is their subreaper (docs/containers.md). Said where pool's own lines go.
 */
async function reapOrphans(reporter: Reporter): Promise<void> {
  const { orphans } = await import('@pool/core/internal');
  const mode = orphans.enable(() => ({ warn: (_details: object, message: string) => reporter.say(message) }));
  if (mode === 'unavailable' && process.pid === 1) reporter.say(`PID 1 without an orphan reaper (${orphans.why}): run pool under an init (docker run --init, tini)`);
}

/** Labels padded to the longest one known at the start, pool's own included, as foreman does. */
function labelWidth(labels: string[]): number {
  return Math.max('pool'.length, ...labels.map((label) => label.length));
}

/** The console transport (`web.1 | line`), or NDJSON with --json. */
async function withConsole(json: boolean, width: number, body: (console: OutputTarget) => Promise<number>): Promise<number> {
  const { consoleTransport, ndjsonTransport } = await import('@pool/log-transports');
  // --json: every line a JSON record (time, job, worker, pid, stream, line), and no lines of pool's own.
  const console = json ? ndjsonTransport() : consoleTransport({ label: (source) => `${displayName(source.job)}.${source.worker}`.padEnd(width) });
  try {
    return await body(console);
  } finally {
    await console.close?.();
  }
}
