import { orphans } from '../child/orphans.js';
import { keeperPolicies, probeOptions } from '../keeper/policies.js';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { ChildHandler, type ChildHandlerOptions, type StopOptions } from '../child/child-handler.js';
import { deferred } from '../child/deferred.js';
import { toMilliseconds, type Duration } from '../duration.js';
import { handleSignals } from '../signals.js';
import { poolError, type PoolError } from '../errors/index.js';
import type { SupervisorEvent, SupervisorEvents } from '../events.js';
import { Keeper } from '../keeper/keeper.js';
import type { ProcessInfo } from '../keeper/slot.js';
import { createLogger, type Logger } from '../logger.js';
import { scaleTarget, type ScaleValue } from '../manager/scale.js';
import type { SocketDescriptor } from '../protocol.js';
import { bindSockets, type BoundSocket } from '../sockets/shared-sockets.js';
import { workerContext } from '../worker/context.js';
import { instantiateWorker } from '../worker/load.js';
import { daemonize, reportToLauncher, takeDaemonRole } from './daemon.js';
import { checkWorkerModule, resolveOptions, type SupervisorConfig, type SupervisorOptions } from './options.js';
import { checkPidFile, removePidFile, writePidFile } from '../pid-file.js';
import { workerBootstrap, workerSpawn } from './worker-spawn.js';

export type SupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** One worker, as `processes()` lists it: the same record as a Manager job's process. */
export type WorkerInfo = ProcessInfo;

export interface SupervisorStopOptions extends StopOptions {
  /** How long each worker has before SIGKILL to its process group; 0 kills at once. Default: `gracefulTimeout`. */
  gracefulTimeout?: number;
}

type DistributiveOmit<Type, Key extends PropertyKey> = Type extends unknown ? Omit<Type, Key> : never;

