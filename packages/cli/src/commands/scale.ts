import type { CommandContext } from '../context.js';
import { displayName, eachJob, jobPath } from '../jobs.js';

/** `3` and `=3` set the count, `+1` adds, `-1` removes: the daemon checks the value (POOL_INVALID_SCALE, exit 2). */
export async function scale({ client, output }: CommandContext, name: string, value: string): Promise<number> {
  const results = await eachJob(client, name, async (job) => {
    const { numprocesses } = await client.post<{ numprocesses: number }>(jobPath(job, '/scale'), { n: value });
    return { job, numprocesses };
  });
  if (output.json) output.value(name === 'all' ? results : results[0]);
  else output.lines(results.map(({ job, numprocesses }) => `${displayName(job)}: ${numprocesses} process${numprocesses === 1 ? '' : 'es'}`));
  return 0;
}
