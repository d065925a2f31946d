import { displayName } from '../jobs.js';
import type { LogLineRecord } from '../records.js';

// foreman's and honcho's order: cyan, yellow, green, magenta, blue, red, then the bright ones.
const palette = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94, 91];

function colorOf(job: string, worker: number | null): number {
  let hash = 0;
  for (let index = 0; index < job.length; index++) hash = (hash * 31 + job.charCodeAt(index)) >>> 0;
  return palette[(hash + (worker ?? 0)) % palette.length]!;
}

/** `web.1 | line`, labels padded to one width, a stable colour per process (as the console transport does). */
export class LogLinePrinter {
  #width = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly colors: boolean,
  ) {}

  widen(records: readonly LogLineRecord[]): void {
    for (const record of records) this.#width = Math.max(this.#width, this.#label(record).length);
  }

  print(record: LogLineRecord): void {
    const label = this.#label(record);
    this.#width = Math.max(this.#width, label.length);
    const prefix = `${label.padEnd(this.#width)} | `;
    this.write(`${this.colors ? `\u001b[${colorOf(record.job, record.worker)}m${prefix}\u001b[39m` : prefix}${record.line}\n`);
  }

  #label(record: LogLineRecord): string {
    return record.worker === null ? displayName(record.job) : `${displayName(record.job)}.${record.worker}`;
  }
}
