import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { ConfigWarning, JobConfig } from '@pool/core';
import type { EnvArgument } from './arguments.js';
import { usageError } from './errors/cli-error.js';

/** What `pool start` and `pool run` were given. */
export type Target =
  /** `stdin`: `pool start -`, the config's text read from stdin (`file` is `<stdin>`). */
  | { kind: 'config'; file: string; stdin?: boolean }
  | { kind: 'script'; file: string; worker: boolean; command?: boolean }
  | { kind: 'job'; name: string };

export interface TargetOptions {
  name?: string;
  workers?: number | 'max';
  env?: Record<string, string>;
  worker?: boolean;
  /** An ecosystem file's env_<profile> (`--env production`). */
  profile?: string;
  /** A key pool does not support is an error, not a warning. */
  strict?: boolean;
  /** Only these jobs (apps) of a config file. */
  only?: string[];
  /** The program that runs a script (`--interpreter python3`; "none": the script itself). */
  interpreter?: string;
  /** Arguments for a script (after `--`). */
  args?: string[];
  /** `.env` files for every job (absolute paths). */
  envFile?: string[];
  /** `--restart-delay <ms>` for a script: PM2's restart_delay, `backoff: { initial: ms, factor: 1, max: ms }`. */
  restartDelay?: number;
  /** Told each warning about the config (an ecosystem key pool does not support). */
  warn?: (text: string) => void;
  /** Told what the person at the terminal should know (stdin is read: end it with Ctrl-D). */
  note?: (text: string) => void;
}

/** What commander gives `pool start` and `pool run`, as TargetOptions. */
export function targetOptions<Raw extends Omit<TargetOptions, 'env'> & { env?: EnvArgument; instances?: number | 'max' }>(
  raw: Raw,
  args: string[],
): Omit<Raw, 'env' | 'instances'> & TargetOptions {
  const { env, instances, ...rest } = raw;
  if (instances !== undefined && rest.workers !== undefined && instances !== rest.workers) {
    throw usageError(`-i (PM2's name) and -w are the same option: give one (-i ${instances}, -w ${rest.workers})`);
  }
  const workers = rest.workers ?? instances;
  return {
    ...rest,
    ...(workers === undefined ? {} : { workers }),
    ...(env && Object.keys(env.vars).length > 0 ? { env: env.vars } : {}),
    ...(env?.profile === undefined ? {} : { profile: env.profile }),
    ...(args.length > 0 ? { args } : {}),
  };
}

/** A config file's name (`pool.config.yaml`, `ecosystem.config.js`, `Procfile.dev`). */
export const configFile = /^(procfile(\..+)?|.+\.(json|ya?ml)|.+\.config\.(mjs|cjs|js))$/i;
/** What names a file, never a job: a path, or a config's or script's extension. */
export const fileLike = /[/\\]|\.(json|ya?ml|mjs|cjs|js|ts|mts|cts)$/i;
const jobName = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/;
/** What a directory given as a target is looked into for, in this order. */
export const directoryConfigs = ['pool.config.json', 'pool.config.yaml', 'pool.config.yml', 'pool.config.mjs', 'pool.config.js', 'Procfile'];

/**
 * A config file (`*.json`, `*.yaml`, `*.config.mjs`, `Procfile`), a directory holding one, a script, or (for
 * `pool start`) the name of a loaded job. A `.js`/`.mjs` script whose default export is a WorkerBase subclass is
 * a worker module: told from its source (it is not imported here, which would run it), or forced with --worker.
 */
export async function classifyTarget(argument: string, options: { worker?: boolean; allowJob: boolean }): Promise<Target> {
  if (argument === '-') return { kind: 'config', file: '<stdin>', stdin: true };
  const path = resolve(argument);
  if (existsSync(path)) {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const found = directoryConfigs.find((name) => readdirSync(path).includes(name));
      if (found) return { kind: 'config', file: join(path, found) };
      return notFound(join(path, 'pool.config.json'));
    }
    if (configFile.test(basename(path))) return { kind: 'config', file: path };
    return { kind: 'script', file: path, worker: options.worker === true || isWorkerModule(path) };
  }
  if (options.allowJob && jobName.test(argument) && !fileLike.test(argument) && !/^procfile/i.test(argument)) return { kind: 'job', name: argument };
  const command = onPath(argument);
  if (command) return { kind: 'script', file: argument, worker: false, command: true };
  return notFound(path, configFile.test(basename(path)) || /^procfile/i.test(basename(path)) ? 'POOL_CONFIG_NOT_FOUND' : 'POOL_SCRIPT_NOT_FOUND');
}

