import { claimPidFile as claim, livePid, removePidFile } from '@pool/core/internal';
import { lockHolder } from './lock.js';
import { commandLineOf } from './processes.js';

export { removePidFile as releasePidFile };

/** A pid that now names some other program (a reused pid) is not our daemon. */
const isDaemon = (pid: number) => {
  const commandLine = commandLineOf(pid);
  return commandLine === undefined || commandLine.includes('daemon');
};

/** The pid of the daemon the file names, if that process still runs (and is a pool daemon, not a reused pid). */
export function runningDaemonPid(pidFile: string): number | undefined {
  return livePid(pidFile, isDaemon);
}

/**
 * The running daemon's pid: the pid file's, or — when that file was removed — the holder of the home's lock.
 */
export async function daemonPid(home: { pidFile: string; directory: string }): Promise<number | undefined> {
  return runningDaemonPid(home.pidFile) ?? (await lockHolder(home.directory));
}

/** Claims the file for this daemon; returns the pid of the running daemon that holds it instead, if one does. */
export function claimPidFile(pidFile: string): number | undefined {
  return claim(pidFile, isDaemon);
}
