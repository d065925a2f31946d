import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { toMilliseconds } from '../duration.js';
import { resolvePolicies, type Policies } from '../keeper/policies.js';
import { isPoolError } from '../errors/index.js';
import { ClusterListeners } from '../child/cluster.js';
import type { SocketOptions } from '../sockets/shared-sockets.js';
import { defaultBackoff, type BackoffOptions } from '../keeper/backoff.js';
import { defaultFlapping, type FlappingOptions } from '../keeper/flapping.js';
import { checkWorkerModule } from '../supervisor/options.js';
import { inheritedExecArgv } from '../supervisor/worker-spawn.js';
import type { JobConfig, RestartPolicy } from './schema.js';
import { invalidConfig } from './validate.js';

export type ResolvedCommand =
  | { kind: 'command'; argv: string[] }
  | { kind: 'shell'; line: string }
  | { kind: 'worker'; module: string; args: string[]; execArgv: string[]; startTimeout: number; heartbeatTimeout: number };

/** A job config with its defaults applied, durations in milliseconds and paths absolute. */
export interface ResolvedJob {
  name: string;
  command: ResolvedCommand;
  cwd: string;
  env: Record<string, string>;
  cleanEnv: boolean;
  uid: number | undefined;
  gid: number | undefined;
  numprocesses: number;
  gracefulTimeout: number;
  stopSignal: NodeJS.Signals;
  stopMessage: unknown;
  restart: RestartPolicy;
  stopExitCodes: number[];
  flapping: FlappingOptions | false;
  backoff: BackoffOptions;
  readyDelay: number;
  policies: Policies;
  minUptime: number;
  priority: number;
  redirectOutput: { stdout: boolean; stderr: boolean };
  redirectInput: boolean;
  sockets: Record<string, SocketOptions>;
  port: number | undefined;
  /** A Node program whose processes share the ports they listen on (Node's cluster protocol: child/cluster.ts). */
  cluster: boolean;
}

/** Applies defaults to a validated config; checks what only the file system can tell (cwd, worker module). */
export function resolveJob(config: JobConfig, source: string): ResolvedJob {
  const cwd = resolve(config.cwd ?? '.');
  if (!isDirectory(cwd)) throw invalidConfig([{ path: 'cwd', message: `is not a directory: ${cwd}` }], source);
  const redirectOutput = config.redirectOutput ?? ['stdout', 'stderr'];
  const command = resolveCommand(config, cwd);
  checkLogPaths(config, source);
  const cluster = resolveCluster(config, command, source);
  return {
    name: config.name,
    command,
    cwd,
    env: { ...envFiles(config.envFile, cwd, source), ...Object.fromEntries(Object.entries(config.env ?? {}).map(([key, value]) => [key, String(value)])) },
    cleanEnv: config.cleanEnv ?? false,
    uid: config.uid,
    gid: config.gid,
    numprocesses: config.numprocesses ?? 1,
    gracefulTimeout: toMilliseconds(config.gracefulTimeout ?? 10_000, 'gracefulTimeout'),
    stopSignal: (config.stopSignal ?? 'SIGTERM') as NodeJS.Signals,
    stopMessage: resolveStopMessage(config, command, source),
    restart: config.restart ?? 'always',
    stopExitCodes: config.stopExitCodes ?? [],
    flapping: resolveFlapping(config.flapping),
    backoff: {
      initial: toMilliseconds(config.backoff?.initial ?? defaultBackoff.initial, 'backoff.initial'),
      max: toMilliseconds(config.backoff?.max ?? defaultBackoff.max, 'backoff.max'),
      factor: config.backoff?.factor ?? defaultBackoff.factor,
    },
    readyDelay: resolveReadyDelay(config, source, cluster),
    policies: policies(config, cwd, source),
    minUptime: toMilliseconds(config.minUptime ?? 1_000, 'minUptime'),
    priority: config.priority ?? 0,
    redirectOutput: { stdout: redirectOutput.includes('stdout'), stderr: redirectOutput.includes('stderr') },
    redirectInput: config.redirectInput ?? false,
    sockets: config.sockets ?? {},
    port: config.port,
    cluster,
  };
}

/** The `logs` paths may use the placeholders a log file's path takes, no other. */
function checkLogPaths(config: JobConfig, source: string): void {
  for (const key of ['out', 'err', 'combined'] as const) {
    const path = config.logs?.[key];
    const unknown = path && [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).find((name) => !['job', 'worker', 'pid', 'stream'].includes(name!));
    if (unknown) throw invalidConfig([{ path: `logs.${key}`, message: `has an unknown placeholder {${unknown}} (known: {job}, {worker}, {pid}, {stream})` }], source);
  }
}

/**
 * The variables of a job's `.env` files (`envFile`, relative to its cwd), in order, parsed as Node parses them
 * (`util.parseEnv`: `KEY=value`, quotes, `#` comments, `export` prefixes; nothing expanded). Read when the job is
 * loaded or updated (and when a daemon brings it back): `env` wins over them. A file that cannot be read is a
 * config error naming it.
 */
