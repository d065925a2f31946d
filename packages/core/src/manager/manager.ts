import { orphans } from '../child/orphans.js';
import { EventEmitter } from 'node:events';
import type { ChildHandler } from '../child/child-handler.js';
import { deferred } from '../child/deferred.js';
import { resolveJob } from '../config/resolve.js';
import type { JobConfig } from '../config/schema.js';
import { validateJobConfig } from '../config/validate.js';
import { toMilliseconds, type Duration } from '../duration.js';
import { poolError } from '../errors/index.js';
import { createLogger, type Logger } from '../logger.js';
import { handleSignals, toSignal } from '../signals.js';
import { invalid } from '../validate.js';
import { topicsOf, type ManagerEvent, type ManagerEvents } from './events.js';
import type { JobInfo, ProcessInfo } from './info.js';
import { Job, type JobHost } from './job.js';
import { Monitors, type MonitorListener, type MonitorTarget } from './monitor.js';
import { checkSession, defaultSession, jobKey } from './names.js';
import { resolveManagerOptions, type ManagerConfig, type ManagerOptions } from './options.js';
import { abortable, OrderQueue } from '../keeper/orders.js';
import { inPriorityOrder } from './priority.js';
import { scaleTarget, type ScaleValue } from './scale.js';
import { ProcessSampler, type JobStats, type ProcessStats } from './stats.js';
import { TopicBus, type SubscribeOptions, type Subscription } from './topics.js';

export type ManagerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface LoadOptions {
  /** Default "default". */
  session?: string;
  /** Merged over the config's `env`. */
  env?: Record<string, string>;
  /** Start the job's processes (at once if the manager runs, else when it starts). Default true for load. */
  start?: boolean;
}

export interface CommitOptions {
  gracefulTimeout?: Duration;
  env?: Record<string, string>;
}

/** Input bytes that may wait for a process that has not read them (`send()`); more is refused. */
export const maxPendingInput = 1024 * 1024;

/**
 * Many named jobs of any command, changed at run time (gaffer's `Manager`). A job is `session.name`; its
 * processes are ChildHandlers. Every change is an event, emitted here and published on the topics
 * `job.<session>.<name>.<type>` and `proc.<pid>.<type>`.
 *
 * Every order on a job (load, update, unload, reload, restart, scale, start, stop, stopProcess, commit,
 * resetCounters) runs one at a time, in the order given, whoever gives it: two concurrent `update()`s, or three
 * `scale("+1")`, give what they give one after the other. A stop (stopJob, unload, update, the Manager's stop) cuts short the orders
 * under way on that job (a rolling reload) rather than waiting for them. Waiting for processes to be ready is
 * done outside the queue, so that no order waits on another order's start.
 */
export class Manager extends EventEmitter<ManagerEvents> {
  readonly config: ManagerConfig;
  readonly logger: Logger;
  #state: ManagerState = 'idle';
  readonly #jobs = new Map<string, Job>();
  /** The orders of each job name (a name's queue outlives the Job objects that update() replaces). */
  readonly #orders = new Map<string, OrderQueue>();
  readonly #bus = new TopicBus();
  readonly #sampler = new ProcessSampler();
  readonly #monitors: Monitors;
  readonly #host: JobHost;
  #stopping: Promise<void> | undefined;
  #stopped = deferred<void>();

