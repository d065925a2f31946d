import { countLines, type LineBatch } from '../framing/record.js';
import type { BatchFormat } from '../stream-sink.js';
import type { FullPolicy, SourceWriter } from '../transport.js';
import type { LogFile } from './log-file.js';

export interface FileWriterHooks {
  dropped(lines: number): void;
  /** The stream has ended and its lines are written. */
  released(): void | Promise<void>;
}

/**
 * One process stream into a (possibly shared) log file: batches of lines in the file's format (`write`), or,
 * on the pass-through path, whole lines as they are to be written (`writeBytes`). Lines are counted only when
 * the `drop` policy drops them.
 */
export class FileWriter implements SourceWriter {
  readonly #file: LogFile;
  readonly #format: BatchFormat;
  readonly #hooks: FileWriterHooks;
  readonly write: (batch: LineBatch) => void | Promise<void>;
  readonly writeBytes: (bytes: Buffer) => void | Promise<void>;
  readonly end: () => Promise<void>;

  constructor(file: LogFile, format: BatchFormat, policy: FullPolicy, hooks: FileWriterHooks) {
    this.#file = file;
    this.#format = format;
    this.#hooks = hooks;
    this.write = policy === 'drop' ? this.#writeOrDrop : this.#writeAndWait;
    this.writeBytes = policy === 'drop' ? this.#bytesOrDrop : this.#bytesAndWait;
    // Under `drop`, a stalled disk must not hold up the report of the process's exit: the queue is written after.
    this.end = policy === 'drop' ? async () => void this.#release() : this.#release;
  }

  #release = async (): Promise<void> => {
    await this.#file.flushed();
    await this.#hooks.released();
  };

  #writeAndWait = (batch: LineBatch): void | Promise<void> => this.#bytesAndWait(this.#format(batch));

  #bytesAndWait = (bytes: Buffer): void | Promise<void> => {
    if (!this.#file.write(bytes)) return this.#file.drained();
  };

  #writeOrDrop = (batch: LineBatch): void => {
    if (this.#file.full) this.#hooks.dropped(batch.lineCount());
    else this.#file.write(this.#format(batch));
  };

  #bytesOrDrop = (bytes: Buffer): void => {
    if (this.#file.full) this.#hooks.dropped(countLines(bytes));
    else this.#file.write(bytes);
  };
}
