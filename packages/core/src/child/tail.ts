/** Keeps the last `limit` bytes of a stream, for error reports (the stderr tail of a crashed process). */
export class Tail {
  #chunks: Buffer[] = [];
  #length = 0;

  constructor(readonly limit = 4096) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    while (this.#chunks.length > 1 && this.#length - this.#chunks[0]!.length >= this.limit) {
      this.#length -= this.#chunks.shift()!.length;
    }
  }

  toString(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}
