import type { ChildExit } from '../child/child-handler.js';
import type { PoolError } from '../errors/index.js';
import type { ExitReason } from '../events.js';
import type { JobStats, ProcessStats } from './stats.js';

/** Why a process exited, as its Manager saw it; `exited` is a command that ended with code 0 on its own. */
export type ManagerExitReason = ExitReason | 'exited';

interface JobEvent {
  /** `session.name`. */
  job: string;
  /** Milliseconds since the epoch. */
  time: number;
}
interface ProcessEvent extends JobEvent {
  /** The process's number in its job (stable across its restarts). */
  id: number;
  pid: number;
  commit: boolean;
}

export interface ManagerSpawnEvent extends ProcessEvent {
  type: 'spawn';
}
export interface ManagerReadyEvent extends ProcessEvent {
  type: 'ready';
  startDuration: number;
}
export interface ManagerExitEvent extends JobEvent, Omit<ChildExit, 'pid'> {
  type: 'exit';
  id: number;
  /** Undefined when the process could not be spawned at all. */
  pid: number | undefined;
  commit: boolean;
  reason: ManagerExitReason;
}
export interface ManagerRestartEvent extends JobEvent {
  type: 'restart';
  id: number;
  /** Milliseconds until the replacement is spawned. */
  delay: number;
  /** Consecutive failures of this process number. */
  failures: number;
}
/** A job stopped (no id/pid), or one of its processes was stopped for good (`stopProcess`). */
export interface ManagerStopEvent extends JobEvent {
  type: 'stop';
  id?: number;
  pid?: number;
}
export interface ManagerTimeoutEvent extends ProcessEvent {
  type: 'timeout';
  kind: 'start' | 'heartbeat';
  after: number;
}
export interface ManagerFlappingEvent extends JobEvent {
  type: 'flapping';
  failures: number;
  window: number;
  /** Milliseconds until the next try; undefined once the job gave up. */
  retryIn: number | undefined;
  round: number;
  gaveUp: boolean;
  /** Why the last run failed (e.g. POOL_SPAWN_FAILED for a command that does not exist). */
  lastError: PoolError | undefined;
  /** POOL_FLAPPING once the job gave up. */
  error: PoolError | undefined;
}
export interface ManagerScaleEvent extends JobEvent {
  type: 'scale';
  from: number;
  to: number;
}
export interface ManagerLoadEvent extends JobEvent {
  type: 'load';
  /** The job replaced an earlier config (`update`). */
  updated: boolean;
}
export interface ManagerUnloadEvent extends JobEvent {
  type: 'unload';
}
export interface ManagerStatsEvent extends JobEvent {
  type: 'stats';
  /** Set when a single process is monitored. */
  pid?: number;
  stats: JobStats | ProcessStats;
}

export type ManagerEvent =
  | ManagerSpawnEvent
  | ManagerReadyEvent
  | ManagerExitEvent
  | ManagerRestartEvent
  | ManagerStopEvent
  | ManagerTimeoutEvent
  | ManagerFlappingEvent
  | ManagerScaleEvent
  | ManagerLoadEvent
  | ManagerUnloadEvent
  | ManagerStatsEvent;

export type ManagerEventType = ManagerEvent['type'];

/** The Manager is also an EventEmitter of every event, by type. */
export type ManagerEvents = { [Type in ManagerEventType]: [Extract<ManagerEvent, { type: Type }>] };

/** What a subscription delivers: the event and the topic it matched first. */
export interface TopicMessage {
  topic: string;
  event: ManagerEvent;
}

/** `job.<session>.<name>.<type>` and, for events of one process, `proc.<pid>.<type>`. */
export function topicsOf(event: ManagerEvent): string[] {
  const topics = [`job.${event.job}.${event.type}`];
  if ('pid' in event && event.pid !== undefined) topics.push(`proc.${event.pid}.${event.type}`);
  return topics;
}
