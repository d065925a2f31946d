import { accessSync, constants as fs, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, resolve } from 'node:path';
import { poolError } from '../../errors/index.js';
import { namePattern, type ConfigFile, type JobConfig } from '../schema.js';
import type { ConfigProblem, Locate } from '../validate.js';

/**
 * PM2's ecosystem files (`ecosystem.config.js`, `.json`, `.yaml`: `{ apps: [...] }`), read as pool jobs. Each
 * PM2 key pool has maps to pool's (the table: docs/from-pm2.md); a key pool does not support is never dropped
 * silently: it is a warning, naming the app and the key, or with `strict` an error.
 */

/** A PM2 key that has no effect in pool (or an unknown key), by its path in the file. */
export interface ConfigWarning {
  path: string;
  message: string;
  file: string;
  line?: number;
}

export interface EcosystemOptions {
  /** `--env <profile>`: each app's `env_<profile>` over its `env`. */
  profile?: string;
  /** A key pool does not support is an error instead of a warning. */
  strict?: boolean;
  /** Told each warning (by default they are lost: the CLI prints them). */
  onWarning?: (warning: ConfigWarning) => void;
}

const durations = { type: ['number', 'string'], minimum: 0 };
const stringOrList = { type: ['string', 'array'], items: { type: 'string' } };
const userOrGroup = { type: ['integer', 'string'], minimum: 0 };

/** The PM2 keys pool reads, with the types PM2 documents (aliases included). Other keys: see `unsupported`. */
const appProperties = {
  name: { type: 'string', minLength: 1 },
  script: { type: 'string', minLength: 1, description: 'The script, or a command on PATH (PM2: the app to run). Required.' },
  exec: { type: 'string', minLength: 1, description: 'PM2\'s alias of script.' },
  args: { ...stringOrList, description: 'Arguments after the script: an array, or a string split as a shell would (no expansion).' },
  interpreter: { type: 'string', minLength: 1, description: '"node" (default for .js/.mjs/.cjs), "python3", "bash", …, or "none" to run the script itself.' },
  exec_interpreter: { type: 'string', minLength: 1 },
  interpreter_args: { ...stringOrList, description: 'Options of the interpreter (before the script).' },
  interpreterArgs: stringOrList,
  node_args: stringOrList,
  cwd: { type: 'string', minLength: 1 },
  instances: { type: ['integer', 'string'], pattern: '^(max|-?\\d+)$', description: 'A number, "max" (or 0) for one per CPU, -N for all CPUs but N.' },
  exec_mode: { enum: ['fork', 'fork_mode', 'cluster', 'cluster_mode'] },
  env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
  autorestart: { type: 'boolean' },
  max_restarts: { type: 'integer', minimum: 0 },
  min_uptime: durations,
  restart_delay: { type: 'number', minimum: 0 },
  exp_backoff_restart_delay: { type: 'number', minimum: 0 },
  kill_timeout: { type: 'number', minimum: 0 },
  wait_ready: { type: 'boolean' },
  listen_timeout: { type: 'number', minimum: 0 },
  max_memory_restart: { type: ['string', 'number'] },
  cron_restart: { type: ['string'], minLength: 1 },
  cron: { type: ['string'], minLength: 1 },
  watch: { type: ['boolean', 'string', 'array'], items: { type: 'string' } },
  ignore_watch: stringOrList,
  watch_delay: { type: 'number', minimum: 0 },
  port: { type: 'integer', minimum: 0, maximum: 65_535 },
  uid: userOrGroup,
  user: userOrGroup,
  gid: userOrGroup,
  treekill: { type: 'boolean' },
  stop_exit_codes: { type: ['array', 'integer'], items: { type: 'integer', minimum: 0, maximum: 255 }, minimum: 0, maximum: 255, description: 'stopExitCodes.' },
  shutdown_with_message: { type: 'boolean', description: 'stopMessage: "shutdown".' },
  out_file: { type: 'string', minLength: 1, description: 'stdout\'s file: logs.out (with -{worker} before the extension for several instances, unless merge_logs).' },
  out: { type: 'string', minLength: 1 },
  output: { type: 'string', minLength: 1 },
  out_log: { type: 'string', minLength: 1 },
  error_file: { type: 'string', minLength: 1, description: 'stderr\'s file: logs.err.' },
  error: { type: 'string', minLength: 1 },
  err: { type: 'string', minLength: 1 },
  err_file: { type: 'string', minLength: 1 },
  err_log: { type: 'string', minLength: 1 },
  log_file: { type: ['string', 'boolean'], minLength: 1, description: 'Both streams\' file: logs.combined.' },
  log: { type: ['string', 'boolean'], minLength: 1 },
  merge_logs: { type: 'boolean', description: 'One file for every instance (pool\'s default with a {worker}-less path).' },
  combine_logs: { type: 'boolean' },
  log_date_format: { type: 'string', minLength: 1, description: 'logs.timestamps: a pattern of YYYY, MM, DD, HH, mm, ss, SSS, Z.' },
  time: { type: 'boolean', description: 'logs.timestamps: true.' },
  log_type: { enum: ['json', 'raw'], description: 'json: logs.format json.' },
};

