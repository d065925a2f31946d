import { maxProcesses } from '../config/schema.js';
import { poolError } from '../errors/index.js';

/** A count to set (3 or "3"), "=k" to set, "+k"/"-k" to add or remove. */
export type ScaleValue = number | string;

const grammar = /^([+=-]?)(\d+)$/;

/**
 * The new number of processes of a job. Unlike gaffer, a bare number sets the count (gaffer adds it):
 * `scale(name, 3)` and `scale(name, "3")` both mean three processes. Never below 0.
 */
export function scaleTarget(current: number, value: unknown, name: string): number {
  const fail = (detail: string) => poolError('POOL_INVALID_SCALE', { value, name, detail, max: maxProcesses });
  let target: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw fail('a count is a whole number ≥ 0');
    target = value;
  } else if (typeof value === 'string') {
    const match = grammar.exec(value);
    if (!match) throw fail('expected 3, "3", "=3", "+1" or "-1"');
    const amount = Number(match[2]);
    target = match[1] === '+' ? current + amount : match[1] === '-' ? Math.max(0, current - amount) : amount;
  } else {
    throw fail('expected a number or a string');
  }
  if (!Number.isSafeInteger(target) || target > maxProcesses) throw fail(`a job has at most ${maxProcesses} processes`);
  return target;
}
