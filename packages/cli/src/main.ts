import { reportFailure } from './errors/failure.js';
import { psRequest } from './fast-path.js';
import { readVersion } from './version.js';

/**
 * Runs `pool` with these arguments and resolves with its exit code: 0 done, 1 failed, 2 usage error. Errors are
 * caught and reported in one place, errors/failure.ts. `pool ps` takes the fast path (fast-path.ts); bin.js
 * runs that one from dist/ps.bundle.cjs instead, and this function for everything else.
 */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    const args = argv.slice(2);
    // `pool --version --json`: the version as JSON too, as every other command's output is with --json.
    if (args.length === 2 && args.includes('--json') && (args.includes('--version') || args.includes('-v'))) {
      process.stdout.write(`${JSON.stringify({ version: readVersion() })}\n`);
      return 0;
    }
    const fast = psRequest(args);
    if (fast) return await (await import('./ps-main.js')).psMain(argv, fast);
    const { buildProgram } = await import('./program.js');
    let exitCode = 0;
    await buildProgram(readVersion(), (code) => (exitCode = code)).parseAsync(argv);
    return exitCode;
  } catch (error) {
    return reportFailure(error, argv);
  }
}
