import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { poolError, type PoolError } from '../errors/index.js';
import { toOutputTarget, type OutputOption, type OutputTarget } from '../output/target.js';
import { isWorkerMessage, type SerializedError, type WorkerMessage } from '../protocol.js';
import { deferred } from './deferred.js';
import { sendSignal } from './kill.js';
import { groupReaper } from './reaper.js';
import { Tail } from './tail.js';

/**
 * idle → starting → ready → stopping → exited. `starting` and `ready` may also go straight to `exited`
 * (a crash); a handler runs one process once: a restart is a new ChildHandler.
 */
export type ChildState = 'idle' | 'starting' | 'ready' | 'stopping' | 'exited';

export interface ChildHandlerOptions {
  command: string;
  args?: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Labels for output records and errors. */
  job?: string;
  id?: number;
  /** The process speaks the WorkerBase protocol: it reports ready and sends heartbeats over IPC. */
  protocol?: boolean;
  /** A start that is not ready within this many ms fails (and the process is killed). */
  startTimeout?: number;
  /** With `protocol`: report `unresponsive` after this many ms without a heartbeat. 0 turns it off. */
  heartbeatTimeout?: number;
  /** Without `protocol`: the process counts as ready once it has been alive this long. */
  readyDelay?: number;
  stdin?: 'ignore' | 'pipe';
  /** Where the output goes: an output target, a Writable, or `'ignore'`/`null`/nothing (discarded). */
  stdout?: OutputOption | null;
  stderr?: OutputOption | null;
  /** File descriptors the child inherits, at 3, 4, … in this order. */
  fds?: readonly number[];
  stopSignal?: NodeJS.Signals;
  gracefulTimeout?: number;
  /** After the process exits, how long its pipes may stay open (held by an escaped grandchild). */
  pipeCloseTimeout?: number;
  uid?: number;
  gid?: number;
  shell?: boolean | string;
}

export interface ChildExit {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from spawn to exit. */
  uptime: number;
  wasReady: boolean;
  /** The exit followed a `stop()`. */
  requested: boolean;
  /** The process was killed with SIGKILL (graceful timeout passed, or an immediate stop). */
  forced: boolean;
  /** Why a start failed: spawn error, start timeout, exit before ready. */
  error?: PoolError;
  /** What the worker reported before it exited (a throw in onStart or main). */
  workerError?: SerializedError & { phase: string };
  stderrTail: string;
}

export interface StopOptions {
  signal?: NodeJS.Signals;
  /** 0 kills the process group at once. */
  gracefulTimeout?: number;
}

export interface ChildHandlerEvents {
  spawn: [{ pid: number }];
  ready: [{ pid: number; startDuration: number }];
  unresponsive: [{ pid: number; silentFor: number }];
  /** The worker's count of open connections on the shared sockets (see sockets/balance.ts). */
  connections: [{ pid: number; count: number }];
  message: [unknown];
  exit: [ChildExit];
}

/** How many pipeCloseTimeouts an escaped grandchild may keep writing to the pipe before it is let go. */
const escapedWriterPeriods = 5;

const defaults = {
  startTimeout: 30_000,
  heartbeatTimeout: 0,
  readyDelay: 0,
  stopSignal: 'SIGTERM' as NodeJS.Signals,
  gracefulTimeout: 10_000,
  pipeCloseTimeout: 2_000,
};

/**
 * The one place where a process is spawned, watched (ready, heartbeat, exit), its output redirected and
 * stopped. It reports facts and carries out orders; deciding to restart is its owner's business.
 */
export class ChildHandler extends EventEmitter<ChildHandlerEvents> {
  readonly options: Readonly<ChildHandlerOptions & { stdout?: OutputTarget | null; stderr?: OutputTarget | null }>;
  #state: ChildState = 'idle';
  #process: ChildProcess | undefined;
  #spawnedAt = 0;
  #readyAt: number | undefined;
  #requested = false;
  #forced = false;
  #failure: PoolError | undefined;
  #workerError: ChildExit['workerError'];
  #lastHeartbeat = 0;
  #timers: { start?: NodeJS.Timeout; ready?: NodeJS.Timeout; heartbeat?: NodeJS.Timeout; grace?: NodeJS.Timeout } = {};
  #outputs: Promise<void>[] = [];
  #finishing = false;
  #stderrTail = new Tail();
  readonly #started = deferred<void>();
  readonly #exited = deferred<ChildExit>();
  #exit: ChildExit | undefined;

