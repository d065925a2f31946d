import type { Readable } from 'node:stream';
import type { OutputSource } from '@pool/core';
import { ndjsonFormat, textFormat, type TextFormatOptions } from '../formats.js';
import { pumpBytes } from '../framing/pump.js';
import { checkMaxLineLength, checkOptions, checkPolicy, invalidOption, parseSize } from '../options.js';
import { rawFormat, type FormatFactory } from '../stream-sink.js';
import { BaseTransport, type FullPolicy, type SourceWriter } from '../transport.js';
import { FileWriter } from './file-writer.js';
import { LogFile } from './log-file.js';
import { openLogFile, PathTemplate } from './paths.js';
import { resolveRotation, type RotateOptions } from './rotate-options.js';
import type { Rotation } from './rotation.js';

export interface FileTransportOptions extends TextFormatOptions {
  /** The file; `{job}`, `{worker}`, `{pid}` and `{stream}` make one file per job, process or stream. */
  path: string;
  /** The log directory: relative paths resolve inside it, and no path may lead outside it. */
  directory?: string;
  /** Permissions of new files (and the most an existing file keeps). Default 0o640. */
  mode?: number;
  rotate?: RotateOptions;
  /** `text` (the process's own lines) or `ndjson` (one JSON record a line). */
  format?: 'text' | 'ndjson';
  policy?: FullPolicy;
  /** Bytes queued for one file before its writers wait (or drop). Default 1 MiB. */
  highWaterMark?: number | string;
  maxLineLength?: number;
  /** Called when a file cannot be opened, written or rotated (once per run of failures). Default: a process warning. */
  onError?: (error: Error) => void;
}

const known = ['path', 'directory', 'mode', 'rotate', 'format', 'policy', 'highWaterMark', 'maxLineLength', 'onError', 'timestamps', 'label', 'stream'];

/** Files per process, per job or merged, with rotation by size and time and reopening for logrotate. */
export class FileTransport extends BaseTransport {
  readonly #template: PathTemplate;
  readonly #mode: number;
  readonly #rotation: Rotation | undefined;
  readonly #format: FormatFactory;
  readonly #policy: FullPolicy;
  readonly #highWaterMark: number;
  readonly #onError: (error: Error) => void;
  readonly #files = new Map<string, FileEntry>();
  #dropped = 0;
  #lost = 0;
  /** Lines not written, by job: the drop policy's, and those of files gone (closed) since. */
  readonly #lostByJob = new Map<string, number>();
  /**
   * Plain text (no timestamp, no label): nothing needs a line's content, so each process stream is written as
   * its chunks came, up to their last newline (see `pumpBytes`). Decided once, here, for every stream.
   */
  readonly passThrough: boolean;

  constructor(options: FileTransportOptions) {
    checkOptions(options, known, 'fileTransport');
    super(checkMaxLineLength(options.maxLineLength, 'fileTransport.maxLineLength'));
    this.#template = new PathTemplate(options.path, options.directory, 'fileTransport');
    this.#mode = checkMode(options.mode);
    this.#rotation = resolveRotation(options.rotate, 'fileTransport.rotate');
    this.#format = resolveFormat(options);
    this.passThrough = (options.format === undefined || options.format === 'text') && !options.timestamps && !options.label;
    this.#policy = checkPolicy(options.policy, 'fileTransport.policy');
    this.#highWaterMark = options.highWaterMark === undefined ? 1024 * 1024 : parseSize(options.highWaterMark, 'fileTransport.highWaterMark');
    this.#onError = options.onError ?? ((error) => process.emitWarning(error));
  }

  /** Lines not written: dropped by the `drop` policy, or lost because a file could not be opened or written. */
  get dropped(): number {
    let lost = this.#lost;
    for (const { file } of this.#files.values()) lost += file.lost;
    return this.#dropped + lost;
  }

  /**
   * The same, by job. A file's lost lines count for its job; a file several jobs write to (`all.log`) counts
   * under its path instead.
   */
  lostByJob(): Record<string, number> {
    const counts = new Map(this.#lostByJob);
    for (const [path, entry] of this.#files) if (entry.file.lost > 0) add(counts, ownerOf(path, entry), entry.file.lost);
    return Object.fromEntries(counts);
  }

  /** The file a process stream writes to. */
  pathFor(source: OutputSource): string {
    return this.#template.resolve(source);
  }

  override attach(readable: Readable, source: OutputSource): Promise<void> {
    if (!this.passThrough) return super.attach(readable, source);
    const writer = this.#open(source, rawFormat);
    return pumpBytes(readable, { write: writer.writeBytes, end: writer.end }, source, this.maxLineLength);
  }

  openWriter(source: OutputSource): SourceWriter {
    return this.#open(source, this.#format);
  }

  #open(source: OutputSource, format: FormatFactory): FileWriter {
    const path = this.pathFor(source);
    let entry = this.#files.get(path);
    if (!entry) {
      const file = new LogFile({
        path,
        open: (target) => openLogFile(target, this.#mode, this.#template.directory),
        mode: this.#mode,
        rotation: this.#rotation,
        highWaterMark: this.#highWaterMark,
        onError: this.#onError,
      });
      entry = { file, writers: 0, jobs: new Set() };
      this.#files.set(path, entry);
    }
    entry.writers++;
    entry.jobs.add(source.job);
    const opened = entry;
    return new FileWriter(opened.file, format(source), this.#policy, {
      dropped: (lines) => {
        this.#dropped += lines;
        add(this.#lostByJob, source.job, lines);
      },
      released: () => this.#release(path, opened),
    });
  }

  /** Reopens every open file (the master's SIGUSR1, after an external logrotate). */
  override async reopen(): Promise<void> {
    await Promise.all([...this.#files.values()].map(({ file }) => file.reopen()));
  }

  override async close(): Promise<void> {
    await Promise.all([...this.#files.values()].map(({ file }) => file.close()));
  }

  /** A file nobody writes to any more is closed (per-process files would otherwise pile up as processes come and go). */
  #release(path: string, entry: FileEntry): Promise<void> | void {
    if (--entry.writers > 0) return;
    return entry.file.close().then(() => {
      if (entry.writers > 0 || this.#files.get(path) !== entry) return;
      this.#files.delete(path);
      this.#lost += entry.file.lost;
      if (entry.file.lost > 0) add(this.#lostByJob, ownerOf(path, entry), entry.file.lost);
    });
  }
}

interface FileEntry {
  file: LogFile;
  writers: number;
  /** The jobs that have written to it. */
  jobs: Set<string>;
}

function ownerOf(path: string, entry: FileEntry): string {
  return entry.jobs.size === 1 ? [...entry.jobs][0]! : path;
}

function add(counts: Map<string, number>, key: string, count: number): void {
  counts.set(key, (counts.get(key) ?? 0) + count);
}

function checkMode(mode: unknown): number {
  if (mode === undefined) return 0o640;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw invalidOption('fileTransport.mode', `expected permissions such as 0o640, got ${JSON.stringify(mode)}`);
  }
  return mode;
}

function resolveFormat(options: FileTransportOptions): FormatFactory {
  if (options.format === undefined || options.format === 'text') return textFormat(options);
  if (options.format === 'ndjson') return ndjsonFormat;
  throw invalidOption('fileTransport.format', `expected "text" or "ndjson", got ${JSON.stringify(options.format)}`);
}

export function fileTransport(options: FileTransportOptions): FileTransport {
  return new FileTransport(options);
}

