import type { ChildExit } from './child/child-handler.js';
import type { PoolError } from './errors/index.js';

/**
 * Why a process exited, as its Keeper saw it: `stopped` (it was asked to), `exited` (it ended by itself with
 * code 0), `crashed` (by itself, otherwise), `failed-start` (it never got ready), `timeout` (killed for a
 * missed heartbeat, a start that took too long or a readiness probe that never passed), `liveness` (stopped
 * to be replaced: its liveness probe failed `failureThreshold` times in a row), `fault` (stopped: it sent what
 * is not a message on its control channel); and replaced while well, one
 * at a time, each replacement ready first where the job shares sockets: `memory` (above `maxMemory`), `age`
 * (`maxAge`), `cron` (`cronRestart`), `watch` (a watched file changed).
 */
export type ExitReason = 'stopped' | 'exited' | 'crashed' | 'failed-start' | 'timeout' | 'liveness' | 'fault' | 'memory' | 'age' | 'cron' | 'watch';

/**
 * The one event vocabulary of the Supervisor and the Manager. Every event names its job (a Manager job is
 * `session.name`; a Supervisor's is its `name`, default "worker") and its time (ms since the epoch).
 */
interface EventBase {
  job: string;
  time: number;
}
interface ProcessEventBase extends EventBase {
  /** The process's number in its job (stable across its restarts). */
  id: number;
  pid: number;
  /** A one-off process (Manager `commit()`): never restarted, not counted. */
  commit: boolean;
}

export interface SpawnEvent extends ProcessEventBase {
  type: 'spawn';
}
export interface ReadyEvent extends ProcessEventBase {
  type: 'ready';
  startDuration: number;
}
export interface ExitEvent extends EventBase, Omit<ChildExit, 'pid'> {
  type: 'exit';
  id: number;
  /** Undefined when the process could not be spawned at all. */
  pid: number | undefined;
  commit: boolean;
  reason: ExitReason;
}
export interface RestartEvent extends EventBase {
  type: 'restart';
  id: number;
  /** Milliseconds until the replacement is spawned. */
  delay: number;
  /** Consecutive failures of this process number. */
  failures: number;
}
export interface TimeoutEvent extends ProcessEventBase {
  type: 'timeout';
  kind: 'heartbeat' | 'start';
  after: number;
}
/** A ready process failed its liveness probe `failures` times in a row: it is stopped and replaced. */
export interface UnhealthyEvent extends ProcessEventBase {
  type: 'unhealthy';
  failures: number;
  /** The last failure: "HTTP 500", "ECONNREFUSED", "exit code 1", … */
  detail: string;
  /** What the probe checks, in words. */
  probe: string;
}
/** A process broke its control channel (garbage, or a message over 1 MiB): it is stopped, and restarted as its policy says. */
export interface FaultEvent extends ProcessEventBase {
  type: 'fault';
  /** What it sent: "a message that is not JSON: …". */
  detail: string;
}
export interface FlappingEvent extends EventBase {
  type: 'flapping';
  failures: number;
  window: number;
  /** Milliseconds until the next try; undefined once it gave up. */
  retryIn: number | undefined;
  round: number;
  gaveUp: boolean;
  /** Why the last run failed (e.g. POOL_SPAWN_FAILED for a command that does not exist). */
  lastError: PoolError | undefined;
  /** POOL_FLAPPING once it gave up. */
  error: PoolError | undefined;
}
export interface ScaleEvent extends EventBase {
  type: 'scale';
  from: number;
  to: number;
}
/** A rolling replacement of every process (Supervisor `reload()`, Manager `reload()` / `restart()`). */
export interface ReloadEvent extends EventBase {
  type: 'reload';
  phase: 'start' | 'done' | 'failed';
  error?: PoolError;
}
/** The job (or pool) is stopping (no id/pid), or one of its processes was stopped for good (`stopProcess`). */
export interface StopEvent extends EventBase {
  type: 'stop';
  id?: number;
  pid?: number;
}
/** Supervisor: `start()` bound the sockets and is starting the workers. */
export interface StartEvent extends EventBase {
  type: 'start';
}
/** Supervisor: every worker is ready, the pool serves. */
export interface RunningEvent extends EventBase {
  type: 'running';
}

/** What a Keeper reports, for Supervisor workers and Manager jobs alike. */
export type KeeperEvent = SpawnEvent | ReadyEvent | ExitEvent | RestartEvent | TimeoutEvent | UnhealthyEvent | FaultEvent | FlappingEvent | ScaleEvent | ReloadEvent | StopEvent;

export type SupervisorEvent = KeeperEvent | StartEvent | RunningEvent;

/** The Supervisor is an EventEmitter of its events, by type. */
export type SupervisorEvents = { [Type in SupervisorEvent['type']]: [Extract<SupervisorEvent, { type: Type }>] };
