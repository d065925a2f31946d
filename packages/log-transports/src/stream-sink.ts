import type { Writable } from 'node:stream';
import type { OutputSource } from '@pool/core';
import { whenDrained } from '@pool/core/internal';
import type { LineBatch } from './framing/record.js';
import type { FullPolicy, SourceWriter } from './transport.js';

/** Turns a batch of lines into the bytes a sink writes (raw, prefixed, JSON …). */
export type BatchFormat = (batch: LineBatch) => Buffer;
/** Makes the format of one process stream, so per-process work (prefixes, colours) is done once. */
export type FormatFactory = (source: OutputSource) => BatchFormat;

export const rawFormat: FormatFactory = () => (batch) => batch.bytes;

/** Counts the lines a `drop` policy discarded. */
export class DropCounter {
  dropped = 0;
}

/**
 * One process stream into a Writable. `block`: a write the destination refuses (its buffer is full) waits for
 * 'drain'; `drop`: while the destination is full, batches are dropped and counted instead.
 */
export class StreamWriter implements SourceWriter {
  readonly #destination: Writable;
  readonly #format: BatchFormat;
  readonly #counter: DropCounter;
  #submitted = 0;
  #completed = 0;
  #flushed: (() => void) | undefined;
  readonly write: (batch: LineBatch) => void | Promise<unknown>;
  readonly end: () => void | Promise<void>;

  constructor(destination: Writable, format: BatchFormat, policy: FullPolicy, counter: DropCounter) {
    this.#destination = destination;
    this.#format = format;
    this.#counter = counter;
    this.write = policy === 'drop' ? this.#writeOrDrop : this.#writeAndWait;
    // Under `drop`, a stalled sink must not hold up the report of the process's exit (nor its restart): what it
    // accepted stays in its buffer.
    this.end = policy === 'drop' ? () => {} : this.#whenWritten;
  }

  #whenWritten = (): void | Promise<void> => {
    if (this.#completed >= this.#submitted) return;
    return new Promise((resolve) => (this.#flushed = resolve));
  };

  #writeAndWait = (batch: LineBatch): void | Promise<unknown> => {
    if (this.#destination.destroyed) {
      this.#counter.dropped += batch.lineCount();
      return;
    }
    if (!this.#send(this.#format(batch))) return whenDrained(this.#destination);
  };

  #writeOrDrop = (batch: LineBatch): void => {
    if (this.#destination.destroyed || this.#destination.writableNeedDrain) {
      this.#counter.dropped += batch.lineCount();
      return;
    }
    this.#send(this.#format(batch));
  };

  #send(bytes: Buffer): boolean {
    this.#submitted++;
    return this.#destination.write(bytes, this.#onWritten);
  }

  #onWritten = (): void => {
    this.#completed++;
    if (this.#completed >= this.#submitted && this.#flushed) {
      this.#flushed();
      this.#flushed = undefined;
    }
  };
}
