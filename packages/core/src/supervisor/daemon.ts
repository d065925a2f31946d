import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { poolError } from '../errors/index.js';
import type { DaemonMessage } from '../protocol.js';
import { serializeError } from '../protocol.js';
import { checkPidFile } from '../pid-file.js';

const daemonEnv = 'POOL_DAEMON_CHILD';

/** True (once) in the detached copy of the program that `daemonize` started. */
export function takeDaemonRole(): boolean {
  const isChild = process.env[daemonEnv] === '1';
  delete process.env[daemonEnv];
  return isChild;
}

/**
 * Node cannot fork: the program starts a detached copy of itself (new session, output to the log file) and
 * waits until that copy reports the pool up, or fails.
 */
export async function daemonize(options: { pidFile: string | undefined; logFile: string | undefined }): Promise<number> {
  if (options.pidFile) checkPidFile(options.pidFile);
  const logFile = options.logFile ?? '/dev/null';
  const output = openSync(logFile, 'a', 0o640);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', output, output, 'ipc'],
    env: { ...process.env, [daemonEnv]: '1' },
  });
  closeSync(output);
  const outcome = await new Promise<DaemonMessage | { type: 'exit'; code: number | null }>((resolve) => {
    child.on('message', (message: DaemonMessage) => resolve(message));
    child.once('exit', (code) => resolve({ type: 'exit', code }));
    child.once('error', (error) => resolve({ type: 'pool:daemon-failed', error: serializeError(error) }));
  });
  child.removeAllListeners();
  if (child.connected) child.disconnect();
  child.unref();
  if (outcome.type === 'pool:daemon-up') return outcome.pid;
  const detail = outcome.type === 'exit' ? `it exited with code ${outcome.code}` : outcome.error.message;
  throw poolError('POOL_DAEMON_START_FAILED', { detail, logFile });
}

export function reportToLauncher(message: DaemonMessage): void {
  if (!process.connected) return;
  process.send?.(message, () => process.disconnect());
}
