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
    hint: 'Use a number of milliseconds or a string such as "500ms", "15s", "2m" or "1h".',
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
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof errorCodes;
