import { claimPidFile as claim, livePid, readPidFile, removePidFile } from '@pool/core/internal';
import { commandLineOf } from './processes.js';

export { readPidFile as readPid, removePidFile as releasePidFile };

/** A pid that now names some other program (a reused pid) is not our daemon. */
const isDaemon = (pid: number) => {
  const commandLine = commandLineOf(pid);
  return commandLine === undefined || commandLine.includes('daemon');
};

/** The pid of the daemon the file names, if that process still runs (and is a pool daemon, not a reused pid). */
export function runningDaemonPid(pidFile: string): number | undefined {
  return livePid(pidFile, isDaemon);
}

/** Claims the file for this daemon; returns the pid of the running daemon that holds it instead, if one does. */
export function claimPidFile(pidFile: string): number | undefined {
  return claim(pidFile, isDaemon);
}
