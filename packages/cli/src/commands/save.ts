import type { CommandContext } from '../context.js';
import { readFileSync } from 'node:fs';
import { jobSetFile, readJobSetFile, savedJobs, writeFileAtomic, type JobSnapshot } from '../daemon/state.js';
import { ensureHome } from '../home.js';
import { displayName, listJobs } from '../jobs.js';

/** A saved file that reads as a job set (worth keeping as the backup). */
function readsAsJobSet(file: string): boolean {
  try {
    return readJobSetFile(file) !== undefined;
  } catch {
    return false;
  }
}

/** Writes the daemon's jobs (each at its current scale) to `$POOL_HOME/dump.json`, atomically. */
export async function save({ client, output, home }: CommandContext): Promise<number> {
  const jobs = savedJobs((await listJobs(client, { env: true })) as JobSnapshot[]);
  ensureHome(home);
  // The previous save stays as dump.json.bak, which `pool resurrect` falls back to should dump.json be unreadable.
  if (readsAsJobSet(home.dumpFile)) writeFileAtomic(`${home.dumpFile}.bak`, readFileSync(home.dumpFile, 'utf8'));
  writeFileAtomic(home.dumpFile, `${JSON.stringify(jobSetFile(jobs), null, 2)}\n`);
  const names = jobs.map((job) => `${job.session}.${job.config.name}`);
  if (output.json) output.value({ file: home.dumpFile, jobs: names });
  else output.line(`saved ${names.length} job${names.length === 1 ? '' : 's'} (${names.map(displayName).join(', ') || 'none'}) to ${home.dumpFile}`);
  return 0;
}
