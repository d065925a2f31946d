import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { ChildHandler, type ChildExit, type ChildHandlerOptions } from '../child/child-handler.js';
import { deferred } from '../child/deferred.js';
import { isPoolError, poolError, type PoolError } from '../errors/index.js';
import type { ExitReason, SupervisorEvents } from '../events.js';
import { createLogger, type Logger } from '../logger.js';
import type { SocketDescriptor } from '../protocol.js';
import { bindSockets, type BoundSocket } from '../sockets/shared-sockets.js';
import { checkInteger } from '../validate.js';
import { workerContext } from '../worker/context.js';
import { instantiateWorker } from '../worker/load.js';
import { backoffDelay } from './backoff.js';
import { ConnectionBalancer } from './balancer.js';
import { daemonize, reportToLauncher, takeDaemonRole } from './daemon.js';
import { FlappingDetector } from './flapping.js';
import { checkWorkerModule, resolveOptions, type SupervisorConfig, type SupervisorOptions } from './options.js';
import { checkPidFile, removePidFile, writePidFile } from './pid-file.js';
import { handleSignals } from './signals.js';
import { workerBootstrap, workerSpawn } from './worker-spawn.js';

export type SupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface WorkerInfo {
  id: number;
  pid: number | undefined;
  state: ChildHandler['state'] | 'restarting';
  restarts: number;
  failures: number;
  startedAt: number | undefined;
  readyAt: number | undefined;
}

interface Slot {
  id: number;
  child: ChildHandler | undefined;
  /** Consecutive failed runs (for back-off). */
  failures: number;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
  /** The child the supervisor killed for missing heartbeats. */
  timedOut: ChildHandler | undefined;
}

