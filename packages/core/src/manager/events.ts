import type {
  ExitEvent,
  ExitReason,
  FlappingEvent,
  KeeperEvent,
  ReadyEvent,
  RestartEvent,
  ScaleEvent,
  SpawnEvent,
  StopEvent,
  TimeoutEvent,
} from '../events.js';
import type { JobStats, ProcessStats } from './stats.js';

/** @deprecated The same as {@link ExitReason}: the Supervisor and the Manager share one. */
export type ManagerExitReason = ExitReason;
/** @deprecated Use {@link SpawnEvent}. */
export type ManagerSpawnEvent = SpawnEvent;
/** @deprecated Use {@link ReadyEvent}. */
export type ManagerReadyEvent = ReadyEvent;
/** @deprecated Use {@link ExitEvent}. */
export type ManagerExitEvent = ExitEvent;
/** @deprecated Use {@link RestartEvent}. */
export type ManagerRestartEvent = RestartEvent;
/** @deprecated Use {@link StopEvent}. */
export type ManagerStopEvent = StopEvent;
/** @deprecated Use {@link TimeoutEvent}. */
export type ManagerTimeoutEvent = TimeoutEvent;
/** @deprecated Use {@link FlappingEvent}. */
export type ManagerFlappingEvent = FlappingEvent;
/** @deprecated Use {@link ScaleEvent}. */
export type ManagerScaleEvent = ScaleEvent;

interface JobEvent {
  /** `session.name`. */
  job: string;
  /** Milliseconds since the epoch. */
  time: number;
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

export type ManagerEvent = KeeperEvent | ManagerLoadEvent | ManagerUnloadEvent | ManagerStatsEvent;

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
