/**
 * `@pool/core/internal`: the plumbing pool's own packages share (line framing, back-pressure, sockets,
 * signalling, the Keeper and its policy). Unstable: it may change in any release, with no deprecation. Build
 * on `@pool/core` instead; if you need something from here, open an issue saying what for.
 */
export { sendSignal, isAlive } from './child/kill.js';
export { groupReaper } from './child/reaper.js';
export { cgroups, type ContainmentMode } from './child/cgroup.js';
export { orphans, type OrphanLogger, type OrphanMode } from './child/orphans.js';
export { whenPipesClosed } from './child/pipes.js';
export { LineFramer, pipeLines, whenDrained, writeWithBackpressure, type LineFramerOptions } from './output/lines.js';
export { bindSocket, bindSockets, type BoundSocket, type SocketOptions } from './sockets/shared-sockets.js';
export { backoffDelay, defaultBackoff, type BackoffOptions } from './keeper/backoff.js';
export { defaultFlapping, FlappingDetector, FlappingGuard, type FlappingOptions, type FlappingVerdict } from './keeper/flapping.js';
export { exitReason, isFailure, lastExitOf, shouldRestart } from './keeper/policy.js';
export { Keeper, type CommitOverrides, type KeeperOptions } from './keeper/keeper.js';
export { OrderQueue, abortable } from './keeper/orders.js';
export { ConnectionBalancer } from './keeper/balancer.js';
export { instantiateWorker, type WorkerFactory } from './worker/load.js';
export { commandLineOf, readProcessStat, type ProcessStat } from './proc.js';
export { checkPidFile, claimPidFile, livePid, readPidFile, removePidFile, writePidFile } from './pid-file.js';
export type { KeeperEvent } from './events.js';
export { wantsColors } from './colors.js';
