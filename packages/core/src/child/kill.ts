export { isAlive } from '../proc.js';

/** Sends a signal to a process, or to its whole process group; false when there was nobody to signal. */
export function sendSignal(pid: number, signal: NodeJS.Signals | 0, target: 'process' | 'group' = 'process'): boolean {
  try {
    process.kill(target === 'group' ? -pid : pid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}
