import { painter, wantsColors } from '../format/colors.js';
import { CliError, usageError } from './cli-error.js';
import { toErrorReport, type ErrorReport } from './report.js';
import { readVersion } from '../version.js';

interface CommanderFailure {
  code: string;
  exitCode: number;
  message: string;
}

/** Told without loading commander, which the fast path does not. */
function isCommanderError(error: unknown): error is CommanderFailure {
  const code = (error as Partial<CommanderFailure> | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('commander.');
}

/**
 * What `pool` does with an error that ended its command, and the exit code: a pool error prints its code,
 * message and hint; anything else asks for a bug report. The one place where errors are caught (main.ts, and
 * ps-main.ts for the bundled `ps`).
 */
export function reportFailure(error: unknown, argv: string[]): number {
  const json = argv.slice(2).includes('--json');
  if (isCommanderError(error)) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    // `pool help x` (exit code 0), or `pool` and `pool daemon` alone (the help went to stderr: a usage error).
    if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
    const message = error.message.replace(/^error: /, '').replace(/\n/g, ' ');
    // An unknown command has no help of its own: the hint names `pool help` (commander's message suggests the command meant).
    if (error.code === 'commander.unknownCommand') {
      return printError(toErrorReport(new CliError('POOL_USAGE', message, 'Run `pool help` for the list of commands.', {}, { keepHint: true })), json);
    }
    return printError(toErrorReport(usageError(message, commandOf(argv))), json);
  }
  return printError(toErrorReport(error, readVersion()), json);
}

function printError(report: ErrorReport, json: boolean): number {
  if (json) {
    const { code, message, hint, details } = report;
    process.stderr.write(`${JSON.stringify({ error: { code, message, hint, ...(details ? { details } : {}) } })}\n`);
    return report.exitCode;
  }
  const paint = painter(wantsColors(process.stderr));
  const lines = [`${paint('red', 'error')} ${paint('bold', report.code)}: ${report.message}`];
  if (report.hint) lines.push(`${paint('cyan', 'hint')} ${report.hint}`);
  if (report.details) lines.push('', report.details);
  process.stderr.write(`${lines.join('\n')}\n`);
  return report.exitCode;
}

function commandOf(argv: string[]): string {
  const words = argv.slice(2).filter((word) => !word.startsWith('-'));
  return words[0] === 'daemon' && words[1] ? `daemon ${words[1]}` : (words[0] ?? '<command>');
}
