import type { Writable } from 'node:stream';
import type { OutputSource } from '@pool/core';
import { DropCounter, StreamWriter, type FormatFactory } from './stream-sink.js';
import { BaseTransport, type FullPolicy, type SourceWriter } from './transport.js';

/** Lines of every process into one Writable, in a given format. */
export class StreamTransport extends BaseTransport {
  readonly #destination: Writable;
  readonly #format: FormatFactory;
  readonly #policy: FullPolicy;
  readonly #counter = new DropCounter();

  constructor(destination: Writable, format: FormatFactory, policy: FullPolicy, maxLineLength?: number) {
    super(maxLineLength);
    this.#destination = destination;
    this.#format = format;
    this.#policy = policy;
  }

  get dropped(): number {
    return this.#counter.dropped;
  }

  openWriter(source: OutputSource): SourceWriter {
    return new StreamWriter(this.#destination, this.#format(source), this.#policy, this.#counter);
  }
}
