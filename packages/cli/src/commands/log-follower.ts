import { setMaxListeners } from 'node:events';
import type { DaemonClient } from '../client.js';
import { jobPath } from '../jobs.js';
import type { EventRecord, LogLineRecord } from '../records.js';

/**
 * The live output of jobs, one stream per job. Lines that arrive before `release()` are held, so that the
 * caller can print the tail first and then only the held lines the tail did not have.
 */
export class LogFollower {
  readonly #client: DaemonClient;
  readonly #signal: AbortSignal;
  readonly #followed = new Set<string>();
  #held: LogLineRecord[] | undefined = [];
  #print: (record: LogLineRecord) => void = () => {};
  #open = 0;
  #resolveEnded!: () => void;
  /** Resolves once every stream has ended (the daemon stopped). */
  readonly ended = new Promise<void>((resolve) => (this.#resolveEnded = resolve));

  constructor(client: DaemonClient, signal: AbortSignal) {
    this.#client = client;
    this.#signal = signal;
    // One stream per job, each listening for the abort (its request and its reader): with 5 jobs or more that
    // is past EventTarget's default of 10, which would warn (MaxListenersExceededWarning) for no leak.
    setMaxListeners(0, signal);
  }

  /** Resolves once the daemon streams the job's lines: none written from then on is missed. */
  follow(job: string): Promise<void> {
    if (this.#followed.has(job)) return Promise.resolve();
    this.#followed.add(job);
    return this.#stream(jobPath(job, '/logs/stream'), (data) => this.#deliver(JSON.parse(data) as LogLineRecord));
  }

  /** Follows the jobs loaded from now on as well. */
  followNewJobs(): Promise<void> {
    return this.#stream('/events', (data) => void this.follow((JSON.parse(data) as EventRecord).job).catch(() => {}), { topic: 'job.*.*.load' });
  }

  /** Prints the held lines that are not in `tail` (already printed), then every new line as it comes. */
  release(print: (record: LogLineRecord) => void, tail: readonly LogLineRecord[]): void {
    const seen = new Map<string, number>();
    for (const record of tail) seen.set(keyOf(record), (seen.get(keyOf(record)) ?? 0) + 1);
    for (const record of this.#held ?? []) {
      const count = seen.get(keyOf(record)) ?? 0;
      if (count > 0) seen.set(keyOf(record), count - 1);
      else print(record);
    }
    this.#held = undefined;
    this.#print = print;
  }

  #deliver(record: LogLineRecord): void {
    if (this.#held) this.#held.push(record);
    else this.#print(record);
  }

  #stream(path: string, onData: (data: string) => void, query?: Record<string, string>): Promise<void> {
    return new Promise((opened, failed) => {
      this.#open++;
      this.#client
        .stream(path, (event) => onData(event.data), { signal: this.#signal, onOpen: opened, ...(query ? { query } : {}) })
        .then(opened, failed)
        .finally(() => {
          if (--this.#open === 0) this.#resolveEnded();
        });
    });
  }
}

function keyOf(record: LogLineRecord): string {
  return `${record.pid}\u0000${record.stream}\u0000${record.time}\u0000${record.line}`;
}
