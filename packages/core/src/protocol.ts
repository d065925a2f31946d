/**
 * The protocol between a master (Supervisor or Manager) and a worker speaking the WorkerBase protocol.
 * Messages travel on Node's IPC channel; the worker's identity and resources travel in its environment.
 */

/** Worker → master. */
export type WorkerMessage =
  | { type: 'pool:ready' }
  | { type: 'pool:heartbeat' }
  | { type: 'pool:failed'; phase: 'start' | 'main' | 'shutdown'; error: SerializedError }
  /** How many connections the worker's servers (those given to `listenOn`) hold: see sockets/balance.ts. */
  | { type: 'pool:connections'; count: number };

/** Master → worker. */
export type MasterMessage =
  /** The fair number of connections per worker, for the worker's servers to even out: see sockets/balance.ts. */
  { type: 'pool:balance'; share: number };

/** Daemon child → the process that launched it. */
export type DaemonMessage = { type: 'pool:daemon-up'; pid: number } | { type: 'pool:daemon-failed'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** A socket the master bound and the worker inherits as a file descriptor. */
export interface SocketDescriptor {
  name: string;
  fd: number;
  host?: string;
  port?: number;
  path?: string;
}

/** Environment variables a master sets for each worker. Read once, then removed from `process.env`. */
export const workerEnv = {
  id: 'POOL_WORKER_ID',
  role: 'POOL_ROLE',
  module: 'POOL_WORKER_MODULE',
  heartbeat: 'POOL_HEARTBEAT_INTERVAL',
  sockets: 'POOL_SOCKETS',
  shutdownTimeout: 'POOL_SHUTDOWN_TIMEOUT',
  preservedFds: 'POOL_PRESERVED_FDS',
} as const;

/** systemd's socket-activation convention, understood by any program: fds from 3, named. */
export const listenEnv = { count: 'LISTEN_FDS', names: 'LISTEN_FDNAMES', pid: 'LISTEN_PID' } as const;

export const firstInheritedFd = 3;

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.startsWith('pool:')
  );
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}