/** The JSON Schema of a PM2 ecosystem file as pool reads it; keys outside it are warnings (errors with --strict). */
export const ecosystemFileSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://pool.dev/schemas/ecosystem.json',
  title: 'PM2 ecosystem file, as pool reads it',
  type: 'object',
  properties: {
    apps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: appProperties,
        patternProperties: { '^env_.+$': { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } } },
        anyOf: [{ required: ['script'] }, { required: ['exec'] }],
      },
    },
  },
  required: ['apps'],
} as const;

/** PM2 keys that pool knows and does not do, and why (what to use instead). */
const unsupported: Record<string, string> = {
  disable_logs: 'pool keeps each job\'s output (set "redirectOutput": [] in a pool config to drop it)',
  pid_file: 'pool ps and pool pid give the pids',
  namespace: 'load the file under a session: `pool start <file> --name <session>`',
  autostart: 'every job pool loads is started',
  increment_var: 'each process gets its number as NODE_APP_INSTANCE and POOL_WORKER_ID',
  instance_var: 'each process gets its number as NODE_APP_INSTANCE and POOL_WORKER_ID',
  watch_options: 'pool watches with Node\'s fs.watch; it takes no chokidar options',
  source_map_support: 'pass --enable-source-maps in node_args',
  disable_source_map_support: 'pass --enable-source-maps in node_args',
  filter_env: 'pool passes the daemon\'s environment; "cleanEnv": true in a pool config starts from none',
  append_env_to_name: 'the job keeps its name',
  force: 'pool start of the same file again restarts nothing it does not need to',
  name_prefix: 'name each app',
  vizion: 'PM2\'s version metadata',
  pmx: 'PM2\'s monitoring agent',
  automation: 'PM2\'s monitoring agent',
  trace: 'PM2\'s monitoring agent',
  disable_trace: 'PM2\'s monitoring agent',
  v8: 'PM2\'s monitoring agent',
  event_loop_inspector: 'PM2\'s monitoring agent',
  deep_monitoring: 'PM2\'s monitoring agent',
  io: 'PM2\'s monitoring agent',
  post_update: 'PM2\'s deploy',
  install_url: 'PM2\'s module installer',
  execute_command: 'PM2-internal',
  username: 'PM2-internal',
  write: 'PM2-internal',
  kill_retry_time: 'PM2-internal',
  windowsHide: 'pool runs on Linux and macOS',
};

/** The interpreter PM2 (and `pool start script.py`) picks by the script's extension; none for a Node script. */
const interpreters: Record<string, string> = { '.py': 'python3', '.sh': 'bash', '.bash': 'bash', '.rb': 'ruby', '.php': 'php', '.pl': 'perl', '.lua': 'lua' };
const nodeExtensions = new Set(['.js', '.mjs', '.cjs']);

