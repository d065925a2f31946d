import { commandLineHints, usageCodes } from './codes.js';
import { cliError } from './cli-error.js';

/** What the top-level catch prints: `error CODE: message`, the hint, and the exit code. */
export interface ErrorReport {
  code: string;
  message: string;
  hint: string;
  exitCode: number;
  /** For an unexpected error: what a bug report needs. */
  details?: string;
}

// @pool/core's marker on its PoolErrors: recognised without loading core.
const poolErrorMarker = Symbol.for('pool.error');

interface CodedError {
  code: string;
  message: string;
  hint: string;
}

function isCoded(error: unknown): error is CodedError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as Partial<CodedError>;
  const coded = typeof candidate.code === 'string' && candidate.code.startsWith('POOL_') && typeof candidate.hint === 'string';
  return coded && (poolErrorMarker in error || error instanceof Error);
}

export function toErrorReport(error: unknown, version = ''): ErrorReport {
  if (isCoded(error)) {
    return {
      code: error.code,
      message: error.message,
      hint: (error as { keepHint?: boolean }).keepHint === true ? error.hint : (commandLineHints[error.code] ?? error.hint),
      exitCode: usageCodes.has(error.code) ? 2 : 1,
    };
  }
  const detail = error instanceof Error ? error.message : String(error);
  const unexpected = cliError('POOL_UNEXPECTED', { detail });
  const stack = error instanceof Error && error.stack ? error.stack : detail;
  const details = [
    `pool ${version}`.trim(),
    `node ${process.version} on ${process.platform} ${process.arch}`,
    `command: pool ${process.argv.slice(2).join(' ')}`,
    stack,
  ].join('\n');
  return { code: unexpected.code, message: unexpected.message, hint: unexpected.hint, exitCode: 1, details };
}