/**
 * The master of one pool of identical workers (aioworkerpool's `master.Supervisor`): keeps `workers`
 * processes alive under stable ids, replaces the ones that die or hang, reloads them one at a time.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly config: SupervisorConfig;
  readonly #loggerOption: SupervisorOptions['logger'];
  #logger: Logger | undefined;
  #state: SupervisorState = 'idle';
  #size: number;
  readonly #slots = new Map<number, Slot>();
  /** Every live child, current or retiring (being replaced by a reload or removed by a resize). */
  readonly #children = new Set<ChildHandler>();
  readonly #retiring = new Set<ChildHandler>();
  #sockets: BoundSocket[] = [];
  #balancer = new ConnectionBalancer();
  readonly #flapping: FlappingDetector | undefined;
  #pauseTimer: NodeJS.Timeout | undefined;
  #checkTimer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  #failure: PoolError | undefined;
  #reloading: Promise<void> = Promise.resolve();
  readonly #finished = deferred<number>();

  constructor(options: SupervisorOptions) {
    super();
    this.config = resolveOptions(options, availableParallelism());
    this.#loggerOption = options.logger;
    this.#size = this.config.workers;
    this.#flapping = this.config.flapping ? new FlappingDetector(this.config.flapping) : undefined;
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
    return this.#size;
  }

  /** The sockets the master bound, with the ports actually bound (useful with `port: 0`). */
  get sockets(): Record<string, SocketDescriptor> {
    return Object.fromEntries(this.#sockets.map(({ close: _close, ...descriptor }) => [descriptor.name, descriptor]));
  }

  /** Why the pool failed, once it has. */
  get failure(): PoolError | undefined {
    return this.#failure;
  }

  processes(): WorkerInfo[] {
    return [...this.#slots.values()]
      .sort((a, b) => a.id - b.id)
      .map((slot) => ({
        id: slot.id,
        pid: slot.child?.pid,
        state: slot.child?.state ?? 'restarting',
        restarts: slot.restarts,
        failures: slot.failures,
        startedAt: slot.child?.spawnedAt || undefined,
        readyAt: slot.child?.readyAt,
      }));
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
    this.emit('start');
    this.logger.info({ workers: this.#size, sockets: this.sockets }, 'starting the pool');
    this.#checkTimer = setInterval(() => this.#check(), this.config.checkInterval).unref();
    const allReady = this.#whenAllReady();
    this.#fill();
    await allReady;
    if (this.config.pidFile) writePidFile(this.config.pidFile);
    this.#state = 'running';
    this.logger.info({ pids: this.processes().map((worker) => worker.pid) }, 'the pool is up');
    this.emit('running');
  }

  /**
   * Stops every worker (its stop signal, then SIGKILL to its process group after `gracefulTimeout`), closes the
   * sockets. A second call with `gracefulTimeout: 0` kills at once.
   */
  stop(options: { gracefulTimeout?: number; signal?: NodeJS.Signals } = {}): Promise<void> {
    if (this.#stopping) {
      if (options.gracefulTimeout === 0) for (const child of this.#children) void child.stop({ gracefulTimeout: 0 });
      return this.#stopping;
    }
    if (this.#state !== 'failed') this.#state = 'stopping';
    clearInterval(this.#checkTimer);
    clearTimeout(this.#pauseTimer);
    for (const slot of this.#slots.values()) clearTimeout(slot.timer);
    this.emit('stop');
    this.#stopping = (async () => {
      const stopOptions = { gracefulTimeout: options.gracefulTimeout ?? this.config.gracefulTimeout, ...(options.signal ? { signal: options.signal } : {}) };
      await Promise.all([...this.#children].map((child) => child.stop(stopOptions)));
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
  reload(): Promise<void> {
    const run = this.#reloading.then(() => this.#rollingRestart());
    this.#reloading = run.catch(() => {});
    return run;
  }

  /** Changes the number of workers: new ids are started, the highest ids are stopped. */
  resize(workers: number): void {
    checkInteger(workers, 'workers', 0, 1024);
    const from = this.#size;
    if (workers === from) return;
    this.#size = workers;
    this.emit('scale', { from, to: workers });
    this.logger.info({ from, to: workers }, 'resizing the pool');
    for (let id = from - 1; id >= workers; id--) {
      const slot = this.#slots.get(id);
      if (!slot) continue;
      this.#slots.delete(id);
      clearTimeout(slot.timer);
      if (slot.child) this.#retire(slot.child);
    }
    if (this.#state === 'running' || this.#state === 'starting') this.#fill();
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
    const removeSignalHandlers = handleSignals(this, this.logger);
    try {
      await this.start();
      if (isDaemon) reportToLauncher({ type: 'pool:daemon-up', pid: process.pid });
    } catch (error) {
      this.logger.error({ err: error }, 'the pool could not start');
      if (isDaemon) reportToLauncher({ type: 'pool:daemon-failed', error: { name: 'PoolError', message: (error as Error).message } });
      await this.stop();
    }
    const code = await this.#finished.promise;
    removeSignalHandlers();
    process.exitCode = code;
    return code;
  }

  async #runWorker(id: number): Promise<never> {
    const { worker } = this.config;
    if (worker.kind !== 'factory') throw poolError('POOL_NOT_IN_WORKER');
    const instance = await instantiateWorker(worker.factory, id, process.argv[1] ?? 'main script');
    return instance.start();
  }

  #whenAllReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.#slots.size < this.#size) return;
        if ([...this.#slots.values()].every((slot) => slot.child?.state === 'ready')) done();
      };
      const onFlapping = (event: SupervisorEvents['flapping'][0]) => {
        if (event.gaveUp) done(this.#failure);
      };
      const onStop = () => done(this.#failure ?? poolError('POOL_STOPPED', { subject: 'the pool' }));
      const done = (error?: Error) => {
        this.off('ready', check).off('scale', check).off('flapping', onFlapping).off('stop', onStop);
        if (error) reject(error);
        else resolve();
      };
      this.on('ready', check).on('scale', check).on('flapping', onFlapping).on('stop', onStop);
      check();
    });
  }

  /** Starts a worker in every empty slot that is not waiting on a back-off. */
  #fill(): void {
    if (this.#pauseTimer) return;
    for (let id = 0; id < this.#size; id++) {
      let slot = this.#slots.get(id);
      if (!slot) {
        slot = { id, child: undefined, failures: 0, restarts: 0, timer: undefined, timedOut: undefined };
        this.#slots.set(id, slot);
      }
      if (!slot.child && !slot.timer) this.#spawn(slot);
    }
  }

  #check(): void {
    if (this.#state !== 'running' && this.#state !== 'starting') return;
    for (const [id, slot] of this.#slots) {
      if (id >= this.#size) {
        this.#slots.delete(id);
        if (slot.child) this.#retire(slot.child);
      }
    }
    this.#fill();
  }

  #spawn(slot: Slot): void {
    let child: ChildHandler;
    try {
      child = this.#createChild(slot.id);
    } catch (error) {
      // A user's childFactory threw: leave the slot empty; the consistency check tries again.
      this.logger.error({ err: error, worker: slot.id }, 'could not create the worker process; retrying at the next check');
      return;
    }
    slot.child = child;
    child.start().catch(() => {}); // a failed start arrives as an exit event
  }

  #createChild(id: number): ChildHandler {
    const options = this.#childOptions(id);
    const child = this.config.childFactory ? this.config.childFactory(id, options) : new ChildHandler(options);
    this.#children.add(child);
    child.on('spawn', ({ pid }) => this.emit('spawn', { id, pid }));
    child.on('ready', ({ pid, startDuration }) => this.emit('ready', { id, pid, startDuration }));
    child.on('unresponsive', ({ pid, silentFor }) => this.#onUnresponsive(id, child, pid, silentFor));
    child.on('connections', ({ count }) => this.#balancer.report(child, count));
    child.on('exit', (exit) => this.#onExit(id, child, exit));
    return child;
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
    };
  }

  #onUnresponsive(id: number, child: ChildHandler, pid: number, silentFor: number): void {
    const slot = this.#slots.get(id);
    if (slot?.child === child) slot.timedOut = child;
    this.logger.warn({ worker: id, workerPid: pid, silentFor }, 'worker missed its heartbeats: killing it');
    this.emit('timeout', { id, pid, kind: 'heartbeat', after: silentFor });
    void child.stop({ gracefulTimeout: 0 });
  }

  #onExit(id: number, child: ChildHandler, exit: ChildExit): void {
    this.#children.delete(child);
    this.#balancer.forget(child);
    const retired = this.#retiring.delete(child);
    const slot = this.#slots.get(id);
    const timedOut = slot?.timedOut === child;
    const reason: ExitReason = timedOut
      ? 'timeout'
      : exit.requested
        ? 'stopped'
        : exit.error?.code === 'POOL_START_TIMEOUT'
          ? 'timeout'
          : exit.wasReady
            ? 'crashed'
            : 'failed-start';
    if (exit.error?.code === 'POOL_START_TIMEOUT') {
      this.emit('timeout', { id, pid: exit.pid ?? 0, kind: 'start', after: this.config.startTimeout });
    }
    this.emit('exit', { ...exit, id, reason });
    if (retired || !slot || slot.child !== child) return;
    slot.child = undefined;
    slot.timedOut = undefined;
    if (this.#state !== 'running' && this.#state !== 'starting') return;
    this.#logExit(id, exit, reason);
    this.#scheduleRestart(slot, exit);
  }

  #logExit(id: number, exit: ChildExit, reason: ExitReason): void {
    const details = { worker: id, workerPid: exit.pid, exitCode: exit.code, signal: exit.signal, uptime: exit.uptime, reason };
    if (exit.error && isPoolError(exit.error)) {
      this.logger.error({ ...details, code: exit.error.code, stderr: exit.stderrTail || undefined }, exit.error.message);
    } else {
      this.logger.warn(details, `worker ${id} exited unexpectedly`);
    }
  }

  #scheduleRestart(slot: Slot, exit: ChildExit): void {
    const failed = !exit.wasReady || exit.uptime < this.config.minUptime;
    slot.failures = failed ? slot.failures + 1 : 1;
    if (failed && this.#flapping) {
      const verdict = this.#flapping.record();
      if (verdict.kind === 'give-up') return this.#giveUp(verdict.round);
      if (verdict.kind === 'pause') this.#pause(verdict.round);
    } else if (!failed) {
      this.#flapping?.reset();
    }
    const delay = backoffDelay(slot.failures, this.config.backoff);
    this.emit('restart', { id: slot.id, delay, failures: slot.failures });
    if (this.#pauseTimer) return; // the whole pool is refilled when the pause ends
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.child || this.#pauseTimer || (this.#state !== 'running' && this.#state !== 'starting')) return;
      slot.restarts += 1;
      this.#spawn(slot);
    }, delay);
  }

  #pause(round: number): void {
    const flapping = this.config.flapping as Exclude<SupervisorConfig['flapping'], false>;
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
    }
    this.logger.warn({ round, retryIn: flapping.retryIn }, `the pool is flapping: ${flapping.attempts} failures within ${flapping.window} ms; waiting before trying again`);
    this.emit('flapping', { failures: flapping.attempts, window: flapping.window, retryIn: flapping.retryIn, round, gaveUp: false });
    this.#pauseTimer = setTimeout(() => {
      this.#pauseTimer = undefined;
      for (const slot of this.#slots.values()) if (!slot.child) slot.restarts += 1;
      if (this.#state === 'running' || this.#state === 'starting') this.#fill();
    }, flapping.retryIn);
  }

  #giveUp(round: number): void {
    const flapping = this.config.flapping as Exclude<SupervisorConfig['flapping'], false>;
    this.#failure = poolError('POOL_FLAPPING', { subject: 'The pool', attempts: flapping.attempts, window: flapping.window, rounds: round });
    this.logger.error({ code: this.#failure.code }, this.#failure.message);
    this.#state = 'failed';
    this.emit('flapping', { failures: flapping.attempts, window: flapping.window, retryIn: undefined, round, gaveUp: true });
    void this.stop();
  }

  #retire(child: ChildHandler): void {
    this.#retiring.add(child);
    void child.stop();
  }

  async #rollingRestart(): Promise<void> {
    if (this.#state !== 'running') throw poolError('POOL_INVALID_STATE', { action: 'reload', subject: 'the pool', state: this.#state });
    this.emit('reload', { phase: 'start' });
    this.logger.info('rolling reload');
    for (let id = 0; id < this.#size; id++) {
      const slot = this.#slots.get(id);
      if (!slot || this.#state !== 'running') break;
      const old = slot.child;
      const replacement = this.#createChild(id);
      try {
        await replacement.start();
      } catch (error) {
        if (this.#state !== 'running') throw poolError('POOL_STOPPED', { subject: 'the pool' }, error);
        const failure = poolError('POOL_RELOAD_FAILED', { id, detail: (error as Error).message }, error);
        this.emit('reload', { phase: 'failed', error: failure });
        throw failure;
      }
      if (this.#state !== 'running' || this.#slots.get(id) !== slot) {
        this.#retire(replacement);
        break;
      }
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.child = replacement;
      slot.restarts += 1;
      if (old) {
        this.#retire(old);
        await old.exited;
      }
    }
    if (this.#state !== 'running') throw poolError('POOL_STOPPED', { subject: 'the pool' });
    this.emit('reload', { phase: 'done' });
    this.logger.info('rolling reload done');
  }
}
