import { constants } from 'node:os';
import type { Duration } from '../duration.js';
import type { PolicyConfig } from '../keeper/policies.js';
import type { SocketOptions } from '../sockets/shared-sockets.js';

export type RestartPolicy = 'always' | 'on-failure' | 'never';

export interface FlappingConfig {
  attempts?: number;
  window?: Duration;
  retryIn?: Duration;
  maxRetry?: number;
}

export interface BackoffConfig {
  /** Delay before the restart after a second consecutive failure (the first is restarted at once). */
  initial?: Duration;
  max?: Duration;
  factor?: number;
}

export interface WorkerConfig {
  /** A module whose default export is a WorkerBase subclass or factory (relative paths resolve from `cwd`). */
  module: string;
  args?: string[];
  execArgv?: string[];
  startTimeout?: Duration;
  heartbeatTimeout?: Duration;
}

/** Where a job's output is written besides pool's own log (see `logs` in jobConfigSchema). */
export interface JobLogs {
  /** stdout's file (`{worker}`, `{pid}` make one per process); relative paths from the job's cwd. */
  out?: string;
  /** stderr's file. */
  err?: string;
  /** Both streams in one file. */
  combined?: string;
  /** `text` (default) or `json` (one JSON record a line: time, job, worker, pid, stream, line). */
  format?: 'text' | 'json';
  /** A time before each text line: `true` (ISO 8601, UTC), or a pattern such as "YYYY-MM-DD HH:mm:ss.SSS Z" (local time). */
  timestamps?: boolean | string;
  /** `web.1 | ` (and the stream, in a combined file) before each text line. Default: true for combined, false otherwise. */
  label?: boolean;
}

/** A job (process template), as written in a config file, an HTTP request or a `load()` call. */
export interface JobConfig extends PolicyConfig {
  name: string;
  /** argv, spawned without a shell; a string (or argv) is one shell command line only with `shell: true`. */
  cmd?: string[] | string;
  shell?: boolean;
  worker?: string | WorkerConfig;
  cwd?: string;
  env?: Record<string, string | number | boolean>;
  /** `.env` files (relative to `cwd`) whose variables come before `env`'s, parsed with Node's `util.parseEnv`. */
  envFile?: string | string[];
  /** Start from an empty environment instead of the manager's. */
  cleanEnv?: boolean;
  uid?: number;
  gid?: number;
  numprocesses?: number;
  gracefulTimeout?: Duration;
  stopSignal?: string;
  /** Sent on the process's channel (`process.on('message')`) to stop it, before the stop signal (PM2's shutdown_with_message). */
  stopMessage?: string | number | boolean | Record<string, unknown>;
  restart?: RestartPolicy;
  /** Exit codes after which a process is not restarted, whatever `restart` says (PM2's stop_exit_codes). */
  stopExitCodes?: number[];
  flapping?: FlappingConfig | boolean;
  backoff?: BackoffConfig;
  /** A command counts as ready once it has run this long. */
  readyDelay?: Duration;
  /** @deprecated The old name of `readyDelay`, still read. */
  warmupDelay?: Duration;
  /** Jobs (`name` in this job's session, or `session.name`) that must be ready before this one starts. */
  dependsOn?: string[];
  minUptime?: Duration;
  priority?: number;
  redirectOutput?: ('stdout' | 'stderr')[];
  redirectInput?: boolean;
  /** Files of the job's own for its output, written by the pool daemon and `pool run` (PM2's out_file, error_file, log_file). */
  logs?: JobLogs;
  sockets?: Record<string, SocketOptions>;
  /** Each process gets PORT = port + its number in the job (foreman's convention). */
  port?: number;
  /**
   * Run a Node program as cluster workers that share the ports they listen on (PM2's cluster mode). Default: on
   * for a Node program with numprocesses > 1 and no `sockets`.
   */
  cluster?: boolean;
}

/** What `pool.config.{json,yaml,mjs}` holds: jobs by name. */
export interface ConfigFile {
  $schema?: string;
  jobs: Record<string, Omit<JobConfig, 'name'> & { name?: string }>;
}

