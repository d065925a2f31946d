import type { OutputSource } from '@pool/core';
import { pino, type Logger } from 'pino';
import type { PinoDestination } from './flush.js';
import { checkMaxLineLength, checkOptions, checkPolicy, invalidOption } from '../options.js';
import { DropCounter } from '../stream-sink.js';
import { BaseTransport, type FullPolicy, type SourceWriter } from '../transport.js';
import { flushLogger } from './flush.js';
import { PinoWriter } from './pino-writer.js';

export interface PinoTransportOptions {
  /** The logger every line goes through (with its own destination or pino transport). */
  logger: Logger;
  /** The level of plain lines, per stream. Default `{ stdout: 'info', stderr: 'error' }`. */
  levels?: { stdout?: string; stderr?: string };
  /** Merge a line that is a JSON object (a pino record, say) into the record, instead of logging it as text. Default true. */
  parseJson?: boolean;
  policy?: FullPolicy;
  maxLineLength?: number;
}

const known = ['logger', 'levels', 'parseJson', 'policy', 'maxLineLength'];

/** Each line becomes a record of the given logger, bound to `{ job, worker, pid, stream }`. */
export class PinoTransport extends BaseTransport {
  readonly #logger: Logger;
  readonly #levels: { stdout: string; stderr: string };
  readonly #parseJson: boolean;
  readonly #policy: FullPolicy;
  readonly #counter = new DropCounter();

  constructor(options: PinoTransportOptions) {
    checkOptions(options, known, 'pinoTransport');
    super(checkMaxLineLength(options.maxLineLength, 'pinoTransport.maxLineLength'));
    const { logger } = options;
    if (typeof logger !== 'object' || logger === null || typeof logger.child !== 'function') {
      throw invalidOption('pinoTransport.logger', 'expected a pino logger');
    }
    this.#logger = logger;
    this.#levels = { stdout: 'info', stderr: 'error', ...options.levels };
    for (const stream of ['stdout', 'stderr'] as const) {
      if (!(this.#levels[stream] in logger.levels.values)) {
        throw invalidOption(`pinoTransport.levels.${stream}`, `unknown level ${JSON.stringify(this.#levels[stream])} (known: ${Object.keys(logger.levels.values).join(', ')})`);
      }
    }
    this.#parseJson = options.parseJson ?? true;
    this.#policy = checkPolicy(options.policy, 'pinoTransport.policy');
  }

  get dropped(): number {
    return this.#counter.dropped;
  }

  openWriter(source: OutputSource): SourceWriter {
    const { job, worker, pid, stream } = source;
    const child = this.#logger.child({ job, worker, pid, stream });
    return new PinoWriter(child, this.#levels[stream], this.#parseJson, {
      destination: destinationOf(this.#logger),
      policy: this.#policy,
      counter: this.#counter,
      flush: () => flushLogger(this.#logger),
    });
  }
}

function destinationOf(logger: Logger): PinoDestination | undefined {
  return (logger as unknown as Record<symbol, PinoDestination | undefined>)[pino.symbols.streamSym];
}

export function pinoTransport(options: PinoTransportOptions): PinoTransport {
  return new PinoTransport(options);
}