/** The argv that runs `script`: a Node script with node, .py/.sh/… with their interpreter, else the file or command itself. */
export function commandFor(script: string, cwd: string, options: { interpreter?: string; interpreterArgs?: string[]; args?: string[]; node?: string } = {}): string[] {
  const { interpreterArgs = [], args = [], node = 'node' } = options;
  const extension = extname(script).toLowerCase();
  const path = resolve(cwd, script);
  let interpreter = options.interpreter;
  if (interpreter === undefined) {
    if (nodeExtensions.has(extension)) interpreter = 'node';
    else if (interpreters[extension]) interpreter = interpreters[extension];
    else if (isFile(path) && !isExecutable(path)) interpreter = 'node'; // PM2's default for a file it cannot run itself
  }
  if (interpreter === undefined || interpreter === 'none') return [script.includes('/') ? path : script, ...args];
  return [interpreter === 'node' ? node : interpreter, ...interpreterArgs, script, ...args];
}

/** True when `value` is an ecosystem file's content (apps, no jobs). */
export function isEcosystem(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'apps' in value && !('jobs' in value);
}

interface App {
  [key: string]: unknown;
  name?: string;
  script?: string;
  exec?: string;
  args?: string | string[];
  interpreter?: string;
  exec_interpreter?: string;
  interpreter_args?: string | string[];
  interpreterArgs?: string | string[];
  node_args?: string | string[];
  cwd?: string;
  instances?: number | string;
  exec_mode?: string;
  env?: Record<string, string | number | boolean>;
  autorestart?: boolean;
  max_restarts?: number;
  min_uptime?: number | string;
  restart_delay?: number;
  exp_backoff_restart_delay?: number;
  kill_timeout?: number;
  wait_ready?: boolean;
  listen_timeout?: number;
  max_memory_restart?: string | number;
  cron_restart?: string;
  cron?: string;
  watch?: boolean | string | string[];
  ignore_watch?: string | string[];
  watch_delay?: number;
  port?: number;
  uid?: number | string;
  user?: number | string;
  gid?: number | string;
  treekill?: boolean;
  stop_exit_codes?: number | number[];
  shutdown_with_message?: boolean;
  out_file?: string;
  out?: string;
  output?: string;
  out_log?: string;
  error_file?: string;
  error?: string;
  err?: string;
  err_file?: string;
  err_log?: string;
  log_file?: string | boolean;
  log?: string | boolean;
  merge_logs?: boolean;
  combine_logs?: boolean;
  log_date_format?: string;
  time?: boolean;
  log_type?: string;
}

/**
 * A validated ecosystem's apps as a pool config file (`{ jobs }`), in the apps' order. `directory` is the file's
 * (a relative cwd is taken from there, as PM2 does). Unsupported keys go to `onWarning`, or fail with `strict`.
 */
