/**
 * `pool ps [job] [--json]`, the command that scripts and status bars call in a loop, runs without commander
 * (about a third of its start-up time) and, from bin.js, as one bundled file (dist/ps.bundle.cjs, see
 * scripts/bundle-ps.mjs). Anything else, help and errors included, goes through the full parser in
 * program.ts, which defines `ps` the same way. This module imports nothing: bin.js decides with it alone.
 */
export interface PsRequest {
  job: string | undefined;
  json: boolean;
}

/** The `ps` these arguments (argv past the script) ask for, when the fast path can serve them. */
export function psRequest(args: readonly string[]): PsRequest | undefined {
  if (args[0] !== 'ps') return undefined;
  const options = args.slice(1).filter((arg) => arg.startsWith('-'));
  const positional = args.slice(1).filter((arg) => !arg.startsWith('-'));
  if (options.some((option) => option !== '--json') || positional.length > 1) return undefined;
  return { job: positional[0], json: options.length > 0 };
}
