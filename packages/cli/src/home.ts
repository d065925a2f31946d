import { chmodSync, mkdirSync, statSync } from 'node:fs';
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

/** Creates the directory private to its user (0700), and tightens an existing one that is not. */
export function ensureHome(home: PoolHome): void {
  checkSocketPath(home);
  try {
    mkdirSync(home.directory, { recursive: true, mode: 0o700 });
    const stat = statSync(home.directory);
    if (!stat.isDirectory()) throw new Error('it is not a directory');
    if (stat.uid === process.getuid?.() && (stat.mode & 0o077) !== 0) chmodSync(home.directory, 0o700);
  } catch (error) {
    throw cliError('POOL_HOME_UNUSABLE', { directory: home.directory, detail: (error as Error).message }, error);
  }
}
