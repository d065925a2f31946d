import type { MemoryRecord } from './memory-transport.js';

/** Called for every new line; may return a promise (the next line waits for it, the processes never do). */
export type LineListener = (record: MemoryRecord, skipped: number) => void | Promise<void>;

/**
 * A listener's own queue. Lines are queued without waiting and delivered soon after, in order; a listener
 * that falls more than `maxPending` lines behind loses the oldest ones, and is told how many before the next.
 */
export class Subscription {
  readonly #listener: LineListener;
  readonly #matches: (record: MemoryRecord) => boolean;
  readonly #maxPending: number;
  #queue: MemoryRecord[] = [];
  #head = 0;
  #skipped = 0;
  #scheduled = false;
  #closed = false;

  constructor(listener: LineListener, matches: (record: MemoryRecord) => boolean, maxPending: number) {
    this.#listener = listener;
    this.#matches = matches;
    this.#maxPending = maxPending;
  }

  offer(record: MemoryRecord): void {
    if (this.#closed || !this.#matches(record)) return;
    this.#queue.push(record);
    if (this.#queue.length - this.#head > this.#maxPending) {
      this.#queue[this.#head++] = undefined as unknown as MemoryRecord;
      this.#skipped++;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => void this.#deliver());
    }
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
  }

  async #deliver(): Promise<void> {
    while (!this.#closed && this.#head < this.#queue.length) {
      const record = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as MemoryRecord;
      const skipped = this.#skipped;
      this.#skipped = 0;
      try {
        const result = this.#listener(record, skipped);
        if (result && typeof result.then === 'function') await result;
      } catch {
        this.close(); // a listener that throws (a client gone away) is done listening
      }
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
    }
    this.#scheduled = false;
  }
}
