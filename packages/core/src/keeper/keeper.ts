import type { ChildExit, ChildHandler, StopOptions } from '../child/child-handler.js';
import { groupReaper } from '../child/reaper.js';
import type { RestartPolicy } from '../config/schema.js';
import { isPoolError, poolError, type PoolError } from '../errors/index.js';
import type { ExitReason, KeeperEvent } from '../events.js';
import type { Logger } from '../logger.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { ConnectionBalancer } from './balancer.js';
import { FlappingGuard, type FlappingOptions } from './flapping.js';
import { abortable, OrderQueue } from './orders.js';
import { exitReason, isFailure, isStartTimeout, lastExitOf, shouldRestart } from './policy.js';
import { maxDuration } from '../duration.js';
import { groupMemory } from '../proc.js';
import { newSlot, processInfo, type ProcessInfo, type Slot } from './slot.js';
import { cronTrigger, watchTrigger, type CronSchedule, type WatchOptions } from './triggers.js';

/** What a one-off process (`commit`) may change in its own ChildHandler options. */
export interface CommitOverrides {
  gracefulTimeout?: number;
  env?: Record<string, string>;
}

export interface KeeperOptions {
  /** The `job` of every event: `session.name`, or a Supervisor's name. */
  name: string;
  /** What it is, in messages: "job default.web", "the pool". */
  subject: string;
  numprocesses: number;
  /** Makes (does not start) the process of number `id`. A throw leaves the slot empty until the next check. */
  create(id: number, overrides?: CommitOverrides): ChildHandler;
  restart: RestartPolicy;
  /** Exit codes after which a number is not restarted, whatever `restart` says. */
  stopExitCodes?: readonly number[];
  backoff: BackoffOptions;
  flapping: FlappingOptions | false;
  /** A process that exits sooner than this after its start counts as a failure. */
  minUptime: number;
  /** The start timeout of its processes, reported in `timeout` events. */
  startTimeout: number;
  /** How often empty slots are filled again regardless of events (a `create` that threw); 0: never. */
  checkInterval: number;
  /**
   * How a rolling replacement goes: `true`, the replacement is started and ready before the old process is
   * stopped, one number at a time (processes that share the Keeper's sockets); `false`, each process is
   * stopped and started again as soon as it has exited (a program binding its own port could not run twice).
   */
  overlap: boolean;
  /** Each process is replaced `age` ms after it got ready (plus a random part of `jitter`), one at a time. */
  maxAge?: { age: number; jitter: number };
  /** A process whose process group's resident memory is above `bytes` at two samples in a row is replaced. */
  maxMemory?: { bytes: number; interval: number };
  /** Every process is replaced, one at a time, at the times this schedule names (reason `cron`). */
  cron?: CronSchedule;
  /** Every process is replaced, one at a time, after a change under these paths (reason `watch`). */
  watch?: WatchOptions;
  logger: () => Logger;
  publish(event: KeeperEvent): void;
}

/** Why the Keeper replaces a process that is running well enough (`recycle`). */
export type RecycleReason = Extract<ExitReason, 'memory' | 'age' | 'cron' | 'watch'>;

type EventInput = KeeperEvent extends infer Event ? (Event extends KeeperEvent ? Omit<Event, 'job' | 'time'> : never) : never;

const noop = () => {};

/**
 * N processes of one kind kept alive (after circus's Watcher): slots with stable numbers, filled from
 * `create`; the exit reason, back-off, flapping and give-up; the heartbeat kill; the connection balancer;
 * rolling replacement. A Supervisor is a Keeper of workers, a Manager job a Keeper of its command.
 *
 * Orders (start, stop, scale, replace, stopProcess) run one at a time, in order; `stop` cuts short an order
 * under way (a rolling replacement) instead of waiting for it. Readiness is awaited outside the queue
 * (`settled()`, `whenAllReady()`), so that an order never waits for another order's processes to get ready.
 */
