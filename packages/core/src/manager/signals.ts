import type { Logger } from '../logger.js';

export interface ManagerSignalTarget {
  stop(options?: { gracefulTimeout?: number }): Promise<void>;
  restart(): Promise<void>;
}

/**
 * `run()`'s signals: SIGTERM and SIGINT stop every job (a second SIGINT kills at once); SIGHUP restarts every
 * process. Returns a function that removes the handlers.
 */
export function handleManagerSignals(target: ManagerSignalTarget, logger: Logger): () => void {
  let interrupted = false;
  const handlers: Partial<Record<NodeJS.Signals, () => void>> = {
    SIGTERM: () => {
      logger.info('SIGTERM: stopping every job');
      void target.stop();
    },
    SIGINT: () => {
      if (interrupted) {
        logger.warn('second SIGINT: killing every process now');
        void target.stop({ gracefulTimeout: 0 });
        return;
      }
      interrupted = true;
      logger.info('SIGINT: stopping every job (press Ctrl-C again to kill them at once)');
      void target.stop();
    },
    SIGHUP: () => {
      logger.info('SIGHUP: restarting every process');
      target.restart().catch((error: unknown) => logger.error({ err: error }, 'restart failed'));
    },
  };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  };
}
