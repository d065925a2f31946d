import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { poolError, type PoolError } from '../errors/index.js';
import { toOutputTarget, type OutputOption, type OutputTarget } from '../output/target.js';
import { isWorkerMessage, type SerializedError, type WorkerMessage } from '../protocol.js';
import { deferred } from './deferred.js';
import { sendSignal } from './kill.js';
import { cgroups } from './cgroup.js';
import { Channel } from './channel.js';
import { withClusterPreload, type ClusterListeners } from './cluster.js';
import { whenPipesClosed } from './pipes.js';
import { describeProbe, probeLoop, type Probe, type ProbeResult } from './probes.js';
import { groupReaper } from './reaper.js';
import { Tail } from './tail.js';

/**
 * The life of one process; a handler runs one process once (a restart is a new ChildHandler).
 * - `idle`: made, not started.
 * - `starting`: spawned, not ready yet (the WorkerBase ready message, then the readiness probe if any; for a
 *   plain command its readiness probe, else `readyDelay`).
 * - `ready`: running and ready.
 * - `stopping`: its stop signal was sent (or, on a start timeout, SIGKILL); waiting for it to exit.
 * - `exiting`: the process has exited; its output is still being delivered. Orders no longer reach it.
 * - `exited`: gone, output delivered, `exit` reported.
 */
export type ChildState = 'idle' | 'starting' | 'ready' | 'stopping' | 'exiting' | 'exited';

/** The one table of moves between states; any other move is a bug (POOL_INTERNAL_STATE). */
const transitions: { readonly [From in ChildState]: readonly ChildState[] } = {
  idle: ['starting', 'exited'], // start(); stop() before any start
  starting: ['ready', 'stopping', 'exiting'], // ready; stop() or start timeout; died (or could not spawn)
  ready: ['stopping', 'exiting'], // stop(); died
  stopping: ['exiting'], // died
  exiting: ['exited'], // output delivered
  exited: [],
};

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
  /** A start that is not ready within this many ms fails (and the process is killed). 0: no limit. */
  startTimeout?: number;
  /** With `protocol`: report `unresponsive` after this many ms without a heartbeat. 0 turns it off. */
  heartbeatTimeout?: number;
  /** Without `protocol`: the process counts as ready once it has been alive this long. */
  readyDelay?: number;
  /**
   * Run a Node program as a cluster worker whose listening sockets these are (see cluster.ts). Without a
   * readiness probe it is ready at its first listen(), or after `readyDelay` if it never listens.
   */
  cluster?: ClusterListeners;
  /**
   * Ready once this probe first passes (after the WorkerBase ready message, with `protocol`); `startTimeout`
   * bounds it. A `message` probe waits for `process.send('ready')` (the process gets an IPC channel).
   */
  readiness?: Probe;
  /** Once ready: this many failed attempts in a row report `unhealthy` (its owner restarts it). */
  liveness?: Probe;
  stdin?: 'ignore' | 'pipe';
  /** Where the output goes: an output target, a Writable, or `'ignore'`/`null`/nothing (discarded). */
  stdout?: OutputOption | null;
  stderr?: OutputOption | null;
  /** File descriptors the child inherits, at 3, 4, … in this order. */
  fds?: readonly number[];
  stopSignal?: NodeJS.Signals;
  /** Stop by this message on the channel first (a Node program: `process.on('message')`), the stop signal after half the graceful timeout. */
  stopMessage?: unknown;
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
  /** `stop()` was called while the process was alive (a process that had already exited was not stopped). */
  requested: boolean;
  /** The process was killed with SIGKILL (graceful timeout passed, a start timeout, or an immediate stop). */
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
  /** Its liveness probe failed `failures` times in a row; `detail` is the last failure. */
  unhealthy: [{ pid: number; failures: number; detail: string; probe: string }];
  /** It broke its control channel (a message that is not JSON, or too long): its owner stops it. */
  fault: [{ pid: number; detail: string }];
  /** The worker's count of open connections on the shared sockets (see sockets/balance.ts). */
  connections: [{ pid: number; count: number }];
  message: [unknown];
  exit: [ChildExit];
}

