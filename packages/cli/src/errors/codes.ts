import { errorCodes } from '@pool/core/errors';

const cliCodes = [
  'POOL_USAGE',
  'POOL_DAEMON_NOT_RUNNING',
  'POOL_DAEMON_RUNNING',
  'POOL_DAEMON_UNREACHABLE',
  'POOL_DAEMON_STOP_TIMEOUT',
  'POOL_HOME_UNUSABLE',
  'POOL_HOME_UNSAFE',
  'POOL_NOTHING_SAVED',
  'POOL_NO_JOBS',
  'POOL_UNEXPECTED',
] as const;

/**
 * The codes only the CLI raises. They live in @pool/core's one registry (and docs/errors.md); the light
 * `@pool/core/errors` entry keeps the client commands from loading the rest of core at start-up.
 */
export const cliErrorCodes = Object.fromEntries(cliCodes.map((code) => [code, errorCodes[code]])) as {
  [Code in (typeof cliCodes)[number]]: (typeof errorCodes)[Code];
};

export type CliErrorCode = keyof typeof cliErrorCodes;

/**
 * Codes of @pool/core whose library hint names API calls (`jobs()`, `update()`): on the command line the hint
 * names the command to run instead.
 */
export const commandLineHints: Record<string, string> = {
  POOL_UNKNOWN_JOB: 'List the jobs with `pool ps`; a name without a session ("web") means "default.web".',
  POOL_JOB_EXISTS: 'Restart it with `pool restart <job>`, or remove it with `pool unload <job>` and start it again.',
  POOL_UNKNOWN_PROCESS: 'It may have exited already: list the current pids with `pool ps`.',
  POOL_NO_STDIN: 'Set "redirectInput": true in the job\'s config, then `pool unload` the job and `pool start` it again.',
  POOL_PID_FILE_LOCKED: 'Another pool daemon uses this POOL_HOME: stop it with `pool daemon stop`, or set POOL_HOME to another directory.',
};

/** Codes that mean the command line itself was wrong: exit code 2. */
export const usageCodes: ReadonlySet<string> = new Set(['POOL_USAGE', 'POOL_INVALID_SCALE', 'POOL_INVALID_SIGNAL']);
