import { InvalidArgumentError } from 'commander';

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1.');
  return Number(value);
}

export function pid(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a process id (a whole number).');
  return Number(value);
}

/** `-w 4`, or `-w max` for one per CPU. */
export function workers(value: string): number | 'max' {
  return value === 'max' ? 'max' : positiveInteger(value);
}

/** Repeatable `--env KEY=VALUE`. */
export function environment(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const equals = value.indexOf('=');
  if (equals < 1) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}".`);
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}
