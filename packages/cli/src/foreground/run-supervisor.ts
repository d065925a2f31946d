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
 * stops them (pool's signal table, docs/signals.md: SIGTERM stops, Ctrl-C interrupts and a second one kills,
 * SIGHUP reloads, SIGTTIN / SIGTTOU add or remove a worker). Resolves with its exit code; throws the error of a
 * pool that gave up.
 */
export async function runSupervisor(run: SupervisorRun, output: OutputTarget, reporter: Reporter): Promise<number> {
  const { handleSignals, Supervisor } = await import('@pool/core');
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
  const say = (message: string) => reporter.say(message);
  const signals = handleSignals(supervisor, { logger: supervisor.logger, subject: 'the workers', interruptWithSigint: true, say });
  try {
    await supervisor.start().catch(async (error: unknown) => {
      await supervisor.stop();
      throw error;
    });
    const code = await supervisor.stopped;
    if (code !== 0 && supervisor.failure) throw supervisor.failure;
    return signals.exitCode(code);
  } finally {
    signals.remove();
  }
}
