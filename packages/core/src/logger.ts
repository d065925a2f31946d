import type { Logger } from 'pino';
import { loadPino } from './lazy.js';

export type { Logger };

/** The master's own log: pino to stderr (worker output goes to stdout), level from POOL_LOG_LEVEL. */
export function createLogger(option: Logger | false | undefined, name: string): Logger {
  if (option) return option;
  if (option === false) return silentLogger();
  const { pino } = loadPino();
  return pino({ name, level: process.env.POOL_LOG_LEVEL ?? 'info' }, pino.destination({ dest: 2, sync: true }));
}

/**
 * `logger: false`: a logger that drops everything, without loading pino (~20 ms before the first worker is
 * spawned). It has pino's level methods, `child()`, `level`, `isLevelEnabled()`, `bindings()` and `flush()`.
 */
function silentLogger(): Logger {
  const drop = (): void => {};
  const logger = {
    level: 'silent',
    fatal: drop,
    error: drop,
    warn: drop,
    info: drop,
    debug: drop,
    trace: drop,
    silent: drop,
    child: () => logger,
    isLevelEnabled: () => false,
    bindings: () => ({}),
    setBindings: drop,
    flush: (callback?: (error?: Error) => void) => callback?.(),
  };
  return logger as unknown as Logger;
}
