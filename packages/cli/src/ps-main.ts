import { ps } from './commands/ps.js';
import { createContext } from './context.js';
import { reportFailure } from './errors/failure.js';
import type { PsRequest } from './fast-path.js';

/**
 * `pool ps [job] [--json]` without commander, errors reported as main() reports them. The entry of
 * dist/ps.bundle.cjs, which bin.js loads alone for `ps` (one file to read and compile instead of ~15 modules);
 * main() runs this module unbundled.
 */
export async function psMain(argv: string[], request: PsRequest): Promise<number> {
  try {
    return await ps(createContext({ json: request.json }), request.job);
  } catch (error) {
    return reportFailure(error, argv);
  }
}
