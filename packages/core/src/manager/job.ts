import { ChildHandler, type ChildExit } from '../child/child-handler.js';
import type { ResolvedJob } from '../config/resolve.js';
import type { JobConfig } from '../config/schema.js';
import { poolError, type PoolError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { OutputTarget } from '../output/target.js';
import type { SocketDescriptor } from '../protocol.js';
import { backoffDelay, defaultBackoff } from '../supervisor/backoff.js';
import { ConnectionBalancer } from '../supervisor/balancer.js';
import type { FlappingOptions } from '../supervisor/flapping.js';
import type { ManagerEvent, ManagerExitReason } from './events.js';
import { FlappingGuard } from './flapping-guard.js';
import type { ProcessInfo } from './info.js';
import { JobSockets } from './job-sockets.js';
import { exitReason, isFailure, lastExitOf, shouldRestart } from './policy.js';
import { newSlot, processInfo, type Slot } from './slot.js';
import { childOptions } from './spawn.js';

/** What a Job needs from its Manager. */
export interface JobHost {
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly stdout: OutputTarget | null;
  readonly stderr: OutputTarget | null;
  readonly logger: Logger;
  publish(event: ManagerEvent): void;
  /** A process is gone: forget what was sampled of it. */
  forget(pid: number): void;
}

type DistributiveOmit<Type, Key extends PropertyKey> = Type extends unknown ? Omit<Type, Key> : never;
type EventInput = DistributiveOmit<ManagerEvent, 'job' | 'time'>;

const noop = () => {};

/**
 * One job: keeps `numprocesses` ChildHandlers alive under stable numbers, applying the job's restart policy,
 * back-off and flapping detection to the exits they report. Changes (start, stop, scale, …) run one at a time.
 */
export class Job {
  readonly name: string;
  readonly session: string;
  readonly config: JobConfig;
  readonly resolved: ResolvedJob;
  /** The job should run: set by load/startJob, cleared by stopJob or when flapping gives up. */
  active = false;
  #numprocesses: number;
  #running = false;
  readonly #slots = new Map<number, Slot>();
  readonly #commits = new Map<ChildHandler, number>();
  /** Every process of this job that has not exited yet: current, being retired, and commits. */
  readonly #live = new Set<ChildHandler>();
  readonly #balancer = new ConnectionBalancer();
  readonly #sockets: JobSockets;
  readonly #flapping: FlappingGuard;
  #failure: PoolError | undefined;
  /** A reload is under way: the sockets outlive the processes it replaces (a port 0 keeps its port). */
  #holdSockets = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #host: JobHost;

  constructor(options: { session: string; config: JobConfig; resolved: ResolvedJob; host: JobHost }) {
    this.session = options.session;
    this.config = options.config;
    this.resolved = options.resolved;
    this.name = `${options.session}.${options.config.name}`;
    this.#host = options.host;
    this.#sockets = new JobSockets(options.resolved.sockets);
    this.#flapping = new FlappingGuard(options.resolved.flapping);
    this.#numprocesses = options.resolved.numprocesses;
    void this.#reshape();
  }

  get running(): boolean {
    return this.#running;
  }
  get numprocesses(): number {
    return this.#numprocesses;
  }
  get failure(): PoolError | undefined {
    return this.#failure;
  }
  get flapping(): { round: number; paused: boolean } {
    return { round: this.#flapping.round, paused: this.#flapping.paused };
  }
  get sockets(): Record<string, SocketDescriptor> {
    return this.#sockets.describe();
  }
  get children(): ChildHandler[] {
    return [...this.#live];
  }

  /**
   * Starts keeping the processes alive; resolves once each first start has settled (ready, or failed). Throws
   * (leaving the job inactive, with the reason in `failure`) when its sockets cannot be bound.
   */
  async start(): Promise<void> {
    const { settled } = await this.#serial(() => ({ settled: this.#startNow() }));
    await settled;
  }

  /** Stops every process (commits too) and closes the sockets. `gracefulTimeout: 0` also cuts short a stop under way. */
  async stop(options: { gracefulTimeout?: number } = {}): Promise<void> {
    if (options.gracefulTimeout === 0) this.killNow();
    await this.#serial(() => this.#stopNow({ ...options, commits: true }));
    this.#publish({ type: 'stop' });
  }

  /** SIGKILL now to every process that is stopping or will be. */
  killNow(): void {
    for (const child of this.#live) void child.stop({ gracefulTimeout: 0 });
  }

  /** Sets the number of processes: new numbers are started, the highest are stopped. */
  async scale(to: number): Promise<void> {
    const { settled } = await this.#serial(async () => {
      const from = this.#numprocesses;
      this.#numprocesses = to;
      await this.#reshape();
      if (from !== to) this.#publish({ type: 'scale', from, to });
      return { settled: this.#fill() };
    });
    await settled;
  }

  /** Back to the config's number of processes, every one stopped, and started again when `start`. */
  async reload(start: boolean): Promise<void> {
    const { settled } = await this.#serial(async () => {
      this.#holdSockets = true;
      try {
        await this.#stopNow({ commits: false });
        const from = this.#numprocesses;
        this.#numprocesses = this.resolved.numprocesses;
        await this.#reshape();
        if (from !== this.#numprocesses) this.#publish({ type: 'scale', from, to: this.#numprocesses });
        return { settled: start ? this.#startNow() : Promise.resolve() };
      } finally {
        this.#holdSockets = false;
        this.#closeSocketsIfIdle();
      }
    });
    await settled;
  }

  /** Stops the current processes; each is replaced as soon as it has exited. */
  async restartProcesses(): Promise<void> {
    await this.#serial(async () => {
      const stopping: Promise<unknown>[] = [];
      for (const slot of this.#slots.values()) {
        if (!slot.child) continue;
        slot.respawn = true;
        stopping.push(slot.child.stop());
      }
      await Promise.all(stopping);
    });
  }

  /** Stops one process for good: a kept one is no longer counted (numprocesses goes down by one). */
  async stopProcess(child: ChildHandler): Promise<void> {
    await this.#serial(async () => {
      const slot = [...this.#slots.values()].find((candidate) => candidate.child === child);
      if (slot) {
        this.#slots.delete(slot.id);
        clearTimeout(slot.timer);
        this.#numprocesses -= 1;
        this.#publish({ type: 'scale', from: this.#numprocesses + 1, to: this.#numprocesses });
      }
      this.#publish({ type: 'stop', id: child.id, ...(child.pid === undefined ? {} : { pid: child.pid }) });
      await child.stop();
    });
  }

  /** A one-off process: not restarted, not counted. Resolves with its pid once its start has settled. */
  async commit(options: { gracefulTimeout?: number; env?: Record<string, string> } = {}): Promise<number> {
    this.#sockets.bind();
    const id = this.#freeId();
    const child = this.#createChild(id, options);
    this.#commits.set(child, id);
    child.on('exit', (exit) => {
      this.#commits.delete(child);
      this.#onExit(child, id, exit, exitReason(exit, false), true);
      this.#closeSocketsIfIdle();
    });
    await child.start().catch(noop);
    if (child.pid !== undefined) return child.pid;
    const exit = await child.exited;
    throw exit.error ?? poolError('POOL_SPAWN_FAILED', { command: child.options.command, detail: 'no pid' });
  }

  find(pid: number): ChildHandler | undefined {
    for (const child of this.#live) if (child.pid === pid) return child;
    return undefined;
  }

  processes(): ProcessInfo[] {
    const running = this.#running;
    const slots = [...this.#slots.values()].sort((a, b) => a.id - b.id);
    return [
      ...slots.map((slot) => processInfo(this.name, slot.id, slot.child, slot, { commit: false, running })),
      ...[...this.#commits].map(([child, id]) => processInfo(this.name, id, child, undefined, { commit: true, running })),
    ];
  }

  describe(child: ChildHandler): ProcessInfo {
    const slot = [...this.#slots.values()].find((candidate) => candidate.child === child);
    return processInfo(this.name, child.id, child, slot, { commit: this.#commits.has(child), running: this.#running });
  }

  #startNow(): Promise<void> {
    if (this.#running) return this.#fill();
    try {
      this.#sockets.bind();
    } catch (error) {
      this.#failure = error as PoolError;
      this.active = false;
      throw error;
    }
    this.#running = true;
    this.#failure = undefined;
    this.#flapping.reset();
    for (const slot of this.#slots.values()) Object.assign(slot, { done: false, failures: 0, respawn: false });
    return this.#fill();
  }

  async #stopNow(options: { gracefulTimeout?: number; commits: boolean }): Promise<void> {
    this.#halt();
    for (const slot of this.#slots.values()) slot.respawn = false;
    const stopOptions = options.gracefulTimeout === undefined ? {} : { gracefulTimeout: options.gracefulTimeout };
    const children = [...this.#live].filter((child) => options.commits || !this.#commits.has(child));
    await Promise.all(children.map((child) => child.stop(stopOptions)));
    this.#closeSocketsIfIdle();
  }

  /**
   * Makes the slots match numprocesses at once: the highest numbers go, the lowest free ones come. Resolves when
   * the processes of the slots that went have exited.
   */
  #reshape(): Promise<unknown> {
    const retiring: Promise<unknown>[] = [];
    const ids = [...this.#slots.keys()].sort((a, b) => b - a);
    for (const id of ids.slice(0, Math.max(0, this.#slots.size - this.#numprocesses))) {
      const slot = this.#slots.get(id)!;
      this.#slots.delete(id);
      clearTimeout(slot.timer);
      if (slot.child) retiring.push(slot.child.stop());
    }
    while (this.#slots.size < this.#numprocesses) {
      const id = this.#freeId();
      this.#slots.set(id, newSlot(id));
    }
    return Promise.all(retiring);
  }

  #fill(): Promise<void> {
    if (!this.#running || this.#flapping.paused) return Promise.resolve();
    const starts: Promise<void>[] = [];
    for (const slot of this.#slots.values()) if (!slot.child && !slot.timer && !slot.done) starts.push(this.#spawn(slot));
    return Promise.all(starts).then(noop);
  }

  #spawn(slot: Slot): Promise<void> {
    const child = this.#createChild(slot.id);
    slot.child = child;
    child.on('unresponsive', ({ pid, silentFor }) => {
      if (slot.child === child) slot.timedOut = child;
      this.#publish({ type: 'timeout', id: slot.id, pid, commit: false, kind: 'heartbeat', after: silentFor });
      void child.stop({ gracefulTimeout: 0 });
    });
    child.on('exit', (exit) => this.#onSlotExit(slot, child, exit));
    return child.start().then(noop, noop); // a failed start arrives as an exit event
  }

  #createChild(id: number, overrides: { gracefulTimeout?: number; env?: Record<string, string> } = {}): ChildHandler {
    const { baseEnv, stdout, stderr } = this.#host;
    const sockets = this.#sockets.bound;
    const child = new ChildHandler(childOptions({ job: this.resolved, label: this.name, id, sockets, baseEnv, stdout, stderr, ...overrides }));
    const commit = () => this.#commits.has(child);
    this.#live.add(child);
    child.on('spawn', ({ pid }) => this.#publish({ type: 'spawn', id, pid, commit: commit() }));
    child.on('ready', ({ pid, startDuration }) => this.#publish({ type: 'ready', id, pid, commit: commit(), startDuration }));
    child.on('connections', ({ count }) => this.#balancer.report(child, count));
    child.once('exit', () => this.#balancer.forget(child));
    return child;
  }

  #onSlotExit(slot: Slot, child: ChildHandler, exit: ChildExit): void {
    const reason = exitReason(exit, slot.timedOut === child);
    const current = this.#slots.get(slot.id) === slot && slot.child === child;
    const decide = current && this.#running && !slot.respawn;
    if (current) {
      slot.child = undefined;
      slot.timedOut = undefined;
      slot.lastExit = lastExitOf(exit, reason);
      if (decide && !shouldRestart(this.resolved.restart, reason)) slot.done = true;
    }
    this.#onExit(child, slot.id, exit, reason, false);
    if (!current || !this.#running) return this.#closeSocketsIfIdle();
    if (slot.respawn) {
      slot.respawn = false;
      slot.restarts += 1;
      void this.#spawn(slot);
    } else if (!slot.done) {
      this.#scheduleRestart(slot, exit, reason);
    }
  }

  #onExit(child: ChildHandler, id: number, exit: ChildExit, reason: ManagerExitReason, commit: boolean): void {
    this.#live.delete(child);
    if (exit.pid !== undefined) this.#host.forget(exit.pid);
    if (exit.error?.code === 'POOL_START_TIMEOUT' && exit.pid !== undefined) {
      const after = this.resolved.command.kind === 'worker' ? this.resolved.command.startTimeout : 0;
      this.#publish({ type: 'timeout', id, pid: exit.pid, commit, kind: 'start', after });
    }
    this.#publish({ type: 'exit', ...exit, id, commit, reason });
    if (exit.error && reason !== 'stopped') {
      this.#host.logger.error({ job: this.name, id, code: exit.error.code, stderr: exit.stderrTail || undefined }, exit.error.message);
    }
  }

  #scheduleRestart(slot: Slot, exit: ChildExit, reason: ManagerExitReason): void {
    const failed = isFailure(exit, reason, this.resolved.minUptime);
    slot.failures = failed ? slot.failures + 1 : 1;
    if (failed) {
      const verdict = this.#flapping.failed(() => this.#resume());
      if (verdict.kind === 'give-up') return this.#giveUp(verdict.round, exit.error);
      if (verdict.kind === 'pause') this.#paused(verdict.round, exit.error);
    } else {
      this.#flapping.succeeded();
    }
    const delay = backoffDelay(slot.failures, defaultBackoff);
    this.#publish({ type: 'restart', id: slot.id, delay, failures: slot.failures });
    if (this.#flapping.paused) return; // every slot is refilled when the pause ends
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.child || !this.#running || this.#flapping.paused || this.#slots.get(slot.id) !== slot) return;
      slot.restarts += 1;
      void this.#spawn(slot);
    }, delay);
  }

  #paused(round: number, lastError: PoolError | undefined): void {
    const { attempts, window, retryIn } = this.resolved.flapping as FlappingOptions;
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
    }
    this.#host.logger.warn({ job: this.name, round, retryIn }, `job ${this.name} is flapping: waiting before trying again`);
    this.#publish({ type: 'flapping', failures: attempts, window, retryIn, round, gaveUp: false, lastError, error: undefined });
  }

  #resume(): void {
    for (const slot of this.#slots.values()) if (!slot.child && !slot.done) slot.restarts += 1;
    void this.#fill();
  }

  #giveUp(round: number, lastError: PoolError | undefined): void {
    const { attempts, window } = this.resolved.flapping as FlappingOptions;
    const subject = `Job ${this.name}${lastError ? ` (${lastError.message})` : ''}`;
    this.#failure = poolError('POOL_FLAPPING', { subject, attempts, window, rounds: round }, lastError);
    this.active = false;
    this.#halt();
    this.#host.logger.error({ job: this.name, code: this.#failure.code }, this.#failure.message);
    this.#publish({ type: 'flapping', failures: attempts, window, retryIn: undefined, round, gaveUp: true, lastError, error: this.#failure });
    void this.stop();
  }

  /** No more restarts: not running, no pause, no back-off timer. */
  #halt(): void {
    this.#running = false;
    this.#flapping.cancel();
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
    }
  }

  #closeSocketsIfIdle(): void {
    if (!this.#running && !this.#holdSockets && this.#live.size === 0) this.#sockets.close();
  }

  #freeId(): number {
    const used = new Set<number>([...this.#slots.keys(), ...this.#commits.values()]);
    let id = 0;
    while (used.has(id)) id += 1;
    return id;
  }

  #publish(event: EventInput): void {
    this.#host.publish({ ...event, job: this.name, time: Date.now() } as ManagerEvent);
  }

  #serial<T>(operation: () => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(noop);
    return run;
  }
}
