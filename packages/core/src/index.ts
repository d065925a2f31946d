export { ChildHandler } from './child/child-handler.js';
export type { ChildExit, ChildHandlerEvents, ChildHandlerOptions, ChildState, StopOptions } from './child/child-handler.js';
export { isAlive, sendSignal } from './child/kill.js';
export { toMilliseconds, type Duration } from './duration.js';
export { errorCodes, isPoolError, PoolError, poolError } from './errors/index.js';
export type { ErrorCode, ErrorContext, ErrorDefinition } from './errors/index.js';
export type * from './events.js';
export type { Logger } from './logger.js';
export { LineFramer, pipeLines, whenDrained, writeWithBackpressure, type LineFramerOptions } from './output/lines.js';
export {
  defineOutputTarget,
  isOutputTarget,
  masterStreamTarget,
  OUTPUT_TARGET,
  toOutputTarget,
  writableTarget,
  type OutputOption,
  type OutputSource,
  type OutputTarget,
} from './output/target.js';
export type { SocketDescriptor, WorkerMessage } from './protocol.js';
export { toSignal } from './signals.js';
export { listenOn } from './sockets/listen.js';
export { bindSocket, bindSockets, type BoundSocket, type SocketOptions } from './sockets/shared-sockets.js';
export { backoffDelay, defaultBackoff, type BackoffOptions } from './supervisor/backoff.js';
export { defaultFlapping, FlappingDetector, type FlappingOptions, type FlappingVerdict } from './supervisor/flapping.js';
export type { SupervisorConfig, SupervisorOptions } from './supervisor/options.js';
export { Supervisor, type SupervisorState, type WorkerInfo } from './supervisor/supervisor.js';
export { workerContext, type WorkerContext } from './worker/context.js';
export { instantiateWorker, type WorkerFactory } from './worker/load.js';
export { WorkerBase, type WorkerCallback } from './worker/worker-base.js';
