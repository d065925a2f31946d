import type { ChildHandler, ChildState } from '../child/child-handler.js';
import type { PoolError } from '../errors/index.js';
import type { ExitReason } from '../events.js';

/**
 * A process slot's state: its process's own, or `waiting` (a restart is due after a back-off or a flapping
 * pause), `exited` (its restart policy keeps it down after a clean end), `errored` (the same after a failure),
 * `stopped` (its Keeper is not running), `gave-up` (its Keeper stopped because its processes kept failing).
 */
export type ProcessState = ChildState | 'waiting' | 'stopped' | 'errored' | 'gave-up';

export interface LastExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: ExitReason;
  uptime: number;
  error?: PoolError;
}

/** One process of a job or pool, as `list()`, `processes()`, `getProcess()` and `pool ps --json` show it. */
export interface ProcessInfo {
  /** `session.name` for a Manager job; the pool's name for a Supervisor. */
  job: string;
  /** Its number in the job; a replacement keeps the number. */
  id: number;
  pid: number | undefined;
  state: ProcessState;
  /** A one-off process from `commit()`: never restarted, not counted by scaling. */
  commit: boolean;
  /** Milliseconds since it was spawned (0 when not running). */
  uptime: number;
  /** How many times this number's process was replaced (after an exit, a restart or a reload). */
  restarts: number;
  /** Consecutive failed runs of this number (what the back-off counts). */
  failures: number;
  startedAt: number | undefined;
  readyAt: number | undefined;
  /** How its previous run (of this number) ended. */
  lastExit: LastExit | undefined;
  /** With state `waiting` before its job's first start: the jobs it depends on that are not ready yet. */
  waitingFor?: string[];
}

/** A kept process's place: its number, and what outlives each of its processes. */
export interface Slot {
  id: number;
  /** The current process. */
  child: ChildHandler | undefined;
  /** Its replacement while a rolling replacement starts it (the current one serves until it is ready). */
  incoming: ChildHandler | undefined;
  restarts: number;
  failures: number;
  /** A restart is due (back-off). */
  timer: NodeJS.Timeout | undefined;
  lastExit: LastExit | undefined;
  /** Its restart policy keeps it down until the Keeper is started again. */
  done: boolean;
  /** Down for good after a failure (`errored`), not after a clean end (`exited`). */
  errored: boolean;
  /** Its process is being stopped to be replaced as soon as it has exited (replacement without overlap). */
  respawn: boolean;
}

export function newSlot(id: number): Slot {
  return { id, child: undefined, incoming: undefined, restarts: 0, failures: 0, timer: undefined, lastExit: undefined, done: false, errored: false, respawn: false };
}

/** `gaveUp`: the Keeper stopped because its processes kept failing (flapping): its numbers show `gave-up`, not `stopped`. */
export function processInfo(job: string, id: number, slot: Slot | undefined, child: ChildHandler | undefined, running: boolean, gaveUp = false): ProcessInfo {
  const down: ProcessState = slot?.errored ? 'errored' : 'exited';
  const state: ProcessState = child ? child.state : !running ? (gaveUp ? 'gave-up' : 'stopped') : slot?.done ? down : 'waiting';
  const startedAt = child?.spawnedAt || undefined;
  return {
    job,
    id,
    pid: child?.pid,
    state,
    commit: slot === undefined,
    uptime: startedAt === undefined || !child?.alive ? 0 : Date.now() - startedAt,
    restarts: slot?.restarts ?? 0,
    failures: slot?.failures ?? 0,
    startedAt,
    readyAt: child?.readyAt,
    lastExit: slot?.lastExit,
  };
}
