import { renameSync } from 'node:fs';
import type { JobConfig, Manager } from '@pool/core';
import { cgroups, orphans } from '@pool/core/internal';
import type { PoolServer } from '@pool/http';
import { ensureHome, type PoolHome } from '../home.js';
import { endLeftovers } from './leftovers.js';
import { lockHome } from './lock.js';
import type { DaemonLog } from './log.js';
import { claimPidFile, releasePidFile } from './pid-file.js';
import { signalGroup } from './processes.js';
import { readJobSetFile, type JobSetFile } from './state.js';
import { StateKeeper } from './state-keeper.js';
import { jobLogFiles } from '../job-logs.js';
import { displayName } from '../jobs.js';

/**
 * The daemon: a Manager, @pool/http's server on `$POOL_HOME/pool.sock`, the jobs' output in memory (for
 * `pool logs`) and in `$POOL_HOME/logs/<job>.log`, and `state.json` kept in step. It brings back the job set of
 * the previous daemon, runs until SIGTERM or SIGINT, then stops every job and resolves with the exit code.
 */
export async function runDaemon(home: PoolHome): Promise<number> {
  ensureHome(home);
  const locked = await lockHome(home.directory);
  if ('holder' in locked) {
    const { poolError } = await import('@pool/core');
    throw poolError('POOL_DAEMON_RUNNING', { home: home.directory, pid: locked.holder ?? 'unknown' });
  }
  try {
    const holder = claimPidFile(home.pidFile);
    if (holder !== undefined) {
      const { poolError } = await import('@pool/core');
      throw poolError('POOL_PID_FILE_LOCKED', { pidFile: home.pidFile, pid: holder });
    }
    try {
      return await serve(home);
    } finally {
      releasePidFile(home.pidFile);
    }
  } finally {
    await locked.lock.release();
  }
}

