import { poolError } from './errors/index.js';

/** Small checks for constructor options; each failure names the option's path. */
export function invalid(path: string, detail: string) {
  return poolError('POOL_INVALID_OPTION', { path, detail });
}

export function checkInteger(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkKeys(value: object, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw invalid(path ? `${path}.${key}` : key, `unknown option (known: ${allowed.join(', ')})`);
    }
  }
}
