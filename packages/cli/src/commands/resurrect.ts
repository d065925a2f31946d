import type { CommandContext } from '../context.js';
import { ensureDaemon } from '../daemon/launch.js';
import { readJobSetFile, type JobSetFile } from '../daemon/state.js';
import { cliError } from '../errors/cli-error.js';
import { displayName, listJobs } from '../jobs.js';
import type { JobRecord } from '../records.js';

/** Loads the jobs `pool save` saved (starting the daemon if needed); a job loaded already is left as it is. */
export async function resurrect({ client, output, home }: CommandContext): Promise<number> {
  const dump = await readDump(home.dumpFile, output);
  const daemon = await ensureDaemon(home, output);
  if (daemon.started) output.note(`started the pool daemon (pid ${daemon.pid ?? '?'}, ${home.directory})`);
  const loaded = new Set((await listJobs(client)).map((job) => job.name));
  const results: { job: string; loaded: boolean; numprocesses: number }[] = [];
  for (const { session, config, active } of dump.jobs) {
    const name = `${session}.${config.name}`;
    if (loaded.has(name)) {
      results.push({ job: name, loaded: false, numprocesses: Number(config.numprocesses ?? 1) });
      continue;
    }
    const spinner = output.spinner(`Starting ${displayName(name)}…`);
    try {
      const job = await client.post<JobRecord>('/jobs', config, { query: { session, start: active } });
      results.push({ job: name, loaded: true, numprocesses: job.numprocesses });
    } finally {
      spinner.stop();
    }
  }
  if (output.json) output.value(results);
  else {
    output.lines(results.map(({ job, loaded: fresh, numprocesses }) =>
      fresh ? `loaded ${displayName(job)}: ${numprocesses} process${numprocesses === 1 ? '' : 'es'}` : `${displayName(job)} is loaded already`,
    ));
    if (results.length === 0) output.note(`${home.dumpFile} holds no jobs.`);
  }
  return 0;
}

/** dump.json; if it is missing or unreadable, the backup the save before it left (dump.json.bak), said. */
async function readDump(file: string, output: CommandContext['output']): Promise<JobSetFile> {
  let dump: JobSetFile | undefined;
  let failure: unknown;
  try {
    dump = readJobSetFile(file);
  } catch (error) {
    failure = error;
  }
  if (!dump) {
    let backup: JobSetFile | undefined;
    try {
      backup = readJobSetFile(`${file}.bak`);
    } catch {
      // no usable backup either: the error below is about dump.json
    }
    if (backup) {
      output.warn(`${file} ${failure ? `could not be read (${(failure as Error).message})` : 'is missing'}: loading the previous save, ${file}.bak`);
      return backup;
    }
  }
  if (failure) {
    const { poolError } = await import('@pool/core');
    throw poolError('POOL_CONFIG_PARSE_FAILED', { where: file, detail: (failure as Error).message }, failure);
  }
  if (!dump) throw cliError('POOL_NOTHING_SAVED', { file });
  return dump;
}
