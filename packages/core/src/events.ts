import type { ChildExit } from './child/child-handler.js';

/** Why a process exited, as its owner saw it. */
export type ExitReason = 'stopped' | 'crashed' | 'failed-start' | 'timeout';

/** The event vocabulary shared by the Supervisor and the Manager. */
export interface SpawnEvent {
  id: number;
  pid: number;
}
export interface ReadyEvent {
  id: number;
  pid: number;
  startDuration: number;
}
export interface ExitEvent extends Omit<ChildExit, 'pid'> {
  id: number;
  pid: number | undefined;
  reason: ExitReason;
}
export interface RestartEvent {
  id: number;
  /** Milliseconds until the replacement is spawned. */
  delay: number;
  /** Consecutive failures of this id. */
  failures: number;
}
export interface TimeoutEvent {
  id: number;
  pid: number;
  kind: 'heartbeat' | 'start';
  after: number;
}
export interface FlappingEvent {
  failures: number;
  window: number;
  /** Milliseconds until the next try; undefined when pool gave up. */
  retryIn: number | undefined;
  round: number;
  gaveUp: boolean;
}
export interface ReloadEvent {
  phase: 'start' | 'done' | 'failed';
  error?: Error;
}
export interface ScaleEvent {
  from: number;
  to: number;
}

export interface SupervisorEvents {
  spawn: [SpawnEvent];
  ready: [ReadyEvent];
  exit: [ExitEvent];
  restart: [RestartEvent];
  timeout: [TimeoutEvent];
  flapping: [FlappingEvent];
  reload: [ReloadEvent];
  scale: [ScaleEvent];
  /** start() bound the sockets and is starting the workers. */
  start: [];
  /** Every worker is ready: the pool serves. */
  running: [];
  stop: [];
}
