import { chmodSync, lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliError } from './errors/cli-error.js';

/** The daemon's files, all under `$POOL_HOME` (default `~/.pool`). */
export interface PoolHome {
  directory: string;
  socket: string;
  pidFile: string;
  logFile: string;
  /** The job set the daemon runs, rewritten at every change: what a restarted daemon brings back. */
  stateFile: string;
  /** What `pool save` saved and `pool resurrect` loads. */
  dumpFile: string;
  /** The jobs' output, one file per job. */
  logsDirectory: string;
}

export function poolHome(env: NodeJS.ProcessEnv = process.env): PoolHome {
  const directory = resolve(env.POOL_HOME && env.POOL_HOME !== '' ? env.POOL_HOME : join(homedir(), '.pool'));
  return {
    directory,
    socket: join(directory, 'pool.sock'),
    pidFile: join(directory, 'pool.pid'),
    logFile: join(directory, 'pool.log'),
    stateFile: join(directory, 'state.json'),
    dumpFile: join(directory, 'dump.json'),
    logsDirectory: join(directory, 'logs'),
  };
}

// sun_path holds 108 bytes with the final NUL; Node truncates a longer path silently and would listen elsewhere.
const socketPathLimit = 107;

/** A socket path the kernel cannot hold would be cut short, silently: refuse such a POOL_HOME. */
export function checkSocketPath(home: PoolHome): void {
  const length = Buffer.byteLength(home.socket);
  if (length > socketPathLimit) {
    throw cliError('POOL_HOME_UNUSABLE', {
      directory: home.directory,
      detail: `its socket path ${home.socket} is ${length} bytes long, past the ${socketPathLimit} bytes a Unix socket path may have`,
    });
  }
}

/**
 * Creates the directory private to its user (0700), and tightens an existing one that others may only read.
 * Refuses, as ssh does for ~/.ssh, a directory of another user's or one others may write to: whoever can
 * write there can plant the job set the daemon runs, a symbolic link its log is appended through, or a socket
 * that receives every job's config and secrets.
 */
export function ensureHome(home: PoolHome): void {
  checkSocketPath(home);
  let stat: Stats;
  try {
    mkdirSync(home.directory, { recursive: true, mode: 0o700 });
    stat = statSync(home.directory);
    if (!stat.isDirectory()) throw new Error('it is not a directory');
  } catch (error) {
    throw cliError('POOL_HOME_UNUSABLE', { directory: home.directory, detail: (error as Error).message }, error);
  }
  checkHome(home, stat);
  if ((stat.mode & 0o077) !== 0) chmodSync(home.directory, 0o700);
}

/**
 * What `ensureHome` refuses, for commands that only talk to the daemon: a home of another user's or writable
 * by others, a socket file that is not this user's socket. Two stat calls; nothing is created.
 */
export function checkHome(home: PoolHome, directory?: Stats): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const unsafe = (detail: string, fix: string) => cliError('POOL_HOME_UNSAFE', { directory: home.directory, detail, fix });
  let stat = directory;
  if (!stat) {
    try {
      stat = statSync(home.directory);
    } catch {
      return; // Not created yet: nothing in it to trust or distrust.
    }
  }
  if (stat.uid !== uid) {
    throw unsafe(`it belongs to uid ${stat.uid}, not to you (uid ${uid})`, `Use a directory of your own: unset POOL_HOME for ~/.pool, or point it elsewhere.`);
  }
  if ((stat.mode & 0o022) !== 0) {
    throw unsafe(
      `others may write to it (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}), so its files may have been planted`,
      `Check its files, then make it private: chmod 700 ${home.directory}`,
    );
  }
  for (const [name, path] of [
    ['logs directory', home.logsDirectory],
    ['socket', home.socket],
  ] as const) {
    let entry: Stats;
    try {
      entry = lstatSync(path);
    } catch {
      continue;
    }
    if (entry.uid !== uid) throw unsafe(`its ${name} ${path} is not yours (uid ${entry.uid})`, `Remove ${path} if you did not make it, and look at who could.`);
    if ((entry.mode & 0o022) !== 0) throw unsafe(`others may write to its ${name} ${path}`, `chmod go-w ${path}`);
  }
}
