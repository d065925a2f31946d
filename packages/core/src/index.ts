export { ChildHandler } from './child/child-handler.js';
export type { ProbeConfig } from './child/probes.js';
export type { ChildExit, ChildHandlerEvents, ChildHandlerOptions, ChildState, StopOptions } from './child/child-handler.js';
export { toMilliseconds, type Duration } from './duration.js';
export { toBytes, type Size } from './size.js';
export { errorCodes, isPoolError, PoolError, poolError } from './errors/index.js';
export type { ErrorCode, ErrorContext, ErrorDefinition } from './errors/index.js';
export type * from './events.js';
export type { BackoffOptions } from './keeper/backoff.js';
export type { FlappingOptions } from './keeper/flapping.js';
export type { SocketOptions } from './sockets/shared-sockets.js';
export type { WorkerFactory } from './worker/load.js';
export type { Logger } from './logger.js';
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
export { handleSignals, samePressWithin, toSignal, type SignalHandling, type SignalOptions, type SignalTarget } from './signals.js';
export { drainServer, listenOn, type ListenOnOptions } from './sockets/listen.js';
export type { SupervisorConfig, SupervisorOptions } from './supervisor/options.js';
export { Supervisor, type SupervisorState, type SupervisorStopOptions, type WorkerInfo } from './supervisor/supervisor.js';
export { workerContext, type WorkerContext } from './worker/context.js';
export { WorkerBase, type WorkerCallback } from './worker/worker-base.js';
export { configFileSchema, jobConfigSchema } from './config/schema.js';
export type { BackoffConfig, ConfigFile, FlappingConfig, JobConfig, JobLogs, RestartPolicy, WorkerConfig } from './config/schema.js';
export { checkJobConfig, validateConfigFile, validateJobConfig, type ConfigProblem } from './config/validate.js';
export { loadConfigFile, loadConfigText, type ConfigFormat, type LoadConfigOptions, type LoadConfigTextOptions } from './config/load.js';
export { configYaml } from './config/export.js';
export { parseProcfile, type ProcfileOptions } from './config/loaders/procfile.js';
export { commandFor, ecosystemFileSchema, splitArgs, type ConfigWarning, type EcosystemOptions } from './config/loaders/ecosystem.js';
export { Manager, type CommitOptions, type LoadOptions, type ManagerState } from './manager/manager.js';
export type { ManagerConfig, ManagerOptions } from './manager/options.js';
export type * from './manager/events.js';
export type { JobInfo, LastExit, ProcessInfo, ProcessState } from './manager/info.js';
export type { JobStats, ProcessStats } from './manager/stats.js';
export type { MonitorListener, MonitorTarget } from './manager/monitor.js';
export { compilePattern, Subscription, type SubscribeOptions } from './manager/topics.js';
export { scaleTarget, type ScaleValue } from './manager/scale.js';
export { topicsOf } from './manager/events.js';