export const maxProcesses = 1024;
export const namePattern = '^[A-Za-z0-9_-]+$';
export const durationPattern = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$';

const duration = (description: string) => ({
  description: `${description} Milliseconds, or a string such as "500ms", "15s", "2m"; at most 2147483647 ms (a Node timer's longest wait).`,
  type: ['number', 'string'],
  minimum: 0,
  maximum: 2_147_483_647,
  pattern: durationPattern,
});
const strings = { type: 'array', items: { type: 'string' } };
const size = (description: string) => ({
  description: `${description} Bytes, or a string such as "512K", "300M", "1G" (powers of 1024).`,
  type: ['integer', 'string'],
  minimum: 1,
  pattern: '^\\s*\\d+(\\.\\d+)?\\s*[kKmMgG]?[iI]?[bB]?\\s*$',
});

const socket = {
  type: 'object',
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65_535, description: '0 picks a free port (see info(name).sockets).' },
    path: { type: 'string', minLength: 1, description: 'A Unix socket path.' },
  },
  additionalProperties: false,
  if: { required: ['path'] },
  then: { properties: { host: false, port: false } },
  else: { required: ['port'] },
};

const worker = {
  description: 'A Node module speaking the WorkerBase protocol (ready, heartbeats), instead of cmd.',
  type: ['string', 'object'],
  minLength: 1,
  properties: {
    module: { type: 'string', minLength: 1 },
    args: { ...strings, description: 'Arguments after the worker script.' },
    execArgv: { ...strings, description: "Node options; default: the manager's own, without --inspect and without -e/-p and their script." },
    startTimeout: duration('A worker not ready within this long is a failed start. Default 30s.'),
    heartbeatTimeout: duration('A ready worker silent for this long is killed and replaced; 0 turns it off. Default 30s.'),
  },
  required: ['module'],
  additionalProperties: false,
};

const probeKinds = {
  http: {
    description: 'A 2xx answer passes: a URL, or { port, path, host } (port: the process\'s PORT by default; host 127.0.0.1).',
    type: ['string', 'object'],
    properties: {
      port: { type: 'integer', minimum: 1, maximum: 65_535 },
      path: { type: 'string', pattern: '^/' },
      host: { type: 'string', minLength: 1 },
    },
    additionalProperties: false,
  },
  tcp: {
    description: 'A connection passes: a port, or { port, host } (port: the process\'s PORT by default).',
    type: ['integer', 'object'],
    minimum: 1,
    maximum: 65_535,
    properties: { port: { type: 'integer', minimum: 1, maximum: 65_535 }, host: { type: 'string', minLength: 1 } },
    additionalProperties: false,
  },
  exec: { description: 'Exit code 0 passes: an argv, run without a shell, with the process\'s env and POOL_PROBED_PID.', type: 'array', items: { type: 'string' }, minItems: 1 },
};

const probeTimings = {
  interval: duration('Between two attempts. Default 250ms (readiness), 10s (liveness).'),
  timeout: duration('Readiness: a start not ready within this long fails (default 30s). Liveness: one attempt\'s limit (default 5s).'),
  initialDelay: duration('Before the first attempt. Default 0.'),
};

const oneKind = (kinds: string[]) => ({ oneOf: kinds.map((kind) => ({ required: [kind] })) });

const readiness = {
  description: 'The process is ready once this probe first passes: one of http, tcp, exec or message (process.send("ready"), PM2\'s wait_ready).',
  type: 'object',
  properties: { ...probeKinds, message: { const: true, description: 'Ready when the process calls process.send("ready").' }, ...probeTimings },
  additionalProperties: false,
  ...oneKind(['http', 'tcp', 'exec', 'message']),
};

const liveness = {
  description: 'Once ready, failureThreshold failed attempts in a row restart the process gracefully (reason liveness): one of http, tcp or exec.',
  type: 'object',
  properties: { ...probeKinds, ...probeTimings, failureThreshold: { type: 'integer', minimum: 1, description: 'Default 3.' } },
  additionalProperties: false,
  ...oneKind(['http', 'tcp', 'exec']),
};

