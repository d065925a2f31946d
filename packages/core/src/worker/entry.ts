// `@pool/core/worker`: what a worker module needs, and nothing else (a worker pays for every module it loads).
export { WorkerBase, type WorkerCallback } from './worker-base.js';
export { workerContext, type WorkerContext } from './context.js';
export { drainServer, listenOn, type ListenOnOptions } from '../sockets/listen.js';
export type { SocketDescriptor } from '../protocol.js';
