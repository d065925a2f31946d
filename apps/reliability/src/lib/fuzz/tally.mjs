// What a property saw: how many inputs were accepted (and valid), rejected the right way, or neither. A
// property here never stops at the first failure: it counts every one, and keeps the shortest example of
// each kind of failure (the figure is "how many", the example is what to fix).
import { errorCodes, isPoolError } from '@pool/core';

export class Tally {
  cases = 0;
  accepted = 0;
  rejected = 0;
  failures = new Map();
  codes = new Map();

  accept() {
    this.cases += 1;
    this.accepted += 1;
  }

  /** A rejection is right when it is a pool error whose HTTP status is 4xx. */
  reject(error, input) {
    this.cases += 1;
    const verdict = rejectionProblem(error);
    if (verdict) return this.fail(verdict, input, false);
    this.rejected += 1;
    this.codes.set(error.code, (this.codes.get(error.code) ?? 0) + 1);
    return undefined;
  }

  /** An answer that carried its POOL_ code and a 4xx status (checked by the caller). */
  rejectedWith(code) {
    this.cases += 1;
    this.rejected += 1;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  fail(kind, input, counted = true) {
    if (counted) this.cases += 1;
    const example = describeInput(input);
    const known = this.failures.get(kind);
    if (!known) this.failures.set(kind, { count: 1, example });
    else {
      known.count += 1;
      if (example.length < known.example.length) known.example = example;
    }
  }

  get failed() {
    let total = 0;
    for (const { count } of this.failures.values()) total += count;
    return total;
  }

  describe() {
    const codes = [...this.codes].sort((a, b) => b[1] - a[1]).map(([code, count]) => `${code} ×${count}`);
    const base = `${this.cases.toLocaleString('en-US')} cases: ${this.accepted} accepted and valid, ${this.rejected} rejected with a POOL_ code and 4xx${codes.length ? ` (${codes.slice(0, 3).join(', ')}${codes.length > 3 ? ', …' : ''})` : ''}, ${this.failed} neither`;
    if (this.failed === 0) return base;
    const kinds = [...this.failures].sort((a, b) => b[1].count - a[1].count);
    const failures = kinds.slice(0, 3).map(([kind, { count, example }]) => `${count} × ${kind}, e.g. ${example}`);
    return `${base}: ${failures.join('; ')}${kinds.length > 3 ? `; and ${kinds.length - 3} more kinds` : ''}`;
  }
}

export function rejectionProblem(error) {
  if (!isPoolError(error)) return `not a pool error (${error?.name ?? typeof error}: ${String(error?.message ?? error).slice(0, 80)})`;
  const status = errorCodes[error.code]?.status;
  if (!(status >= 400 && status < 500)) return `${error.code} has status ${status}, not 4xx`;
  return undefined;
}

export function describeInput(input) {
  let text;
  try {
    text = JSON.stringify(input, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value === undefined ? '«undefined»' : value));
  } catch {
    text = String(input);
  }
  text = text ?? String(input);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
