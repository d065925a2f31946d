import { fileURLToPath } from 'node:url';
import { bundled } from '../bundled.js';
import { firstInheritedFd, listenEnv, workerEnv, type SocketDescriptor } from '../protocol.js';
import type { BoundSocket } from '../sockets/shared-sockets.js';

/** The entry point of a worker whose code is a module: the master spawns `node <workerBootstrap>`. */
export const workerBootstrap = fileURLToPath(new URL(bundled ? './worker/bootstrap.js' : '../worker/bootstrap.js', import.meta.url));

export interface WorkerSpawnOptions {
  id: number;
  sockets: readonly BoundSocket[];
  preserveFds?: readonly number[];
  /** A ready worker silent for this long is killed; 0: no heartbeats. */
  workerTimeout: number;
  gracefulTimeout: number;
  /** The worker's module URL; without one, the master's own script runs as the worker (factory mode). */
  module?: string;
}

/**
 * What a process speaking the WorkerBase protocol inherits: the sockets then the preserved descriptors (from
 * fd 3, in this order) and the POOL_* and LISTEN_* variables that describe them. Supervisor and Manager share it.
 */
export function workerSpawn(options: WorkerSpawnOptions): { env: Record<string, string>; fds: number[] } {
  const { id, sockets, preserveFds = [], workerTimeout, gracefulTimeout, module } = options;
  const socketFds = sockets.map((socket) => socket.fd);
  const descriptors = inheritedDescriptors(sockets);
  const preserved = preserveFds.map((_fd, index) => firstInheritedFd + socketFds.length + index);
  // Four heartbeats per timeout window: detection still happens at workerTimeout, and an idle pool sends little.
  const heartbeatInterval = workerTimeout > 0 ? Math.max(20, Math.min(10_000, Math.floor(workerTimeout / 4))) : 0;
  return {
    env: {
      [workerEnv.id]: String(id),
      [workerEnv.heartbeat]: String(heartbeatInterval),
      [workerEnv.shutdownTimeout]: String(Math.min(gracefulTimeout, 1_000)),
      [workerEnv.sockets]: JSON.stringify(descriptors),
      [workerEnv.preservedFds]: preserved.join(','),
      ...(module === undefined ? { [workerEnv.role]: 'worker' } : { [workerEnv.module]: module }),
      ...socketActivationEnv(descriptors),
    },
    fds: [...socketFds, ...preserveFds],
  };
}

/**
 * The master's Node options a worker inherits by default: all but the debugger's (its port would be taken
 * twice) and those that make node run something other than the worker's entry — `-e`/`-p` and their script,
 * `--input-type`, `--test`, `-i`, `-c`. (A master started by `node -e '…'` would otherwise start copies of
 * itself as its workers.)
 */
export function inheritedExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index += 1) {
    const arg = execArgv[index]!;
    if (/^(?:-e|--eval|-p|--print|-pe|-ep|--input-type)$/.test(arg)) index += 1; // and its value
    else if (!/^(?:--(?:inspect|debug)|--(?:eval|print|input-type)=|(?:-i|--interactive|-c|--check|--test)$)/.test(arg)) kept.push(arg);
  }
  return kept;
}

/** The sockets as a child sees them: numbered from fd 3 in order. */
export function inheritedDescriptors(sockets: readonly BoundSocket[]): SocketDescriptor[] {
  return sockets.map(({ close: _close, ...socket }, index) => ({ ...socket, fd: firstInheritedFd + index }));
}

/** systemd's LISTEN_FDS / LISTEN_FDNAMES for sockets inherited from fd 3 (LISTEN_PID is the child's own business). */
export function socketActivationEnv(sockets: readonly { name: string }[]): Record<string, string> {
  if (sockets.length === 0) return {};
  return { [listenEnv.count]: String(sockets.length), [listenEnv.names]: sockets.map((socket) => socket.name).join(':') };
}
