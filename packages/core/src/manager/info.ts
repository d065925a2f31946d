import type { ChildState } from '../child/child-handler.js';
import type { JobConfig } from '../config/schema.js';
import type { PoolError } from '../errors/index.js';
import type { SocketDescriptor } from '../protocol.js';
import type { ManagerExitReason } from './events.js';

/**
 * A process slot's state: the child's own, or `waiting` (a restart is due after a back-off or flapping pause),
 * `exited` (its restart policy kept it down), `stopped` (its job is not running).
 */
export type ProcessState = ChildState | 'waiting' | 'stopped';

export interface LastExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: ManagerExitReason;
  uptime: number;
  error?: PoolError;
}

/** One process of a job, as `list()`, `getProcess()` and `pool ps --json` show it. */
export interface ProcessInfo {
  /** `session.name`. */
  job: string;
  /** Its number in the job; a replacement keeps the number. */
  id: number;
  pid: number | undefined;
  state: ProcessState;
  /** A one-off process from `commit()`: never restarted, not counted by scaling. */
  commit: boolean;
  /** Milliseconds since it was spawned (0 when not running). */
  uptime: number;
  restarts: number;
  startedAt: number | undefined;
  readyAt: number | undefined;
  /** How its previous run (of this number) ended. */
  lastExit: LastExit | undefined;
}

export interface JobInfo {
  /** `session.name`. */
  name: string;
  session: string;
  /** The job should run (loaded with start, or startJob); false after stopJob or giving up on flapping. */
  active: boolean;
  /** Its processes are being kept alive now. */
  running: boolean;
  numprocesses: number;
  priority: number;
  processes: ProcessInfo[];
  /** The bound sockets (with the actual port for `port: 0`), while the job runs. */
  sockets: Record<string, SocketDescriptor>;
  flapping: { round: number; paused: boolean };
  /** Why the job is not running although it was asked to: POOL_FLAPPING, or its sockets could not be bound. */
  failure: PoolError | undefined;
  config: JobConfig;
}