async function serve(home: PoolHome): Promise<number> {
  const [{ handleSignals, Manager }, { createPoolServer }, transports] = await Promise.all([
    import('@pool/core'),
    import('@pool/http'),
    import('@pool/log-transports'),
  ]);
  const memory = transports.memoryTransport();
  // A file that cannot be written (a full disk): said once per run of failures; the lines lost are counted
  // (pool_log_lines_dropped_total) and the file is written again once it can be.
  let onFileError = (error: Error) => process.emitWarning(error);
  const files = transports.fileTransport({
    directory: home.logsDirectory,
    path: '{job}.log',
    // `<ISO time> web.1 stdout | line`: each line says its process and stream (`pool logs` reads them back: log-history.ts).
    timestamps: true,
    label: (source) => `${displayName(source.job)}.${source.worker}`,
    stream: true,
    rotate: { size: '10M', keep: 5 },
    onError: (error) => onFileError(error),
  });
  // And the files jobs ask for in their config (`logs`: PM2's out_file, error_file, log_file).
  const created: { manager?: Manager } = {};
  const jobFiles = await jobLogFiles(() => created.manager, (error) => onFileError(error));
  const logs = transports.tee(memory, files, jobFiles);
  const manager = (created.manager = new Manager({ stdout: logs, stderr: logs }));
  const log: DaemonLog = manager.logger;
  onFileError = (error) => log.error({ err: error }, `a job's log file could not be written (${error.message}): its lines are lost until it can (counted in pool_log_lines_dropped_total)`);
  // Before any spawn: orphans of the jobs' processes come to the daemon (a subreaper), which reaps them.
  const reaping = orphans.enable(() => manager.logger);
  const keeper = new StateKeeper(manager, home.stateFile, log);
  const endChildrenOnCrash = () => {
    for (const pid of manager.pids()) signalGroup(pid, 'SIGTERM');
  };
  process.once('exit', endChildrenOnCrash);

  // pool's signal table (docs/signals.md), even while the daemon is starting: SIGTERM or SIGINT stops every
  // job within its graceful timeout (a second Ctrl-C, in the foreground, kills them at once; a second SIGTERM
  // changes nothing); SIGHUP replaces every job's processes; SIGUSR1 reopens the log files.
  let server: PoolServer | undefined;
  let stopping: Promise<void> | undefined;
  let stopRequested!: () => void;
  const requested = new Promise<void>((resolve) => (stopRequested = resolve));
  const stop = (options: { gracefulTimeout?: number } = {}): Promise<void> => {
    if (stopping) {
      if (options.gracefulTimeout === 0) void manager.stop({ gracefulTimeout: 0 });
      return stopping;
    }
    stopping = shutdown(server, manager, keeper, log);
    stopRequested();
    return stopping;
  };
  const signals = handleSignals(
    { stop, reload: () => manager.restart(), reopenLogs: () => logs.reopen() },
    { logger: manager.logger, subject: 'every job' },
  );

  try {
    const previous = readPrevious(home, log);
    await endLeftovers(previous?.processes ?? [], log);
    for (const job of previous?.jobs ?? []) {
      try {
        await manager.load(job.config as unknown as JobConfig, { session: job.session, start: job.active });
      } catch (error) {
        log.error({ err: error, job: `${job.session}.${job.config.name}` }, 'could not bring back a job of the previous daemon');
      }
    }
    keeper.start();
    // The jobs brought back have started (or failed to) before the socket answers: a `pool ps` right after
    // `pool daemon start` shows them running.
    if (!stopping) await manager.start().catch((error: unknown) => log.error({ err: error }, 'the manager did not start every job'));
    if (!stopping) {
      server = await createPoolServer({ manager, socketPath: home.socket, logs: memory, lostLines: () => sumCounts(files.lostByJob(), jobFiles.lostByJob()), logger: { level: 'warn' } });
      // A stop that came while it was opening did not see it.
      if (stopping) await server.close();
    }
  } catch (error) {
    signals.remove();
    process.off('exit', endChildrenOnCrash);
    await manager.stop();
    await logs.close();
    throw error;
  }
  if (!stopping) {
    const containment = cgroups.mode === 'cgroup' ? `each process in a cgroup of its own under ${cgroups.base}` : `process groups only (${cgroups.why})`;
    const reaper = reaping === 'unavailable' ? `no orphan reaper (${orphans.why})` : `orphans reaped (${reaping})`;
    log.info({ pid: process.pid, socket: home.socket, jobs: manager.jobs(), containment: cgroups.mode, orphans: reaping }, `the pool daemon is up; containment: ${containment}; ${reaper}`);
  }
  await requested;
  await stopping;
  signals.remove();
  process.off('exit', endChildrenOnCrash);
  await logs.close();
  log.info({}, 'the pool daemon stopped');
  return signals.exitCode(0);
}

async function shutdown(server: PoolServer | undefined, manager: Manager, keeper: StateKeeper, log: DaemonLog): Promise<void> {
  try {
    await server?.close();
  } catch (error) {
    log.error({ err: error }, 'closing the control socket failed');
  }
  await manager.stop();
  // The job set stays as it was (a restarted daemon brings it back); only the process list is now empty.
  keeper.write();
  keeper.stop();
}

/** The job set of the previous daemon; a file that cannot be read is set aside (and said so), not lost. */
function readPrevious(home: PoolHome, log: DaemonLog): JobSetFile | undefined {
  try {
    return readJobSetFile(home.stateFile);
  } catch (error) {
    const aside = `${home.stateFile}.unreadable-${Date.now()}`;
    renameSync(home.stateFile, aside);
    log.error({ err: error, file: aside }, 'the state file could not be read; it was moved aside and the daemon starts empty');
    return undefined;
  }
}

function sumCounts(...counts: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const count of counts) for (const [key, value] of Object.entries(count)) sum[key] = (sum[key] ?? 0) + value;
  return sum;
}
