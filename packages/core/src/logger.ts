import type { Logger } from 'pino';
import { loadPino } from './lazy.js';

export type { Logger };

/** The master's own log: pino to stderr (worker output goes to stdout), level from POOL_LOG_LEVEL. */
export function createLogger(option: Logger | false | undefined, name: string): Logger {
  if (option) return option;
  const { pino } = loadPino();
  if (option === false) return pino({ enabled: false });
  return pino({ name, level: process.env.POOL_LOG_LEVEL ?? 'info' }, pino.destination({ dest: 2, sync: true }));
}
