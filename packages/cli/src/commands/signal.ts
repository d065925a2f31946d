import type { CommandContext } from '../context.js';
import { usageError } from '../errors/cli-error.js';
import { displayName, jobPath } from '../jobs.js';
import { eachSelected, selectJobs, type SelectOptions } from '../selection.js';

/** "HUP", "SIGHUP" and "1" all name SIGHUP; the daemon checks the name (POOL_INVALID_SIGNAL, exit 2). */
function signalValue(signal: string): string | number {
  return /^\d+$/.test(signal) ? Number(signal) : signal;
}

/** `pool signal web worker SIGUSR2`: the jobs (or `all`, a /regex/, a session, a config file), then the signal, last. */
export async function signalJob({ client, output }: CommandContext, words: readonly string[], options: SelectOptions = {}): Promise<number> {
  if (words.length < 2) throw usageError("missing required argument 'signal' (after the jobs)", 'signal');
  const names = words.slice(0, -1);
  const signal = words.at(-1)!;
  const selection = await selectJobs(client, names, { ...options, verb: 'signal', command: 'signal', warn: (text) => output.warn(text) });
  const jobs = await eachSelected(selection, async (job) => {
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
