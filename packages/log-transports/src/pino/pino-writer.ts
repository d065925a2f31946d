import { isUtf8 } from 'node:buffer';
import type { Writable } from 'node:stream';
import { whenDrained } from '@pool/core/internal';
import type { Logger } from 'pino';
import type { LineBatch, LogRecord } from '../framing/record.js';
import type { DropCounter } from '../stream-sink.js';
import type { FullPolicy, SourceWriter } from '../transport.js';
import { isFull, type PinoDestination } from './flush.js';

const openBrace = 0x7b;
const closeBrace = 0x7d;
/** What the logger sets itself; a merged record's own values would be written twice. */
const ownedKeys = new Set(['level', 'time', 'pid', 'hostname', 'v']);

export interface PinoWriterContext {
  destination: PinoDestination | undefined;
  policy: FullPolicy;
  counter: DropCounter;
  flush(): Promise<void>;
}

/** One process stream into a child logger: plain lines at the stream's level, JSON object lines merged. */
export class PinoWriter implements SourceWriter {
  readonly #logger: Logger;
  readonly #level: string;
  readonly #parseJson: boolean;
  readonly #context: PinoWriterContext;

  constructor(logger: Logger, level: string, parseJson: boolean, context: PinoWriterContext) {
    this.#logger = logger;
    this.#level = level;
    this.#parseJson = parseJson;
    this.#context = context;
  }

  write(batch: LineBatch): void | Promise<void> {
    const { destination, policy } = this.#context;
    if (policy === 'drop' && destination && isFull(destination)) {
      this.#context.counter.dropped += batch.lineCount();
      return;
    }
    const plainEnabled = this.#logger.isLevelEnabled(this.#level);
    // A disabled level and no JSON to look for: nothing to decode, nothing to do.
    if (!plainEnabled && !this.#parseJson) return;
    for (const record of batch.records()) {
      const { line } = record;
      if (this.#parseJson && line[0] === openBrace && line[line.length - 1] === closeBrace && this.#merge(record)) continue;
      if (plainEnabled) this.#logPlain(record);
    }
    if (policy === 'block' && destination && isFull(destination)) return whenDrained(destination as unknown as Writable); // sonic-boom and thread-stream emit 'drain' too
  }

  end(): Promise<void> {
    return this.#context.flush();
  }

  #logPlain(record: LogRecord): void {
    const text = record.line.toString('utf8');
    const invalid = text.includes('\ufffd') && !isUtf8(record.line);
    if (!invalid && !record.continued) {
      this.#logger[this.#level as 'info'](text);
      return;
    }
    const fields: Record<string, unknown> = {};
    if (record.continued) fields.continued = true;
    if (invalid) fields.lineBase64 = record.line.toString('base64');
    this.#logger[this.#level as 'info'](fields, text);
  }

  /** Logs a JSON object line as the record it already is, at its own level. False: not a JSON object. */
  #merge(record: LogRecord): boolean {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.line.toString('utf8'));
    } catch {
      return false;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parsed)) if (!ownedKeys.has(key)) fields[key] = value;
    const level = this.#levelOf((parsed as { level?: unknown }).level);
    if (this.#logger.isLevelEnabled(level)) this.#logger[level as 'info'](fields);
    return true;
  }

  #levelOf(level: unknown): string {
    const { labels, values } = this.#logger.levels;
    if (typeof level === 'number' && labels[level] !== undefined) return labels[level]!;
    if (typeof level === 'string' && level in values) return level;
    return this.#level;
  }
}
