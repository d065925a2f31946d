import type { CommandContext } from '../context.js';
import { jobSetFile, savedJobs, writeFileAtomic, type JobSnapshot } from '../daemon/state.js';
import { ensureHome } from '../home.js';
import { displayName, listJobs } from '../jobs.js';

/** Writes the daemon's jobs (each at its current scale) to `$POOL_HOME/dump.json`, atomically. */
export async function save({ client, output, home }: CommandContext): Promise<number> {
  const jobs = savedJobs((await listJobs(client, { env: true })) as JobSnapshot[]);
  ensureHome(home);
  writeFileAtomic(home.dumpFile, `${JSON.stringify(jobSetFile(jobs), null, 2)}\n`);
  const names = jobs.map((job) => `${job.session}.${job.config.name}`);
  if (output.json) output.value({ file: home.dumpFile, jobs: names });
  else output.line(`saved ${names.length} job${names.length === 1 ? '' : 's'} (${names.map(displayName).join(', ') || 'none'}) to ${home.dumpFile}`);
  return 0;
}
