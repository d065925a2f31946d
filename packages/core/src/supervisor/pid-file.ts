import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isAlive } from '../child/kill.js';
import { poolError } from '../errors/index.js';

/** The pid of a live process named by the file, if any. */
export function livePid(pidFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

/** Refuses when the file names a live process; replaces a stale one. */
export function checkPidFile(pidFile: string): void {
  const pid = livePid(pidFile);
  if (pid !== undefined) throw poolError('POOL_PID_FILE_LOCKED', { pidFile, pid });
}

export function writePidFile(pidFile: string, pid = process.pid): void {
  checkPidFile(pidFile);
  rmSync(pidFile, { force: true });
  let fd: number;
  try {
    fd = openSync(pidFile, 'wx', 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw poolError('POOL_PID_FILE_LOCKED', { pidFile, pid: livePid(pidFile) ?? 'unknown' });
    throw poolError('POOL_PID_FILE_FAILED', { pidFile, detail: (error as Error).message }, error);
  }
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Removes the file if it still names this process. */
export function removePidFile(pidFile: string, pid = process.pid): void {
  try {
    if (Number.parseInt(readFileSync(pidFile, 'utf8'), 10) === pid) rmSync(pidFile, { force: true });
  } catch {
    // Already gone.
  }
}
