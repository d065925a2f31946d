import type { ChildExit } from '../child/child-handler.js';
import type { RestartPolicy } from '../config/schema.js';
import type { ManagerExitReason } from './events.js';
import type { LastExit } from './info.js';

export function exitReason(exit: ChildExit, timedOut: boolean): ManagerExitReason {
  if (timedOut || exit.error?.code === 'POOL_START_TIMEOUT') return 'timeout';
  if (exit.requested) return 'stopped';
  if (!exit.wasReady) return 'failed-start';
  return exit.code === 0 ? 'exited' : 'crashed';
}

/** Whether a process that ended on its own (not stopped by the manager) is started again. */
export function shouldRestart(policy: RestartPolicy, reason: ManagerExitReason): boolean {
  if (policy === 'never') return false;
  return policy === 'always' || reason !== 'exited';
}

/** A run that counts for back-off and flapping: it never got ready, hung, or ended too soon. */
export function isFailure(exit: ChildExit, reason: ManagerExitReason, minUptime: number): boolean {
  return reason === 'failed-start' || reason === 'timeout' || exit.uptime < minUptime;
}

export function lastExitOf(exit: ChildExit, reason: ManagerExitReason): LastExit {
  return { code: exit.code, signal: exit.signal, reason, uptime: exit.uptime, ...(exit.error ? { error: exit.error } : {}) };
}
