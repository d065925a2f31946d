/** What a kept item costs beyond its bytes (the record object and its Buffer view), for the global cap. */
export const itemOverhead = 160;

/** The last `capacity` items that together weigh at most `maxBytes` (the newest item is always kept). */
export class Ring<T extends { line: Buffer }> {
  readonly #items: (T | undefined)[];
  readonly #maxBytes: number;
  #start = 0;
  #count = 0;
  #bytes = 0;

  constructor(capacity: number, maxBytes: number) {
    this.#items = new Array<T | undefined>(capacity);
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#count;
  }

  /** Its lines' bytes plus `itemOverhead` for each: what it holds in memory, near enough. */
  get weight(): number {
    return this.#bytes + this.#count * itemOverhead;
  }

  push(item: T): void {
    const capacity = this.#items.length;
    if (this.#count === capacity) this.#dropOldest();
    this.#items[(this.#start + this.#count) % capacity] = item;
    this.#count++;
    this.#bytes += item.line.length;
    while (this.#bytes > this.#maxBytes && this.#count > 1) this.#dropOldest();
  }

  /** Drops the oldest items until it weighs at most `weight` (the newest is kept); returns how many went. */
  trimTo(weight: number): number {
    let dropped = 0;
    while (this.weight > weight && this.#count > 1) {
      this.#dropOldest();
      dropped++;
    }
    return dropped;
  }

  /** The newest `count` items, oldest first. */
  last(count = this.#count): T[] {
    const taken = Math.min(count, this.#count);
    const result: T[] = [];
    for (let index = this.#count - taken; index < this.#count; index++) result.push(this.#items[(this.#start + index) % this.#items.length]!);
    return result;
  }

  #dropOldest(): void {
    const oldest = this.#items[this.#start]!;
    this.#items[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.#items.length;
    this.#count--;
    this.#bytes -= oldest.line.length;
  }
}
