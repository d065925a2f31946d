import { EventEmitter } from 'node:events';
import type { ChildHandler } from '../child/child-handler.js';
import { deferred } from '../child/deferred.js';
import { resolveJob } from '../config/resolve.js';
import type { JobConfig } from '../config/schema.js';
import { validateJobConfig } from '../config/validate.js';
import { toMilliseconds, type Duration } from '../duration.js';
import { poolError } from '../errors/index.js';
import { createLogger, type Logger } from '../logger.js';
import { toSignal } from '../signals.js';
import { invalid } from '../validate.js';
import { topicsOf, type ManagerEvent, type ManagerEvents } from './events.js';
import type { JobInfo, ProcessInfo } from './info.js';
import { Job, type JobHost } from './job.js';
import { Monitors, type MonitorListener, type MonitorTarget } from './monitor.js';
import { checkSession, defaultSession, jobKey } from './names.js';
import { resolveManagerOptions, type ManagerConfig, type ManagerOptions } from './options.js';
import { startInOrder, stopInOrder } from './priority.js';
import { scaleTarget, type ScaleValue } from './scale.js';
import { handleManagerSignals } from './signals.js';
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

/**
 * Many named jobs of any command, changed at run time (gaffer's `Manager`). A job is `session.name`; its
 * processes are ChildHandlers. Every change is an event, emitted here and published on the topics
 * `job.<session>.<name>.<type>` and `proc.<pid>.<type>`.
 */
export class Manager extends EventEmitter<ManagerEvents> {
  readonly config: ManagerConfig;
  readonly logger: Logger;
  #state: ManagerState = 'idle';
  readonly #jobs = new Map<string, Job>();
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
      await startInOrder([...this.#jobs.values()].filter((job) => job.active), () => this.#state === 'starting');
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
    this.#stopping = (async () => {
      await stopInOrder([...this.#jobs.values()].filter((job) => job.running || job.children.length > 0), options);
      this.#state = 'stopped';
      this.#stopped.resolve();
    })();
    return this.#stopping;
  }

  /** Stops and starts again every running job's processes, in priority order. */
  async restart(): Promise<void> {
    this.#checkRunning('restart');
    const running = [...this.#jobs.values()].filter((job) => job.running);
    await stopInOrder(running);
    await startInOrder(running.filter((job) => job.active));
  }

  /** Starts (if needed) and runs until stopped: SIGTERM/SIGINT stop, SIGHUP restarts. */
  async run(): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'stopped') await this.start();
    const removeHandlers = handleManagerSignals(this, this.logger);
    try {
      await this.#stopped.promise;
    } finally {
      removeHandlers();
    }
  }