const jobProperties = {
  name: { type: 'string', pattern: namePattern, description: 'The job is `<session>.<name>`.' },
  cmd: {
    description: 'The command as an argv array, spawned without a shell: ["node", "server.js"].',
    type: ['array', 'string'],
    items: { type: 'string' },
    minItems: 1,
    minLength: 1,
  },
  shell: { type: 'boolean', description: 'Run cmd as one command line through /bin/sh.' },
  worker,
  cwd: { type: 'string', minLength: 1 },
  env: {
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    description: "Merged over the manager's environment (or alone, with cleanEnv).",
  },
  envFile: {
    type: ['string', 'array'],
    minLength: 1,
    items: { type: 'string', minLength: 1 },
    description: ".env files (relative to cwd), read when the job is loaded: KEY=value lines parsed as Node's util.parseEnv parses them (quotes, # comments; nothing expanded). env wins over them.",
  },
  cleanEnv: { type: 'boolean' },
  uid: { type: 'integer', minimum: 0, description: 'Run as this user (the manager must be root).' },
  gid: { type: 'integer', minimum: 0 },
  numprocesses: { type: 'integer', minimum: 0, maximum: maxProcesses, description: 'Default 1.' },
  gracefulTimeout: duration('How long a stopping process has before SIGKILL to its process group. Default 10s.'),
  stopSignal: { type: 'string', enum: Object.keys(constants.signals), description: 'Default SIGTERM.' },
  stopMessage: {
    type: ['string', 'number', 'boolean', 'object'],
    description:
      'A Node program is stopped by this message on its channel first (process.on("message"); PM2\'s shutdown_with_message sends "shutdown"), then by stopSignal after half the graceful timeout, SIGKILL at the timeout.',
  },
  restart: { type: 'string', enum: ['always', 'on-failure', 'never'], description: 'Default always.' },
  stopExitCodes: {
    type: 'array',
    items: { type: 'integer', minimum: 0, maximum: 255 },
    uniqueItems: true,
    description: 'A process that exits with one of these codes is not restarted, whatever restart says (PM2\'s stop_exit_codes).',
  },
  flapping: {
    description: 'Failures (`attempts` within `window`) that pause the job `retryIn`; after `maxRetry` pauses it gives up. false: off.',
    type: ['object', 'boolean'],
    properties: {
      attempts: { type: 'integer', minimum: 1 },
      window: duration('Default 10s.'),
      retryIn: duration('Default 7s.'),
      maxRetry: { type: 'integer', minimum: 0, description: '0: never give up. Default 5.' },
    },
    additionalProperties: false,
  },
  backoff: {
    description: 'How long a process that keeps failing waits before each restart: 0 after the first failure, then initial, initial×factor, … up to max.',
    type: 'object',
    properties: {
      initial: duration('Default 100ms.'),
      max: duration('Default 10s.'),
      factor: { type: 'number', minimum: 1, maximum: 100, description: 'Default 2.' },
    },
    additionalProperties: false,
  },
  readyDelay: duration('A command counts as ready once it has run this long (a worker module says so itself). Default 0.'),
  warmupDelay: duration('Deprecated: the old name of readyDelay, still read.'),
  readiness,
  liveness,
  maxMemory: size('A process whose process group\'s resident memory is above this at two samples in a row is replaced gracefully (reason memory); with sockets, its replacement is ready first.'),
  memoryCheckInterval: duration('How often maxMemory is sampled. Default 5s.'),
  maxAge: duration('Each process is replaced this long after it got ready (reason age), one at a time, each replacement ready first where the job has sockets.'),
  maxAgeJitter: duration('A random part of this is added to each process\'s maxAge. Default 0.'),
  cronRestart: { type: 'string', minLength: 1, description: 'A rolling restart on this schedule (cron syntax: "0 3 * * *"), reason cron.' },
  timezone: { type: 'string', minLength: 1, description: 'The IANA time zone of cronRestart ("Europe/Paris"); default the machine\'s.' },
  watch: { type: ['boolean', 'array'], items: { type: 'string', minLength: 1 }, description: 'Reload (rolling, reason watch) when a file changes: true watches cwd; or paths relative to cwd.' },
  watchIgnore: { ...strings, description: 'Globs relative to a watched directory whose changes do not count; node_modules and .git never do.' },
  watchDelay: duration('Quiet time after the last change before the reload. Default 1s.'),
  dependsOn: {
    type: 'array',
    items: { type: 'string', pattern: '^([A-Za-z0-9_-]+\\.)?[A-Za-z0-9_-]+$' },
    uniqueItems: true,
    description: 'Jobs ("db" in this job\'s session, or "session.name") that must be ready before this one starts; it stops before them.',
  },
  minUptime: duration('A process that exits sooner than this after its start counts as a failure. Default 1s.'),
  priority: { type: 'integer', description: 'Lower starts first and stops last. Default 0.' },
  redirectOutput: {
    type: 'array',
    items: { enum: ['stdout', 'stderr'] },
    uniqueItems: true,
    description: "The streams that go to the manager's stdout/stderr targets; the others are discarded. Default both.",
  },
  redirectInput: { type: 'boolean', description: 'Give each process a stdin pipe (for send()).' },
  logs: {
    description: "Files of the job's own for its output (PM2's out_file, error_file, log_file), written by the pool daemon and `pool run` besides pool's own log. Paths are relative to cwd; {worker} and {pid} make one file per process.",
    type: 'object',
    properties: {
      out: { type: 'string', minLength: 1, description: "stdout's file." },
      err: { type: 'string', minLength: 1, description: "stderr's file." },
      combined: { type: 'string', minLength: 1, description: 'Both streams in one file.' },
      format: { enum: ['text', 'json'], description: 'text (default), or json: one JSON record a line (time, job, worker, pid, stream, line).' },
      timestamps: {
        type: ['boolean', 'string'],
        minLength: 1,
        description: 'A time before each text line: true (ISO 8601, UTC), or a pattern of YYYY, MM, DD, HH, mm, ss, SSS, Z (local time), such as "YYYY-MM-DD HH:mm:ss Z".',
      },
      label: { type: 'boolean', description: 'Put `web.1 | ` before each text line (and the stream, in a combined file). Default: true for combined, false otherwise.' },
    },
    additionalProperties: false,
  },
  sockets: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' },
    additionalProperties: socket,
    description: 'Bound once, inherited by every process from fd 3 (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID).',
  },
  port: { type: 'integer', minimum: 0, maximum: 65_535, description: 'Each process gets PORT = port + its number.' },
  cluster: {
    type: 'boolean',
    description:
      "A Node program's processes share the ports they listen on (Node's cluster protocol, shared handles; PM2's cluster mode). Default: on for a Node script (not node -e) with numprocesses > 1 and no sockets.",
  },
};

const jobBody = {
  type: 'object',
  properties: jobProperties,
  additionalProperties: false,
  oneOf: [{ required: ['cmd'] }, { required: ['worker'] }],
  if: { not: { required: ['shell'], properties: { shell: { const: true } } } },
  then: { properties: { cmd: { type: 'array' } } },
};

/** The JSON Schema (draft-07) of one job: the HTTP API validates request bodies with it; editors complete with it. */
export const jobConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://pool.dev/schemas/job-config.json',
  title: 'pool job',
  ...jobBody,
  required: ['name'],
} as const;

/** The JSON Schema of a config file (`pool.config.json`, `.yaml`, or a module's default export). */
export const configFileSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://pool.dev/schemas/config-file.json',
  title: 'pool config file',
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    jobs: { type: 'object', propertyNames: { pattern: namePattern }, additionalProperties: jobBody },
  },
  required: ['jobs'],
  additionalProperties: false,
} as const;