export function fromEcosystem(value: { apps: App[] } & Record<string, unknown>, file: string, directory: string, options: EcosystemOptions = {}, locate?: Locate): ConfigFile {
  const warnings: ConfigWarning[] = [];
  const warn = (segments: string[], message: string) => {
    const position = locate?.(segments);
    warnings.push({ path: dottedPath(segments), message, file, ...(position ? { line: position.line } : {}) });
  };
  for (const key of Object.keys(value)) {
    if (key === 'apps') continue;
    warn([key], key === 'deploy' ? 'is PM2\'s deploy: pool does not deploy (run your own release step, then `pool reload`)' : 'is not a key of an ecosystem file pool knows (it reads apps)');
  }
  const problems: ConfigProblem[] = [];
  const profile = options.profile;
  if (profile !== undefined && !value.apps.some((app) => `env_${profile}` in app)) {
    const profiles = [...new Set(value.apps.flatMap((app) => Object.keys(app).filter((key) => key.startsWith('env_'))))];
    const known = profiles.length > 0 ? `; it has ${profiles.join(', ')}` : '; it has none';
    problems.push({ path: 'apps', message: `no app has env_${profile} (--env ${profile})${known}`, file });
  }

  const jobs: ConfigFile['jobs'] = {};
  value.apps.forEach((app, index) => {
    const at = (key: string) => ['apps', String(index), key];
    for (const key of Object.keys(app)) {
      if (key in appProperties || /^env_.+$/.test(key)) continue;
      warn(at(key), key in unsupported ? `has no effect in pool: ${unsupported[key]}` : 'is not a PM2 key pool knows: ignored');
    }
    if (app.treekill === false) warn(at('treekill'), 'has no effect in pool: a stop reaches the whole process group');
    const script = (app.script ?? app.exec)!;
    const name = app.name ?? nameOf(script);
    if (jobs[name]) {
      problems.push({ path: dottedPath(at('name')), message: `"${name}" is the name of an app before it: each app needs its own name`, file });
      return;
    }
    if (!new RegExp(namePattern).test(name)) {
      problems.push({ path: dottedPath(at(app.name === undefined ? 'script' : 'name')), message: `makes the job name "${name}", which may hold only letters, digits, "_" and "-": give the app a name`, file });
      return;
    }
    const cwd = resolve(directory, app.cwd ?? '.');
    const cmd = commandFor(script, cwd, {
      ...defined({ interpreter: app.interpreter ?? app.exec_interpreter }),
      interpreterArgs: splitArgs(app.node_args ?? app.interpreter_args ?? app.interpreterArgs),
      args: splitArgs(app.args),
    });
    const env = { ...app.env, ...(profile === undefined ? {} : (app[`env_${profile}`] as App['env'])), ...(app.port === undefined ? {} : { PORT: app.port }) };
    for (const key of ['uid', 'user', 'gid'] as const) {
      if (typeof app[key] === 'string') problems.push({ path: dottedPath(at(key)), message: 'must be a number here: pool does not resolve user and group names yet', file });
    }
    const restartDelay = app.exp_backoff_restart_delay ?? app.restart_delay;
    const numprocesses = app.instances === undefined ? undefined : instancesOf(app.instances);
    const logs = logsOf(app, numprocesses ?? 1, (key, message) => warn(at(key), message));
    const job: Omit<JobConfig, 'name'> & { name: string } = {
      name,
      cmd,
      cwd,
      // PM2 stops with SIGINT: an app written for it handles SIGINT.
      stopSignal: 'SIGINT',
      ...defined({
        numprocesses,
        cluster: app.exec_mode === undefined ? undefined : app.exec_mode.startsWith('cluster'),
        env: Object.keys(env).length > 0 ? env : undefined,
        restart: app.autorestart === false ? 'never' : undefined,
        flapping: app.max_restarts === undefined ? undefined : app.max_restarts === 0 ? false : { attempts: app.max_restarts, maxRetry: 1 },
        minUptime: app.min_uptime,
        backoff:
          restartDelay === undefined
            ? undefined
            : app.exp_backoff_restart_delay === undefined
              ? { initial: restartDelay, factor: 1, max: restartDelay }
              : { initial: restartDelay, factor: 1.5, max: Math.max(15_000, restartDelay) },
        gracefulTimeout: app.kill_timeout,
        readiness: app.wait_ready ? { message: true as const, ...defined({ timeout: app.listen_timeout }) } : undefined,
        readyDelay: !app.wait_ready && app.listen_timeout !== undefined ? app.listen_timeout : undefined,
        maxMemory: app.max_memory_restart,
        cronRestart: app.cron_restart ?? app.cron,
        watch: typeof app.watch === 'string' ? [app.watch] : app.watch,
        watchIgnore: app.ignore_watch === undefined ? undefined : [app.ignore_watch].flat(),
        watchDelay: app.watch_delay,
        uid: typeof (app.uid ?? app.user) === 'number' ? ((app.uid ?? app.user) as number) : undefined,
        gid: typeof app.gid === 'number' ? app.gid : undefined,
        logs,
        stopExitCodes: app.stop_exit_codes === undefined ? undefined : [...new Set([app.stop_exit_codes].flat())],
        stopMessage: app.shutdown_with_message ? 'shutdown' : undefined,
      }),
    };
    jobs[name] = job;
  });

  if (options.strict && warnings.length > 0) {
    problems.push(...warnings.map((warning) => ({ ...warning, message: `${warning.message} (--strict)` })));
  }
  if (problems.length > 0) {
    throw poolError('POOL_INVALID_CONFIG', { source: file, file, detail: problems.map((problem) => `${problem.path} ${problem.message}`).join('; '), problems });
  }
  for (const warning of warnings) options.onWarning?.(warning);
  return { jobs };
}

