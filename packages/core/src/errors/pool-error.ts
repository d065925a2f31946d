import { errorCodes, type ErrorCode } from './codes.js';

const marker = Symbol.for('pool.error');

export type ErrorContext = Record<string, unknown>;

/**
 * Every user-facing failure of pool. Recognise one with `isPoolError(err)` rather than `instanceof`:
 * two copies of @pool/core can be loaded in one program.
 */
export class PoolError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly status: number;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, context: ErrorContext = {}, options?: { cause?: unknown }) {
    const definition = errorCodes[code];
    super(fill(definition.message, context), options);
    this.name = 'PoolError';
    this.code = code;
    this.hint = fill(definition.hint, context);
    this.status = definition.status;
    this.context = context;
    Object.defineProperty(this, marker, { value: true });
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...this.context };
  }
}

export function isPoolError(value: unknown, code?: ErrorCode): value is PoolError {
  if (typeof value !== 'object' || value === null || !(marker in value)) return false;
  return code === undefined || (value as unknown as PoolError).code === code;
}

export function poolError(code: ErrorCode, context?: ErrorContext, cause?: unknown): PoolError {
  return new PoolError(code, context, cause === undefined ? undefined : { cause });
}

function fill(template: string, context: ErrorContext): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in context ? display(context[key]) : whole,
  );
}

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return JSON.stringify(value) ?? String(value);
}
