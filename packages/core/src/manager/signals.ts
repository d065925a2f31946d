import type { Logger } from '../logger.js';
import { onSignals, twiceToKill } from '../signals.js';

export interface ManagerSignalTarget {
  stop(options?: { gracefulTimeout?: number }): Promise<void>;
  restart(): Promise<void>;
}

/**
 * `run()`'s signals: SIGTERM and SIGINT stop every job (a second SIGINT kills at once); SIGHUP restarts every
 * process. Returns a function that removes the handlers.
 */
export function handleManagerSignals(target: ManagerSignalTarget, logger: Logger): () => void {
  return onSignals({
    SIGTERM: () => {
      logger.info('SIGTERM: stopping every job');
      void target.stop();
    },
    SIGINT: twiceToKill(
      () => {
        logger.info('SIGINT: stopping every job (press Ctrl-C again to kill them at once)');
        void target.stop();
      },
      () => {
        logger.warn('second SIGINT: killing every process now');
        void target.stop({ gracefulTimeout: 0 });
      },
    ),
    SIGHUP: () => {
      logger.info('SIGHUP: restarting every process');
      target.restart().catch((error: unknown) => logger.error({ err: error }, 'restart failed'));
    },
  });
}
