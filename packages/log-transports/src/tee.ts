import { PassThrough, type Writable } from 'node:stream';
import { isOutputTarget, type OutputSource, type OutputTarget } from '@pool/core';
import { whenDrained } from '@pool/core/internal';
import type { LineBatch } from './framing/record.js';
import { combineWriters } from './framing/pump.js';
import { invalidOption } from './options.js';
import { rawFormat } from './stream-sink.js';
import { StreamTransport } from './stream-transport.js';
import { BaseTransport, isTransport, type SourceWriter, type Transport } from './transport.js';

export type TeeBranch = Transport | OutputTarget | Writable;

/**
 * The same lines to several sinks at once. The stream is framed once and every sink gets every batch; the
 * reading waits for the slowest sink that blocks (a sink with the `drop` policy drops instead of holding up
 * the others). Plain Writables get the raw lines; other output targets get a stream of their own.
 */
export class TeeTransport extends BaseTransport {
  readonly #branches: readonly (Transport | OutputTarget)[];

  constructor(branches: readonly TeeBranch[]) {
    const targets = branches.map((branch, index) => toBranch(branch, index));
    super(Math.min(...targets.map((target) => (isTransport(target) ? target.maxLineLength : Number.POSITIVE_INFINITY))));
    this.#branches = targets;
  }

  openWriter(source: OutputSource): SourceWriter {
    return combineWriters(this.#branches.map((branch) => writerOf(branch, source)), source);
  }

  override async reopen(): Promise<void> {
    await Promise.all(this.#branches.map(async (branch) => branch.reopen?.()));
  }

  override async close(): Promise<void> {
    await Promise.all(this.#branches.map(async (branch) => branch.close?.()));
  }
}

function toBranch(branch: TeeBranch, index: number): Transport | OutputTarget {
  if (isOutputTarget(branch)) return branch;
  if (typeof branch === 'object' && branch !== null && typeof (branch as Writable).write === 'function') {
    return new StreamTransport(branch as Writable, rawFormat, 'block');
  }
  throw invalidOption(`tee[${index}]`, 'expected a transport, an output target or a Writable');
}

function writerOf(branch: Transport | OutputTarget, source: OutputSource): SourceWriter {
  return isTransport(branch) ? branch.openWriter(source) : new ForeignWriter(branch, source);
}

/** An output target from elsewhere (it only knows `attach`): fed through a stream of its own. */
class ForeignWriter implements SourceWriter {
  readonly #stream = new PassThrough();
  readonly #attached: Promise<void>;

  constructor(target: OutputTarget, source: OutputSource) {
    this.#attached = target.attach(this.#stream, source);
  }

  write(batch: LineBatch): void | Promise<void> {
    if (!this.#stream.write(batch.bytes)) return whenDrained(this.#stream);
  }

  end(): Promise<void> {
    this.#stream.end();
    return this.#attached;
  }
}

export function tee(...branches: TeeBranch[]): TeeTransport {
  if (branches.length === 0) throw invalidOption('tee', 'give at least one sink');
  return new TeeTransport(branches);
}
