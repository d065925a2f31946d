import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaemonClient } from '../client.js';
import type { Output } from '../format/output.js';
import { cliError } from '../errors/cli-error.js';
import { ensureHome, type PoolHome } from '../home.js';
import { daemonPid, runningDaemonPid } from './pid-file.js';

const startTimeout = 60_000;
const binPath = fileURLToPath(new URL('../bin.js', import.meta.url));

export interface DaemonStart {
  pid: number | undefined;
  /** False when it was running already. */
  started: boolean;
}

/**
 * Starts the daemon unless it answers already: a detached copy of this program (a new session, output to
 * pool.log), and returns once its socket answers `/healthz`. A daemon that exits instead, or never answers,
 * is reported with the end of its log.
 */
export async function ensureDaemon(home: PoolHome, output: Output): Promise<DaemonStart> {
  const client = new DaemonClient(home);
  if (await client.healthy()) return { pid: await daemonPid(home), started: false };
  ensureHome(home);
  const logOffset = sizeOf(home.logFile);
  const log = openLog(home);
  const child = spawn(process.execPath, [binPath, 'daemon', 'start', '--foreground'], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: home.directory,
    env: { ...process.env, POOL_HOME: home.directory },
  });
  closeSync(log);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `it was killed by ${signal}` : `it exited with code ${code}`));
  child.once('error', (error) => (exit = error.message));
  child.unref();

  const spinner = output.spinner('Starting the pool daemon…');
  try {
    const deadline = Date.now() + startTimeout;
    for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
      if (await client.healthy(2_000)) return { pid: (await daemonPid(home)) ?? child.pid, started: true };
      // Another `pool` may have started one at the same time (ours then exits): that daemon serves us as well.
      const other = runningDaemonPid(home.pidFile);
      if (exit !== undefined && (other === undefined || other === child.pid)) break;
      if (Date.now() > deadline) {
        exit = `its socket did not answer within ${startTimeout / 1000} s`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  } finally {
    spinner.stop();
  }
  const { poolError } = await import('@pool/core');
  const tail = logTail(home.logFile, logOffset);
  throw poolError('POOL_DAEMON_START_FAILED', { detail: tail ? `${exit}; the end of its log:\n${tail}` : exit, logFile: home.logFile });
}

/** pool.log, appended to: never through a symbolic link, never a file of another user's. */
function openLog(home: PoolHome): number {
  let fd: number;
  try {
    fd = openSync(home.logFile, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const loop = (error as NodeJS.ErrnoException).code === 'ELOOP';
    throw cliError(loop ? 'POOL_HOME_UNSAFE' : 'POOL_HOME_UNUSABLE', {
      directory: home.directory,
      detail: loop ? `its log ${home.logFile} is a symbolic link` : `cannot open ${home.logFile}: ${(error as Error).message}`,
      fix: `Remove ${home.logFile} if you did not make it, and look at who could.`,
    }, error);
  }
  const stat = fstatSync(fd);
  if (stat.uid !== process.getuid?.() || !stat.isFile()) {
    closeSync(fd);
    throw cliError('POOL_HOME_UNSAFE', { directory: home.directory, detail: `its log ${home.logFile} is not a file of yours (uid ${stat.uid})`, fix: `Remove ${home.logFile} if you did not make it, and look at who could.` });
  }
  return fd;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last lines written to the log since `offset`. */
function logTail(file: string, offset: number, lines = 15): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const length = Math.min(sizeOf(file) - offset, 64 * 1024);
      if (length <= 0) return '';
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, sizeOf(file) - length);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).map((line) => `  ${line}`).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}
