export interface BackoffOptions {
  /** Delay after the second consecutive failure (the first is restarted at once). */
  initial: number;
  max: number;
  factor: number;
}

export const defaultBackoff: BackoffOptions = { initial: 100, max: 10_000, factor: 2 };

/** 0 for a first failure, then initial, initial×factor, … up to max. */
export function backoffDelay(failures: number, options: BackoffOptions): number {
  if (failures <= 1) return 0;
  return Math.min(options.max, options.initial * options.factor ** (failures - 2));
}
