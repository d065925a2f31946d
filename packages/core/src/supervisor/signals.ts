import type { Logger } from '../logger.js';
import { isPoolError } from '../errors/index.js';
import { onSignals, twiceToKill } from '../signals.js';

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
  return onSignals({
    SIGTERM: () => {
      logger.info('SIGTERM: stopping gracefully');
      void target.stop();
    },
    SIGINT: twiceToKill(
      () => {
        logger.info('SIGINT: interrupting the workers (press Ctrl-C again to kill them at once)');
        void target.stop({ signal: 'SIGINT' });
      },
      () => {
        logger.warn('second SIGINT: killing the workers now');
        void target.stop({ gracefulTimeout: 0 });
      },
    ),
    SIGHUP: () => {
      logger.info('SIGHUP: rolling reload');
      target.reload().catch((error: unknown) => {
        if (isPoolError(error, 'POOL_STOPPED')) logger.info('the reload ended with the pool\'s stop');
        else logger.error({ err: error }, 'reload failed');
      });
    },
    SIGUSR1: () => {
      target.reopenLogs().catch((error: unknown) => logger.error({ err: error }, 'reopening the log files failed'));
    },
    SIGTTIN: () => target.resize(target.size + 1),
    SIGTTOU: () => target.resize(Math.max(0, target.size - 1)),
  });
}