export class Keeper {
  readonly options: KeeperOptions;
  readonly #slots = new Map<number, Slot>();
  /** Every process not yet exited: current, incoming, retiring, one-off. */
  readonly #live = new Set<ChildHandler>();
  readonly #commits = new Map<ChildHandler, number>();
  readonly #timedOut = new WeakSet<ChildHandler>();
  /** Processes the Keeper stops to replace them (a failed liveness probe): their exit has this reason. */
  readonly #recycled = new WeakMap<ChildHandler, ExitReason>();
  readonly #balancer = new ConnectionBalancer();
  readonly #flapping: FlappingGuard;
  readonly #orders = new OrderQueue();
  readonly #waiters = new Set<() => void>();
  #numprocesses: number;
  #running = false;
  #failure: PoolError | undefined;
  #restarts = 0;
  /** The restarts counted in `#restarts`, by the reason of the exit (or order) that caused each. */
  readonly #restartReasons = new Map<string, number>();
  #checkTimer: NodeJS.Timeout | undefined;
  #memoryTimer: NodeJS.Timeout | undefined;
  readonly #ageTimers = new Map<ChildHandler, NodeJS.Timeout>();
  readonly #overMemory = new WeakMap<ChildHandler, number>();
  /** Processes with a recycle order queued or under way. */
  readonly #recycling = new WeakSet<ChildHandler>();
  /** Ends the cron schedule and the file watch while running. */
  #triggers: (() => void)[] = [];
  /** A cron or watch replacement under way, and whether another was asked for meanwhile. */
  #rolling: { again: RecycleReason | undefined } | undefined;

  constructor(options: KeeperOptions) {
    this.options = options;
    this.#numprocesses = options.numprocesses;
    this.#flapping = new FlappingGuard(options.flapping);
    void this.#reshape(); // no slot to retire yet: it only adds
  }