  /** Loads a job config (validated); returns its name, `session.name`. A job that cannot start is not kept. */
  async load(config: JobConfig, options: LoadOptions = {}): Promise<string> {
    const { name, job } = this.#prepare(config, options);
    if (this.#jobs.has(name)) throw poolError('POOL_JOB_EXISTS', { name });
    this.#jobs.set(name, job);
    job.active = options.start ?? true;
    this.#publish({ type: 'load', job: name, time: Date.now(), updated: false });
    if (job.active && this.#isRunning()) {
      try {
        await job.start();
      } catch (error) {
        if (this.#jobs.get(name) === job) this.#jobs.delete(name);
        this.#publish({ type: 'unload', job: name, time: Date.now() });
        throw error;
      }
    }
    return name;
  }

  /** Replaces a job's config: its processes are stopped, and new ones started if it was active (or `start`). */
  async update(config: JobConfig, options: LoadOptions = {}): Promise<string> {
    const { name, job } = this.#prepare(config, options);
    const previous = this.#job(name);
    await previous.stop();
    job.active = options.start ?? previous.active;
    this.#jobs.set(name, job);
    this.#publish({ type: 'load', job: name, time: Date.now(), updated: true });
    if (job.active && this.#isRunning()) await job.start();
    return name;
  }

  async unload(name: string): Promise<void> {
    const job = this.#job(name);
    job.active = false;
    await job.stop();
    if (this.#jobs.get(job.name) === job) this.#jobs.delete(job.name);
    this.#publish({ type: 'unload', job: job.name, time: Date.now() });
  }

  /** The config's number of processes again, and every process replaced. */
  async reload(name: string): Promise<void> {
    const job = this.#job(name);
    await job.reload(job.active && this.#isRunning());
  }

  async startJob(name: string): Promise<void> {
    const job = this.#job(name);
    job.active = true;
    if (this.#isRunning()) await job.start();
  }

  /** Stops a job's processes; they are not restarted until startJob. */
  async stopJob(name: string): Promise<void> {
    const job = this.#job(name);
    job.active = false;
    await job.stop();
  }

  /** A one-off process of a job: not kept alive, not counted by scaling. Resolves with its pid. */
  commit(name: string, options: CommitOptions = {}): Promise<number> {
    const job = this.#job(name);
    const env = options.env ?? {};
    for (const [key, value] of Object.entries(env)) if (typeof value !== 'string') throw invalid(`env.${key}`, 'expected a string');
    const gracefulTimeout = options.gracefulTimeout === undefined ? undefined : toMilliseconds(options.gracefulTimeout, 'gracefulTimeout');
    return job.commit({ env, ...(gracefulTimeout === undefined ? {} : { gracefulTimeout }) });
  }

  /** Sets (3, "3", "=3") or changes ("+1", "-2") the number of processes; resolves with the new number. */
  async scale(name: string, value: ScaleValue): Promise<number> {
    const job = this.#job(name);
    const target = scaleTarget(job.numprocesses, value, job.name);
    await job.scale(target);
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
      priority: job.resolved.priority,
      processes: job.processes(),
      sockets: job.sockets,
      flapping: job.flapping,
      failure: job.failure,
      config: structuredClone(job.config),
    };
  }

  /** CPU and memory of a job's processes, sampled now (Linux). */
  async stats(name: string): Promise<JobStats> {
    const job = this.#job(name);
    return this.#sampler.sampleJob(job.name, job.processes());
  }

  list(name?: string): ProcessInfo[] {
    const jobs = name === undefined ? [...this.#jobs.values()] : [this.#job(name)];
    return jobs.flatMap((job) => job.processes());
  }

  pids(name?: string): number[] {
    return this.list(name)
      .filter((process) => process.pid !== undefined && process.state !== 'exited')
      .map((process) => process.pid!);
  }

  getProcess(pid: number): ProcessInfo {
    const { job, child } = this.#process(pid);
    return job.describe(child);
  }

  /** Stops one process; it is not restarted (a kept one leaves its job: numprocesses goes down by one). */
  async stopProcess(pid: number): Promise<void> {
    const { job, child } = this.#process(pid);
    await job.stopProcess(child);
  }

  /** Stops every process of a job; each is replaced as soon as it has exited. */
  async stopall(name: string): Promise<void> {
    await this.#job(name).restartProcesses();
  }

  kill(pid: number, signal: NodeJS.Signals | string | number): void {
    const resolved = toSignal(signal);
    this.#process(pid).child.signal(resolved);
  }

  killall(name: string, signal: NodeJS.Signals | string | number): void {
    const resolved = toSignal(signal);
    for (const child of this.#job(name).children) child.signal(resolved);
  }

  /** Writes to a process's stdin (its job needs `redirectInput`): a string or Buffer as is, an array as lines. */
  async send(pid: number, lines: string | Buffer | readonly string[], stream: 'stdin' = 'stdin'): Promise<void> {
    if (stream !== 'stdin') throw invalid('stream', `only "stdin" can be written to, got ${JSON.stringify(stream)}`);
    const { job, child } = this.#process(pid);
    const stdin = child.stdin;
    if (!job.resolved.redirectInput || !stdin || stdin.destroyed) throw poolError('POOL_NO_STDIN', { pid, name: job.name });
    const data = typeof lines === 'string' || Buffer.isBuffer(lines) ? lines : lines.map((line) => `${line}\n`).join('');
    await new Promise<void>((resolve, reject) => stdin.write(data, (error) => (error ? reject(error) : resolve())));
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
    return { name, job: new Job({ session, config: stored, resolved, host: this.#host }) };
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
      stats = this.#sampler.sampleJob(job.name, job.processes());
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
