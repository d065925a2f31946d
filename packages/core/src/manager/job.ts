import { keeperPolicies } from '../keeper/policies.js';
import { ChildHandler } from '../child/child-handler.js';
import type { ResolvedJob } from '../config/resolve.js';
import type { JobConfig } from '../config/schema.js';
import type { PoolError } from '../errors/index.js';
import type { KeeperEvent } from '../events.js';
import { Keeper, type CommitOverrides } from '../keeper/keeper.js';
import type { ProcessInfo } from '../keeper/slot.js';
import type { Logger } from '../logger.js';
import type { OutputTarget } from '../output/target.js';
import type { SocketDescriptor } from '../protocol.js';
import type { ManagerEvent } from './events.js';
import { JobSockets } from './job-sockets.js';
import { ClusterListeners } from '../child/cluster.js';
import { scaleTarget, type ScaleValue } from './scale.js';
import { childOptions, startTimeoutOf } from './spawn.js';

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

/**
 * One job of a Manager: a Keeper of its command, plus what a job owns: its config, its sockets (bound while
 * any of its processes may need them) and whether it should run (`active`). The Manager runs every order on a
 * job one at a time; a Job only carries them out.
 */
export class Job {
  readonly name: string;
  readonly session: string;
  #config: JobConfig;
  #resolved: ResolvedJob;
  /** The job should run: set by load/startJob, cleared by stopJob or when flapping gives up. */
  active = false;
  readonly #keeper: Keeper;
  readonly #sockets: JobSockets;
  /** In cluster mode, the sockets its processes listen on (bound on their first listen()). */
  readonly #cluster: ClusterListeners | undefined;
  readonly #host: JobHost;
  #bindFailure: PoolError | undefined;
  /** Restarts counted by the jobs this one replaced (update), so that the job's counter never goes down. */
  #earlierRestarts = 0;
  #earlierReasons: Record<string, number> = {};
  /**
   * The Keeper's counts when `resetCounters()` was last called, in all, by reason and by process number: what
   * the job shows is counted from there (the Keeper's own counters never go down).
   */
  #resetRestarts = 0;
  #resetReasons: Record<string, number> = {};
  readonly #resetBySlot = new Map<number, number>();

