import { readFileSync } from 'node:fs';
import { usageError } from './errors/cli-error.js';
import { toErrorReport, type ErrorReport } from './errors/report.js';
import { fastCommand } from './fast-path.js';
import { painter, wantsColors } from './format/colors.js';

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
 * Runs `pool` with these arguments and resolves with its exit code: 0 done, 1 failed, 2 usage error. The one
 * place where errors are caught: a pool error prints its code, message and hint; anything else asks for a bug report.
 */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    const fast = fastCommand(argv.slice(2));
    if (fast) return await fast();
    const { buildProgram } = await import('./program.js');
    let exitCode = 0;
    await buildProgram(readVersion(), (code) => (exitCode = code)).parseAsync(argv);
    return exitCode;
  } catch (error) {
    const json = argv.slice(2).includes('--json');
    if (isCommanderError(error)) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // `pool help x` (exit code 0), or `pool` and `pool daemon` alone (the help went to stderr: a usage error).
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
      return printError(toErrorReport(usageError(error.message.replace(/^error: /, ''), commandOf(argv))), json);
    }
    return printError(toErrorReport(error, readVersion()), json);
  }
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

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
