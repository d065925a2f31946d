import type { FileHandle } from 'node:fs/promises';
import { countLines } from '../framing/record.js';
import { compressFile, shiftFiles, type Rotation } from './rotation.js';
import { stat } from 'node:fs/promises';
import { PartialWriteError, writeAll } from './write-all.js';
import { nextBoundary } from './schedule.js';
import type { OpenedFile } from './paths.js';

export interface LogFileOptions {
  path: string;
  open(path: string): Promise<OpenedFile>;
  mode: number;
  rotation: Rotation | undefined;
  /** Bytes queued before `write` says to wait. */
  highWaterMark: number;
  onError(error: Error): void;
}

type Operation = { kind: 'reopen' | 'close'; done: () => void };

/** How long lines queued on an idle file wait for more to join them before they are written (ms). */
export const gatherDelay = 1;
/** Once this many bytes are queued (or the high-water mark, if lower), they are written without waiting. */
export const gatherBytes = 256 * 1024;
/** How often (at most, and only while writing) the file is checked for having been deleted or moved away. */
export const goneCheckInterval = 1_000;

/** How many of the first `written` bytes of `buffers` are whole lines (up to and including a newline). */
function wholeLines(buffers: Buffer[], written: number): number {
  let offset = 0;
  let whole = 0;
  for (const buffer of buffers) {
    if (offset >= written) break;
    const end = Math.min(buffer.length, written - offset);
    const newline = buffer.lastIndexOf(0x0a, end - 1);
    if (newline !== -1) whole = offset + newline + 1;
    offset += buffer.length;
  }
  return whole;
}

/**
 * One log file, shared by every process stream that writes to it. Writes are queued as whole lines and
 * written by one loop, so rotation, reopening and closing happen between writes: a line is never split
 * across files, lost or written twice. Queued lines go out together in one writev: those that arrive while a
 * write is in flight, and those that arrive within `gatherDelay` of each other, up to `gatherBytes`. Under a
 * flood this turns one write (one trip through libuv's thread pool) per pipe read into one per quarter
 * megabyte, which is most of what the file costs the master; a quiet process's line waits about a
 * millisecond. `flushed()` (a stream's end, `close()`) writes at once.
 */
export class LogFile {
  readonly path: string;
  readonly #options: LogFileOptions;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** Bytes ever queued, and bytes written or given up on: `flushed()` waits for the second to reach the first. */
  #submitted = 0;
  #settled = 0;
  #flushWaiters: { until: number; resolve: () => void }[] = [];
  #drained: { promise: Promise<void>; resolve: () => void } | undefined;
  #operations: Operation[] = [];
  #running = false;
  readonly #gatherBytes: number;
  #gatherTimer: NodeJS.Timeout | undefined;
  /** The gathering delay is over: write what is queued, however little. */
  #due = false;
  #handle: FileHandle | undefined;
  #size = 0;
  #periodEnd = Number.POSITIVE_INFINITY;
  #compressing: Promise<void> = Promise.resolve();
  #failing = false;
  #checkedAt = 0;
  /** A piece of a line was left at the end of the file: the next write ends it first. */
  #endPiece = false;
  /** Lines that could not be written (the file could not be opened or written). */
  lost = 0;

  constructor(options: LogFileOptions) {
    this.path = options.path;
    this.#options = options;
    this.#gatherBytes = Math.min(gatherBytes, options.highWaterMark);
  }

  get full(): boolean {
    return this.#queuedBytes >= this.#options.highWaterMark;
  }

