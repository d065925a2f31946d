import type { CommandContext } from '../context.js';
import { displayName, eachJob, jobPath } from '../jobs.js';

/** "HUP", "SIGHUP" and "1" all name SIGHUP; the daemon checks the name (POOL_INVALID_SIGNAL, exit 2). */
function signalValue(signal: string): string | number {
  return /^\d+$/.test(signal) ? Number(signal) : signal;
}

export async function signalJob({ client, output }: CommandContext, name: string, signal: string): Promise<number> {
  const jobs = await eachJob(client, name, async (job) => {
    await client.post(jobPath(job, '/signal'), { signal: signalValue(signal) });
    return job;
  });
  if (output.json) output.value(jobs.map((job) => ({ job, signal })));
  else output.lines(jobs.map((job) => `sent ${signal} to the processes of ${displayName(job)}`));
  return 0;
}

export async function killProcess({ client, output }: CommandContext, pid: number, signal = 'SIGTERM'): Promise<number> {
  await client.post(`/processes/${pid}/signal`, { signal: signalValue(signal) });
  if (output.json) output.value({ pid, signal });
  else output.line(`sent ${signal} to ${pid}`);
  return 0;
}
