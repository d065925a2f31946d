import type { ExitEvent, JobConfig, Manager, OutputTarget } from '@pool/core';
import { jobLogFiles } from '../job-logs.js';
import type { Reporter } from './reporter.js';

/**
 * The jobs of a config file, a Procfile or a script in a Manager, in this process, until a signal stops them
 * (pool's signal table, docs/signals.md). Resolves with the exit code: 0 after a clean stop (or when every
 * process ended with code 0 and none is to be restarted), 130 after Ctrl-C, 1 when processes ended otherwise;
 * throws the error of a job that gave up or could not start.
 */
export interface RunHttp {
  host: string;
  port: number;
  token: string;
}

export async function runManager(configs: JobConfig[], output: OutputTarget, reporter: Reporter, http?: RunHttp): Promise<number> {
  const [{ handleSignals, Manager }, { tee }] = await Promise.all([import('@pool/core'), import('@pool/log-transports')]);
  // The console, and the files jobs ask for in their config (`logs`).
  const created: { manager?: Manager } = {};
  const files = await jobLogFiles(() => created.manager, (error) => reporter.say(`a job's log file could not be written: ${error.message}`));
  const lines = tee(output, files);
  const manager = (created.manager = new Manager({ stdout: lines, stderr: lines, logger: false }));
  for (const config of configs) await manager.load(config);

  let failure: unknown;
  let exitCode = 0;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = (options?: { gracefulTimeout?: number }) => manager.stop(options).finally(resolveStopped);
  const say = (message: string) => reporter.say(message);
  const signals = handleSignals(
    { stop, reload: () => manager.restart(), reopenLogs: () => manager.reopenLogs() },
    { logger: manager.logger, subject: 'every process', say },
  );
  const stopBecause = (error: unknown, code: number) => {
    failure ??= error;
    exitCode = code;
    void stop();
  };

  manager.on('spawn', (event) => reporter.spawned(event.job, event.id, event.pid));
  manager.on('exit', (event: ExitEvent) => {
    reporter.exited(event.job, event.id, event.pid, event);
    setImmediate(() => {
      // Nothing left to run (restart "never" or "on-failure" kept every process down): the run is over.
      const processes = manager.list().filter((process) => !process.commit);
      if (manager.state !== 'running' || processes.length === 0 || !processes.every((process) => process.state === 'exited' || process.state === 'errored')) return;
      const clean = processes.every((process) => process.lastExit?.code === 0);
      reporter.say(`every process has ended${clean ? '' : ', not all with code 0'}`);
      stopBecause(undefined, clean ? 0 : 1);
    });
  });
  manager.on('flapping', (event) => {
    reporter.flapping(event.job, event.retryIn, event.gaveUp);
    if (event.gaveUp) stopBecause(event.error, 1);
  });

  let server: { close(): Promise<void>; address: string } | undefined;
  try {
    // The API (and the probes a Kubernetes pod needs, public: /healthz, /readyz) before the jobs
    // start, so that /readyz answers "not ready" meanwhile instead of refusing connections.
    if (http) {
      const { createPoolServer } = await import('@pool/http');
      const { poolError } = await import('@pool/core');
      server = await createPoolServer({ manager, host: http.host, port: http.port, token: http.token, logger: false }).catch((error: unknown) => {
        throw poolError('POOL_SOCKET_BIND_FAILED', { name: '--http', address: `${http.host}:${http.port}`, detail: (error as Error).message }, error);
      });
      reporter.say(`HTTP API on ${server.address} (probes /healthz and /readyz need no token)`);
    }
    await manager.start();
    const unstartable = manager.list().find((process) => process.lastExit?.error?.code === 'POOL_SPAWN_FAILED');
    if (unstartable) stopBecause(unstartable.lastExit!.error, 1);
    await stopped;
  } finally {
    signals.remove();
    await server?.close();
    await files.close();
  }
  if (failure) throw failure;
  return signals.exitCode(exitCode);
}
