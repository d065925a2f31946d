import { cliError } from '../errors/cli-error.js';
import type { PoolHome } from '../home.js';
import { daemonPid } from './pid-file.js';
import { waitForExit } from './processes.js';

export const defaultStopTimeout = 120_000;

/**
 * SIGTERM to the daemon (named by the pid file, or holding the home's lock), then waits until it is gone (it stops every job first, each
 * within its graceful timeout). Resolves with its pid, or undefined when no daemon was running.
 */
export async function stopDaemon(home: PoolHome, timeout = defaultStopTimeout): Promise<number | undefined> {
  const pid = await daemonPid(home);
  if (pid === undefined) return undefined;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw error;
  }
  if (!(await waitForExit(pid, timeout))) throw cliError('POOL_DAEMON_STOP_TIMEOUT', { pid, timeout });
  return pid;
}
