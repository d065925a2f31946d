import { poolError } from './errors/index.js';

/** A duration: milliseconds, or a string such as "500ms", "15s", "2m", "1h". */
export type Duration = number | string;

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const pattern = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;

/** The longest wait a Node timer can do (about 24.8 days): a longer one would fire after 1 ms. */
export const maxDuration = 2_147_483_647;

export function toMilliseconds(value: Duration, path = 'duration'): number {
  let milliseconds: number | undefined;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) milliseconds = value;
  } else if (typeof value === 'string') {
    const match = pattern.exec(value);
    if (match) milliseconds = Math.round(Number(match[1]) * units[match[2] ?? 'ms']!);
  }
  if (milliseconds === undefined || milliseconds > maxDuration) throw poolError('POOL_INVALID_DURATION', { value, path });
  return milliseconds;
}