  get name(): string {
    return this.options.name;
  }
  /** The number of processes kept. */
  get numprocesses(): number {
    return this.#numprocesses;
  }
  /** It keeps its processes alive now (started, not stopped, not given up). */
  get running(): boolean {
    return this.#running;
  }
  /** Why it gave up (POOL_FLAPPING), until the next start. */
  get failure(): PoolError | undefined {
    return this.#failure;
  }
  get flapping(): { round: number; paused: boolean } {
    return { round: this.#flapping.round, paused: this.#flapping.paused };
  }
  /** Every restart since it was made; a counter that never goes down. */
  get restarts(): number {
    return this.#restarts;
  }
  /** The same restarts, by reason: `crashed`, `timeout`, `liveness`, `memory`, `age`, `reload`, … */
  get restartReasons(): Record<string, number> {
    return Object.fromEntries(this.#restartReasons);
  }
  /** Every process that has not exited yet. */
  get children(): ChildHandler[] {
    return [...this.#live];
  }
  /** Nothing of it runs. */
  get idle(): boolean {
    return this.#live.size === 0;
  }

  /** Starts keeping the processes alive (when running: starts again the numbers that ended for good). Resolves once they are spawned. */
  start(): Promise<void> {
    return this.#orders.run(() => {
      if (this.#running) {
        // Numbers that ended for good (restart "never" / "on-failure") run again.
        for (const slot of this.#slots.values()) slot.done = false;
        return this.#fill(false);
      }
      groupReaper.prepare(this.options.logger);
      this.#running = true;
      this.#failure = undefined;
      this.#flapping.reset();
      for (const slot of this.#slots.values()) Object.assign(slot, { done: false, failures: 0, respawn: false });
      if (this.options.checkInterval > 0) {
        this.#checkTimer = setInterval(() => this.#check(), this.options.checkInterval).unref();
      }
      const { maxMemory } = this.options;
      if (maxMemory) this.#memoryTimer = setInterval(() => this.#sampleMemory(maxMemory.bytes), maxMemory.interval).unref();
      const { cron, watch, logger } = this.options;
      if (cron) this.#triggers.push(cronTrigger(cron, () => this.#roll('cron'), logger));
      if (watch) {
        this.#triggers.push(
          watchTrigger(watch, (file) => {
            logger().info({ job: this.name, file }, `${file} changed: replacing every process of ${this.options.subject}`);
            this.#roll('watch');
          }, logger),
        );
      }
      this.#fill(false);
    });
  }

  /**
   * Stops every process (one-off ones too) and keeps them down; resolves once they have exited. It cuts short
   * the orders given before it; `gracefulTimeout: 0` also kills at once what is already stopping.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#orders.interrupt(poolError('POOL_STOPPED', { subject: this.options.subject }));
    // At once, not when its turn comes: an order under way (a recycle, a reload) starts nothing more.
    this.#halt();
    if (options.gracefulTimeout === 0) this.killNow();
    return this.#orders.run(async () => {
      this.#halt();
      await Promise.all([...this.#live].map((child) => child.stop(options)));
    });
  }

  /** SIGKILL now to every process (those stopping included). */
  killNow(): void {
    for (const child of this.#live) void child.stop({ gracefulTimeout: 0 });
  }

  /**
   * Sets the number of processes (`to` may be computed from the current one, inside the queue): new numbers
   * are started, the highest are stopped. Resolves with the new number once the removed ones have exited.
   */
  scale(to: number | ((current: number) => number)): Promise<number> {
    return this.#orders.run(async () => {
      const target = typeof to === 'function' ? to(this.#numprocesses) : to;
      await this.#resize(target);
      this.#fill(false);
      return target;
    });
  }

  /**
   * Replaces every process (a rolling reload), after setting the count to `numprocesses` if given. With
   * `overlap`, one number at a time: the replacement is ready before the old process stops, and a replacement
   * that fails stops the reload (POOL_RELOAD_FAILED) with the old processes serving. Without, every process is
   * stopped and each started again as soon as it has exited. A stopped Keeper only takes the new count.
   */
  replace(options: { numprocesses?: number } = {}): Promise<void> {
    return this.#orders.run(async (signal) => {
      if (options.numprocesses !== undefined) await this.#resize(options.numprocesses);
      if (!this.#running) return;
      this.#publish({ type: 'reload', phase: 'start' });
      try {
        if (this.options.overlap) await this.#replaceOverlapping(signal);
        else await this.#replaceInPlace();
      } catch (error) {
        const failure = isPoolError(error) ? error : poolError('POOL_RELOAD_FAILED', { id: -1, detail: (error as Error).message }, error);
        this.#publish({ type: 'reload', phase: 'failed', error: failure });
        throw failure;
      }
      this.#fill(false);
      this.#publish({ type: 'reload', phase: 'done' });
    });
  }

  /**
   * Replaces one running process (memory or age limit): with `overlap` its replacement is ready before it is
   * stopped, otherwise it is stopped and started again, and the order ends once the new one has settled — so,
   * being an order, never two of a Keeper's processes at once. Its exit has `reason`. Resolves false when
   * there was nothing to do (the process is gone, not ready, or the Keeper stopped) or the replacement failed
   * (the old process then goes on serving).
   */
  recycle(child: ChildHandler, reason: RecycleReason, detail?: Record<string, unknown>): Promise<boolean> {
    // Asked again (the memory check, every sample) while one is queued for this process: that one will do.
    if (this.#recycling.has(child)) return Promise.resolve(false);
    this.#recycling.add(child);
    const order = this.#orders.run(async (signal) => {
      const slot = [...this.#slots.values()].find((candidate) => candidate.child === child);
      // A stop given since cuts it short before it begins: nothing is replaced during a shutdown.
      if (signal.aborted || !slot || slot.incoming || !this.#running || child.state !== 'ready') return false;
      this.options.logger().info({ job: this.name, id: slot.id, pid: child.pid, reason, ...detail }, `replacing ${this.name}.${slot.id} (${reason})`);
      if (!this.options.overlap) {
        this.#recycled.set(child, reason);
        slot.respawn = true;
        await child.stop();
        const settled = this.#until(() => this.#slots.get(slot.id) !== slot || !this.#running || (slot.child !== undefined && slot.child.state !== 'starting') || (!slot.child && !slot.respawn));
        await abortable(settled, signal).catch(noop); // a stop does not wait for the replacement to get ready
        return true;
      }
      try {
        return await this.#overlap(slot, signal, reason, reason);
      } catch (error) {
        if (!signal.aborted) this.options.logger().warn({ job: this.name, id: slot.id, err: error, reason }, `the replacement of ${this.name}.${slot.id} did not get ready: the old process goes on`);
        return false;
      }
    });
    return order.finally(() => this.#recycling.delete(child));
  }

  /** Stops one process for good: a kept one leaves the count (numprocesses goes down by one). */
  stopProcess(child: ChildHandler): Promise<void> {
    return this.#orders.run(async () => {
      const slot = [...this.#slots.values()].find((candidate) => candidate.child === child);
      if (slot) {
        this.#slots.delete(slot.id);
        clearTimeout(slot.timer);
        if (slot.incoming) void slot.incoming.stop();
        this.#numprocesses -= 1;
        this.#publish({ type: 'scale', from: this.#numprocesses + 1, to: this.#numprocesses });
      }
      this.#publish({ type: 'stop', id: child.id, ...(child.pid === undefined ? {} : { pid: child.pid }) });
      await child.stop();
    });
  }

  /**
   * A one-off process under the lowest free number: not restarted, not counted. Resolves with it once it is
   * spawned (its start goes on); rejects when it could not be spawned at all.
   */
  commit(overrides: CommitOverrides = {}): Promise<ChildHandler> {
    return this.#orders.run(async () => {
      const id = this.#freeId();
      const child = this.#create(id, overrides);
      if (!child) throw poolError('POOL_SPAWN_FAILED', { command: this.options.subject, detail: 'its process could not be created' });
      this.#commits.set(child, id);
      groupReaper.prepare(this.options.logger);
      child.start().catch(noop);
      if (child.pid === undefined) throw (await child.exited).error ?? poolError('POOL_SPAWN_FAILED', { command: child.options.command, detail: 'no pid' });
      return child;
    });
  }

