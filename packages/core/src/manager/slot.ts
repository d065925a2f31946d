import type { ChildHandler } from '../child/child-handler.js';
import type { LastExit, ProcessInfo, ProcessState } from './info.js';

/** A kept process's place in its job: its number, and what outlives each of its processes. */
export interface Slot {
  id: number;
  child: ChildHandler | undefined;
  restarts: number;
  /** Consecutive failed runs, for back-off. */
  failures: number;
  timer: NodeJS.Timeout | undefined;
  lastExit: LastExit | undefined;
  /** Its restart policy keeps it down until the job is started again. */
  done: boolean;
  /** Its process is being stopped to be replaced at once (stopall). */
  respawn: boolean;
  /** The child its job killed for missing heartbeats. */
  timedOut: ChildHandler | undefined;
}

export function newSlot(id: number): Slot {
  return { id, child: undefined, restarts: 0, failures: 0, timer: undefined, lastExit: undefined, done: false, respawn: false, timedOut: undefined };
}

export function processInfo(
  job: string,
  id: number,
  child: ChildHandler | undefined,
  slot: Slot | undefined,
  context: { commit: boolean; running: boolean },
): ProcessInfo {
  const state: ProcessState = child ? child.state : !context.running ? 'stopped' : slot?.done ? 'exited' : 'waiting';
  const startedAt = child?.spawnedAt || undefined;
  return {
    job,
    id,
    pid: child?.pid,
    state,
    commit: context.commit,
    uptime: startedAt === undefined || child?.state === 'exited' ? 0 : Date.now() - startedAt,
    restarts: slot?.restarts ?? 0,
    startedAt,
    readyAt: child?.readyAt,
    lastExit: slot?.lastExit,
  };
}
