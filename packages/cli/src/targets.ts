import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { JobConfig } from '@pool/core';

/** What `pool start` and `pool run` were given. */
export type Target =
  | { kind: 'config'; file: string }
  | { kind: 'script'; file: string; worker: boolean }
  | { kind: 'job'; name: string };

export interface TargetOptions {
  name?: string;
  workers?: number | 'max';
  env?: Record<string, string>;
  worker?: boolean;
}

const configFile = /^(procfile(\..+)?|.+\.(json|ya?ml)|.+\.config\.(mjs|cjs|js))$/i;
const nodeScript = /\.(mjs|cjs|js)$/i;
const fileLike = /[/\\]|\.(json|ya?ml|mjs|cjs|js|ts|mts|cts)$/i;
const jobName = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/;
const directoryConfigs = ['pool.config.json', 'pool.config.yaml', 'pool.config.yml', 'pool.config.mjs', 'pool.config.js', 'Procfile'];

/**
 * A config file (`*.json`, `*.yaml`, `*.config.mjs`, `Procfile`), a directory holding one, a script, or (for
 * `pool start`) the name of a loaded job. A `.js`/`.mjs` script whose default export is a WorkerBase subclass is
 * a worker module: told from its source (it is not imported here, which would run it), or forced with --worker.
 */
export async function classifyTarget(argument: string, options: { worker?: boolean; allowJob: boolean }): Promise<Target> {
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
  return notFound(path);
}

async function notFound(file: string): Promise<never> {
  const { poolError } = await import('@pool/core');
  throw poolError('POOL_CONFIG_NOT_FOUND', { file });
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
    const { loadConfigFile } = await import('@pool/core');
    const jobs = await loadConfigFile(target.file);
    return jobs.map((job) => ({
      ...job,
      ...(numprocesses === undefined ? {} : { numprocesses }),
      ...(env ? { env: { ...job.env, ...env } } : {}),
    }));
  }
  const common = {
    name: options.name ?? nameOf(target.file),
    cwd: process.cwd(),
    numprocesses: numprocesses ?? 1,
    ...(env ? { env } : {}),
  };
  if (target.worker) return [{ ...common, worker: target.file }];
  return [{ ...common, cmd: nodeScript.test(target.file) ? [process.execPath, target.file] : [target.file] }];
}
