import type { JobConfig } from '../config/schema.js';
import type { PoolError } from '../errors/index.js';
import type { SocketDescriptor } from '../protocol.js';
import type { ProcessInfo } from '../keeper/slot.js';

export type { LastExit, ProcessInfo, ProcessState } from '../keeper/slot.js';

export interface JobInfo {
  /** `session.name`. */
  name: string;
  session: string;
  /** The job should run (loaded with start, or startJob); false after stopJob or giving up on flapping. */
  active: boolean;
  /** Its processes are being kept alive now. */
  running: boolean;
  numprocesses: number;
  /** Every restart of the job's processes since it was loaded (never goes down, not even on a scale-down), or since `resetCounters()`. */
  restarts: number;
  /** `restarts` by the reason of each: the exit that caused it (`crashed`, `timeout`, `liveness`, `memory`, `age`, …) or `reload`. */
  restartReasons: Record<string, number>;
  priority: number;
  /** The jobs it depends on (`session.name`), and those of them it is waiting for before it starts. */
  dependsOn: string[];
  waitingFor: string[];
  processes: ProcessInfo[];
  /** The bound sockets (with the actual port for `port: 0`), while the job runs. */
  sockets: Record<string, SocketDescriptor>;
  /** In cluster mode (see `cluster` in the config): the sockets its processes listen on, bound by the manager. */
  cluster?: { listening: { address: string; port?: number; type: string }[] };
  flapping: { round: number; paused: boolean };
  /** Why the job is not running although it was asked to: POOL_FLAPPING, or its sockets could not be bound. */
  failure: PoolError | undefined;
  config: JobConfig;
}
