import { cliErrorCodes, type CliErrorCode } from './codes.js';

export type ErrorContext = Record<string, unknown>;

/**
 * An error the CLI reports with its code and hint: one of its own codes, or a code of @pool/core that came back
 * from the daemon (`{ code, message, hint }`) or was raised here without loading core.
 */
export class CliError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly context: ErrorContext;
  /** The hint was written for this case: the command-line hint of its code (errors/codes.ts) does not replace it. */
  readonly keepHint: boolean;

  constructor(code: string, message: string, hint: string, context: ErrorContext = {}, options?: { cause?: unknown; keepHint?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.hint = hint;
    this.context = context;
    this.keepHint = options?.keepHint === true;
  }
}

export function cliError(code: CliErrorCode, context: ErrorContext = {}, cause?: unknown): CliError {
  const definition = cliErrorCodes[code];
  return new CliError(code, fill(definition.message, context), fill(definition.hint, context), context, cause === undefined ? undefined : { cause });
}

export function usageError(detail: string, command = '<command>'): CliError {
  return cliError('POOL_USAGE', { detail, command });
}

function fill(template: string, context: ErrorContext): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in context ? display(context[key]) : whole));
}

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return JSON.stringify(value) ?? String(value);
}
