import type { CommandContext } from '../context.js';
import { usageError } from '../errors/cli-error.js';
import { poolLogFile } from '../log-files.js';
import { linesFromFiles } from '../log-history.js';
import { LogLinePrinter } from '../format/log-lines.js';
import { jobPath, resolveJobs } from '../jobs.js';
import type { LogLineRecord } from '../records.js';
import { untilInterrupted } from './interrupt.js';
import { LogFollower } from './log-follower.js';

export interface LogsOptions {
  follow?: boolean;
  lines: number;
  json?: boolean;
  /** Only stderr's lines (`--err`), or only stdout's (`--out`). */
  err?: boolean;
  out?: boolean;
}

/**
 * The last lines of each job (of one job, or of all, merged in time order); with -f, then the new lines as they
 * come (for all jobs: also of the jobs loaded later), until Ctrl-C or the daemon stops; `--lines 0 -f` only the
 * new lines. The tail comes from the daemon's memory, or from its log files when the memory holds fewer lines
 * than asked (after a daemon restart, say). --json prints one record a line; --err / --out keep one stream.
 */
export async function logs({ client, output, home }: CommandContext, job: string | undefined, options: LogsOptions): Promise<number> {
  if (options.err && options.out) throw usageError('--err and --out: give one (without either, both streams)', 'logs');
  const stream = options.err ? 'stderr' : options.out ? 'stdout' : undefined;
  const names = await resolveJobs(client, job);
  const printer = new LogLinePrinter((text) => output.stdout.write(text), output.colors);
  const printAny = output.json ? (record: LogLineRecord) => output.stdout.write(`${JSON.stringify(record)}\n`) : (record: LogLineRecord) => printer.print(record);
  const print = (record: LogLineRecord) => (stream === undefined || record.stream === stream) && printAny(record);
  const lastLines = (lines: number) => tailOf(client, names, lines, (name) => poolLogFile(name, home.logsDirectory), stream);
  if (!options.follow) {
    const tail = await lastLines(options.lines);
    printer.widen(tail);
    tail.forEach(print);
    return 0;
  }
  const interruption = untilInterrupted();
  try {
    const follower = new LogFollower(client, interruption.signal);
    // Streaming before the tail is read: no line falls between the two.
    await Promise.all(names.map((name) => follower.follow(name)));
    const tail = await lastLines(options.lines);
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

/** The last `lines` of each job, from the daemon's memory, or from its file when the memory holds fewer. */
async function tailOf(
  client: CommandContext['client'],
  names: string[],
  lines: number,
  fileOf: (name: string) => string,
  stream: 'stdout' | 'stderr' | undefined,
): Promise<LogLineRecord[]> {
  // `--lines 0` (with -f: only the new lines): no tail to read, but a job named must still be one.
  if (lines === 0) {
    if (names.length === 1) await client.get(jobPath(names[0]!));
    return [];
  }
  const answers = await Promise.allSettled(names.map((name) => client.get<LogLineRecord[]>(jobPath(name, '/logs'), { query: { lines } })));
  const records: LogLineRecord[] = [];
  answers.forEach((answer, index) => {
    if (answer.status === 'fulfilled') {
      const kept = answer.value.filter((record) => stream === undefined || record.stream === stream);
      // The file holds all the memory does and more (the memory keeps a bounded tail, from this daemon's start).
      const fromFile = kept.length < lines ? linesFromFiles(fileOf(names[index]!), names[index]!, lines, stream) : [];
      records.push(...(fromFile.length > kept.length ? fromFile : kept));
    }
    // With several jobs, one unloaded meanwhile is left out.
    else if (names.length === 1 || (answer.reason as { code?: string }).code !== 'POOL_UNKNOWN_JOB') throw answer.reason;
  });
  // A stable sort: each job's lines keep their order, and the jobs are interleaved by time.
  return records.sort((a, b) => a.time - b.time);
}
