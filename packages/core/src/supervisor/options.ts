import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildHandler, ChildHandlerOptions } from '../child/child-handler.js';
import { resolvePolicies, type PolicyConfig, type Policies } from '../keeper/policies.js';
import { toMilliseconds, type Duration } from '../duration.js';
import { poolError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { toOutputTarget, type OutputOption, type OutputTarget } from '../output/target.js';
import { validateSockets, type SocketOptions } from '../sockets/shared-sockets.js';
import { checkInteger, checkKeys, invalid } from '../validate.js';
import type { WorkerFactory } from '../worker/load.js';
import { defaultBackoff, type BackoffOptions } from '../keeper/backoff.js';
import { defaultFlapping, type FlappingOptions } from '../keeper/flapping.js';
import { inheritedExecArgv } from './worker-spawn.js';

/**
 * The pool's options; the lifecycle policies (`readiness`, `liveness`, `maxMemory`, `maxAge`, `cronRestart`,
 * `watch`, …) are a job's. A worker's readiness probe runs after its ready message (its timeout then bounds the
 * start instead of startTimeout).
 */
export interface SupervisorOptions extends PolicyConfig {
  /** A module (path or URL) whose default export is a WorkerBase subclass or factory, or a factory (same script). */
  worker: string | URL | WorkerFactory;
  /** How many workers; default: the number of CPUs. `workers` is the same (aioworkerpool's name). */
  numprocesses?: number;
  /** How many workers (aioworkerpool's name for `numprocesses`). */
  workers?: number;
  /** How often the pool's consistency is re-checked (restarts are event-driven regardless). Default 15s. */
  checkInterval?: Duration;
  /** A ready worker silent (no heartbeat) for this long is killed and replaced. 0 turns it off. Default 30s. */
  heartbeatTimeout?: Duration;
  /** aioworkerpool's name for `heartbeatTimeout`. */
  workerTimeout?: Duration;
  /** A worker not ready within this long is a failed start. Default 30s. */
  startTimeout?: Duration;
  /** How long a stopping worker has before SIGKILL to its process group. Default 10s. */
  gracefulTimeout?: Duration;
  /** A worker that dies sooner than this after being ready counts as a failure (back-off, flapping). Default 1s. */
  minUptime?: Duration;
  stdout?: OutputOption;
  stderr?: OutputOption;
  /** Further file descriptors every worker inherits (after the sockets). */
  preserveFds?: number[];
  /** Sockets bound once by the master and inherited by every worker: `{ web: { port: 8080 } }`. */
  sockets?: Record<string, SocketOptions>;
  /** Detach from the terminal (new session, output to `logFile`); with `pidFile`. Used by `main()`. */
  daemon?: boolean;
  pidFile?: string;
  /** Where a daemon's stdout and stderr go. Default: /dev/null. */
  logFile?: string;
  /** Makes the ChildHandler of a worker (aioworkerpool's child_factory). */
  childFactory?: (id: number, options: ChildHandlerOptions) => ChildHandler;
  /** Added to the workers' environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Node options for the workers; default: the master's (a loader such as tsx carries over), without --inspect, -e/-p and their script. */
  execArgv?: string[];
  /** Arguments after the worker's script. */
  args?: string[];
  backoff?: Partial<BackoffOptions>;
  flapping?: Partial<FlappingOptions> | false;
  /** The master's logger (pino); false for none. */
  logger?: Logger | false;
  /** The pool's name in output and logs. Default "worker". */
  name?: string;
}

export type WorkerEntry = { kind: 'module'; module: string } | { kind: 'factory'; factory: WorkerFactory };

export interface SupervisorConfig {
  worker: WorkerEntry;
  workers: number;
  checkInterval: number;
  workerTimeout: number;
  startTimeout: number;
  gracefulTimeout: number;
  minUptime: number;
  stdout: OutputTarget | null;
  stderr: OutputTarget | null;
  preserveFds: number[];
  sockets: Record<string, SocketOptions>;
  daemon: boolean;
  pidFile: string | undefined;
  logFile: string | undefined;
  childFactory: SupervisorOptions['childFactory'];
  env: Record<string, string>;
  cwd: string;
  execArgv: string[];
  args: string[];
  backoff: BackoffOptions;
  flapping: FlappingOptions | false;
  policies: Policies;
  name: string;
}

const known = [
  'worker', 'numprocesses', 'workers', 'checkInterval', 'heartbeatTimeout', 'workerTimeout', 'startTimeout', 'gracefulTimeout', 'minUptime', 'stdout',
  'stderr', 'preserveFds', 'sockets', 'daemon', 'pidFile', 'logFile', 'childFactory', 'env', 'cwd', 'execArgv', 'args',
  'backoff', 'flapping', 'logger', 'name', 'readiness', 'liveness', 'maxMemory', 'memoryCheckInterval', 'maxAge', 'maxAgeJitter',
  'cronRestart', 'timezone', 'watch', 'watchIgnore', 'watchDelay',
];

export function resolveOptions(options: SupervisorOptions, cpus: number): SupervisorConfig {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'expected an object');
  checkKeys(options, known, '');
  const duration = (value: Duration | undefined, path: string, fallback: number) =>
    value === undefined ? fallback : toMilliseconds(value, path);
  const preserveFds = options.preserveFds ?? [];
  if (!Array.isArray(preserveFds)) throw invalid('preserveFds', 'expected an array of file descriptors');
  preserveFds.forEach((fd, index) => checkInteger(fd, `preserveFds[${index}]`, 0));
  if (options.daemon && options.pidFile === undefined) throw invalid('pidFile', 'a daemon needs a pidFile');
  const policies = resolvePolicies(options, resolve(options.cwd ?? '.'));
  return {
    worker: resolveWorker(options.worker),
    workers: checkInteger(alias(options, 'numprocesses', 'workers') ?? cpus, options.workers === undefined ? 'numprocesses' : 'workers', 0, 1024),
    checkInterval: duration(options.checkInterval, 'checkInterval', 15_000) || 15_000,
    workerTimeout: duration(alias(options, 'heartbeatTimeout', 'workerTimeout'), options.workerTimeout === undefined ? 'heartbeatTimeout' : 'workerTimeout', 30_000),
    startTimeout: policies.readiness?.timeout ?? duration(options.startTimeout, 'startTimeout', 30_000),
    gracefulTimeout: duration(options.gracefulTimeout, 'gracefulTimeout', 10_000),
    minUptime: duration(options.minUptime, 'minUptime', 1_000),
    stdout: toOutputTarget(options.stdout, 'stdout', 'stdout'),
    stderr: toOutputTarget(options.stderr, 'stderr', 'stderr'),
    preserveFds,
    sockets: validateSockets(options.sockets),
    daemon: options.daemon ?? false,
    pidFile: options.pidFile === undefined ? undefined : resolve(options.pidFile),
    logFile: options.logFile === undefined ? undefined : resolve(options.logFile),
    childFactory: options.childFactory,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    execArgv: options.execArgv ?? inheritedExecArgv(),
    args: options.args ?? [],
    backoff: { ...defaultBackoff, ...options.backoff },
    flapping: options.flapping === false ? false : { ...defaultFlapping, ...options.flapping },
    policies,
    name: options.name ?? 'worker',
  };
}


