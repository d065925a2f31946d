import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { commandLineOf, isAlive } from './processes.js';

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the daemon the file names, if that process still runs (and is a pool daemon, not a reused pid). */
export function runningDaemonPid(pidFile: string): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined || pid === process.pid || !isAlive(pid)) return undefined;
  const commandLine = commandLineOf(pid);
  return commandLine === undefined || commandLine.includes('daemon') ? pid : undefined;
}

/**
 * Writes our pid: the complete file is linked into place, which fails if one exists, so two daemons starting at
 * once cannot both win and nobody reads a half-written file. Returns the pid of the daemon that holds the file
 * instead, if one does; a file left by a dead daemon is replaced.
 */
export function claimPidFile(pidFile: string): number | undefined {
  const draft = `${pidFile}.${process.pid}.tmp`;
  writeFileSync(draft, `${process.pid}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, pidFile);
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = runningDaemonPid(pidFile);
      if (holder !== undefined) return holder;
      rmSync(pidFile, { force: true });
    }
    return runningDaemonPid(pidFile) ?? readPid(pidFile);
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Removes the file if it still names this process. */
export function releasePidFile(pidFile: string): void {
  if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
}
