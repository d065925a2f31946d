/**
 * The registry of pool's error codes. A code is never reused or renamed; `docs/errors.md` is generated from
 * this table (`pnpm --dir packages/core docs:errors`) and a test keeps the two in step.
 *
 * `message` says what went wrong, with the context that makes it specific; `hint` says what to do about it.
 * `status` is the HTTP status the HTTP adapter answers with.
 */
export interface ErrorDefinition {
  readonly message: string;
  readonly hint: string;
  readonly status: number;
}

export const errorCodes = {
  POOL_INVALID_OPTION: {
    message: 'Invalid option {path}: {detail}',
    hint: 'Check the value against the option reference in the package README.',
    status: 400,
  },
  POOL_INVALID_DURATION: {
    message: 'Invalid duration {value} at {path}',
    hint: 'Use a number of milliseconds or a string such as "500ms", "15s", "2m" or "1h", at most 2147483647 ms (about 24.8 days).',
    status: 400,
  },
  POOL_INVALID_SIGNAL: {
    message: 'Unknown signal {signal}',
    hint: 'Use a signal name such as SIGTERM, SIGINT, SIGHUP, SIGUSR1 or SIGKILL (see `kill -l`).',
    status: 400,
  },
  POOL_WORKER_MODULE_NOT_FOUND: {
    message: 'Cannot load the worker module {module}: {detail}',
    hint: 'Check the path (relative paths resolve from the current directory) and that the module has no syntax error.',
    status: 400,
  },
  POOL_WORKER_INVALID_EXPORT: {
    message: 'The worker module {module} does not export a WorkerBase subclass or a factory as its default export',
    hint: 'Add `export default class extends WorkerBase { … }` or `export default (id) => new MyWorker()`.',
    status: 400,
  },
  POOL_NOT_IN_WORKER: {
    message: 'This process is not a pool worker',
    hint: 'Run the worker through a Supervisor (or a Manager job with `worker`), not directly.',
    status: 500,
  },
  POOL_SPAWN_FAILED: {
    message: 'Could not start {command}: {detail}',
    hint: 'Check that the command exists, is executable and that cwd exists.',
    status: 500,
  },
  POOL_START_TIMEOUT: {
    message: 'Process {pid} ({command}) was not ready within {timeout} ms',
    hint: 'Make the worker report ready sooner (finish onStart callbacks), or raise startTimeout.',
    status: 500,
  },
  POOL_NOT_READY: {
    message: 'Process {pid} ({command}) did not pass its readiness probe, {probe}, within {timeout} ms (last: {detail})',
    hint: 'Check that the process serves what the probe asks, where it asks (its PORT, host and path), or raise readiness.timeout.',
    status: 500,
  },
  POOL_CHANNEL_FAULT: {
    message: 'Process {pid} ({command}) sent {detail} on its control channel; it was stopped',
    hint: 'Only process.send() may write to the channel (fd {fd}, NODE_CHANNEL_FD): a program that writes there itself, or prints to that fd, breaks it.',
    status: 500,
  },
  POOL_EXITED_BEFORE_READY: {
    message: 'Process {pid} ({command}) exited before it was ready ({exit})',
    hint: 'Read the stderr tail in this error: the worker failed during start-up.',
    status: 500,
  },
  POOL_INVALID_STATE: {
    message: 'Cannot {action} while {subject} is {state}',
    hint: 'Wait for the current operation to finish, or check the state before calling.',
    status: 409,
  },
  POOL_SOCKET_BIND_FAILED: {
    message: 'Could not bind socket {name} to {address}: {detail}',
    hint: 'Another process may hold the address (EADDRINUSE), or the port needs privileges (EACCES): pick another one.',
    status: 500,
  },
  POOL_PID_FILE_LOCKED: {
    message: 'The pid file {pidFile} names a running process ({pid})',
    hint: 'Another master is running: stop it first, or use another pidFile.',
    status: 409,
  },
  POOL_PID_FILE_FAILED: {
    message: 'Could not write the pid file {pidFile}: {detail}',
    hint: 'Check that the directory exists and is writable.',
    status: 500,
  },
  POOL_DAEMON_START_FAILED: {
    message: 'The daemon did not start: {detail}',
    hint: 'Read the daemon log file ({logFile}) for the reason.',
    status: 500,
  },
  POOL_RELOAD_FAILED: {
    message: 'Reload stopped at worker {id}: {detail}',
    hint: 'The old workers keep serving. Fix the worker (its replacement did not become ready) and reload again.',
    status: 500,
  },
  POOL_FLAPPING: {
    message: '{subject} kept crashing: {attempts} failures within {window} ms, {rounds} times; giving up',
    hint: 'Read the workers\' stderr for the cause of the crashes; fix it and start again.',
    status: 500,
  },
  POOL_STOPPED: {
    message: '{subject} was stopped',
    hint: 'The operation was cut short by a stop; start again if this was not intended.',
    status: 409,
  },
  POOL_UNAUTHORIZED: {
    message: 'Missing or wrong bearer token',
    hint: 'Send `Authorization: Bearer <token>` with the token the server was started with.',
    status: 401,
  },
  POOL_TOKEN_REQUIRED: {
    message: 'A TCP control server needs a token',
    hint: 'Pass `token` (a long random string), or listen on a Unix socket instead.',
    status: 400,
  },
  POOL_AUTH_NOT_CONFIGURED: {
    message: '@pool/http was given no token: its control routes would obey anyone who reaches the server',
    hint: 'Pass `token` (a long random string, e.g. `openssl rand -hex 32`), or `auth: false` if your own hooks authenticate the requests or the server listens only on a private Unix socket.',
    status: 500,
  },
  POOL_UNKNOWN_DEPENDENCY: {
    message: 'Job {job} depends on {dependency}, which is not loaded',
    hint: 'Load the jobs it depends on first (a config file is loaded in dependency order), or fix the name in dependsOn ("name" in the same session, or "session.name").',
    status: 400,
  },
  POOL_DEPENDENCY_CYCLE: {
    message: 'Job {job} would close a dependency cycle: {cycle}',
    hint: 'Remove one of the dependsOn entries of that cycle: a job cannot wait, even through others, for itself.',
    status: 400,
  },
  POOL_DEPENDENCY_FAILED: {
    message: 'Job {job} was not started: {dependency}, which it depends on, did not get ready ({detail})',
    hint: 'Look at why {dependency} fails (`pool info {dependency}`, its logs); this job starts once it is ready (start it again).',
    status: 409,
  },
  POOL_HOST_NOT_ALLOWED: {
    message: 'Requests for host {host} are not answered',
    hint: 'Only loopback names, IP addresses and the names in the `allowedHosts` option are answered (a guard against DNS rebinding): add this name there if it is yours.',
    status: 403,
  },
  POOL_ORIGIN_NOT_ALLOWED: {
    message: 'A {method} request from the web origin {origin} is refused',
    hint: 'State-changing requests from a browser must come from the server\'s own origin or one listed in the `allowedOrigins` option.',
    status: 403,
  },
  POOL_INVALID_REQUEST: {
    message: 'Invalid request: {detail}',
    hint: 'Check the request against the API reference (GET /openapi.json).',
    status: 400,
  },
  POOL_BODY_TOO_LARGE: {
    message: 'The request body is larger than {limit} bytes',
    hint: 'Send a smaller body, or raise the server\'s bodyLimit.',
    status: 413,
  },
  POOL_ROUTE_NOT_FOUND: {
    message: 'No route {method} {url}',
    hint: 'See GET /openapi.json for the routes.',
    status: 404,
  },
  POOL_INVALID_CONFIG: {
    message: 'Invalid config in {source}: {detail}',
    hint: 'Fix the value at each path listed (jobConfigSchema describes every key); in a file, the line is given.',
    status: 400,
  },
  POOL_CONFIG_NOT_FOUND: {
    message: 'Config file {file} not found',
    hint: 'Check the path; pool reads pool.config.json, .yaml, .yml, .mjs, .js, PM2 ecosystem files (ecosystem.config.js, .json, .yaml) and Procfile files.',
    status: 404,
  },
  POOL_SCRIPT_NOT_FOUND: {
    message: 'Script {file} not found',
    hint: 'Check the path (from the current directory); a command on PATH is given by its name alone (`pool start ls`).',
    status: 404,
  },
  POOL_CONFIG_PARSE_FAILED: {
    message: 'Could not read {where}: {detail}',
    hint: 'Fix the syntax at the place given (file:line:column), then load the file again.',
    status: 400,
  },
  POOL_CONFIG_UNSUPPORTED: {
    message: 'Cannot tell the format of config file {file}',
    hint: 'Name it *.json, *.yaml, *.yml, *.mjs, *.js or Procfile (Procfile.* too).',
    status: 400,
  },
  POOL_UNKNOWN_JOB: {
    message: 'No job named {name}',
    hint: 'List the loaded jobs with jobs(); a name without a session ("web") means "default.web".',
    status: 404,
  },
  POOL_JOB_EXISTS: {
    message: 'Job {name} is already loaded',
    hint: 'Use update() to replace its config, or unload() it first.',
    status: 409,
  },
  POOL_UNKNOWN_PROCESS: {
    message: 'No process with pid {pid} is managed here',
    hint: 'It may have exited already: list the current pids with pids() or list().',
    status: 404,
  },
  POOL_INVALID_SCALE: {
    message: 'Invalid scale {value} for job {name}: {detail}',
    hint: 'Give a count to set (3 or "3"), "+k" or "-k" to add or remove k processes, or "=k" to set k; k is a whole number (at most {max} in all).',
    status: 400,
  },
  POOL_STDIN_FULL: {
    message: 'Process {pid} of job {name} has not read {pending} bytes of its input yet: {size} more would pass the limit of {limit}',
    hint: 'The process is not reading its stdin (or reads slower than it is sent): send again once it has caught up.',
    status: 503,
  },
  POOL_NO_STDIN: {
    message: 'Process {pid} of job {name} has no stdin to write to',
    hint: 'Set redirectInput: true in the job\'s config and update the job, then send again.',
    status: 409,
  },
  POOL_USAGE: {
    message: '{detail}',
    hint: 'Run `pool help {command}` for its arguments and options.',
    status: 400,
  },
  POOL_DAEMON_RUNNING: {
    message: 'A pool daemon (pid {pid}) already runs on {home}',
    hint: 'Use it (`pool ps`), or stop it first (`pool daemon stop`): two daemons on one POOL_HOME would run every job twice.',
    status: 409,
  },
  POOL_DAEMON_NOT_RUNNING: {
    message: 'The pool daemon is not running (nothing answers on {socket})',
    hint: 'Start it with `pool daemon start`, or load jobs with `pool start <config>`, which starts it.',
    status: 503,
  },
  POOL_DAEMON_UNREACHABLE: {
    message: 'Could not talk to the pool daemon on {socket}: {detail}',
    hint: 'Check it with `pool daemon status` and read {logFile}; restart it with `pool daemon stop` then `pool daemon start`.',
    status: 503,
  },
  POOL_DAEMON_STOP_TIMEOUT: {
    message: 'The pool daemon (pid {pid}) was still running {timeout} ms after SIGTERM',
    hint: 'Its jobs may have long graceful timeouts: wait, or end it with `kill -KILL {pid}` (its processes are ended at its next start).',
    status: 500,
  },
  POOL_HOME_UNUSABLE: {
    message: 'Cannot use {directory} as POOL_HOME: {detail}',
    hint: 'Point POOL_HOME at a directory of yours with a short path (it is created, mode 0700), or unset it for ~/.pool.',
    status: 400,
  },
  POOL_HOME_UNSAFE: {
    message: 'POOL_HOME {directory} is not safe to use: {detail}',
    hint: '{fix} (pool refuses a home that another user could have written to, as ssh refuses such a ~/.ssh).',
    status: 400,
  },
  POOL_NOTHING_SAVED: {
    message: 'No saved job set: {file} does not exist',
    hint: 'Save the jobs the daemon runs with `pool save` first.',
    status: 404,
  },
  POOL_NO_JOBS: {
    message: 'No job is loaded: "all" names nothing to {action}',
    hint: 'Load jobs with `pool start <config|Procfile|script>` (or `pool resurrect`); `pool ps` lists what is loaded.',
    status: 404,
  },
  POOL_INTERNAL_STATE: {
    message: 'Internal error: {subject} cannot go from {from} to {to}',
    hint: 'This is a bug in pool. Please report it with what the process was doing, and the log around it.',
    status: 500,
  },
  POOL_UNEXPECTED: {
    message: 'Unexpected error: {detail}',
    hint: 'This is a bug in pool. Please report it with the command you ran, this output and the details below.',
    status: 500,
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof errorCodes;
