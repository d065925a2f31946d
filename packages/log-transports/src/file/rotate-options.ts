import type { Duration } from '@pool/core';
import { checkInteger, checkOptions, invalidOption, parseDuration, parseSize } from '../options.js';
import type { Rotation } from './rotation.js';

export interface RotateOptions {
  /** Rotate when the file would grow past this size: bytes, or "10M", "512K", "1G". */
  size?: number | string;
  /** Rotate at each local hour or midnight, or every duration ("6h"); on the first write after the boundary. */
  interval?: 'hourly' | 'daily' | Duration;
  /** Old files kept: `app.log.1` … `app.log.<keep>`. Default 5. */
  keep?: number;
  /** Gzip old files. Default false. */
  compress?: boolean;
}

export function resolveRotation(options: RotateOptions | undefined, path: string): Rotation | undefined {
  if (options === undefined) return undefined;
  checkOptions(options, ['size', 'interval', 'keep', 'compress'], path);
  if (options.size === undefined && options.interval === undefined) {
    throw invalidOption(path, 'give a size, an interval or both');
  }
  const { interval } = options;
  if (options.compress !== undefined && typeof options.compress !== 'boolean') throw invalidOption(`${path}.compress`, 'expected true or false');
  return {
    size: options.size === undefined ? undefined : parseSize(options.size, `${path}.size`),
    interval: interval === undefined || interval === 'hourly' || interval === 'daily' ? interval : parseDuration(interval, `${path}.interval`),
    keep: checkInteger(options.keep, `${path}.keep`, 0, 5),
    compress: options.compress ?? false,
  };
}
