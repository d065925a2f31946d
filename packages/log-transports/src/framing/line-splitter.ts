const newline = 0x0a;
const newlineBuffer = Buffer.from('\n');

export interface LinePiece {
  /** Whole lines, each ending with a newline. */
  bytes: Buffer;
  /** The last line was cut at the length cap; the next piece continues it. */
  continued: boolean;
}

/**
 * Cuts one stream's bytes into whole lines without decoding them. A partial line is held until its newline
 * arrives (or `end()`); a line longer than `maxLineLength` is cut into pieces of at most that many bytes,
 * each marked `continued` but the last, so what is held stays below `maxLineLength` plus one chunk.
 * Lines that fit pass through as the chunk they arrived in: no per-line work on the common path. When a partial
 * line is held, only that line is copied (the held bytes and the chunk's bytes up to the first newline) and the
 * rest of the chunk follows as a piece of its own.
 */
export class LineSplitter {
  readonly #maxLineLength: number;
  #held: Buffer[] = [];
  #heldLength = 0;

  constructor(maxLineLength: number) {
    this.#maxLineLength = maxLineLength;
  }

  push(chunk: Buffer): LinePiece[] {
    const pieces: LinePiece[] = [];
    const last = chunk.lastIndexOf(newline);
    if (last === -1) {
      this.#hold(chunk);
      this.#cutHeld(pieces);
      return pieces;
    }
    let start = 0;
    if (this.#heldLength > 0) {
      // Only the held line is completed (copied); the lines after it go on as the chunk's own bytes.
      start = chunk.indexOf(newline) + 1;
      const line = Buffer.concat([...this.#held, chunk.subarray(0, start)], this.#heldLength + start);
      this.#held = [];
      this.#heldLength = 0;
      this.#pushLines(line, pieces);
    }
    if (start <= last) this.#pushLines(start === 0 && last + 1 === chunk.length ? chunk : chunk.subarray(start, last + 1), pieces);
    if (last + 1 < chunk.length) {
      this.#hold(chunk.subarray(last + 1));
      this.#cutHeld(pieces);
    }
    return pieces;
  }

  /** The partial last line, given a newline (the process has exited or closed its output). */
  end(): LinePiece | undefined {
    if (this.#heldLength === 0) return undefined;
    const bytes = Buffer.concat([...this.#held, newlineBuffer], this.#heldLength + 1);
    this.#held = [];
    this.#heldLength = 0;
    return { bytes, continued: false };
  }

  #hold(part: Buffer): void {
    this.#held.push(part);
    this.#heldLength += part.length;
  }

  #pushLines(lines: Buffer, pieces: LinePiece[]): void {
    if (lines.length <= this.#maxLineLength + 1 || !this.#holdsLongLine(lines)) {
      pieces.push({ bytes: lines, continued: false });
      return;
    }
    // Rare: a line that is too long.
    let runStart = 0;
    for (let start = 0; start < lines.length; ) {
      const end = lines.indexOf(newline, start);
      if (end - start > this.#maxLineLength) {
        if (runStart < start) pieces.push({ bytes: lines.subarray(runStart, start), continued: false });
        let rest: Buffer = lines.subarray(start, end);
        while (rest.length > this.#maxLineLength) rest = this.#cutPiece(rest, pieces);
        pieces.push({ bytes: Buffer.concat([rest, newlineBuffer]), continued: false });
        runStart = end + 1;
      }
      start = end + 1;
    }
    if (runStart < lines.length) pieces.push({ bytes: lines.subarray(runStart), continued: false });
  }

  /**
   * Whether whole `lines` hold one longer than the cap, by strides of the cap rather than line by line: a line
   * starting at `start` fits if a newline lies within the cap from it, and every line before that newline fits.
   */
  #holdsLongLine(lines: Buffer): boolean {
    for (let start = 0; start + this.#maxLineLength < lines.length; ) {
      const end = lines.lastIndexOf(newline, start + this.#maxLineLength);
      if (end < start) return true;
      start = end + 1;
    }
    return false;
  }

  #cutHeld(pieces: LinePiece[]): void {
    if (this.#heldLength <= this.#maxLineLength) return;
    let rest: Buffer = Buffer.concat(this.#held, this.#heldLength);
    while (rest.length > this.#maxLineLength) rest = this.#cutPiece(rest, pieces);
    this.#held = rest.length > 0 ? [rest] : [];
    this.#heldLength = rest.length;
  }

  /** Emits the first piece of `line` (no newline in it) and returns the rest. */
  #cutPiece(line: Buffer, pieces: LinePiece[]): Buffer {
    const cut = utf8Boundary(line, this.#maxLineLength);
    pieces.push({ bytes: Buffer.concat([line.subarray(0, cut), newlineBuffer]), continued: true });
    return line.subarray(cut);
  }
}

/** Moves a cut back by up to 3 bytes so it does not split a UTF-8 character (text that is not UTF-8 is cut where asked). */
function utf8Boundary(bytes: Buffer, at: number): number {
  for (let cut = at; cut > 0 && cut > at - 4; cut--) {
    if (((bytes[cut] ?? 0) & 0xc0) !== 0x80) return cut;
  }
  return at;
}
