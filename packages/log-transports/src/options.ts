import { poolError, toBytes, toMilliseconds, type Duration } from '@pool/core';
import type { FullPolicy } from './transport.js';
import { defaultMaxLineLength } from './transport.js';

export function invalidOption(path: string, detail: string) {
  return poolError('POOL_INVALID_OPTION', { path, detail });
}

export function checkOptions(options: unknown, known: readonly string[], path: string): void {
  if (typeof options !== 'object' || options === null) throw invalidOption(path, 'expected an options object');
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw invalidOption(`${path}.${key}`, `unknown option (known: ${known.join(', ')})`);
  }
}

export function checkPolicy(policy: unknown, path: string): FullPolicy {
  if (policy === undefined) return 'block';
  if (policy === 'block' || policy === 'drop') return policy;
  throw invalidOption(path, `expected "block" or "drop", got ${JSON.stringify(policy)}`);
}

export function checkInteger(value: unknown, path: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidOption(path, `expected an integer of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkMaxLineLength(value: unknown, path: string): number {
  return checkInteger(value, path, 16, defaultMaxLineLength);
}

/** Bytes, or a string such as "512K", "10M", "1G" (powers of 1024): core's reading of a size. */
export const parseSize = (value: number | string, path: string): number => toBytes(value, path);

export function parseDuration(value: Duration, path: string): number {
  const milliseconds = toMilliseconds(value, path);
  if (milliseconds <= 0) throw invalidOption(path, `expected a positive duration, got ${JSON.stringify(value)}`);
  return milliseconds;
}