  constructor(options: ManagerOptions = {}) {
    super();
    this.config = resolveManagerOptions(options);
    this.logger = createLogger(options.logger, 'pool');
    const { stdout, stderr, env } = this.config;
    this.#host = {
      baseEnv: { ...process.env, ...env },
      stdout,
      stderr,
      logger: this.logger,
      publish: (event) => this.#publish(event),
      forget: (pid) => this.#sampler.forget(pid),
    };
    this.#monitors = new Monitors(this.config.statsInterval, (target) => this.#sampleForMonitor(target), this.logger);
  }

  get state(): ManagerState {
    return this.#state;
  }

  /** The jobs and processes sampled for monitors now (none: no sampling, no timer). */
  get monitoring(): MonitorTarget[] {
    return this.#monitors.targets;
  }

  get sessions(): string[] {
    return [...new Set([...this.#jobs.values()].map((job) => job.session))];
  }

  /**
   * Starts the active jobs, by priority (lowest first, each group settled before the next). A job that cannot
   * start is left stopped, with the reason in `info(name).failure`; the others run, and the first error is thrown.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'stopped') {
      throw poolError('POOL_INVALID_STATE', { action: 'start', subject: 'the manager', state: this.#state });
    }
    this.#state = 'starting';
    this.#stopping = undefined;
    this.#stopped = deferred();
    try {
      const start = (job: Job) => this.#serial(job.name, (signal) => this.#startJob(job, signal)).then(() => job.settled());
      await inPriorityOrder([...this.#jobs.values()].filter((job) => job.active), start, { proceed: () => this.#state === 'starting' });
    } finally {
      if (this.#state === 'starting') this.#state = 'running';
    }
  }

  /** Stops every process, highest priority first; jobs stay loaded. A second call with `gracefulTimeout: 0` kills at once. */
  stop(options: { gracefulTimeout?: number } = {}): Promise<void> {
    if (this.#stopping) {
      if (options.gracefulTimeout === 0) for (const job of this.#jobs.values()) job.killNow();
      return this.#stopping;
    }
    if (this.#state === 'idle' || this.#state === 'stopped') return Promise.resolve();
    this.#state = 'stopping';
    for (const name of this.#jobs.keys()) this.#interrupt(name);
    this.#stopping = (async () => {
      const jobs = [...this.#jobs.values()].filter((job) => job.running || job.children.length > 0);
      // Dependents before what they depend on (deepest first), then by priority, highest first.
      const depth = this.#depths();
      for (const level of [...new Set(jobs.map((job) => depth.get(job.name) ?? 0))].sort((a, b) => b - a)) {
        const atLevel = jobs.filter((job) => (depth.get(job.name) ?? 0) === level);
        await inPriorityOrder(atLevel, (job) => this.#serial(job.name, () => job.stop(options)), { reverse: true }).catch((error: unknown) => {
          this.logger.error({ err: error }, 'a job did not stop cleanly');
        });
      }
      this.#state = 'stopped';
      this.#stopped.resolve();
    })();
    return this.#stopping;
  }

  /**
   * Replaces the processes of every running job, in priority order: rolling (each replacement ready before the
   * old process stops) for a job with sockets, stop-then-start for the others.
   */
  async restart(): Promise<void> {
    this.#checkRunning('restart');
    const running = [...this.#jobs.values()].filter((job) => job.running);
    await inPriorityOrder(running, (job) => this.#serial(job.name, () => job.restart()).then(() => job.settled()));
  }

  /**
   * Starts (if needed) and runs until stopped, with pool's signal table (docs/signals.md): SIGTERM and SIGINT
   * stop (a second Ctrl-C kills at once), SIGHUP restarts every job (`restart()`), SIGUSR1 reopens log files.
   */
  async run(): Promise<void> {
    // As PID 1 (a container's entrypoint) it is the reaper of every orphan: Node reaps none of them itself.
    if (process.pid === 1) orphans.enable(() => this.logger);
    if (this.#state === 'idle' || this.#state === 'stopped') await this.start();
    const signals = handleSignals(this.#signalTarget(), { logger: this.logger, subject: 'every job' });
    try {
      await this.#stopped.promise;
    } finally {
      signals.remove();
      process.exitCode = signals.exitCode(typeof process.exitCode === 'number' ? process.exitCode : 0);
    }
  }

  /** Asks the output targets to reopen their files (after an external logrotate moved them). */
  async reopenLogs(): Promise<void> {
    for (const target of new Set([this.config.stdout, this.config.stderr])) await target?.reopen?.();
  }

  /** Loads a job config (validated); returns its name, `session.name`. A job that cannot start is not kept. */
  async load(config: JobConfig, options: LoadOptions = {}): Promise<string> {
    const { name, job } = this.#prepare(config, options);
    await this.#serial(name, async (signal) => {
      if (this.#jobs.has(name)) throw poolError('POOL_JOB_EXISTS', { name });
      this.#checkDependencies(job);
      this.#jobs.set(name, job);
      job.active = options.start ?? true;
      this.#publish({ type: 'load', job: name, time: Date.now(), updated: false });
      if (!job.active || !this.#isRunning()) return;
      try {
        await this.#startJob(job, signal);
      } catch (error) {
        if (this.#jobs.get(name) === job) this.#jobs.delete(name);
        this.#publish({ type: 'unload', job: name, time: Date.now() });
        throw error;
      }
    });
    await job.settled();
    return name;
  }

  /**
   * Replaces a job's config. A running job whose change reaches only what its processes are made from (command,
   * env, cwd, stop, liveness, output, their number: see Job.adopt) has its processes replaced one at a time, each
   * replacement ready before the next old one stops where the job shares sockets — no downtime. Otherwise its
   * processes are stopped, and new ones started if it was active (or `start`).
   */
  async update(config: JobConfig, options: LoadOptions = {}): Promise<string> {
    const { name, job } = this.#prepare(config, options);
    this.#job(name);
    this.#interrupt(name);
    let updated = job;
    await this.#serial(name, async (signal) => {
      const previous = this.#job(name);
      this.#checkDependencies(job);
      if (previous.active && previous.running && this.#isRunning() && options.start !== false && previous.adopt(job)) {
        updated = previous;
        this.#publish({ type: 'load', job: name, time: Date.now(), updated: true });
        await previous.reload(true);
        return;
      }
      await previous.stop();
      job.active = options.start ?? previous.active;
      job.succeed(previous);
      this.#jobs.set(name, job);
      this.#publish({ type: 'load', job: name, time: Date.now(), updated: true });
      if (job.active && this.#isRunning()) await this.#startJob(job, signal);
    });
    await updated.settled();
    return name;
  }

  async unload(name: string): Promise<void> {
    const key = this.#job(name).name;
    this.#interrupt(key);
    await this.#serial(key, async () => {
      const job = this.#job(key);
      job.active = false;
      await job.stop();
      this.#jobs.delete(key);
      this.#publish({ type: 'unload', job: key, time: Date.now() });
    });
  }

  /** The config's number of processes again, and every process replaced (rolling when the job has sockets). */
  async reload(name: string): Promise<void> {
    const job = await this.#order(name, (current) => current.reload(current.active && this.#isRunning()).then(() => current));
    await job.settled();
  }

  async startJob(name: string): Promise<void> {
    const job = await this.#order(name, async (current, signal) => {
      current.active = true;
      if (this.#isRunning()) await this.#startJob(current, signal);
      return current;
    });
    await job.settled();
  }

  /** Stops a job's processes; they are not restarted until startJob. */
  async stopJob(name: string): Promise<void> {
    this.#interrupt(this.#job(name).name);
    await this.#order(name, async (job) => {
      job.active = false;
      await job.stop();
    });
  }

  /**
   * Sets a job's restart counters back to 0 (PM2's `reset`): `restarts`, `restartReasons` and each process's
   * `restarts` count from now. Its processes are left as they are.
   */
  async resetCounters(name: string): Promise<void> {
    await this.#order(name, async (job) => job.resetCounters());
  }

  /** A one-off process of a job: not kept alive, not counted by scaling. Resolves with its pid once spawned. */
  async commit(name: string, options: CommitOptions = {}): Promise<number> {
    this.#job(name);
    const env = options.env ?? {};
    for (const [key, value] of Object.entries(env)) if (typeof value !== 'string') throw invalid(`env.${key}`, 'expected a string');
    const gracefulTimeout = options.gracefulTimeout === undefined ? undefined : toMilliseconds(options.gracefulTimeout, 'gracefulTimeout');
    return this.#order(name, (job) => job.commit({ env, ...(gracefulTimeout === undefined ? {} : { gracefulTimeout }) }));
  }

  /**
   * Sets (3, "3", "=3") or changes ("+1", "-2") the number of processes, counted from what the orders before
   * this one left; resolves with the new number once the new processes' starts have settled.
   */
  async scale(name: string, value: ScaleValue): Promise<number> {
    scaleTarget(0, value, this.#job(name).name); // a bad value is refused now, not once its turn comes
    let scaled: Job | undefined;
    const target = await this.#order(name, (job) => {
      scaled = job;
      return job.scale(value);
    });
    await scaled?.settled();
    return target;
  }

  jobs(session?: string): string[] {
    return [...this.#jobs.values()].filter((job) => session === undefined || job.session === session).map((job) => job.name);
  }

  jobsWalk(callback: (name: string, manager: this) => void, session?: string): void {
    for (const name of this.jobs(session)) callback(name, this);
  }

  walk(callback: (process: ProcessInfo, manager: this) => void, name?: string): void {
    for (const process of this.list(name)) callback(process, this);
  }

  /** The job's config, as loaded. */
  get(name: string): JobConfig {
    return structuredClone(this.#job(name).config);
  }

  info(name: string): JobInfo {
    const job = this.#job(name);
    return {
      name: job.name,
      session: job.session,
      active: job.active,
      running: job.running,
      numprocesses: job.numprocesses,
      restarts: job.restarts,
      restartReasons: job.restartReasons,
      dependsOn: job.dependsOn,
      waitingFor: [...job.waitingFor],
      priority: job.resolved.priority,
      processes: job.processes(),
      sockets: job.sockets,
      ...(job.listening ? { cluster: { listening: job.listening } } : {}),
      flapping: job.flapping,
      failure: job.failure,
      config: structuredClone(job.config),
    };
  }

  /** CPU and memory of a job's processes, sampled now (Linux). */
  async stats(name: string): Promise<JobStats> {
    const job = this.#job(name);
    return this.#sampler.sampleJob(job.name, job.processes(), job.restarts, job.restartReasons);
  }

  list(name?: string): ProcessInfo[] {
    const jobs = name === undefined ? [...this.#jobs.values()] : [this.#job(name)];
    return jobs.flatMap((job) => job.processes());
  }

  pids(name?: string): number[] {
    return this.list(name)
      .filter((process) => process.pid !== undefined && process.state !== 'exited' && process.state !== 'exiting')
      .map((process) => process.pid!);
  }

  getProcess(pid: number): ProcessInfo {
    const { job, child } = this.#process(pid);
    return job.describe(child);
  }

  /** Stops one process; it is not restarted (a kept one leaves its job: numprocesses goes down by one). */
  async stopProcess(pid: number): Promise<void> {
    const { job, child } = this.#process(pid);
    await this.#serial(job.name, () => job.stopProcess(child));
  }

  /**
   * Replaces every process of a job (gaffer's stopall: each process exits and is started again): rolling, each
   * replacement ready before the old one stops, when the job has sockets.
   */
  async stopall(name: string): Promise<void> {
    const job = await this.#order(name, (current) => current.restart().then(() => current));
    await job.settled();
  }

  kill(pid: number, signal: NodeJS.Signals | string | number): void {
    const resolved = toSignal(signal);
    this.#process(pid).child.signal(resolved);
  }

  killall(name: string, signal: NodeJS.Signals | string | number): void {
    const resolved = toSignal(signal);
    this.#job(name).signalAll(resolved);
  }

  /**
   * Writes to a process's stdin (its job needs `redirectInput`): a string or Buffer as is, an array as lines.
   * Resolves once the input is queued for the process. At most `maxPendingInput` bytes wait for a process that
   * has not read them: more is refused with POOL_STDIN_FULL, never queued in this master's memory.
   */
  async send(pid: number, lines: string | Buffer | readonly string[], stream: 'stdin' = 'stdin'): Promise<void> {
    if (stream !== 'stdin') throw invalid('stream', `only "stdin" can be written to, got ${JSON.stringify(stream)}`);
    const { job, child } = this.#process(pid);
    const stdin = child.stdin;
    if (!job.resolved.redirectInput || !stdin || stdin.destroyed) throw poolError('POOL_NO_STDIN', { pid, name: job.name });
    const data = typeof lines === 'string' || Buffer.isBuffer(lines) ? lines : lines.map((line) => `${line}\n`).join('');
    const size = Buffer.byteLength(data);
    if (stdin.writableLength + size > maxPendingInput && size > 0) {
      throw poolError('POOL_STDIN_FULL', { pid, name: job.name, pending: stdin.writableLength, size, limit: maxPendingInput });
    }
    stdin.write(data);
  }

  /** Calls `listener` with the stats of a job (its name) or a process (its pid) every `statsInterval`. */
  monitor(listener: MonitorListener, name: MonitorTarget): void {
    const target = typeof name === 'number' ? this.#process(name).child.pid! : this.#job(name).name;
    this.#monitors.add(listener, target);
  }

  unmonitor(listener: MonitorListener, name: MonitorTarget): void {
    this.#monitors.remove(listener, typeof name === 'number' ? name : jobKey(name));
  }

  /** Events whose topic matches `topic` ("job.*", "job.default.web.*", "proc.*.exit", …), read with `for await`. */
  subscribe(topic: string, options?: SubscribeOptions): Subscription {
    return this.#bus.subscribe(topic, options);
  }

  unsubscribe(subscription: Subscription): void {
    this.#bus.unsubscribe(subscription);
  }

  #prepare(config: JobConfig, options: LoadOptions): { name: string; job: Job } {
    const session = checkSession(options.session ?? defaultSession);
    const validated = validateJobConfig(config, { source: `job ${session}.${(config as { name?: unknown })?.name}` });
    for (const [key, value] of Object.entries(options.env ?? {})) if (typeof value !== 'string') throw invalid(`env.${key}`, 'expected a string');
    const stored: JobConfig = structuredClone({ ...validated, ...(options.env ? { env: { ...validated.env, ...options.env } } : {}) });
    const name = `${session}.${stored.name}`;
    const resolved = resolveJob(stored, `job ${name}`);
    if (stored.warmupDelay !== undefined) this.logger.warn({ job: name }, 'warmupDelay is the old name of readyDelay: it still works; rename it (docs/names.md)');
    return { name, job: new Job({ session, config: stored, resolved, host: this.#host }) };
  }

  /** Runs `order` in the job's queue, on the job of that name when its turn comes. */
  #order<T>(name: string, order: (job: Job, signal: AbortSignal) => Promise<T>): Promise<T> {
    const key = this.#job(name).name;
    return this.#serial(key, (signal) => order(this.#job(key), signal));
  }

  /**
   * Starts a job once every job it depends on is ready: those not running are started first (in their own
   * queues), then waited for. A dependency that gives up or is stopped fails this start (POOL_DEPENDENCY_FAILED).
   */
  async #startJob(job: Job, signal: AbortSignal): Promise<void> {
    for (const name of job.dependsOn) {
      const dependency = this.#jobs.get(name);
      if (!dependency) throw poolError('POOL_UNKNOWN_DEPENDENCY', { job: job.name, dependency: name });
      if (!dependency.running) {
        dependency.active = true;
        await this.#serial(name, (inner) => this.#startJob(dependency, inner));
      }
      job.waitingFor.add(name);
      try {
        await abortable(dependency.whenAllReady(), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        throw poolError('POOL_DEPENDENCY_FAILED', { job: job.name, dependency: name, detail: (error as Error).message }, error);
      } finally {
        job.waitingFor.delete(name);
      }
    }
    await job.start();
  }

  /** Refuses a job whose dependencies are not loaded or that would close a cycle (naming it). */
  #checkDependencies(job: Job): void {
    for (const name of job.dependsOn) {
      if (name !== job.name && !this.#jobs.has(name)) throw poolError('POOL_UNKNOWN_DEPENDENCY', { job: job.name, dependency: name });
    }
    const edges = (name: string) => (name === job.name ? job.dependsOn : (this.#jobs.get(name)?.dependsOn ?? []));
    const path: string[] = [];
    const visit = (name: string): string[] | undefined => {
      if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
      path.push(name);
      for (const next of edges(name)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
      path.pop();
      return undefined;
    };
    const cycle = visit(job.name);
    if (cycle) throw poolError('POOL_DEPENDENCY_CYCLE', { job: job.name, cycle: cycle.join(' → ') });
  }

  /** How deep each job sits in the dependency graph: 0 for a job that depends on nothing. */
  #depths(): Map<string, number> {
    const depths = new Map<string, number>();
    const depth = (name: string, seen: Set<string>): number => {
      const known = depths.get(name);
      if (known !== undefined) return known;
      if (seen.has(name)) return 0;
      seen.add(name);
      const job = this.#jobs.get(name);
      const value = job ? Math.max(-1, ...job.dependsOn.map((dependency) => depth(dependency, seen))) + 1 : 0;
      depths.set(name, value);
      return value;
    };
    for (const name of this.#jobs.keys()) depth(name, new Set());
    return depths;
  }

  #serial<T>(name: string, order: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let queue = this.#orders.get(name);
    if (!queue) {
      queue = new OrderQueue();
      this.#orders.set(name, queue);
    }
    const orders = queue;
    return orders.run(order).finally(() => {
      if (!orders.busy && !this.#jobs.has(name) && this.#orders.get(name) === orders) this.#orders.delete(name);
    });
  }

  /** Cuts short the orders given so far on a job (a stop is coming). */
  #interrupt(name: string): void {
    this.#orders.get(name)?.interrupt(poolError('POOL_STOPPED', { subject: `Job ${name}` }));
  }

  #signalTarget() {
    return { stop: (options?: { gracefulTimeout?: number }) => this.stop(options), reload: () => this.restart(), reopenLogs: () => this.reopenLogs() };
  }

  #job(name: string): Job {
    const key = jobKey(name);
    const job = this.#jobs.get(key);
    if (!job) throw poolError('POOL_UNKNOWN_JOB', { name: key });
    return job;
  }

  #process(pid: number): { job: Job; child: ChildHandler } {
    for (const job of this.#jobs.values()) {
      const child = job.find(pid);
      if (child) return { job, child };
    }
    throw poolError('POOL_UNKNOWN_PROCESS', { pid });
  }

  #isRunning(): boolean {
    return this.#state === 'running' || this.#state === 'starting';
  }

  #checkRunning(action: string): void {
    if (!this.#isRunning()) throw poolError('POOL_INVALID_STATE', { action, subject: 'the manager', state: this.#state });
  }

  #sampleForMonitor(target: MonitorTarget): JobStats | ProcessStats | undefined {
    let stats: JobStats | ProcessStats;
    if (typeof target === 'number') {
      const job = [...this.#jobs.values()].find((candidate) => candidate.find(target));
      const child = job?.find(target);
      if (!job || !child) return undefined;
      stats = this.#sampler.sample(job.describe(child));
      this.#publish({ type: 'stats', job: job.name, time: Date.now(), pid: target, stats });
    } else {
      const job = this.#jobs.get(target);
      if (!job) return undefined;
      stats = this.#sampler.sampleJob(job.name, job.processes(), job.restarts, job.restartReasons);
      this.#publish({ type: 'stats', job: job.name, time: Date.now(), stats });
    }
    return stats;
  }

  #publish(event: ManagerEvent): void {
    this.#bus.publish(topicsOf(event), event);
    // A listener that throws must not break the job or ChildHandler that reported the event.
    try {
      (this.emit as (type: string, event: ManagerEvent) => boolean)(event.type, event);
    } catch (error) {
      this.logger.error({ err: error, event: event.type, job: event.job }, 'a Manager event listener threw');
    }
  }
}