function envFiles(files: string | string[] | undefined, cwd: string, source: string): Record<string, string> {
  const env: Record<string, string> = {};
  [files ?? []].flat().forEach((file, index) => {
    const path = resolve(cwd, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const at = Array.isArray(files) ? `envFile[${index}]` : 'envFile';
      throw invalidConfig([{ path: at, message: `cannot be read: ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }], source);
    }
    Object.assign(env, parseEnv(text));
  });
  return env;
}

/** A stop message needs a channel: a Node program's (a worker module stops through its own protocol). */
function resolveStopMessage(config: JobConfig, command: ResolvedCommand, source: string): unknown {
  if (config.stopMessage === undefined) return undefined;
  if (!isNodeProgram(command)) {
    const why = command.kind === 'worker' ? 'a worker module is stopped by its own protocol (onShutdown)' : 'only a Node program (cmd: ["node", …]) has a channel to get it on';
    throw invalidConfig([{ path: 'stopMessage', message: `cannot be used here: ${why}` }], source);
  }
  return config.stopMessage;
}

/** A program is Node when its argv[0] is `node` (any path, `node20`, `nodejs`) or this Node itself. */
export function isNodeProgram(command: ResolvedCommand): boolean {
  if (command.kind !== 'command') return false;
  const program = command.argv[0] ?? '';
  return program === process.execPath || /^node(js)?[\d.]*$/.test(basename(program));
}

/** A Node program run on a script: Node sets up a cluster worker only then (not for `node -e` or `-p`). */
function isNodeScript(command: ResolvedCommand): boolean {
  return isNodeProgram(command) && !(command as { argv: string[] }).argv.slice(1).some((arg) => /^(-e|-p|--eval|--print)(=|$)/.test(arg));
}

/**
 * Cluster mode: asked for with `cluster: true`; by default on for a Node script run more than once that has no
 * `sockets` of its own (PM2's `-i N`). It needs @pool/native to hand sockets over; without it the default is off.
 */
function resolveCluster(config: JobConfig, command: ResolvedCommand, source: string): boolean {
  const sockets = Object.keys(config.sockets ?? {}).length > 0;
  if (config.cluster === undefined) {
    return isNodeScript(command) && !sockets && (config.numprocesses ?? 1) > 1 && ClusterListeners.unavailable() === undefined;
  }
  if (!config.cluster) return false;
  const problem = !isNodeProgram(command)
    ? 'is for a Node program: cmd must start with node (a worker module shares its sockets with `sockets`)'
    : sockets
      ? 'and sockets both share ports: give one or the other'
      : ClusterListeners.unavailable()
        ? `needs @pool/native to hand sockets to the processes: ${ClusterListeners.unavailable()}`
        : undefined;
  if (problem) throw invalidConfig([{ path: 'cluster', message: problem }], source);
  return true;
}

function resolveCommand(config: JobConfig, cwd: string): ResolvedCommand {
  const { cmd, worker } = config;
  if (cmd !== undefined) {
    if (config.shell) return { kind: 'shell', line: typeof cmd === 'string' ? cmd : cmd.join(' ') };
    return { kind: 'command', argv: [...(cmd as string[])] };
  }
  const options = typeof worker === 'string' ? { module: worker } : worker!;
  const module = /^(file|data|node):/.test(options.module) ? options.module : pathToFileURL(resolve(cwd, options.module)).href;
  checkWorkerModule({ kind: 'module', module });
  return {
    kind: 'worker',
    module,
    args: options.args ?? [],
    execArgv: options.execArgv ?? inheritedExecArgv(),
    startTimeout: toMilliseconds(options.startTimeout ?? 30_000, 'worker.startTimeout'),
    heartbeatTimeout: toMilliseconds(options.heartbeatTimeout ?? 30_000, 'worker.heartbeatTimeout'),
  };
}

function resolveFlapping(flapping: JobConfig['flapping']): FlappingOptions | false {
  if (flapping === false) return false;
  if (flapping === true || flapping === undefined) return { ...defaultFlapping };
  return {
    attempts: flapping.attempts ?? defaultFlapping.attempts,
    window: toMilliseconds(flapping.window ?? defaultFlapping.window, 'flapping.window'),
    retryIn: toMilliseconds(flapping.retryIn ?? defaultFlapping.retryIn, 'flapping.retryIn'),
    maxRetry: flapping.maxRetry ?? defaultFlapping.maxRetry,
  };
}

/** The lifecycle policies; a bad value is a config problem at its path. */
function policies(config: JobConfig, cwd: string, source: string): Policies {
  try {
    return resolvePolicies(config, cwd);
  } catch (error) {
    if (!isPoolError(error, 'POOL_INVALID_OPTION')) throw error;
    const { path, detail } = error.context as { path: string; detail: string };
    throw invalidConfig([{ path, message: detail }], source);
  }
}

/** A cluster worker is ready at its first listen(); one that never listens, after 3 s unless readyDelay says otherwise. */
export const clusterReadyDelay = 3_000;

function resolveReadyDelay(config: JobConfig, source: string, cluster: boolean): number {
  if (config.readiness !== undefined && (config.readyDelay ?? config.warmupDelay) !== undefined) {
    throw invalidConfig([{ path: 'readyDelay', message: 'is a timer that readiness replaces: give one or the other' }], source);
  }
  if (config.readyDelay !== undefined && config.warmupDelay !== undefined) {
    throw invalidConfig([{ path: 'warmupDelay', message: 'is the old name of readyDelay: give only readyDelay' }], source);
  }
  if (config.readyDelay !== undefined) return toMilliseconds(config.readyDelay, 'readyDelay');
  return toMilliseconds(config.warmupDelay ?? (cluster && config.readiness === undefined ? clusterReadyDelay : 0), 'warmupDelay');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
