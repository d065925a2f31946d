/** The daemon's answers (@pool/http's JSON), as the commands read them. */

export interface ExitRecord {
  code: number | null;
  signal: string | null;
  reason: string;
  uptime: number;
  error: { code: string; message: string } | null;
}

export interface ProcessRecord {
  /** `session.name`. */
  job: string;
  id: number;
  pid: number | null | undefined;
  state: string;
  commit: boolean;
  uptime: number;
  restarts: number;
  startedAt?: number | null;
  readyAt?: number | null;
  lastExit?: ExitRecord | null;
  /** State `waiting` before its job starts: the dependencies not ready yet. */
  waitingFor?: string[];
}

export interface ProcessStatsRecord extends ProcessRecord {
  cpu: number | null | undefined;
  rss: number | null | undefined;
}

export interface JobRecord {
  name: string;
  session: string;
  active: boolean;
  running: boolean;
  numprocesses: number;
  priority?: number;
  processes: ProcessRecord[];
  sockets?: Record<string, unknown>;
  flapping?: { round: number; paused: boolean };
  failure?: { code: string; message: string } | null;
  /** The jobs it depends on, and those of them not ready yet (it waits before it starts). */
  dependsOn?: string[];
  waitingFor?: string[];
  /** Lines its log file lost (the daemon knows). */
  logLinesLost?: number;
  config: Record<string, unknown>;
}

export interface JobStatsRecord {
  job: string;
  cpu: number;
  rss: number;
  processes: ProcessStatsRecord[];
}

export interface LogLineRecord {
  job: string;
  /** null: a line read back from a log file of an older format, which did not say its process. */
  worker: number | null;
  /** null: a line read back from the log file (the file does not keep pids). */
  pid: number | null;
  stream: 'stdout' | 'stderr';
  time: number;
  line: string;
}

export interface EventRecord {
  type: string;
  job: string;
  time: number;
  [key: string]: unknown;
}
