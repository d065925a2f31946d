import type { Readable } from 'node:stream';
import { OUTPUT_TARGET, type OutputSource, type OutputTarget } from '@pool/core';
import { pump } from './framing/pump.js';
import type { LineBatch } from './framing/record.js';

export const TRANSPORT = Symbol.for('pool.log-transport');

/** Lines longer than this are cut into marked pieces (1 MiB). */
export const defaultMaxLineLength = 1024 * 1024;

/** What a sink does when its destination is full: wait (the child waits on its pipe), or drop and count. */
export type FullPolicy = 'block' | 'drop';

/** A sink's end of one process stream. */
export interface SourceWriter {
  /** Takes whole lines. Returns a promise when the caller must wait for it before the next batch (back-pressure). */
  write(batch: LineBatch): void | Promise<unknown>;
  /** Resolves once every line written so far has been delivered. */
  end(): void | Promise<unknown>;
}

/** An output target of this package: a sink that can also be combined with others by `tee`. */
export interface Transport extends OutputTarget {
  readonly [TRANSPORT]: true;
  readonly maxLineLength: number;
  /** Opens the sink for one process stream (`attach` and `tee` call it once per stream). */
  openWriter(source: OutputSource): SourceWriter;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export interface TransportSpec {
  openWriter(source: OutputSource): SourceWriter;
  reopen?(): void | Promise<void>;
  close?(): void | Promise<void>;
  maxLineLength?: number;
}

export function isTransport(value: unknown): value is Transport {
  return typeof value === 'object' && value !== null && TRANSPORT in value;
}

/** The shared part of every transport: `attach` frames the stream into lines and feeds this transport's writer. */
export abstract class BaseTransport implements Transport {
  readonly [OUTPUT_TARGET] = true as const;
  readonly [TRANSPORT] = true as const;
  readonly maxLineLength: number;

  constructor(maxLineLength = defaultMaxLineLength) {
    this.maxLineLength = maxLineLength;
  }

  abstract openWriter(source: OutputSource): SourceWriter;

  attach(readable: Readable, source: OutputSource): Promise<void> {
    return pump(readable, this.openWriter(source), source, this.maxLineLength);
  }

  async reopen(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A transport from a writer factory: the way to plug a sink of your own into pool. */
export function defineTransport(spec: TransportSpec): Transport {
  return new (class extends BaseTransport {
    openWriter(source: OutputSource): SourceWriter {
      return spec.openWriter(source);
    }
    override async reopen(): Promise<void> {
      await spec.reopen?.();
    }
    override async close(): Promise<void> {
      await spec.close?.();
    }
  })(spec.maxLineLength);
}