/**
 * The master of one pool of identical workers (aioworkerpool's `master.Supervisor`): a Keeper of worker
 * processes, plus what a pool owns: its sockets, its pid file, its signals, daemonizing, and the same-script
 * mode where the master's own script is the worker.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly config: SupervisorConfig;
  readonly #loggerOption: SupervisorOptions['logger'];
  #logger: Logger | undefined;
  #state: SupervisorState = 'idle';
  #sockets: BoundSocket[] = [];
  readonly #keeper: Keeper;
  #stopping: Promise<void> | undefined;
  readonly #finished = deferred<number>();

  constructor(options: SupervisorOptions) {
    super();
    this.config = resolveOptions(options, availableParallelism());
    this.#loggerOption = options.logger;
    const { config } = this;
    this.#keeper = new Keeper({
      name: config.name,
      subject: 'the pool',
      numprocesses: config.workers,
      create: (id) => this.#createChild(id),
      restart: 'always',
      backoff: config.backoff,
      flapping: config.flapping,
      minUptime: config.minUptime,
      startTimeout: config.startTimeout,
      checkInterval: config.checkInterval,
      overlap: true,
      ...keeperPolicies(config.policies),
      logger: () => this.logger,
      publish: (event) => this.#onKeeperEvent(event),
    });
  }

  /** The master's log (created on first use: a worker of a same-script pool never needs one). */
  get logger(): Logger {
    this.#logger ??= createLogger(this.#loggerOption, 'pool');
    return this.#logger;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The number of workers the pool keeps. */
  get size(): number {
    return this.#keeper.numprocesses;
  }

  /** The sockets the master bound, with the ports actually bound (useful with `port: 0`). */
  get sockets(): Record<string, SocketDescriptor> {
    return Object.fromEntries(this.#sockets.map(({ close: _close, ...descriptor }) => [descriptor.name, descriptor]));
  }

  /** Why the pool failed, once it has. */
  get failure(): PoolError | undefined {
    return this.#keeper.failure;
  }

  /** Every restart of a worker since the pool was made (a counter: it never goes down). */
  get restarts(): number {
    return this.#keeper.restarts;
  }

  /** Resolves with the exit code once the pool has stopped: 0, or 1 after a failure. */
  get stopped(): Promise<number> {
    return this.#finished.promise;
  }

  processes(): WorkerInfo[] {
    return this.#keeper.processes();
  }

  /** Binds the sockets and starts every worker; resolves once all are ready. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw poolError('POOL_INVALID_STATE', { action: 'start', subject: 'the pool', state: this.#state });
    this.#state = 'starting';
    try {
      checkWorkerModule(this.config.worker);
      if (this.config.pidFile) checkPidFile(this.config.pidFile);
      this.#sockets = bindSockets(this.config.sockets);
    } catch (error) {
      this.#state = 'failed';
      this.#finished.resolve(1);
      throw error;
    }
    this.#emit({ type: 'start' });
    this.logger.info({ workers: this.size, sockets: this.sockets }, 'starting the pool');
    const allReady = this.#keeper.start().then(() => this.#keeper.whenAllReady());
    try {
      await allReady;
    } catch (error) {
      // Given up (flapping) or stopped while starting: the stop under way ends the pool.
      if (this.#keeper.failure) this.#fail();
      throw this.#keeper.failure ?? error;
    }
    if (this.#state !== 'starting') throw poolError('POOL_STOPPED', { subject: 'the pool' });
    if (this.config.pidFile) writePidFile(this.config.pidFile);
    this.#state = 'running';
    this.logger.info({ pids: this.processes().map((worker) => worker.pid) }, 'the pool is up');
    this.#emit({ type: 'running' });
  }

  /**
   * Stops every worker (its stop signal, then SIGKILL to its process group after `gracefulTimeout`), closes the
   * sockets. A second call with `gracefulTimeout: 0` kills at once.
   */
  stop(options: { gracefulTimeout?: Duration; signal?: NodeJS.Signals } = {}): Promise<void> {
    const gracefulTimeout = options.gracefulTimeout === undefined ? this.config.gracefulTimeout : toMilliseconds(options.gracefulTimeout, 'gracefulTimeout');
    if (this.#stopping) {
      if (gracefulTimeout === 0) this.#keeper.killNow();
      return this.#stopping;
    }
    if (this.#state !== 'failed') this.#state = 'stopping';
    this.#emit({ type: 'stop' });
    this.#stopping = (async () => {
      await this.#keeper.stop({ gracefulTimeout, ...(options.signal ? { signal: options.signal } : {}) });
      // Every output has been delivered (exits are reported after it): files and timers can go.
      for (const target of new Set([this.config.stdout, this.config.stderr])) await target?.close?.();
      for (const socket of this.#sockets) socket.close();
      this.#sockets = [];
      if (this.config.pidFile) removePidFile(this.config.pidFile);
      const failed = this.#state === 'failed';
      if (!failed) this.#state = 'stopped';
      this.logger.info(failed ? 'the pool stopped after a failure' : 'the pool stopped');
      this.#finished.resolve(failed ? 1 : 0);
    })();
    return this.#stopping;
  }

  /** Rolling restart: one worker at a time, each replacement ready before the old one is stopped. */
  async reload(): Promise<void> {
    if (this.#state !== 'running') throw poolError('POOL_INVALID_STATE', { action: 'reload', subject: 'the pool', state: this.#state });
    this.logger.info('rolling reload');
    await this.#keeper.replace();
    this.logger.info('rolling reload done');
  }

  /**
   * Changes the number of workers: a count (4), or "+1" / "-1" / "=3" counted from the number the orders before
   * this one left. New ids are started, the highest ids are stopped. Resolves with the new number once the
   * removed workers have exited.
   */
  async resize(workers: ScaleValue): Promise<number> {
    scaleTarget(this.size, workers, this.config.name); // a bad value is refused now, not once its turn comes
    const to = await this.#keeper.scale((current) => scaleTarget(current, workers, this.config.name));
    this.logger.info({ to }, 'resized the pool');
    return to;
  }

  /** Asks the output targets to reopen their files (after an external logrotate moved them). */
  async reopenLogs(): Promise<void> {
    const targets = new Set([this.config.stdout, this.config.stderr]);
    for (const target of targets) await target?.reopen?.();
  }

  /**
   * Runs the pool until a signal stops it; resolves with the exit code (also set on `process.exitCode`).
   * In a worker process of a same-script pool, runs the worker instead. With `daemon`, detaches first.
   */
  async main(): Promise<number> {
    const context = workerContext();
    if (context.inPool && context.sameScript) return this.#runWorker(context.id);
    const isDaemon = takeDaemonRole();
    if (this.config.daemon && !isDaemon) {
      const pid = await daemonize(this.config);
      this.logger.info({ pid, pidFile: this.config.pidFile }, 'the pool runs as a daemon');
      return 0;
    }
    // As PID 1 (a container's entrypoint) it is the reaper of every orphan: Node reaps none of them itself.
    if (process.pid === 1) orphans.enable(() => this.logger);
    const signals = handleSignals(this, { logger: this.logger, subject: 'the workers', interruptWithSigint: true });
    try {
      await this.start();
      if (isDaemon) reportToLauncher({ type: 'pool:daemon-up', pid: process.pid });
    } catch (error) {
      this.logger.error({ err: error }, 'the pool could not start');
      if (isDaemon) reportToLauncher({ type: 'pool:daemon-failed', error: { name: 'PoolError', message: (error as Error).message } });
      await this.stop();
    }
    const code = await this.#finished.promise;
    signals.remove();
    const exitCode = signals.exitCode(code);
    process.exitCode = exitCode;
    return exitCode;
  }

  async #runWorker(id: number): Promise<never> {
    const { worker } = this.config;
    if (worker.kind !== 'factory') throw poolError('POOL_NOT_IN_WORKER');
    const instance = await instantiateWorker(worker.factory, id, process.argv[1] ?? 'main script');
    return instance.start();
  }

  #onKeeperEvent(event: SupervisorEvent): void {
    if (event.type === 'flapping' && event.gaveUp) this.#fail();
    this.#dispatch(event);
  }

  /** Gave up: the pool has failed, and stops. */
  #fail(): void {
    this.#state = 'failed';
    void this.stop();
  }

  #createChild(id: number): ChildHandler {
    const options = this.#childOptions(id);
    return this.config.childFactory ? this.config.childFactory(id, options) : new ChildHandler(options);
  }

  #childOptions(id: number): ChildHandlerOptions {
    const { config } = this;
    const worker = config.worker;
    const inherited = workerSpawn({
      id,
      sockets: this.#sockets,
      preserveFds: config.preserveFds,
      workerTimeout: config.workerTimeout,
      gracefulTimeout: config.gracefulTimeout,
      ...(worker.kind === 'module' ? { module: worker.module } : {}),
    });
    const entry = worker.kind === 'module' ? workerBootstrap : (process.argv[1] ?? '');
    return {
      command: process.execPath,
      args: [...config.execArgv, entry, ...(worker.kind === 'module' ? config.args : process.argv.slice(2))],
      cwd: config.cwd,
      env: { ...process.env, ...config.env, ...inherited.env },
      job: config.name,
      id,
      protocol: true,
      startTimeout: config.startTimeout,
      heartbeatTimeout: config.workerTimeout,
      stdout: config.stdout,
      stderr: config.stderr,
      fds: inherited.fds,
      gracefulTimeout: config.gracefulTimeout,
      ...probeOptions(config.policies),
    };
  }

  #emit(event: DistributiveOmit<SupervisorEvent, 'job' | 'time'>): void {
    this.#dispatch({ ...event, job: this.config.name, time: Date.now() } as SupervisorEvent);
  }

  #dispatch(event: SupervisorEvent): void {
    // A listener that throws must not break the Keeper or ChildHandler that reported the event.
    try {
      (this.emit as (type: string, event: SupervisorEvent) => boolean)(event.type, event);
    } catch (error) {
      this.logger.error({ err: error, event: event.type }, 'a Supervisor event listener threw');
    }
  }
}
