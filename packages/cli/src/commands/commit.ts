import type { CommandContext } from '../context.js';
import { checkJobName, displayName, jobPath } from '../jobs.js';

export async function commit({ client, output }: CommandContext, name: string, options: { env?: Record<string, string> }): Promise<number> {
  const job = checkJobName(name);
  const { pid } = await client.post<{ pid: number }>(jobPath(job, '/commit'), options.env ? { env: options.env } : {});
  if (output.json) output.value({ job, pid });
  else output.line(`started a one-off process of ${displayName(job)}: pid ${pid}`);
  return 0;
}