  /** Queues whole lines; false when the queue is full (wait for `drained()` before writing more). */
  write(bytes: Buffer): boolean {
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    this.#submitted += bytes.length;
    this.#schedule();
    return !this.full;
  }

  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    if (!this.#drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#drained = { promise, resolve };
    }
    return this.#drained.promise;
  }

  /** Resolves once everything queued so far is written (or given up on). */
  flushed(): Promise<void> {
    if (this.#settled >= this.#submitted) return Promise.resolve();
    const flushed = new Promise<void>((resolve) => this.#flushWaiters.push({ until: this.#submitted, resolve }));
    this.#kick(); // someone waits: no gathering
    return flushed;
  }

  /** Closes and opens the file again: after an external logrotate moved it away, writing resumes in a new file. */
  reopen(): Promise<void> {
    return this.#request('reopen');
  }

  /** Writes what is queued, waits for a compression under way and closes the file. A later write opens it again. */
  async close(): Promise<void> {
    await this.flushed();
    await this.#request('close');
    await this.#compressing;
  }

  #request(kind: Operation['kind']): Promise<void> {
    return new Promise((done) => {
      this.#operations.push({ kind, done });
      this.#kick();
    });
  }

  /** Queued lines are written now if enough are queued, otherwise once the gathering delay is over. */
  #schedule(): void {
    if (this.#running) return; // the loop takes them
    if (this.#queuedBytes >= this.#gatherBytes) this.#kick();
    else this.#gatherTimer ??= setTimeout(this.#gathered, gatherDelay);
  }

  #gathered = (): void => {
    this.#gatherTimer = undefined;
    this.#due = true;
    this.#kick();
  };

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#gatherTimer) {
      clearTimeout(this.#gatherTimer);
      this.#gatherTimer = undefined;
    }
    void this.#run();
  }

  async #run(): Promise<void> {
    for (;;) {
      const operation = this.#operations.shift();
      if (operation) {
        const wasOpen = this.#handle !== undefined;
        await this.#closeHandle();
        if (operation.kind === 'reopen' && wasOpen) await this.#ensureOpen();
        operation.done();
      } else if (this.#queue.length > 0 && (this.#due || this.#queuedBytes >= this.#gatherBytes || this.#flushWaiters.length > 0)) {
        this.#due = false;
        await this.#writeQueued();
      } else {
        break;
      }
    }
    this.#running = false;
    if (this.#queue.length > 0) this.#schedule();
  }

  async #writeQueued(): Promise<void> {
    // (Each step is awaited only when it has something to do: this runs once per write.)
    if (!this.#handle && !(await this.#ensureOpen())) return this.#giveUp(this.#take(Number.POSITIVE_INFINITY));
    if (this.#options.rotation) await this.#rotateIfDue(this.#queue[0]!.length);
    if (Date.now() - this.#checkedAt >= goneCheckInterval) await this.#reopenIfGone();
    const handle = this.#handle;
    const room = this.#options.rotation?.size === undefined ? Number.POSITIVE_INFINITY : this.#options.rotation.size - this.#size;
    const buffers = this.#take(room);
    if (!handle) return this.#giveUp(buffers);
    if (this.#endPiece) {
      this.#endPiece = false;
      try {
        this.#size += await writeAll(handle, [Buffer.from('\n')]);
      } catch (error) {
        this.#endPiece = true;
        return this.#failed(handle, buffers, this.#size, error as Error);
      }
    }
    const before = this.#size;
    try {
      const written = await writeAll(handle, buffers);
      this.#size += written;
      this.#failing = false;
      this.#settle(written);
    } catch (error) {
      await this.#failed(handle, buffers, before, error as Error);
    }
  }

  /**
   * A write failed part-way (a full disk): the lines it wrote whole stay, a piece of one is cut off again (a line
   * is never torn, nor continued by the next write), and the rest count as lost.
   */
  async #failed(handle: FileHandle, buffers: Buffer[], before: number, error: Error): Promise<void> {
    const written = error instanceof PartialWriteError ? error.written : 0;
    const whole = wholeLines(buffers, written);
    if (whole < written) {
      try {
        await handle.truncate(before + whole);
        this.#size = before + whole;
      } catch {
        // The piece stays, ended by a newline before the next write: never continued by another line.
        this.#size = before + written;
        this.#endPiece = true;
      }
    } else {
      this.#size = before + whole;
    }
    this.#report(error instanceof PartialWriteError ? error.cause : error);
    await this.#closeHandle();
    const rest = Buffer.concat(buffers).subarray(whole);
    this.lost += countLines(rest);
    this.#settle(whole);
    this.#settle(rest.length);
  }

  /** A log file deleted (or moved away) under it is noticed without a signal: the next lines go to a new one. */
  async #reopenIfGone(): Promise<void> {
    this.#checkedAt = Date.now();
    const handle = this.#handle;
    if (!handle) return;
    try {
      const [open, named] = await Promise.all([handle.stat(), stat(this.path).catch(() => undefined)]);
      if (open.nlink > 0 && named?.ino === open.ino && named.dev === open.dev) return;
    } catch {
      return;
    }
    await this.#closeHandle();
    await this.#ensureOpen();
  }

  /** Takes queued buffers up to `room` bytes (at least one), and lets waiting writers queue more. */
  #take(room: number): Buffer[] {
    let count = 0;
    let bytes = 0;
    while (count < this.#queue.length && (count === 0 || bytes + this.#queue[count]!.length <= room)) bytes += this.#queue[count++]!.length;
    const taken = this.#queue.splice(0, count);
    this.#queuedBytes -= bytes;
    if (this.#drained && !this.full) {
      this.#drained.resolve();
      this.#drained = undefined;
    }
    return taken;
  }

  async #rotateIfDue(nextWrite: number): Promise<void> {
    const rotation = this.#options.rotation;
    if (!rotation || this.#size === 0) {
      if (rotation?.interval !== undefined && Date.now() >= this.#periodEnd) this.#periodEnd = nextBoundary(Date.now(), rotation.interval);
      return;
    }
    const bySize = rotation.size !== undefined && this.#size + nextWrite > rotation.size;
    const byTime = Date.now() >= this.#periodEnd;
    if (bySize || byTime) await this.#rotate(rotation);
  }

  async #rotate(rotation: Rotation): Promise<void> {
    await this.#closeHandle();
    await this.#compressing;
    try {
      await shiftFiles(this.path, rotation.keep);
      if (rotation.compress && rotation.keep > 0) {
        this.#compressing = compressFile(`${this.path}.1`, this.#options.mode).catch((error: Error) => this.#report(error));
      }
    } catch (error) {
      this.#report(error as Error);
    }
    await this.#ensureOpen();
  }

  async #ensureOpen(): Promise<boolean> {
    if (this.#handle) return true;
    try {
      const opened = await this.#options.open(this.path);
      this.#handle = opened.handle;
      this.#size = opened.size;
      const interval = this.#options.rotation?.interval;
      this.#periodEnd = interval === undefined ? Number.POSITIVE_INFINITY : nextBoundary(opened.size > 0 ? opened.modifiedAt : Date.now(), interval);
      return true;
    } catch (error) {
      this.#report(error as Error);
      return false;
    }
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch((error: Error) => this.#report(error));
  }

  #giveUp(buffers: Buffer[]): void {
    this.#checkedAt = 0;
    let bytes = 0;
    for (const buffer of buffers) {
      bytes += buffer.length;
      this.lost += countLines(buffer);
    }
    this.#settle(bytes);
  }

  #settle(bytes: number): void {
    this.#settled += bytes;
    while (this.#flushWaiters.length > 0 && this.#flushWaiters[0]!.until <= this.#settled) this.#flushWaiters.shift()!.resolve();
  }

  /** One report per run of failures, not one per write. */
  #report(error: Error): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#options.onError(error);
  }
}