  constructor(options: { session: string; config: JobConfig; resolved: ResolvedJob; host: JobHost }) {
    this.session = options.session;
    this.#config = options.config;
    this.#resolved = options.resolved;
    this.name = `${options.session}.${options.config.name}`;
    this.#host = options.host;
    const { resolved } = options;
    this.#sockets = new JobSockets(resolved.sockets);
    this.#cluster = resolved.cluster ? new ClusterListeners() : undefined;
    const startTimeout = startTimeoutOf(resolved);
    this.#keeper = new Keeper({
      name: this.name,
      subject: `job ${this.name}`,
      numprocesses: resolved.numprocesses,
      create: (id, overrides) => this.#createChild(id, overrides),
      restart: resolved.restart,
      stopExitCodes: resolved.stopExitCodes,
      backoff: resolved.backoff,
      flapping: resolved.flapping,
      minUptime: resolved.minUptime,
      startTimeout,
      checkInterval: 15_000,
      overlap: Object.keys(resolved.sockets).length > 0 || resolved.cluster,
      ...keeperPolicies(resolved.policies),
      logger: () => this.#host.logger,
      publish: (event) => this.#onKeeperEvent(event),
    });
  }

  /** Its config, as loaded (or as last adopted). */
  get config(): JobConfig {
    return this.#config;
  }
  get resolved(): ResolvedJob {
    return this.#resolved;
  }

  /**
   * Takes the config of `next` (a Job made from an edited config) when it differs only in what its processes are
   * made from — command, env, cwd, user, stop signal or message, liveness probe, output, logs — and in their
   * number: true, and `reload` then replaces the processes one at a time (each replacement ready first where the
   * job shares sockets), the old ones serving meanwhile. False when the change reaches what this Job or its
   * Keeper holds (sockets, cluster mode, restart policy, back-off, flapping, readiness, recycling, dependencies):
   * the caller then replaces the whole job.
   */
  adopt(next: Job): boolean {
    const kept = (job: Job) => {
      const { name: _name, ...config } = job.config;
      const held = Object.fromEntries(Object.entries(config).filter(([key]) => !processKeys.has(key)));
      return canonicalJson({ held, cluster: job.resolved.cluster, kind: job.resolved.command.kind });
    };
    if (kept(this) !== kept(next)) return false;
    this.#config = next.config;
    this.#resolved = next.resolved;
    return true;
  }

  get running(): boolean {
    return this.#keeper.running;
  }
  get numprocesses(): number {
    return this.#keeper.numprocesses;
  }
  get restarts(): number {
    return this.#earlierRestarts + this.#keeper.restarts - this.#resetRestarts;
  }
  /** The same restarts, by reason (`crashed`, `liveness`, `memory`, `age`, `reload`, …). */
  get restartReasons(): Record<string, number> {
    const reasons = { ...this.#earlierReasons };
    for (const [reason, total] of Object.entries(this.#keeper.restartReasons)) {
      const count = total - (this.#resetReasons[reason] ?? 0);
      if (count > 0) reasons[reason] = (reasons[reason] ?? 0) + count;
    }
    return reasons;
  }
  /** The jobs it depends on, as `session.name`. */
  get dependsOn(): string[] {
    return (this.config.dependsOn ?? []).map((name) => (name.includes('.') ? name : `${this.session}.${name}`));
  }
  /** The dependencies it is waiting for, before it starts. */
  readonly waitingFor = new Set<string>();
  /** Resolves once every number has a ready process; rejects when it gives up or is stopped. */
  whenAllReady(): Promise<void> {
    return this.#keeper.whenAllReady();
  }
  get failure(): PoolError | undefined {
    return this.#bindFailure ?? this.#keeper.failure;
  }
  get flapping(): { round: number; paused: boolean } {
    return this.#keeper.flapping;
  }
  get sockets(): Record<string, SocketDescriptor> {
    return this.#sockets.describe();
  }
  /** In cluster mode, what its processes listen on. */
  get listening(): ReturnType<ClusterListeners['describe']> | undefined {
    return this.#cluster?.describe();
  }
  get children(): ChildHandler[] {
    return this.#keeper.children;
  }

  /** It takes over the count of `previous`, which it replaces. */
  succeed(previous: Job): void {
    this.#earlierRestarts = previous.restarts;
    this.#earlierReasons = previous.restartReasons;
  }

  /** Its restart counters back to 0 (PM2's `reset`): in all, by reason, and each process's. */
  resetCounters(): void {
    this.#earlierRestarts = 0;
    this.#earlierReasons = {};
    this.#resetRestarts = this.#keeper.restarts;
    this.#resetReasons = this.#keeper.restartReasons;
    this.#resetBySlot.clear();
    for (const process of this.#keeper.processes()) if (!process.commit) this.#resetBySlot.set(process.id, process.restarts);
  }

  /** Starts keeping the processes alive. Throws (inactive, the reason in `failure`) when its sockets cannot be bound. */
  async start(): Promise<void> {
    try {
      this.#sockets.bind();
    } catch (error) {
      this.#bindFailure = error as PoolError;
      this.active = false;
      throw error;
    }
    this.#bindFailure = undefined;
    await this.#keeper.start();
  }

  /** Stops every process (commits too) and closes the sockets. `gracefulTimeout: 0` also cuts short a stop under way. */
  async stop(options: { gracefulTimeout?: number } = {}): Promise<void> {
    this.#publish({ type: 'stop' });
    await this.#keeper.stop(options);
    this.#closeSocketsIfIdle();
  }

  /** SIGKILL now to every process. */
  killNow(): void {
    this.#keeper.killNow();
  }

  /** Sets (3, "=3") or changes ("+1", "-1") the number of processes, counted from what the orders before left. */
  scale(value: ScaleValue): Promise<number> {
    return this.#keeper.scale((current) => scaleTarget(current, value, this.name));
  }

  /** Back to the config's number of processes, every one replaced; a job that does not run starts when `start`. */
  async reload(start: boolean): Promise<void> {
    await this.#keeper.replace({ numprocesses: this.resolved.numprocesses });
    if (start && !this.running) await this.start();
  }

  /** Replaces every process: rolling, each replacement ready first, when the job has sockets. */
  restart(): Promise<void> {
    return this.#keeper.replace();
  }

  stopProcess(child: ChildHandler): Promise<void> {
    return this.#keeper.stopProcess(child);
  }

  /** A one-off process: not restarted, not counted. Resolves with its pid once it is spawned. */
  async commit(overrides: CommitOverrides = {}): Promise<number> {
    this.#sockets.bind();
    const child = await this.#keeper.commit(overrides);
    return child.pid!;
  }

  signalAll(signal: NodeJS.Signals): void {
    this.#keeper.signalAll(signal);
  }

  /** Resolves once no process of the job is starting. */
  settled(): Promise<void> {
    return this.#keeper.settled();
  }

  find(pid: number): ChildHandler | undefined {
    return this.#keeper.find(pid);
  }

  processes(): ProcessInfo[] {
    const processes = this.#keeper.processes().map((process) => this.#sinceReset(process));
    if (this.waitingFor.size === 0) return processes;
    const waitingFor = [...this.waitingFor];
    return processes.map((process) => (process.pid === undefined ? { ...process, state: 'waiting', waitingFor } : process));
  }

  describe(child: ChildHandler): ProcessInfo {
    return this.#sinceReset(this.#keeper.describe(child));
  }

  /** A process's restarts since `resetCounters()`. */
  #sinceReset(process: ProcessInfo): ProcessInfo {
    const base = process.commit ? undefined : this.#resetBySlot.get(process.id);
    if (base === undefined) return process;
    // Fewer than at the reset: the number's slot was removed and made again since, counting from 0.
    if (process.restarts < base) {
      this.#resetBySlot.delete(process.id);
      return process;
    }
    return { ...process, restarts: process.restarts - base };
  }

  #createChild(id: number, overrides: CommitOverrides = {}): ChildHandler {
    const { baseEnv, stdout, stderr } = this.#host;
    const sockets = this.#sockets.bound;
    const cluster = this.#cluster ? { cluster: this.#cluster } : {};
    return new ChildHandler(childOptions({ job: this.resolved, label: this.name, id, sockets, ...cluster, baseEnv, stdout, stderr, ...overrides }));
  }

  #onKeeperEvent(event: KeeperEvent): void {
    if (event.type === 'exit') {
      if (event.pid !== undefined) this.#host.forget(event.pid);
      this.#closeSocketsIfIdle();
      this.#host.publish(event);
    } else if (event.type === 'scale') {
      // Numbers removed (a scale-down, a process stopped for good) start from 0 if they come back.
      const kept = new Set(this.#keeper.processes().filter((process) => !process.commit).map((process) => process.id));
      for (const id of this.#resetBySlot.keys()) if (!kept.has(id)) this.#resetBySlot.delete(id);
      this.#host.publish(event);
    } else if (event.type === 'flapping' && event.gaveUp) {
      this.active = false;
      this.#host.publish(event);
      void this.stop(); // its sockets go too
    } else {
      this.#host.publish(event);
    }
  }

  #closeSocketsIfIdle(): void {
    if (!this.running && this.#keeper.idle) {
      this.#sockets.close();
      this.#cluster?.close();
    }
  }

  #publish(event: { type: 'stop' }): void {
    this.#host.publish({ ...event, job: this.name, time: Date.now() });
  }
}

/** The config keys only its processes see (read when each one is made): a change of these alone rolls through. */
const processKeys = new Set([
  'cmd', 'shell', 'worker', 'cwd', 'env', 'envFile', 'cleanEnv', 'uid', 'gid', 'numprocesses', 'gracefulTimeout', 'stopSignal',
  'stopMessage', 'readyDelay', 'warmupDelay', 'liveness', 'redirectOutput', 'redirectInput', 'logs', 'port',
]);

function canonicalJson(value: unknown): string {
  const sorted = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sorted);
    if (typeof item !== 'object' || item === null) return item;
    return Object.fromEntries(Object.keys(item).sort().map((key) => [key, sorted((item as Record<string, unknown>)[key])]));
  };
  return JSON.stringify(sorted(value));
}
