import type { ChildExit } from '../child/child-handler.js';
import type { RestartPolicy } from '../config/schema.js';
import type { ExitReason } from '../events.js';
import type { LastExit } from '../manager/info.js';

/**
 * Why a process exited, as its Keeper saw it. A kill for a missed heartbeat or a start timeout is `timeout`
 * even though the Keeper itself stopped it; then a requested stop; then a start that never got ready; a clean
 * exit (code 0) on its own is `exited`, anything else `crashed`.
 */
export function exitReason(exit: ChildExit, timedOut: boolean): ExitReason {
  if (timedOut || isStartTimeout(exit)) return 'timeout';
  if (exit.requested) return 'stopped';
  if (!exit.wasReady) return 'failed-start';
  return exit.code === 0 ? 'exited' : 'crashed';
}

/** The start took too long: not ready within its start timeout, or its readiness probe never passed. */
export function isStartTimeout(exit: ChildExit): boolean {
  return exit.error?.code === 'POOL_START_TIMEOUT' || exit.error?.code === 'POOL_NOT_READY';
}

/** Whether a process that ended on its own (not stopped by its Keeper) is started again. */
export function shouldRestart(policy: RestartPolicy, reason: ExitReason): boolean {
  if (policy === 'never') return false;
  return policy === 'always' || reason !== 'exited';
}

/** A run that counts for back-off and flapping: it never got ready, hung, failed its liveness probe, broke its channel, or ended sooner than `minUptime`. */
export function isFailure(exit: ChildExit, reason: ExitReason, minUptime: number): boolean {
  return reason === 'failed-start' || reason === 'timeout' || reason === 'liveness' || reason === 'fault' || exit.uptime < minUptime;
}

export function lastExitOf(exit: ChildExit, reason: ExitReason): LastExit {
  return { code: exit.code, signal: exit.signal, reason, uptime: exit.uptime, ...(exit.error ? { error: exit.error } : {}) };
}
