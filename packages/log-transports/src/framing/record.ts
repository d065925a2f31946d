import type { OutputSource } from '@pool/core';

const newline = 0x0a;

/** One line of a process's output. */
export interface LogRecord {
  readonly job: string;
  readonly worker: number;
  readonly pid: number;
  readonly stream: 'stdout' | 'stderr';
  /** When the master read the line (ms since the epoch). */
  readonly time: number;
  /** The line's bytes, without its newline, never decoded. */
  readonly line: Buffer;
  /** This is a piece of a line longer than `maxLineLength`: the next record of the same stream continues it. */
  readonly continued?: true;
}

/**
 * Whole lines read together from one stream: `bytes` holds one or more lines, each ending with a newline.
 * Only the last line may be a piece of a longer line (`continued`). Sinks that copy bytes use `bytes` as is;
 * sinks that need lines ask for `records()`, computed once however many sinks ask.
 */
export class LineBatch {
  #records: LogRecord[] | undefined;

  constructor(
    readonly source: OutputSource,
    readonly time: number,
    readonly bytes: Buffer,
    readonly continued: boolean,
  ) {}

  records(): readonly LogRecord[] {
    return (this.#records ??= splitRecords(this.source, this.time, this.bytes, this.continued));
  }

  lineCount(): number {
    return this.#records ? this.#records.length : countLines(this.bytes);
  }
}

/** The newlines in `bytes` (a scan of the bytes, no per-line objects): asked for only to count dropped or lost lines. */
export function countLines(bytes: Buffer): number {
  let count = 0;
  for (let index = bytes.indexOf(newline); index !== -1; index = bytes.indexOf(newline, index + 1)) count++;
  return count;
}

function splitRecords(source: OutputSource, time: number, bytes: Buffer, continued: boolean): LogRecord[] {
  const { job, worker, pid, stream } = source;
  const records: LogRecord[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(newline, start);
    const line = bytes.subarray(start, end);
    start = end + 1;
    records.push(continued && start === bytes.length ? { job, worker, pid, stream, time, line, continued: true } : { job, worker, pid, stream, time, line });
  }
  return records;
}

/** `web.1`: how a process is named in prefixes and labels. */
export function processLabel(source: Pick<OutputSource, 'job' | 'worker'>): string {
  return `${source.job}.${source.worker}`;
}
