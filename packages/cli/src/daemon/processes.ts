import { isAlive, readProcessStat } from '@pool/core/internal';

export { commandLineOf, isAlive } from '@pool/core/internal';

/**
 * When the process started, in clock ticks after boot (Linux): with the pid, it names one process for good,
 * so a pid that was reused since is never mistaken for it.
 */
export function startTimeOf(pid: number): number | undefined {
  return readProcessStat(pid)?.startTime;
}

/** Resolves true once `pid` is gone, false after `timeout` ms. Polls: a process that is not our child has no exit event. */
export async function waitForExit(pid: number, timeout: number, interval = 50): Promise<boolean> {
  const deadline = Date.now() + timeout;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  return true;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
