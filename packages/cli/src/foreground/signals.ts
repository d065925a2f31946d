import type { Reporter } from './reporter.js';

export interface Stoppable {
  stop(options?: { gracefulTimeout?: number }): Promise<void>;
}

/**
 * SIGTERM and SIGINT stop everything within the graceful timeouts; a second SIGINT (Ctrl-C again) kills at once.
 * Returns a function that removes the handlers.
 */
export function forwardSignals(target: Stoppable, reporter: Reporter, onStopped: () => void): () => void {
  let interrupted = false;
  const stop = (options?: { gracefulTimeout?: number }) => void target.stop(options).then(onStopped, onStopped);
  const handlers: Partial<Record<NodeJS.Signals, () => void>> = {
    SIGTERM: () => {
      reporter.say('SIGTERM: stopping every process');
      stop();
    },
    SIGINT: () => {
      if (interrupted) {
        reporter.say('second SIGINT: killing every process now');
        stop({ gracefulTimeout: 0 });
        return;
      }
      interrupted = true;
      reporter.say('SIGINT: stopping every process (Ctrl-C again to kill them at once)');
      stop();
    },
  };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  };
}
