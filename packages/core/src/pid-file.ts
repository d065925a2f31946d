import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { poolError } from './errors/index.js';
import { isAlive, startedAt } from './proc.js';

/** The pid a pid file names, if it holds one. */
export function readPidFile(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// `startedAt` derives from the boot time, which moves when the clock is stepped (NTP): a step forward after
// the write must not make the writer look younger than its file. A pid reused within this long of the
// writer's death (and passing `isHolder`) would be taken for it: the lesser risk.
const clockSlack = 60_000;

/**
 * The pid of the live process the file names, other than this one, if that process is the one that wrote it:
 * a process that started after the file was last written is a reuse of the pid by another program (the file
 * keeps the one-pid format that `kill $(cat file)` expects, so its mtime is the proof). `isHolder` can refuse
 * more (the daemon checks the command line).
 */
export function livePid(pidFile: string, isHolder: (pid: number) => boolean = () => true): number | undefined {
  const pid = readPidFile(pidFile);
  if (pid === undefined || pid === process.pid || !isAlive(pid)) return undefined;
  let written: number;
  try {
    written = statSync(pidFile).mtimeMs;
  } catch {
    return undefined;
  }
  const started = startedAt(pid);
  if (started !== undefined && started > written + clockSlack) return undefined;
  return isHolder(pid) ? pid : undefined;
}

/** Refuses when the file names a live process; a stale one will be replaced. */
export function checkPidFile(pidFile: string, isHolder?: (pid: number) => boolean): void {
  const pid = livePid(pidFile, isHolder);
  if (pid !== undefined) throw poolError('POOL_PID_FILE_LOCKED', { pidFile, pid });
}

/**
 * Writes this process's pid: the complete file is linked into place, which fails if one exists, so two
 * processes starting at once cannot both win and nobody reads a half-written file. Returns the pid of the
 * live holder instead, if there is one; a file left by a dead process is replaced.
 */
export function claimPidFile(pidFile: string, isHolder?: (pid: number) => boolean): number | undefined {
  const draft = `${pidFile}.${process.pid}.tmp`;
  try {
    writeFileSync(draft, `${process.pid}\n`, { mode: 0o644 });
  } catch (error) {
    throw poolError('POOL_PID_FILE_FAILED', { pidFile, detail: (error as Error).message }, error);
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, pidFile);
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw poolError('POOL_PID_FILE_FAILED', { pidFile, detail: (error as Error).message }, error);
      }
      if (readPidFile(pidFile) === process.pid) return undefined;
      const holder = livePid(pidFile, isHolder);
      if (holder !== undefined) return holder;
      rmSync(pidFile, { force: true });
    }
    return livePid(pidFile, isHolder) ?? readPidFile(pidFile);
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Claims the file, or throws POOL_PID_FILE_LOCKED naming the live holder. */
export function writePidFile(pidFile: string): void {
  const holder = claimPidFile(pidFile);
  if (holder !== undefined) throw poolError('POOL_PID_FILE_LOCKED', { pidFile, pid: holder });
}

/** Removes the file if it still names this process. */
export function removePidFile(pidFile: string): void {
  if (readPidFile(pidFile) === process.pid) rmSync(pidFile, { force: true });
}
