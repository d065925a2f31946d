import type { ChildHandlerOptions } from '../child/child-handler.js';
import type { ClusterListeners } from '../child/cluster.js';
import { probeOptions } from '../keeper/policies.js';
import type { ResolvedCommand, ResolvedJob } from '../config/resolve.js';
import type { OutputTarget } from '../output/target.js';
import type { BoundSocket } from '../sockets/shared-sockets.js';
import { inheritedDescriptors, socketActivationEnv, workerBootstrap, workerSpawn } from '../supervisor/worker-spawn.js';

export interface SpawnContext {
  job: ResolvedJob;
  /** `session.name`, for output records and errors. */
  label: string;
  id: number;
  sockets: readonly BoundSocket[];
  /** A job in cluster mode: the listening sockets its processes share. */
  cluster?: ClusterListeners;
  /** The manager's environment: `process.env` with the manager's `env` over it. */
  baseEnv: NodeJS.ProcessEnv;
  stdout: OutputTarget | null;
  stderr: OutputTarget | null;
  /** A one-off process's own additions (`commit(name, { env })`). */
  env?: Record<string, string>;
  gracefulTimeout?: number;
}

// systemd's sd_listen_fds() ignores LISTEN_FDS unless LISTEN_PID is the process's own pid, which is not known
// before the spawn: a shell sets it to its own pid, then `exec` keeps that pid for the real program.
const setListenPid = 'export LISTEN_PID=$$; ';

export function childOptions(context: SpawnContext): ChildHandlerOptions {
  const { job, id, sockets } = context;
  const gracefulTimeout = context.gracefulTimeout ?? job.gracefulTimeout;
  const env: NodeJS.ProcessEnv = {
    ...(job.cleanEnv ? {} : context.baseEnv),
    ...job.env,
    ...(job.port === undefined ? {} : { PORT: String(job.port + id) }),
    // Its number in the job, under PM2's name too (what `pm2 start -i` apps read).
    POOL_WORKER_ID: String(id),
    NODE_APP_INSTANCE: String(id),
    ...context.env,
  };
  const common: ChildHandlerOptions = {
    command: '',
    cwd: job.cwd,
    job: context.label,
    id,
    stdin: job.redirectInput ? 'pipe' : 'ignore',
    stdout: job.redirectOutput.stdout ? context.stdout : null,
    stderr: job.redirectOutput.stderr ? context.stderr : null,
    stopSignal: job.stopSignal,
    ...(job.stopMessage === undefined ? {} : { stopMessage: job.stopMessage }),
    gracefulTimeout,
    ...(job.uid === undefined ? {} : { uid: job.uid }),
    ...(job.gid === undefined ? {} : { gid: job.gid }),
    ...probeOptions(job.policies),
  };
  const { command } = job;
  if (command.kind === 'worker') {
    const inherited = workerSpawn({ id, sockets, workerTimeout: command.heartbeatTimeout, gracefulTimeout, module: command.module });
    return {
      ...common,
      command: process.execPath,
      args: [...command.execArgv, workerBootstrap, ...command.args],
      env: { ...env, ...inherited.env },
      fds: inherited.fds,
      protocol: true,
      startTimeout: startTimeoutOf(job),
      heartbeatTimeout: command.heartbeatTimeout,
    };
  }
  return {
    ...common,
    ...commandLine(command, sockets.length > 0),
    env: { ...env, ...socketActivationEnv(inheritedDescriptors(sockets)) },
    fds: sockets.map((socket) => socket.fd),
    readyDelay: job.readyDelay,
    ...(job.cluster && context.cluster ? { cluster: context.cluster } : {}),
    startTimeout: startTimeoutOf(job),
  };
}

/**
 * How long a start may take: a readiness probe's timeout; else a worker's startTimeout; else none — without a
 * probe a command is ready after readyDelay unless it exits first, so nothing times out.
 */
export function startTimeoutOf(job: ResolvedJob): number {
  return job.policies.readiness?.timeout ?? (job.command.kind === 'worker' ? job.command.startTimeout : 0);
}

function commandLine(
  command: Exclude<ResolvedCommand, { kind: 'worker' }>,
  sockets: boolean,
): Pick<ChildHandlerOptions, 'command' | 'args' | 'shell'> {
  if (command.kind === 'shell') return { command: sockets ? setListenPid + command.line : command.line, args: [], shell: true };
  const [program, ...args] = command.argv as [string, ...string[]];
  if (!sockets) return { command: program, args };
  return { command: '/bin/sh', args: ['-c', `${setListenPid}exec "$0" "$@"`, program, ...args] };
}
