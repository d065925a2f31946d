import type { Logger } from '../logger.js';

export interface SignalTarget {
  stop(options?: { gracefulTimeout?: number; signal?: NodeJS.Signals }): Promise<void>;
  reload(): Promise<void>;
  resize(workers: number): void;
  reopenLogs(): Promise<void>;
  readonly size: number;
}

/**
 * The master's signals: SIGTERM stops gracefully; SIGINT interrupts, a second SIGINT kills at once;
 * SIGHUP is a rolling reload; SIGUSR1 reopens log files (logrotate); SIGTTIN/SIGTTOU add or remove a worker. Returns a function that removes them.
 */
export function handleSignals(target: SignalTarget, logger: Logger): () => void {
  let interrupted = false;
  const handlers: Partial<Record<NodeJS.Signals, () => void>> = {
    SIGTERM: () => {
      logger.info('SIGTERM: stopping gracefully');
      void target.stop();
    },
    SIGINT: () => {
      if (interrupted) {
        logger.warn('second SIGINT: killing the workers now');
        void target.stop({ gracefulTimeout: 0 });
        return;
      }
      interrupted = true;
      logger.info('SIGINT: interrupting the workers (press Ctrl-C again to kill them at once)');
      void target.stop({ signal: 'SIGINT' });
    },
    SIGHUP: () => {
      logger.info('SIGHUP: rolling reload');
      target.reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed'));
    },
    SIGUSR1: () => {
      target.reopenLogs().catch((error: unknown) => logger.error({ err: error }, 'reopening the log files failed'));
    },
    SIGTTIN: () => target.resize(target.size + 1),
    SIGTTOU: () => target.resize(Math.max(0, target.size - 1)),
  };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  };
}
