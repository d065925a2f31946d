import type { CommandContext } from '../context.js';
import { LogLinePrinter } from '../format/log-lines.js';
import { jobPath, resolveJobs } from '../jobs.js';
import type { LogLineRecord } from '../records.js';
import { untilInterrupted } from './interrupt.js';
import { LogFollower } from './log-follower.js';

export interface LogsOptions {
  follow?: boolean;
  lines: number;
  json?: boolean;
}

/**
 * The last lines of one job or of all, merged in time order; with -f, then the new lines as they come (for all
 * jobs: also of the jobs loaded later), until Ctrl-C or the daemon stops; `--lines 0 -f` only the new lines. --json
 * prints one record a line.
 */
export async function logs({ client, output }: CommandContext, job: string | undefined, options: LogsOptions): Promise<number> {
  const names = await resolveJobs(client, job);
  const printer = new LogLinePrinter((text) => output.stdout.write(text), output.colors);
  const print = output.json ? (record: LogLineRecord) => output.stdout.write(`${JSON.stringify(record)}\n`) : (record: LogLineRecord) => printer.print(record);
  if (!options.follow) {
    const tail = await lastLines(client, names, options.lines);
    printer.widen(tail);
    tail.forEach(print);
    return 0;
  }
  const interruption = untilInterrupted();
  try {
    const follower = new LogFollower(client, interruption.signal);
    // Streaming before the tail is read: no line falls between the two.
    await Promise.all(names.map((name) => follower.follow(name)));
    const tail = await lastLines(client, names, options.lines);
    printer.widen(tail);
    tail.forEach(print);
    follower.release(print, tail);
    if (job === undefined || job === 'all') await follower.followNewJobs();
    await Promise.race([interruption.interrupted, follower.ended]);
    if (!interruption.signal.aborted) output.note('the pool daemon closed the stream: it stopped');
    return 0;
  } finally {
    interruption.stop();
  }
}

async function lastLines(client: CommandContext['client'], names: string[], lines: number): Promise<LogLineRecord[]> {
  // `--lines 0` (with -f: only the new lines): no tail to read, but a job named must still be one.
  if (lines === 0) {
    if (names.length === 1) await client.get(jobPath(names[0]!));
    return [];
  }
  const answers = await Promise.allSettled(names.map((name) => client.get<LogLineRecord[]>(jobPath(name, '/logs'), { query: { lines } })));
  const records: LogLineRecord[] = [];
  for (const answer of answers) {
    if (answer.status === 'fulfilled') records.push(...answer.value);
    // With several jobs, one unloaded meanwhile is left out.
    else if (names.length === 1 || (answer.reason as { code?: string }).code !== 'POOL_UNKNOWN_JOB') throw answer.reason;
  }
  // A stable sort: each job's lines keep their order, and the jobs are interleaved by time.
  return records.sort((a, b) => a.time - b.time).slice(-lines);
}