/**
 * PM2's log keys as `logs`: out_file, error_file, log_file and their aliases; PM2 writes one file per instance
 * (`out-0.log`, …) unless merge_logs, so several instances get `-{worker}` before the extension here too.
 */
function logsOf(app: App, instances: number, warn: (key: string, message: string) => void): JobConfig['logs'] {
  const pick = (...keys: (keyof App)[]) => {
    const key = keys.find((name) => app[name] !== undefined);
    return key === undefined ? undefined : { key: key as string, value: app[key] as string | boolean };
  };
  const merged = app.merge_logs ?? app.combine_logs ?? false;
  const perInstance = (path: string) => {
    if (merged || instances <= 1 || /\{(worker|pid)\}/.test(path) || path === '/dev/null') return path;
    const extension = extname(path);
    return `${path.slice(0, path.length - extension.length)}-{worker}${extension}`;
  };
  const logs: NonNullable<JobConfig['logs']> = {};
  const out = pick('out_file', 'out', 'output', 'out_log');
  const err = pick('error_file', 'error', 'err', 'err_file', 'err_log');
  const combined = pick('log_file', 'log');
  if (typeof out?.value === 'string') logs.out = perInstance(out.value);
  if (typeof err?.value === 'string') logs.err = perInstance(err.value);
  if (typeof combined?.value === 'string') logs.combined = perInstance(combined.value);
  else if (combined?.value === true) warn(combined.key, 'has no effect in pool: pool keeps a combined log of each job itself (`pool logs`, $POOL_HOME/logs)');
  if (app.log_type === 'json') logs.format = 'json';
  if (app.log_date_format !== undefined) logs.timestamps = app.log_date_format;
  else if (app.time) logs.timestamps = true;
  const files = logs.out ?? logs.err ?? logs.combined;
  if (!files && (logs.format || logs.timestamps)) {
    warn(app.log_date_format !== undefined ? 'log_date_format' : app.time ? 'time' : 'log_type', 'has no effect in pool without out_file, error_file or log_file: pool timestamps its own log');
    return undefined;
  }
  return files ? logs : undefined;
}

/** PM2's instances: n, "max" or 0 (one per CPU), -n (all CPUs but n, at least 1). */
function instancesOf(value: number | string): number {
  const cpus = availableParallelism();
  const n = value === 'max' ? 0 : Number(value);
  if (n === 0) return cpus;
  return n < 0 ? Math.max(1, cpus + n) : n;
}

/** A string of arguments split as a shell splits words (quotes and backslashes; nothing expanded); an array as is. */
export function splitArgs(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && index + 1 < value.length) word = `${word ?? ''}${value[++index]}`;
      else word = `${word ?? ''}${char}`;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (char === '\\' && index + 1 < value.length) {
      word = (word ?? '') + value[++index];
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** "api-server.js" → "api-server" (PM2 names an app after its script). */
function nameOf(script: string): string {
  const base = script.split('/').pop() ?? script;
  return base.slice(0, base.length - extname(base).length).replace(/[^A-Za-z0-9_-]+/g, '-') || 'app';
}

function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function dottedPath(segments: readonly string[]): string {
  return segments.map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fs.X_OK);
    return true;
  } catch {
    return false;
  }
}