async function notFound(file: string, code: 'POOL_CONFIG_NOT_FOUND' | 'POOL_SCRIPT_NOT_FOUND' = 'POOL_CONFIG_NOT_FOUND'): Promise<never> {
  const { poolError } = await import('@pool/core');
  throw poolError(code, { file });
}

/** A bare command name found on PATH (`pool start ls`), as an executable file's path; undefined otherwise. */
export function onPath(name: string): string | undefined {
  if (name.includes('/') || name === '') return undefined;
  for (const directory of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = join(directory, name);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

function isWorkerModule(file: string): boolean {
  if (!/\.(mjs|js|mts|ts)$/i.test(file)) return false;
  try {
    const source = readFileSync(file, 'utf8');
    return /\bexport\s+default\b/.test(source) && /\bWorkerBase\b/.test(source);
  } catch {
    return false;
  }
}

export function workerCount(workers: TargetOptions['workers']): number | undefined {
  return workers === 'max' ? availableParallelism() : workers;
}

/** "my app.js" → "my-app". */
export function nameOf(file: string): string {
  return basename(file, extname(file)).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'app';
}

/** The job configs for a config file or a script (validated here for a file, by the daemon or Manager for a script). */
export async function jobConfigsFor(target: Exclude<Target, { kind: 'job' }>, options: TargetOptions): Promise<JobConfig[]> {
  const numprocesses = workerCount(options.workers);
  const env = options.env;
  if (target.kind === 'config') {
    if (options.interpreter !== undefined || options.args) throw usageError('--interpreter and arguments after -- are for a script; a config file says its commands');
    if (options.restartDelay !== undefined) throw usageError('--restart-delay is for a script; a config file says its jobs\' backoff (restart_delay in an ecosystem file)');
    const { loadConfigFile, loadConfigText } = await import('@pool/core');
    const loadOptions = {
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      ...(options.strict ? { strict: true } : {}),
      onWarning: (warning: ConfigWarning) =>
        options.warn?.(`${warning.file}${warning.line === undefined ? '' : `:${warning.line}`}: ${warning.path} ${warning.message}`),
    };
    const loaded = target.stdin ? await loadConfigText(await readStdin(options.note), loadOptions) : await loadConfigFile(target.file, loadOptions);
    const jobs = options.only ? onlyJobs(loaded, options.only, target.file) : loaded;
    return jobs.map((job) => ({
      ...job,
      ...(numprocesses === undefined ? {} : { numprocesses }),
      ...(env ? { env: { ...job.env, ...env } } : {}),
      ...(options.envFile ? { envFile: [...[job.envFile ?? []].flat(), ...options.envFile] } : {}),
    }));
  }
  if (options.profile !== undefined) throw usageError(`--env ${options.profile} picks an ecosystem file's env_${options.profile}; for a script, give variables: --env KEY=VALUE`);
  if (options.only) throw usageError('--only picks jobs of a config file');
  const delay = options.restartDelay;
  const common = {
    name: options.name ?? nameOf(target.file),
    cwd: process.cwd(),
    numprocesses: numprocesses ?? 1,
    ...(env ? { env } : {}),
    ...(options.envFile ? { envFile: options.envFile } : {}),
    ...(delay === undefined ? {} : { backoff: { initial: delay, factor: 1, max: delay } }),
  };
  if (target.worker) {
    if (options.interpreter !== undefined) throw usageError('--interpreter is for a script; a worker module runs in Node');
    return [{ ...common, worker: options.args ? { module: target.file, args: options.args } : target.file }];
  }
  const { commandFor } = await import('@pool/core');
  const interpreter = options.interpreter ?? (target.command ? 'none' : undefined);
  return [{ ...common, cmd: commandFor(target.file, common.cwd, { ...(interpreter === undefined ? {} : { interpreter }), args: options.args ?? [], node: process.execPath }) }];
}

/** `pool start -`: the config's text, all of stdin (from a terminal: until Ctrl-D, which the person is told). */
async function readStdin(note?: (text: string) => void): Promise<string> {
  if (process.stdin.isTTY) note?.('reading a config (JSON or YAML) from stdin: end it with Ctrl-D');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw usageError('`pool start -` read nothing on stdin: pipe a config into it (`cat pool.config.json | pool start -`)', 'start');
  return text;
}

/** The named jobs of a file, in the file's order; a name the file does not have is an error that lists those it has. */
export function onlyJobs(jobs: JobConfig[], only: string[], file: string, command?: string): JobConfig[] {
  const missing = only.filter((name) => !jobs.some((job) => job.name === name));
  if (missing.length > 0) {
    throw usageError(`--only ${missing.join(',')}: ${file} has no such job (it has ${jobs.map((job) => job.name).join(', ')})`, command);
  }
  return jobs.filter((job) => only.includes(job.name));
}
