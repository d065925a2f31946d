import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1.');
  return Number(value);
}

/** A count that may be 0 (`pool logs --lines 0 -f`: only the new lines). */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number ≥ 0.');
  return Number(value);
}

/** `--restart-delay <ms>`: milliseconds, at most a Node timer's longest wait. */
export function milliseconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 2_147_483_647) throw new InvalidArgumentError('expected milliseconds, a whole number from 0 to 2147483647.');
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

/** `--env KEY=VALUE` (repeatable) and, as PM2 spells it, `--env <profile>`: an ecosystem file's env_<profile>. */
export interface EnvArgument {
  vars: Record<string, string>;
  profile?: string;
}

export function environmentOrProfile(value: string, previous: EnvArgument = { vars: {} }): EnvArgument {
  if (value.includes('=')) return { ...previous, vars: environment(value, previous.vars) };
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new InvalidArgumentError(`expected KEY=VALUE, or the name of an ecosystem profile (env_<name>), got "${value}".`);
  if (previous.profile !== undefined && previous.profile !== value) throw new InvalidArgumentError(`one profile at a time: --env ${previous.profile} and --env ${value}.`);
  return { ...previous, profile: value };
}

/** `--only web,worker`: names of a config file's jobs (or an ecosystem's apps). */
export function names(value: string, previous: string[] = []): string[] {
  const list = value.split(',').map((name) => name.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError('expected job names, separated by commas.');
  return [...previous, ...list];
}

/** Repeatable `--env-file <path>`, absolute from the current directory. */
export function files(value: string, previous: string[] = []): string[] {
  return [...previous, resolve(value)];
}