  signalAll(signal: NodeJS.Signals): void {
    for (const child of this.#live) child.signal(signal);
  }

  find(pid: number): ChildHandler | undefined {
    for (const child of this.#live) if (child.pid === pid) return child;
    return undefined;
  }

  processes(): ProcessInfo[] {
    const slots = [...this.#slots.values()].sort((a, b) => a.id - b.id);
    return [
      ...slots.map((slot) => processInfo(this.name, slot.id, slot, slot.child ?? slot.incoming, this.#running, this.#gaveUp)),
      ...[...this.#commits].map(([child, id]) => processInfo(this.name, id, undefined, child, this.#running)),
    ];
  }

  describe(child: ChildHandler): ProcessInfo {
    const slot = [...this.#slots.values()].find((candidate) => candidate.child === child || candidate.incoming === child);
    return processInfo(this.name, child.id, slot, child, this.#running);
  }

  /** Resolves once no process is starting (each is ready, or its start failed, or it waits for a restart). */
  settled(): Promise<void> {
    return this.#until(() => {
      for (const slot of this.#slots.values()) {
        if (slot.child?.state === 'starting' || slot.incoming?.state === 'starting') return false;
      }
      return true;
    });
  }

  /** Resolves once every number has a ready process; rejects when it gives up, is stopped, or a number ended for good (its restart policy). */
  whenAllReady(): Promise<void> {
    return this.#until(() => {
      if (this.#failure) throw this.#failure;
      if (!this.#running) throw poolError('POOL_STOPPED', { subject: this.options.subject });
      const ended = [...this.#slots.values()].find((slot) => slot.done);
      if (ended) throw ended.lastExit?.error ?? poolError('POOL_STOPPED', { subject: `${this.name}.${ended.id}` });
      return [...this.#slots.values()].every((slot) => slot.child?.state === 'ready');
    });
  }

  #until(done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let result: boolean;
        try {
          result = done();
        } catch (error) {
          this.#waiters.delete(check);
          return reject(error as Error);
        }
        if (!result) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
      check();
    });
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** No more restarts: not running, no pause, no back-off timer, no check. */
  #halt(): void {
    this.#running = false;
    this.#flapping.cancel();
    clearInterval(this.#checkTimer);
    this.#checkTimer = undefined;
    clearInterval(this.#memoryTimer);
    this.#memoryTimer = undefined;
    for (const end of this.#triggers.splice(0)) end();
    for (const timer of this.#ageTimers.values()) clearTimeout(timer);
    this.#ageTimers.clear();
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.respawn = false;
    }
    this.#changed();
  }

  /** The slots match `numprocesses` at once: the highest numbers go, the lowest free ones come. */
  async #resize(to: number): Promise<void> {
    const from = this.#numprocesses;
    this.#numprocesses = to;
    await this.#reshape();
    if (from !== to) this.#publish({ type: 'scale', from, to });
  }

  #reshape(): Promise<unknown> {
    const retiring: Promise<unknown>[] = [];
    const ids = [...this.#slots.keys()].sort((a, b) => b - a);
    for (const id of ids.slice(0, Math.max(0, this.#slots.size - this.#numprocesses))) {
      const slot = this.#slots.get(id)!;
      this.#slots.delete(id);
      clearTimeout(slot.timer);
      for (const child of [slot.child, slot.incoming]) if (child) retiring.push(child.stop());
    }
    while (this.#slots.size < this.#numprocesses) {
      const id = this.#freeId();
      this.#slots.set(id, newSlot(id));
    }
    return Promise.all(retiring);
  }

  /** Starts a process in every empty slot that waits for nothing (back-off, pause, its restart policy). */
  #fill(restart: boolean): void {
    if (!this.#running || this.#flapping.paused) return;
    for (const slot of this.#slots.values()) {
      if (!slot.child && !slot.incoming && !slot.timer && !slot.done) this.#spawn(slot, restart);
    }
    this.#changed();
  }

  #check(): void {
    if (this.#running) this.#fill(true);
  }

  #spawn(slot: Slot, restart: boolean): void {
    const child = this.#create(slot.id);
    if (!child) return;
    if (restart) this.#countRestart(slot, slot.lastExit?.reason ?? 'crashed');
    slot.child = child;
    child.start().catch(noop); // a failed start arrives as an exit
  }

  #countRestart(slot: Slot, reason: string): void {
    slot.restarts += 1;
    this.#restarts += 1;
    this.#restartReasons.set(reason, (this.#restartReasons.get(reason) ?? 0) + 1);
  }

  /**
   * Every process replaced, one at a time (cron, watch). Asked again while under way, it runs once more after
   * (a change during a reload is not lost), but never twice more.
   */
  #roll(reason: RecycleReason): void {
    if (this.#rolling) {
      this.#rolling.again = reason;
      return;
    }
    const rolling: { again: RecycleReason | undefined } = { again: undefined };
    this.#rolling = rolling;
    void (async () => {
      for (let next: RecycleReason | undefined = reason; next && this.#running; next = rolling.again) {
        rolling.again = undefined;
        for (const id of [...this.#slots.keys()].sort((a, b) => a - b)) {
          const child = this.#slots.get(id)?.child;
          if (child && this.#running) await this.recycle(child, next).catch(noop);
        }
      }
      this.#rolling = undefined;
    })();
  }

  /** `maxAge`: the process is replaced once it has been ready this long (a random part of `jitter` added). */
  #armAge(child: ChildHandler): void {
    const { maxAge } = this.options;
    if (!maxAge || this.#commits.has(child)) return;
    const delay = Math.min(maxDuration, maxAge.age + Math.floor(Math.random() * maxAge.jitter));
    const timer = setTimeout(() => {
      this.#ageTimers.delete(child);
      void this.recycle(child, 'age').then((done) => {
        // A replacement that could not get ready: the old process serves on, and is tried again later.
        if (!done && child.state === 'ready' && this.#running) this.#ageTimers.set(child, setTimeout(() => this.#armAge(child), Math.min(delay, 60_000)).unref());
      }, noop);
    }, delay).unref();
    this.#ageTimers.set(child, timer);
  }

  /** `maxMemory`: one pass over /proc for every process group of this Keeper; two samples above in a row replace. */
  #sampleMemory(limit: number): void {
    const ready = [...this.#slots.values()].flatMap((slot) => (slot.child?.state === 'ready' && slot.child.pid !== undefined && !slot.incoming ? [slot.child] : []));
    if (ready.length === 0) return;
    const usage = groupMemory(new Set(ready.map((child) => child.pid!)));
    for (const child of ready) {
      const rss = usage.get(child.pid!) ?? 0;
      const over = rss > limit ? (this.#overMemory.get(child) ?? 0) + 1 : 0;
      this.#overMemory.set(child, over);
      if (over >= 2) {
        this.#overMemory.set(child, 0);
        void this.recycle(child, 'memory', { rss, limit }).catch(noop);
      }
    }
  }

  #create(id: number, overrides?: CommitOverrides): ChildHandler | undefined {
    let child: ChildHandler;
    try {
      child = this.options.create(id, overrides);
    } catch (error) {
      this.options.logger().error({ err: error, job: this.name, id }, 'could not create the process; trying again at the next check');
      return undefined;
    }
    const commit = () => this.#commits.has(child);
    this.#live.add(child);
    child.on('spawn', ({ pid }) => this.#publish({ type: 'spawn', id, pid, commit: commit() }));
    child.on('ready', ({ pid, startDuration }) => {
      this.#armAge(child);
      this.#publish({ type: 'ready', id, pid, commit: commit(), startDuration });
      this.#changed();
    });
    child.on('connections', ({ count }) => this.#balancer.report(child, count));
    child.on('unresponsive', ({ pid, silentFor }) => this.#onUnresponsive(child, id, pid, silentFor));
    child.on('unhealthy', (report) => this.#onUnhealthy(child, id, report));
    child.on('fault', ({ pid, detail }) => this.#onFault(child, id, pid, detail));
    child.once('exit', (exit) => this.#onExit(child, id, exit));
    return child;
  }

  #onUnresponsive(child: ChildHandler, id: number, pid: number, silentFor: number): void {
    this.#timedOut.add(child);
    this.options.logger().warn({ job: this.name, id, pid, silentFor }, 'the process missed its heartbeats: killing it');
    this.#publish({ type: 'timeout', id, pid, commit: this.#commits.has(child), kind: 'heartbeat', after: silentFor });
    void child.stop({ gracefulTimeout: 0 });
  }

  /** A failed liveness probe: the process is stopped gracefully and, as its restart policy says, replaced. */
  #onUnhealthy(child: ChildHandler, id: number, report: { pid: number; failures: number; detail: string; probe: string }): void {
    const commit = this.#commits.has(child);
    this.options.logger().warn({ job: this.name, id, ...report }, `${this.name}.${id} failed its liveness probe ${report.failures} times in a row: restarting it`);
    this.#publish({ type: 'unhealthy', id, pid: report.pid, commit, failures: report.failures, detail: report.detail, probe: report.probe });
    this.#recycled.set(child, 'liveness');
    const slot = this.#slots.get(id);
    if (slot?.child === child && this.#running && shouldRestart(this.options.restart, 'liveness')) slot.respawn = true;
    void child.stop();
  }

  /**
   * The process sent garbage on its control channel: a fault of that process, never of this master. It is
   * stopped gracefully; its restart counts as a failure (back-off, flapping), as a crash would.
   */
  #onFault(child: ChildHandler, id: number, pid: number, detail: string): void {
    this.options.logger().warn({ job: this.name, id, pid, detail }, `${this.name}.${id} sent ${detail} on its control channel: stopping it`);
    this.#publish({ type: 'fault', id, pid, commit: this.#commits.has(child), detail });
    this.#recycled.set(child, 'fault');
    void child.stop();
  }

  #onExit(child: ChildHandler, id: number, exit: ChildExit): void {
    this.#live.delete(child);
    clearTimeout(this.#ageTimers.get(child));
    this.#ageTimers.delete(child);
    this.#balancer.forget(child);
    const commit = this.#commits.delete(child);
    const reason = this.#recycled.get(child) ?? exitReason(exit, this.#timedOut.has(child));
    if (isStartTimeout(exit) && exit.pid !== undefined) {
      this.#publish({ type: 'timeout', id, pid: exit.pid, commit, kind: 'start', after: this.options.startTimeout });
    }
    this.#publish({ type: 'exit', ...exit, id, commit, reason });
    const slot = this.#slots.get(id);
    const current = slot?.child === child;
    const incoming = slot?.incoming === child;
    if (slot && (current || incoming) && this.#running) this.#log(id, exit, reason);
    if (slot && current) {
      slot.child = undefined;
      slot.lastExit = lastExitOf(exit, reason);
    } else if (slot && incoming) {
      slot.incoming = undefined;
    }
    if (slot && (current || incoming) && this.#running) this.#afterExit(slot, exit, reason);
    this.#changed();
  }

  /** A slot's process (or its replacement) is gone while the Keeper runs: what comes next. */
  #afterExit(slot: Slot, exit: ChildExit, reason: ExitReason): void {
    if (slot.child || slot.incoming) return; // the other one of the pair takes the slot
    if (slot.respawn) {
      slot.respawn = false;
      this.#spawn(slot, true);
      return;
    }
    const stopCode = exit.code !== null && reason !== 'timeout' && (this.options.stopExitCodes ?? []).includes(exit.code);
    if (stopCode || !shouldRestart(this.options.restart, reason)) {
      slot.done = true;
      slot.errored = !stopCode && reason !== 'exited';
      return;
    }
    this.#scheduleRestart(slot, exit, reason);
  }

  #log(id: number, exit: ChildExit, reason: ExitReason): void {
    if (reason === 'stopped') return;
    const details = { job: this.name, id, pid: exit.pid, exitCode: exit.code, signal: exit.signal, uptime: exit.uptime, reason };
    const logger = this.options.logger();
    if (exit.error) logger.error({ ...details, code: exit.error.code, stderr: exit.stderrTail || undefined }, exit.error.message);
    else if (reason === 'exited') logger.info(details, `${this.name}.${id} exited`);
    else logger.warn(details, `${this.name}.${id} exited unexpectedly`);
  }

  #scheduleRestart(slot: Slot, exit: ChildExit, reason: ExitReason): void {
    const failed = isFailure(exit, reason, this.options.minUptime);
    slot.failures = failed ? slot.failures + 1 : 1;
    if (failed) {
      const verdict = this.#flapping.failed(() => this.#resume());
      if (verdict.kind === 'give-up') return this.#giveUp(verdict.round, exit.error);
      if (verdict.kind === 'pause') this.#paused(verdict.round, exit.error);
    } else {
      this.#flapping.succeeded();
    }
    const delay = backoffDelay(slot.failures, this.options.backoff);
    this.#publish({ type: 'restart', id: slot.id, delay, failures: slot.failures });
    if (this.#flapping.paused) return; // every slot is filled again when the pause ends
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.#slots.get(slot.id) !== slot) return;
      this.#fill(true);
    }, delay);
  }

  #paused(round: number, lastError: PoolError | undefined): void {
    const { attempts, window, retryIn } = this.options.flapping as FlappingOptions;
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
    }
    this.options.logger().warn({ job: this.name, round, retryIn }, `${this.options.subject} is flapping: ${attempts} failures within ${window} ms; waiting before trying again`);
    this.#publish({ type: 'flapping', failures: attempts, window, retryIn, round, gaveUp: false, lastError, error: undefined });
  }

  #resume(): void {
    this.#fill(true);
  }

  /** It stopped because its processes kept failing (until it is started again). */
  get #gaveUp(): boolean {
    return !this.#running && this.#failure?.code === 'POOL_FLAPPING';
  }

  #giveUp(round: number, lastError: PoolError | undefined): void {
    const { attempts, window } = this.options.flapping as FlappingOptions;
    const what = this.options.subject.charAt(0).toUpperCase() + this.options.subject.slice(1);
    const subject = `${what}${lastError ? ` (${lastError.message})` : ''}`;
    this.#failure = poolError('POOL_FLAPPING', { subject, attempts, window, rounds: round }, lastError);
    this.options.logger().error({ job: this.name, code: this.#failure.code }, this.#failure.message);
    this.#halt();
    this.#publish({ type: 'flapping', failures: attempts, window, retryIn: undefined, round, gaveUp: true, lastError, error: this.#failure });
    void this.stop();
  }

  async #replaceOverlapping(signal: AbortSignal): Promise<void> {
    for (const id of [...this.#slots.keys()].sort((a, b) => a - b)) {
      const slot = this.#slots.get(id);
      if (signal.aborted || !this.#running) throw poolError('POOL_STOPPED', { subject: this.options.subject });
      if (!slot) continue;
      try {
        await this.#overlap(slot, signal, 'reload');
      } catch (error) {
        if (signal.aborted || !this.#running) throw poolError('POOL_STOPPED', { subject: this.options.subject }, error);
        throw poolError('POOL_RELOAD_FAILED', { id, detail: (error as Error).message }, error);
      }
    }
  }

  /**
   * Starts a replacement beside the slot's process and, once it is ready, puts it in the slot and stops the
   * old process (whose exit then has `reason`, when given). Throws when the replacement does not get ready (it
   * is stopped; the old process serves on); resolves false when the slot went away meanwhile (a stopProcess).
   */
  async #overlap(slot: Slot, signal: AbortSignal, counted: string, reason?: RecycleReason): Promise<boolean> {
    const replacement = this.#create(slot.id);
    if (!replacement) throw new Error('its process could not be created');
    slot.incoming = replacement;
    try {
      await abortable(replacement.start(), signal);
    } catch (error) {
      void replacement.stop();
      throw error;
    }
    if (this.#slots.get(slot.id) !== slot || slot.incoming !== replacement) {
      void replacement.stop();
      return false;
    }
    const old = slot.child;
    clearTimeout(slot.timer);
    Object.assign(slot, { child: replacement, incoming: undefined, timer: undefined, done: false });
    this.#countRestart(slot, counted);
    if (old && reason) this.#recycled.set(old, reason);
    this.#changed();
    if (old) await old.stop();
    return true;
  }

  async #replaceInPlace(): Promise<void> {
    const stopping: Promise<unknown>[] = [];
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.done = false;
      if (!slot.child) continue;
      slot.respawn = true;
      stopping.push(slot.child.stop());
    }
    await Promise.all(stopping);
  }

  #freeId(): number {
    const used = new Set<number>([...this.#slots.keys(), ...this.#commits.values()]);
    let id = 0;
    while (used.has(id)) id += 1;
    return id;
  }

  #publish(event: EventInput): void {
    this.options.publish({ ...event, job: this.name, time: Date.now() } as KeeperEvent);
  }
}
