import { poolError } from './errors/index.js';

/** A size: bytes, or a string such as "512K", "300M", "1G" (powers of 1024; "MB", "MiB" are read the same). */
export type Size = number | string;

const units: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function toBytes(value: Size, path = 'size'): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(value) : null;
  const invalid = (detail: string) => poolError('POOL_INVALID_OPTION', { path, detail });
  if (!match) throw invalid(`expected a positive number of bytes or a size such as "10M", got ${JSON.stringify(value)}`);
  const bytes = Math.floor(Number(match[1]) * units[match[2]!.toLowerCase()]!);
  if (bytes <= 0) throw invalid(`expected a positive size, got ${JSON.stringify(value)}`);
  return bytes;
}
