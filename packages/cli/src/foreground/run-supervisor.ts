import type { OutputTarget } from '@pool/core';
import type { Reporter } from './reporter.js';

export interface SupervisorRun {
  file: string;
  name: string;
  workers: number | undefined;
  env: Record<string, string> | undefined;
}

/**
 * A worker module under a Supervisor, in this process: `workers` copies (default 1), kept alive, until a signal
 * stops them (the Supervisor's own handling: SIGTERM stops, SIGINT interrupts, a second SIGINT kills, SIGHUP
 * reloads). Resolves with its exit code; throws the error of a pool that gave up.
 */
export async function runSupervisor(run: SupervisorRun, output: OutputTarget, reporter: Reporter): Promise<number> {
  const { Supervisor } = await import('@pool/core');
  const supervisor = new Supervisor({
    worker: run.file,
    workers: run.workers ?? 1,
    name: run.name,
    cwd: process.cwd(),
    stdout: output,
    stderr: output,
    logger: false,
    ...(run.env ? { env: run.env } : {}),
  });
  supervisor.on('spawn', ({ id, pid }) => reporter.spawned(run.name, id, pid));
  supervisor.on('exit', (event) => reporter.exited(run.name, event.id, event.pid, event));
  supervisor.on('flapping', (event) => reporter.flapping(run.name, event.retryIn, event.gaveUp));
  let interrupted = false;
  const onInterrupt = () => {
    reporter.say(interrupted ? 'second SIGINT: killing the workers now' : 'SIGINT: stopping the workers (Ctrl-C again to kill them at once)');
    interrupted = true;
  };
  const onTerminate = () => reporter.say('SIGTERM: stopping the workers');
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  try {
    const code = await supervisor.main();
    if (code !== 0 && supervisor.failure) throw supervisor.failure;
    return code;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onTerminate);
  }
}
