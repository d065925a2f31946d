import { poolError } from './errors/index.js';

/** A duration: milliseconds, or a string such as "500ms", "15s", "2m", "1h". */
export type Duration = number | string;

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const pattern = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;

export function toMilliseconds(value: Duration, path = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    const match = pattern.exec(value);
    if (match) return Math.round(Number(match[1]) * units[match[2] ?? 'ms']!);
  }
  throw poolError('POOL_INVALID_DURATION', { value, path });
}