  constructor(options: ChildHandlerOptions) {
    super();
    // A bad output option is an error here, at construction, not a TypeError once the process runs.
    const output = (option: OutputOption | null | undefined, stream: 'stdout' | 'stderr') =>
      option === undefined || option === null ? null : toOutputTarget(option, stream, stream);
    this.options = { ...options, stdout: output(options.stdout, 'stdout'), stderr: output(options.stderr, 'stderr') };
    this.#started.promise.catch(() => {});
  }

  get state(): ChildState {
    return this.#state;
  }
  get pid(): number | undefined {
    return this.#process?.pid;
  }
  get id(): number {
    return this.options.id ?? 0;
  }
  get spawnedAt(): number {
    return this.#spawnedAt;
  }
  get readyAt(): number | undefined {
    return this.#readyAt;
  }
  /** The exit of the process, once it has exited. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }
  get stdin(): Writable | null {
    return this.#process?.stdin ?? null;
  }
  /** Resolves when the process has exited and its output has been delivered. */
  get exited(): Promise<ChildExit> {
    return this.#exited.promise;
  }

  /** Spawns the process; resolves once it is ready, rejects (with the process gone) if it never gets there. */
  start(): Promise<void> {
    if (this.#state !== 'idle') throw this.#stateError('start');
    this.#state = 'starting';
    const { command, args = [], cwd, env, uid, gid, shell } = this.options;
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd,
        env,
        stdio: this.#stdio(),
        detached: true,
        ...(uid === undefined ? {} : { uid }),
        ...(gid === undefined ? {} : { gid }),
        ...(shell === undefined ? {} : { shell }),
      });
    } catch (error) {
      this.#failure = poolError('POOL_SPAWN_FAILED', { command, detail: (error as Error).message }, error);
      void this.#finish(null, null);
      return this.#started.promise;
    }
    this.#process = child;
    child.on('error', (error) => this.#onError(error));
    child.stdin?.on('error', () => {}); // EPIPE when the process exits with unread input: not our crash
    child.once('spawn', () => this.#onSpawn());
    child.once('exit', (code, signal) => void this.#finish(code, signal));
    if (this.options.protocol) child.on('message', (message) => this.#onMessage(message));
    this.#attachOutput(child);
    const startTimeout = this.options.startTimeout ?? defaults.startTimeout;
    if (startTimeout > 0) this.#timers.start = setTimeout(() => this.#onStartTimeout(startTimeout), startTimeout);
    return this.#started.promise;
  }

  /**
   * Stop signal to the process group → graceful timer that the exit cancels → SIGKILL to the process group.
   * Calling it again while stopping only ever shortens the deadline.
   */
  stop(options: StopOptions = {}): Promise<ChildExit> {
    const gracefulTimeout = options.gracefulTimeout ?? this.options.gracefulTimeout ?? defaults.gracefulTimeout;
    if (this.#state === 'idle') {
      this.#requested = true;
      void this.#finish(null, null);
      return this.#exited.promise;
    }
    if (this.#state === 'exited') return this.#exited.promise;
    this.#requested = true;
    if (this.#state === 'stopping') {
      if (gracefulTimeout === 0) this.#forceKill();
      return this.#exited.promise;
    }
    this.#state = 'stopping';
    this.#clearTimer('start');
    this.#clearTimer('ready');
    this.#clearTimer('heartbeat');
    if (gracefulTimeout === 0) {
      this.#forceKill();
    } else {
      this.signal(options.signal ?? this.options.stopSignal ?? defaults.stopSignal, 'group');
      this.#timers.grace = setTimeout(() => this.#forceKill(), gracefulTimeout);
    }
    return this.#exited.promise;
  }

  /** Sends a signal without changing state (SIGHUP to reload config, SIGUSR1, …). */
  signal(signal: NodeJS.Signals, target: 'process' | 'group' = 'process'): boolean {
    const pid = this.pid;
    if (pid === undefined || this.#exit) return false;
    return sendSignal(pid, signal, target);
  }

  send(message: unknown): boolean {
    const child = this.#process;
    if (!child?.connected || this.#exit) return false;
    child.send(message as never);
    return true;
  }

  describe(): string {
    const name = this.options.job === undefined ? `worker ${this.id}` : `${this.options.job}.${this.id}`;
    return this.pid === undefined ? name : `${name} (pid ${this.pid})`;
  }

  #stdio(): StdioOptions {
    const { stdin = 'ignore', stdout, stderr, fds = [], protocol } = this.options;
    return [stdin, stdout ? 'pipe' : 'ignore', stderr ? 'pipe' : 'ignore', ...fds, ...(protocol ? ['ipc' as const] : [])];
  }

  #attachOutput(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    const source = { job: this.options.job ?? 'worker', worker: this.id, pid };
    if (child.stdout && this.options.stdout) {
      this.#outputs.push(this.options.stdout.attach(child.stdout, { ...source, stream: 'stdout' }));
    }
    if (child.stderr && this.options.stderr) {
      child.stderr.on('data', (chunk: Buffer) => this.#stderrTail.push(chunk));
      this.#outputs.push(this.options.stderr.attach(child.stderr, { ...source, stream: 'stderr' }));
    }
  }

  #onSpawn(): void {
    this.#spawnedAt = Date.now();
    groupReaper.track(this.pid!);
    this.emit('spawn', { pid: this.pid! });
    if (this.options.protocol) return;
    const readyDelay = this.options.readyDelay ?? defaults.readyDelay;
    if (readyDelay > 0) this.#timers.ready = setTimeout(() => this.#markReady(), readyDelay);
    else this.#markReady();
  }

  #onError(error: Error): void {
    // After a successful spawn, errors are failed signals or IPC sends to a dying process: the exit follows.
    if (this.pid !== undefined && this.#spawnedAt > 0) return;
    const { command } = this.options;
    this.#failure = poolError('POOL_SPAWN_FAILED', { command, detail: error.message }, error);
    void this.#finish(null, null);
  }

  #onMessage(message: unknown): void {
    if (!isWorkerMessage(message)) {
      this.emit('message', message);
      return;
    }
    const typed = message as WorkerMessage;
    if (typed.type === 'pool:ready') this.#markReady();
    else if (typed.type === 'pool:heartbeat') this.#onHeartbeat();
    else if (typed.type === 'pool:failed') this.#workerError = { ...typed.error, phase: typed.phase };
    else if (typed.type === 'pool:connections' && Number.isInteger(typed.count) && typed.count >= 0) {
      this.emit('connections', { pid: this.pid!, count: typed.count });
    }
  }

  #onHeartbeat(): void {
    this.#lastHeartbeat = Date.now();
    this.#timers.heartbeat?.refresh();
  }

  #markReady(): void {
    if (this.#state !== 'starting') return;
    this.#state = 'ready';
    this.#readyAt = Date.now();
    this.#clearTimer('start');
    this.#clearTimer('ready');
    const heartbeatTimeout = this.options.protocol ? (this.options.heartbeatTimeout ?? defaults.heartbeatTimeout) : 0;
    if (heartbeatTimeout > 0) {
      this.#lastHeartbeat = Date.now();
      this.#timers.heartbeat = setTimeout(() => this.#onSilence(heartbeatTimeout), heartbeatTimeout);
    }
    this.emit('ready', { pid: this.pid!, startDuration: this.#readyAt - this.#spawnedAt });
    this.#started.resolve();
  }

  #onSilence(heartbeatTimeout: number): void {
    if (this.#state !== 'ready') return;
    // A worker blocked on a full stdout/stderr pipe (our sink is applying back-pressure) cannot send
    // heartbeats either: that is not a hang of its own, so wait on.
    if (this.#outputBackedUp()) {
      this.#timers.heartbeat?.refresh();
      return;
    }
    this.emit('unresponsive', { pid: this.pid!, silentFor: Math.max(heartbeatTimeout, Date.now() - this.#lastHeartbeat) });
  }

  #outputBackedUp(): boolean {
    const full = (stream: Readable | null | undefined) =>
      !!stream && !stream.readableEnded && stream.readableLength >= stream.readableHighWaterMark;
    return full(this.#process?.stdout) || full(this.#process?.stderr);
  }

  #onStartTimeout(timeout: number): void {
    if (this.#state !== 'starting') return;
    const { command } = this.options;
    this.#failure = poolError('POOL_START_TIMEOUT', { pid: this.pid, command, timeout });
    this.#state = 'stopping';
    this.#forceKill();
  }

  #forceKill(): void {
    this.#clearTimer('grace');
    if (this.pid === undefined || this.#exit) return;
    this.#forced = true;
    sendSignal(this.pid, 'SIGKILL', 'group');
  }

  async #finish(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.#exit || this.#state === 'exited' || this.#finishing) return;
    this.#finishing = true;
    const exitedAt = Date.now();
    for (const name of ['start', 'ready', 'heartbeat', 'grace'] as const) this.#clearTimer(name);
    const pid = this.pid;
    // Whatever the leader left in its process group is an orphan of this process: end it.
    if (pid !== undefined && this.#spawnedAt > 0) {
      sendSignal(pid, 'SIGKILL', 'group');
      groupReaper.untrack(pid);
    }
    await this.#pipesClosed();
    await Promise.allSettled(this.#outputs);
    const wasReady = this.#readyAt !== undefined;
    if (!wasReady && !this.#failure && !this.#requested) {
      const exit = signal ? `signal ${signal}` : `code ${code}`;
      this.#failure = poolError('POOL_EXITED_BEFORE_READY', {
        pid,
        command: this.options.command,
        exit,
        stderrTail: this.#stderrTail.toString(),
        ...(this.#workerError ? { workerError: this.#workerError.message } : {}),
      });
    }
    this.#exit = {
      pid,
      code,
      signal,
      uptime: this.#spawnedAt > 0 ? exitedAt - this.#spawnedAt : 0,
      wasReady,
      requested: this.#requested,
      forced: this.#forced,
      ...(this.#failure ? { error: this.#failure } : {}),
      ...(this.#workerError ? { workerError: this.#workerError } : {}),
      stderrTail: this.#stderrTail.toString(),
    };
    this.#state = 'exited';
    if (this.#failure) this.#started.reject(this.#failure);
    else if (!wasReady) this.#started.reject(poolError('POOL_STOPPED', { subject: this.describe() }));
    this.emit('exit', this.#exit);
    this.#exited.resolve(this.#exit);
  }
  /**
   * Waits for the child's pipes to close once it has exited. Data our own sink has not taken yet is owed:
   * while any is buffered, wait on. A pipe held open by a process that escaped the group (its own session)
   * is let go after `pipeCloseTimeout` without data, or after `escapedWriterPeriods` of them with data.
   */
  #pipesClosed(): Promise<void> {
    const child = this.#process;
    const streams = [child?.stdout, child?.stderr].filter((stream): stream is Readable => !!stream && !stream.closed);
    if (streams.length === 0) return Promise.resolve();
    const period = this.options.pipeCloseTimeout ?? defaults.pipeCloseTimeout;
    const bytesRead = () => streams.reduce((sum, stream) => sum + ((stream as Readable & { bytesRead?: number }).bytesRead ?? 0), 0);
    return new Promise((resolve) => {
      let open = streams.length;
      let lastRead = bytesRead();
      let writingPeriods = 0;
      const check = () => {
        const owed = streams.some((stream) => !stream.closed && stream.readableLength > 0);
        const read = bytesRead();
        const written = read !== lastRead;
        lastRead = read;
        if (written) writingPeriods += 1;
        if (owed || (written && writingPeriods < escapedWriterPeriods)) {
          timer = setTimeout(check, period);
          return;
        }
        for (const stream of streams) stream.destroy();
      };
      let timer = setTimeout(check, period);
      for (const stream of streams) {
        stream.once('close', () => {
          if (--open === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
  }

  #clearTimer(name: 'start' | 'ready' | 'heartbeat' | 'grace'): void {
    const timer = this.#timers[name];
    if (timer) clearTimeout(timer);
    delete this.#timers[name];
  }

  #stateError(action: string): PoolError {
    return poolError('POOL_INVALID_STATE', { action, subject: this.describe(), state: this.#state });
  }
}
