import type { Writable } from 'node:stream';
import type { OutputSource } from '@pool/core';
import { prefixLines } from '../formats.js';
import { processLabel } from '../framing/record.js';
import { checkOptions, checkPolicy, checkMaxLineLength } from '../options.js';
import { DropCounter, StreamWriter, type BatchFormat } from '../stream-sink.js';
import { BaseTransport, type FullPolicy, type SourceWriter } from '../transport.js';
import { colorOf, paint, wantsColors } from './colors.js';

export interface ConsoleTransportOptions {
  /** Default: the master's stdout. */
  stream?: Writable;
  /** Default: on for a terminal with colours, off with NO_COLOR or when the output is not a terminal. */
  colors?: boolean;
  /** The name before each line; default `job.worker` (`web.1`). */
  label?: (source: OutputSource) => string;
  /** Put the local time (HH:MM:SS) before the label, as foreman does. */
  timestamps?: boolean;
  policy?: FullPolicy;
  maxLineLength?: number;
}

const known = ['stream', 'colors', 'label', 'timestamps', 'policy', 'maxLineLength'];

/** `web.1 | line`, like foreman and honcho: labels padded to one width, a stable colour per process. */
export class ConsoleTransport extends BaseTransport {
  readonly #stream: Writable;
  readonly #colors: boolean;
  readonly #label: (source: OutputSource) => string;
  readonly #timestamps: boolean;
  readonly #policy: FullPolicy;
  readonly #counter = new DropCounter();
  #width = 0;

  constructor(options: ConsoleTransportOptions = {}) {
    checkOptions(options, known, 'consoleTransport');
    super(checkMaxLineLength(options.maxLineLength, 'consoleTransport.maxLineLength'));
    this.#stream = options.stream ?? process.stdout;
    this.#colors = options.colors ?? wantsColors(this.#stream);
    this.#label = options.label ?? processLabel;
    this.#timestamps = options.timestamps ?? false;
    this.#policy = checkPolicy(options.policy, 'consoleTransport.policy');
  }

  /** Lines dropped under the `drop` policy. */
  get dropped(): number {
    return this.#counter.dropped;
  }

  openWriter(source: OutputSource): SourceWriter {
    return new StreamWriter(this.#stream, this.#format(source), this.#policy, this.#counter);
  }

  #format(source: OutputSource): BatchFormat {
    const label = this.#label(source);
    this.#width = Math.max(this.#width, label.length);
    const text = `${label.padEnd(this.#width)} | `;
    const prefix = this.#colors ? paint(text, colorOf(source.job, source.worker)) : text;
    if (!this.#timestamps) {
      const bytes = Buffer.from(prefix);
      return (batch) => prefixLines(batch.bytes, bytes);
    }
    return (batch) => prefixLines(batch.bytes, Buffer.from(`${clock(batch.time)} ${prefix}`));
  }
}

function clock(time: number): string {
  const date = new Date(time);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

export function consoleTransport(options?: ConsoleTransportOptions): ConsoleTransport {
  return new ConsoleTransport(options);
}
