import type { Readable, Writable } from 'node:stream';

const newline = 0x0a;
const newlineBuffer = Buffer.from('\n');

export interface LineFramerOptions {
  /** Bytes put before every line (e.g. `[3] `). Without one, whole chunks of lines pass through unsplit. */
  prefix?: Buffer;
  /** A line longer than this is cut into pieces of at most this many bytes, so memory stays bounded. */
  maxLineLength?: number;
}

/**
 * Cuts a byte stream into whole lines. Bytes are never decoded, so output that is not UTF-8 passes through
 * unharmed. `push` returns what can be written now (whole lines only); `end` returns the partial last line.
 */
export class LineFramer {
  readonly #prefix: Buffer | undefined;
  readonly #maxLineLength: number;
  #pending: Buffer[] = [];
  #pendingLength = 0;

  constructor(options: LineFramerOptions = {}) {
    this.#prefix = options.prefix && options.prefix.length > 0 ? options.prefix : undefined;
    this.#maxLineLength = options.maxLineLength ?? 1024 * 1024;
  }

  push(chunk: Buffer): Buffer | undefined {
    const last = chunk.lastIndexOf(newline);
    if (last === -1) {
      this.#hold(chunk);
      return this.#pendingLength >= this.#maxLineLength ? this.#cutLongLine() : undefined;
    }
    const head = chunk.subarray(0, last + 1);
    const whole = this.#pendingLength === 0 ? head : Buffer.concat([...this.#pending, head]);
    this.#pending = [];
    this.#pendingLength = 0;
    if (last + 1 < chunk.length) this.#hold(chunk.subarray(last + 1));
    return this.#frame(whole);
  }

  end(): Buffer | undefined {
    if (this.#pendingLength === 0) return undefined;
    const rest = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingLength = 0;
    return this.#frame(Buffer.concat([rest, newlineBuffer]));
  }

  #hold(part: Buffer): void {
    this.#pending.push(part);
    this.#pendingLength += part.length;
  }

  #cutLongLine(): Buffer {
    const all = Buffer.concat(this.#pending);
    const pieces: Buffer[] = [];
    let start = 0;
    while (all.length - start >= this.#maxLineLength) {
      pieces.push(all.subarray(start, start + this.#maxLineLength), newlineBuffer);
      start += this.#maxLineLength;
    }
    this.#pending = start < all.length ? [all.subarray(start)] : [];
    this.#pendingLength = all.length - start;
    return this.#frame(Buffer.concat(pieces));
  }

  /** `lines` ends with a newline. */
  #frame(lines: Buffer): Buffer {
    if (!this.#prefix) return this.#splitLong(lines);
    const parts: Buffer[] = [];
    let start = 0;
    while (start < lines.length) {
      const end = lines.indexOf(newline, start) + 1;
      parts.push(this.#prefix, lines.subarray(start, end));
      start = end;
    }
    return Buffer.concat(parts);
  }

  /** Lines that arrived whole in one chunk may still exceed the cap (rare: only when the cap is below a chunk). */
  #splitLong(lines: Buffer): Buffer {
    if (lines.length <= this.#maxLineLength) return lines;
    const parts: Buffer[] = [];
    let start = 0;
    while (start < lines.length) {
      const end = lines.indexOf(newline, start) + 1;
      for (let cut = start; cut < end; cut += this.#maxLineLength) {
        const pieceEnd = Math.min(cut + this.#maxLineLength, end);
        parts.push(lines.subarray(cut, pieceEnd));
        if (pieceEnd < end && lines[pieceEnd - 1] !== newline) parts.push(newlineBuffer);
      }
      start = end;
    }
    return Buffer.concat(parts);
  }
}

const drains = new WeakMap<Writable, Promise<void>>();

/** One shared wait per destination, however many sources write to it (no listener per source). */
export function whenDrained(destination: Writable): Promise<void> {
  let pending = drains.get(destination);
  if (!pending) {
    pending = new Promise<void>((resolve) => {
      const done = () => {
        destination.off('drain', done).off('close', done).off('error', done);
        drains.delete(destination);
        resolve();
      };
      destination.on('drain', done).on('close', done).on('error', done);
    });
    drains.set(destination, pending);
  }
  return pending;
}

export async function writeWithBackpressure(destination: Writable, data: Buffer): Promise<void> {
  if (destination.destroyed || destination.writableEnded) return;
  if (!destination.write(data)) await whenDrained(destination);
}

/**
 * Copies `readable` to `destination` in whole lines, waiting while the destination is full. Resolves when the
 * readable has ended (or was destroyed) and its last, partial line has been written.
 */
export async function pipeLines(readable: Readable, destination: Writable, options: LineFramerOptions = {}): Promise<void> {
  const framer = new LineFramer(options);
  try {
    for await (const chunk of readable) {
      const lines = framer.push(chunk as Buffer);
      if (lines) await writeWithBackpressure(destination, lines);
    }
  } catch {
    // The pipe was destroyed (e.g. a grandchild kept it open past the drain deadline): deliver what we have.
  }
  const rest = framer.end();
  if (rest) await writeWithBackpressure(destination, rest);
}
