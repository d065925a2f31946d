import { writeSync } from 'node:fs';
import type { Logger } from 'pino';
import { wantsColors } from './colors.js';
import { loadPino } from './lazy.js';

export type { Logger };

/**
 * The master's own log: pino to stderr (worker output goes to stdout), level from POOL_LOG_LEVEL. On a terminal it
 * reads as text (`12:00:01.123 WARN  web.0 exited unexpectedly  job=web id=0 …`); piped, or with
 * POOL_LOG_FORMAT=json, it is pino's JSON, one record a line, for a log shipper.
 */
export function createLogger(option: Logger | false | undefined, name: string): Logger {
  if (option) return option;
  if (option === false) return silentLogger();
  const { pino } = loadPino();
  const level = process.env.POOL_LOG_LEVEL ?? 'info';
  const text = process.env.POOL_LOG_FORMAT === 'text' || (process.env.POOL_LOG_FORMAT !== 'json' && process.stderr.isTTY === true);
  // As text, no base fields (the master's pid and hostname): a `pid` shown is then the one the record is about.
  if (text) return pino({ name, level, base: null }, { write: (line: string) => void writeSync(2, formatLogLine(line, wantsColors(process.stderr))) });
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}

const levels: Record<number, [string, number]> = { 10: ['TRACE', 90], 20: ['DEBUG', 36], 30: ['INFO', 32], 40: ['WARN', 33], 50: ['ERROR', 31], 60: ['FATAL', 35] };
const shown = new Set(['level', 'time', 'hostname', 'name', 'msg']);

/** One pino JSON line as a line of text: time, level, message, then the other fields as key=value. */
export function formatLogLine(line: string, colors: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const [label, color] = levels[record.level as number] ?? [String(record.level), 0];
  const time = typeof record.time === 'number' ? new Date(record.time).toTimeString().slice(0, 8) + `.${String(record.time % 1000).padStart(3, '0')}` : '';
  const fields = Object.entries(record)
    .filter(([key, value]) => !shown.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const head = colors ? `\u001b[${color}m${label.padEnd(5)}\u001b[39m` : label.padEnd(5);
  const rest = fields.length > 0 ? `  ${colors ? `\u001b[2m${fields.join(' ')}\u001b[22m` : fields.join(' ')}` : '';
  return `${time} ${head} ${String(record.msg ?? '')}${rest}\n`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null && 'message' in value) return JSON.stringify((value as { message: unknown }).message);
  return JSON.stringify(value);
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
