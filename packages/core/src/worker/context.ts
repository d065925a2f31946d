import { listenEnv, workerEnv, type SocketDescriptor } from '../protocol.js';

export interface WorkerContext {
  /** True when this process was started by a pool master. */
  readonly inPool: boolean;
  /** True when the master runs this same script as the worker (factory mode). */
  readonly sameScript: boolean;
  readonly id: number;
  readonly module: string | undefined;
  readonly heartbeatInterval: number;
  readonly shutdownTimeout: number;
  readonly sockets: Readonly<Record<string, SocketDescriptor>>;
  /** The master's `preserveFds`, as numbered in this process. */
  readonly preservedFds: readonly number[];
}

// Kept on globalThis so that two copies of @pool/core in one worker agree on it.
const key = Symbol.for('pool.worker-context');
type Holder = { [key]?: WorkerContext };

/**
 * What the master told this worker, read once from the environment. The POOL_* variables are then removed,
 * so that a pool started inside a worker, or a grandchild, does not mistake itself for a worker.
 */
export function workerContext(): WorkerContext {
  const holder = globalThis as Holder;
  holder[key] ??= readContext(process.env);
  return holder[key];
}

function readContext(env: NodeJS.ProcessEnv): WorkerContext {
  const id = env[workerEnv.id];
  const sockets: Record<string, SocketDescriptor> = {};
  for (const socket of parseSockets(env[workerEnv.sockets])) sockets[socket.name] = socket;
  const context: WorkerContext = {
    inPool: id !== undefined,
    sameScript: env[workerEnv.role] === 'worker',
    id: id === undefined ? 0 : Number(id),
    module: env[workerEnv.module],
    heartbeatInterval: Number(env[workerEnv.heartbeat] ?? 0),
    shutdownTimeout: Number(env[workerEnv.shutdownTimeout] ?? 1000),
    sockets,
    preservedFds: (env[workerEnv.preservedFds] ?? '').split(',').filter(Boolean).map(Number),
  };
  for (const name of Object.values(workerEnv)) delete env[name];
  if (context.inPool) for (const name of Object.values(listenEnv)) delete env[name];
  return context;
}

function parseSockets(raw: string | undefined): SocketDescriptor[] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as SocketDescriptor[]) : [];
  } catch {
    return [];
  }
}
