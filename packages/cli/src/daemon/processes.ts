import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] is the state. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Running, and not a zombie waiting for its parent to reap it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const fields = statFields(pid);
  return fields === undefined ? process.platform !== 'linux' : fields[0] !== 'Z';
}

/**
 * When the process started, in clock ticks after boot (Linux): with the pid, it names one process for good,
 * so a pid that was reused since is never mistaken for it.
 */
export function startTimeOf(pid: number): number | undefined {
  const value = statFields(pid)?.[19];
  return value === undefined ? undefined : Number(value);
}

export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
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