/** One value under either of two names of one option (pool's and aioworkerpool's); both at once is refused. */
function alias<Key extends keyof SupervisorOptions>(options: SupervisorOptions, name: Key, other: Key): SupervisorOptions[Key] {
  if (options[name] !== undefined && options[other] !== undefined) throw invalid(other, `is another name of ${name}: give one of them`);
  return options[name] ?? options[other];
}

function resolveWorker(worker: SupervisorOptions['worker']): WorkerEntry {
  if (typeof worker === 'function') return { kind: 'factory', factory: worker };
  if (worker instanceof URL) return { kind: 'module', module: worker.href };
  if (typeof worker === 'string' && worker !== '') {
    const module = /^(file|data|node):/.test(worker) ? worker : pathToFileURL(resolve(worker)).href;
    return { kind: 'module', module };
  }
  throw invalid('worker', 'expected a module path or URL, or a factory function');
}

/** Fails early, in the master, rather than once per worker. */
export function checkWorkerModule(entry: WorkerEntry): void {
  if (entry.kind !== 'module' || !entry.module.startsWith('file:')) return;
  if (!existsSync(fileURLToPath(entry.module))) {
    throw poolError('POOL_WORKER_MODULE_NOT_FOUND', { module: fileURLToPath(entry.module), detail: 'no such file' });
  }
}