type TimerName = 'start' | 'ready' | 'heartbeat' | 'grace' | 'drain';

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
 *
 * Orders and their outcome in each state: `start()` only from `idle` (otherwise a rejected promise, never a
 * throw). `stop()` before a start ends the handler without a process; during a start it supersedes it (the
 * start rejects with POOL_STOPPED); while stopping it can only bring the SIGKILL closer; once the process has
 * exited (`exiting`, `exited`) it changes nothing: no signal, no timer, and the exit stays unrequested.
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
  #channel: Channel | undefined;
  /** It said it runs as a Node cluster worker (`node -e` does not: Node sets up a worker only for a script). */
  #clusterWorker = false;
  /** Its own cgroup, where this master may make them (see cgroup.ts); else its process group is all. */
  #cgroup: string | undefined;
  #lastHeartbeat = 0;
  #graceDeadline = Infinity;
  readonly #timers: { [Name in TimerName]?: NodeJS.Timeout } = {};
  readonly #outputs: Promise<void>[] = [];
  readonly #stderrTail = new Tail();
  readonly #started = deferred<void>();
  readonly #exited = deferred<ChildExit>();
  #exit: ChildExit | undefined;
  /** Ends the readiness or liveness probe running now. */
  #stopProbe: (() => void) | undefined;
  #lastProbe: ProbeResult | undefined;

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
  /** The process is (or may still be) running: it can be signalled. */
  get alive(): boolean {
    return this.#state === 'starting' || this.#state === 'ready' || this.#state === 'stopping';
  }
  /** The exit of the process, once it has exited and its output has been delivered. */
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
    if (this.#state !== 'idle') return Promise.reject(this.#stateError('start'));
    this.#enter('starting');
    const { command, args = [], cwd, uid, gid, shell } = this.options;
    const channelFd = this.#channelFd();
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd,
        env: this.#env(channelFd),
        stdio: this.#stdio(channelFd),
        detached: true,
        ...(uid === undefined ? {} : { uid }),
        ...(gid === undefined ? {} : { gid }),
        ...(shell === undefined ? {} : { shell }),
      });
    } catch (error) {
      this.#failure = poolError('POOL_SPAWN_FAILED', { command, detail: (error as Error).message }, error);
      void this.#gone(null, null);
      return this.#started.promise;
    }
    this.#process = child;
    if (child.pid !== undefined) {
      // Before anything else can run in this master (even a SIGKILL of it): the watchdog knows the group.
      this.#spawnedAt = Date.now();
      groupReaper.track(child.pid);
      this.#cgroup = cgroups.enter(child.pid);
    }
    child.on('error', (error) => this.#onError(error));
    child.stdin?.on('error', () => {}); // EPIPE when the process exits with unread input: not our crash
    child.once('spawn', () => this.#onSpawn());
    child.once('exit', (code, signal) => void this.#gone(code, signal));
    if (channelFd !== undefined) this.#openChannel(child.stdio[channelFd] as Socket | null);
    this.#attachOutput(child);
    const startTimeout = this.options.startTimeout ?? defaults.startTimeout;
    if (startTimeout > 0) this.#timers.start = setTimeout(() => this.#onStartTimeout(startTimeout), startTimeout);
    return this.#started.promise;
  }

  /**
   * Stop signal to the process group → graceful timer that the exit cancels → SIGKILL to the process group.
   * Calling it again while stopping only ever brings the SIGKILL closer.
   */
  stop(options: StopOptions = {}): Promise<ChildExit> {
    const gracefulTimeout = options.gracefulTimeout ?? this.options.gracefulTimeout ?? defaults.gracefulTimeout;
    switch (this.#state) {
      case 'idle':
        this.#requested = true;
        this.#settle(null, null);
        break;
      case 'starting':
      case 'ready':
        this.#requested = true;
        this.#enter('stopping');
        if (gracefulTimeout > 0) {
          const signal = options.signal ?? this.options.stopSignal ?? defaults.stopSignal;
          if (options.signal !== undefined || !(this.#stopByMessage(signal, gracefulTimeout / 2) || this.#disconnect(signal, gracefulTimeout / 2))) {
            this.#signalAll(signal);
          }
        }
        this.#killWithin(gracefulTimeout);
        break;
      case 'stopping':
        this.#requested = true;
        this.#killWithin(gracefulTimeout);
        break;
      case 'exiting':
      case 'exited':
        break;
    }
    return this.#exited.promise;
  }

  /** Sends a signal without changing state (SIGHUP to reload config, SIGUSR1, …); false once it has exited. */
  signal(signal: NodeJS.Signals, target: 'process' | 'group' = 'process'): boolean {
    const pid = this.pid;
    if (pid === undefined || !this.alive) return false;
    return sendSignal(pid, signal, target);
  }

  /** The stop signal reaches its group and, in its cgroup, what left the group (`setsid`, a daemon's double fork). */
  #signalAll(signal: NodeJS.Signals): void {
    if (!this.signal(signal, 'group') || !this.#cgroup) return;
    cgroups.signalEscaped(this.#cgroup, this.pid!, signal);
  }

  /**
   * A cluster worker stops as Node's `worker.disconnect()` stops it: it closes its servers and waits for their
   * connections to end (no request in flight is cut, whatever the program), then closes its channel and exits
   * once nothing else holds it. The stop signal follows when the channel closes, or after `within` ms at the latest
   * (a connection that never ends), for what else the program holds; SIGKILL after the graceful timeout.
   */
  #disconnect(signal: NodeJS.Signals, within: number): boolean {
    const channel = this.#channel;
    if (!this.#clusterWorker || !channel?.open) return false;
    channel.send({ cmd: 'NODE_CLUSTER', act: 'disconnect' });
    this.#signalAfter(channel, signal, within);
    return true;
  }

  /**
   * A job's stop message (PM2's shutdown_with_message): sent on the channel, the stop signal following when the
   * channel closes or after `within` ms, for a program that ignores it; SIGKILL after the graceful timeout.
   */
  #stopByMessage(signal: NodeJS.Signals, within: number): boolean {
    const channel = this.#channel;
    if (this.options.stopMessage === undefined || !channel?.open) return false;
    channel.send(this.options.stopMessage);
    this.#signalAfter(channel, signal, within);
    return true;
  }

  /** The stop signal once the channel closes (the program let go), or after `within` ms at the latest. */
  #signalAfter(channel: Channel, signal: NodeJS.Signals, within: number): void {
    const next = () => {
      this.#clearTimers('drain');
      if (this.#state === 'stopping') this.#signalAll(signal);
    };
    channel.socket.once('close', next);
    this.#timers.drain = setTimeout(next, within);
  }

  /** A message to the process's channel (`process.on('message')` in a Node program); false when there is none. */
  send(message: unknown): boolean {
    if (!this.#channel || !this.alive) return false;
    return this.#channel.send(message);
  }

  describe(): string {
    const name = this.options.job === undefined ? `worker ${this.id}` : `${this.options.job}.${this.id}`;
    return this.pid === undefined ? name : `${name} (pid ${this.pid})`;
  }

  #enter(next: ChildState): void {
    if (!transitions[this.#state].includes(next)) {
      throw poolError('POOL_INTERNAL_STATE', { subject: this.describe(), from: this.#state, to: next });
    }
    this.#state = next;
    this.#stopProbe?.();
    this.#stopProbe = undefined;
    if (next === 'stopping') {
      this.#clearTimers('start', 'ready', 'heartbeat');
    } else if (next === 'exiting' || next === 'exited') {
      this.#clearTimers('start', 'ready', 'heartbeat', 'grace', 'drain');
    }
  }

  /** The process's control channel comes after its inherited fds, for the WorkerBase protocol or a `message` probe. */
  #channelFd(): number | undefined {
    const { fds = [], protocol } = this.options;
    return protocol || this.options.cluster || this.#messageReadiness || this.options.stopMessage !== undefined ? 3 + fds.length : undefined;
  }

  #stdio(channelFd: number | undefined): StdioOptions {
    const { stdin = 'ignore', stdout, stderr, fds = [] } = this.options;
    return [stdin, stdout ? 'pipe' : 'ignore', stderr ? 'pipe' : 'ignore', ...fds, ...(channelFd === undefined ? [] : ['pipe' as const])];
  }

  /** Node opens `NODE_CHANNEL_FD` as its IPC channel; one inherited from this master's own parent is not passed on. */
  #env(channelFd: number | undefined): NodeJS.ProcessEnv {
    const { NODE_CHANNEL_FD: _fd, NODE_CHANNEL_SERIALIZATION_MODE: _mode, NODE_UNIQUE_ID: _worker, ...env } = this.options.env ?? process.env;
    if (channelFd === undefined) return env;
    // NODE_UNIQUE_ID makes Node start the program as a cluster worker (cluster.isWorker, cluster.worker.id from 1).
    const cluster = this.options.cluster ? { NODE_UNIQUE_ID: String(this.id + 1), NODE_OPTIONS: withClusterPreload(env.NODE_OPTIONS) } : {};
    return { ...env, NODE_CHANNEL_FD: String(channelFd), NODE_CHANNEL_SERIALIZATION_MODE: 'json', ...cluster };
  }

  #openChannel(socket: Socket | null): void {
    if (!socket) return;
    const channel = new Channel(socket);
    this.#channel = channel;
    channel.on('message', (message) => {
      if (!this.alive) return;
      if (this.options.protocol) this.#onMessage(message);
      else if (message === 'ready') this.#readyToCheck();
      else this.emit('message', message);
    });
    if (this.options.cluster) {
      this.options.cluster.serve(channel);
      channel.on('internal', (message) => {
        if (message.cmd !== 'NODE_CLUSTER') return;
        if (message.act === 'online') this.#clusterWorker = true;
        else if (message.act === 'listening' && !this.options.readiness) this.#markReady();
      });
    }
    channel.on('fault', (detail) => {
      if (!this.alive || this.pid === undefined) return;
      const { command, fds = [] } = this.options;
      this.#failure ??= poolError('POOL_CHANNEL_FAULT', { pid: this.pid, command, detail, fd: 3 + fds.length });
      this.emit('fault', { pid: this.pid, detail });
    });
  }

  get #messageReadiness(): boolean {
    return this.options.readiness?.check.kind === 'message';
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
    if (!this.alive) return;
    this.emit('spawn', { pid: this.pid! });
    if (this.options.protocol || this.#state !== 'starting' || this.#messageReadiness) return;
    if (this.options.readiness) return this.#readyToCheck();
    const readyDelay = this.options.readyDelay ?? defaults.readyDelay;
    if (readyDelay > 0) this.#timers.ready = setTimeout(() => this.#markReady(), readyDelay);
    else this.#markReady();
  }

  #onError(error: Error): void {
    // After a successful spawn, errors are failed signals or IPC sends to a dying process: the exit follows.
    if (this.#spawnedAt > 0) return;
    const { command } = this.options;
    this.#failure = poolError('POOL_SPAWN_FAILED', { command, detail: error.message }, error);
    void this.#gone(null, null);
  }

  #onMessage(message: unknown): void {
    if (!isWorkerMessage(message)) {
      this.emit('message', message);
      return;
    }
    const typed = message as WorkerMessage;
    if (typed.type === 'pool:ready') this.#readyToCheck();
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

  /** The process says it is ready (a worker's message, or a command that runs): its readiness probe, if any, has the last word. */
  #readyToCheck(): void {
    const probe = this.options.readiness;
    if (this.#state !== 'starting' || this.#stopProbe) return;
    if (!probe || probe.check.kind === 'message') return this.#markReady();
    this.#stopProbe = probeLoop(probe, this.#probeTarget(), Math.max(1_000, probe.interval), (result) => {
      this.#lastProbe = result;
      if (!result.ok) return true;
      this.#stopProbe = undefined;
      this.#markReady();
      return false;
    });
  }

  #probeTarget() {
    return { pid: this.pid!, env: this.options.env ?? process.env, ...(this.options.cwd ? { cwd: this.options.cwd } : {}) };
  }

  #watchLiveness(): void {
    const probe = this.options.liveness;
    if (!probe) return;
    const target = this.#probeTarget();
    let failures = 0;
    this.#stopProbe = probeLoop(probe, target, probe.timeout, (result) => {
      failures = result.ok ? 0 : failures + 1;
      if (failures < probe.failureThreshold) return true;
      this.#stopProbe = undefined;
      this.emit('unhealthy', { pid: target.pid, failures, detail: result.detail, probe: describeProbe(probe.check, target) });
      return false;
    });
  }

  #markReady(): void {
    if (this.#state !== 'starting') return;
    this.#enter('ready');
    this.#readyAt = Date.now();
    this.#clearTimers('start', 'ready');
    const heartbeatTimeout = this.options.protocol ? (this.options.heartbeatTimeout ?? defaults.heartbeatTimeout) : 0;
    if (heartbeatTimeout > 0) {
      this.#lastHeartbeat = Date.now();
      this.#timers.heartbeat = setTimeout(() => this.#onSilence(heartbeatTimeout), heartbeatTimeout);
    }
    this.#watchLiveness();
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
    // The verdict waits one turn of the event loop: after a pause of this master (SIGSTOP, a VM or cgroup
    // freeze, a debugger), expired timers run before the heartbeats waiting in the pipe are read. Those are
    // read in this turn's poll phase; a worker that sent one is not hung (the heartbeat re-armed the timer).
    setImmediate(() => {
      if (this.#state !== 'ready' || Date.now() - this.#lastHeartbeat < heartbeatTimeout) return;
      this.emit('unresponsive', { pid: this.pid!, silentFor: Math.max(heartbeatTimeout, Date.now() - this.#lastHeartbeat) });
    });
  }

  #outputBackedUp(): boolean {
    const full = (stream: Readable | null | undefined) =>
      !!stream && !stream.readableEnded && stream.readableLength >= stream.readableHighWaterMark;
    return full(this.#process?.stdout) || full(this.#process?.stderr);
  }

  #onStartTimeout(timeout: number): void {
    if (this.#state !== 'starting') return;
    const { command, readiness } = this.options;
    this.#failure =
      readiness && (this.#lastProbe || readiness.check.kind === 'message')
        ? poolError('POOL_NOT_READY', { pid: this.pid, command, timeout, probe: describeProbe(readiness.check, this.#probeTarget()), detail: this.#lastProbe?.detail ?? 'no message came' })
        : poolError('POOL_START_TIMEOUT', { pid: this.pid, command, timeout });
    this.#enter('stopping');
    this.#killWithin(0);
  }

  /** SIGKILL to the process group within `ms` (now for 0), unless a sooner one is already due. */
  #killWithin(ms: number): void {
    if (ms === 0) return this.#forceKill();
    const deadline = Date.now() + ms;
    if (deadline >= this.#graceDeadline) return;
    this.#graceDeadline = deadline;
    this.#clearTimers('grace');
    this.#timers.grace = setTimeout(() => this.#forceKill(), ms);
  }

  #forceKill(): void {
    this.#clearTimers('grace');
    this.#graceDeadline = 0;
    if (this.pid === undefined || !this.alive || this.#forced) return;
    this.#forced = true;
    sendSignal(this.pid, 'SIGKILL', 'group');
    if (this.#cgroup) cgroups.kill(this.#cgroup);
  }

  /** The process is gone (or never came): deliver its output, then report the exit. */
  async #gone(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (!this.alive) return;
    const exitedAt = Date.now();
    this.#enter('exiting');
    const pid = this.pid;
    // Whatever the leader left in its process group is an orphan of this process: end it.
    if (pid !== undefined && this.#spawnedAt > 0) {
      sendSignal(pid, 'SIGKILL', 'group');
      if (this.#cgroup) cgroups.kill(this.#cgroup);
      groupReaper.untrack(pid);
    }
    const child = this.#process;
    // The channel too: a message sent just before the exit (a worker's error) is read before the exit is reported.
    await whenPipesClosed([child?.stdout, child?.stderr, this.#channel?.socket], this.options.pipeCloseTimeout ?? defaults.pipeCloseTimeout);
    this.#channel?.close();
    await Promise.allSettled(this.#outputs);
    this.#settle(code, signal, exitedAt);
  }

  #settle(code: number | null, signal: NodeJS.Signals | null, exitedAt = Date.now()): void {
    const pid = this.pid;
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
    this.#enter('exited');
    if (this.#failure) this.#started.reject(this.#failure);
    else if (!wasReady) this.#started.reject(poolError('POOL_STOPPED', { subject: this.describe() }));
    this.emit('exit', this.#exit);
    this.#exited.resolve(this.#exit);
  }

  #clearTimers(...names: TimerName[]): void {
    for (const name of names) {
      clearTimeout(this.#timers[name]);
      delete this.#timers[name];
    }
  }

  #stateError(action: string): PoolError {
    return poolError('POOL_INVALID_STATE', { action, subject: this.describe(), state: this.#state });
  }
}
