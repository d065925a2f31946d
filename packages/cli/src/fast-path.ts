import { createContext } from './context.js';

/**
 * `pool ps [job] [--json]`, the command that scripts and status bars call in a loop, runs without loading
 * commander (about a third of its start-up time). Anything else, help and errors included, goes through the
 * full parser in program.ts, which defines `ps` the same way.
 */
export function fastCommand(args: readonly string[]): (() => Promise<number>) | undefined {
  if (args[0] !== 'ps') return undefined;
  const options = args.slice(1).filter((arg) => arg.startsWith('-'));
  const positional = args.slice(1).filter((arg) => !arg.startsWith('-'));
  if (options.some((option) => option !== '--json') || positional.length > 1) return undefined;
  return async () => {
    const { ps } = await import('./commands/ps.js');
    return ps(createContext({ json: options.length > 0 }), positional[0]);
  };
}
