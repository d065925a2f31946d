import { deferred, type Deferred } from '../child/deferred.js';
import { invalid } from '../validate.js';
import type { ManagerEvent, TopicMessage } from './events.js';

export interface SubscribeOptions {
  /** Messages kept for a subscriber that has not read them yet; past it the oldest are dropped (and counted). */
  bufferSize?: number;
}

/**
 * The messages of one topic pattern, read with `for await`. Publishing never waits for the reader: a reader
 * that falls more than `bufferSize` messages behind loses the oldest, and `dropped` says how many.
 */
export class Subscription implements AsyncIterable<TopicMessage> {
  readonly topic: string;
  readonly bufferSize: number;
  #dropped = 0;
  #queue: TopicMessage[] = [];
  #head = 0;
  #waiting: Deferred<IteratorResult<TopicMessage>> | undefined;
  #closed = false;
  readonly #matches: (topic: string) => boolean;

  constructor(topic: string, options: SubscribeOptions = {}) {
    this.topic = topic;
    this.bufferSize = options.bufferSize ?? 1_000;
    if (!Number.isInteger(this.bufferSize) || this.bufferSize < 1) throw invalid('bufferSize', 'expected an integer ≥ 1');
    this.#matches = compilePattern(topic);
  }

  get dropped(): number {
    return this.#dropped;
  }
  get closed(): boolean {
    return this.#closed;
  }
  /** Messages waiting to be read. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  matches(topic: string): boolean {
    return this.#matches(topic);
  }

  push(message: TopicMessage): void {
    if (this.#closed) return;
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve({ value: message, done: false });
      return;
    }
    this.#queue.push(message);
    if (this.pending > this.bufferSize) {
      this.#head += 1;
      this.#dropped += 1;
    }
    if (this.#head > 1_024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  next(): Promise<IteratorResult<TopicMessage>> {
    if (this.pending > 0) {
      const value = this.#queue[this.#head]!;
      this.#head += 1;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    this.#waiting ??= deferred();
    return this.#waiting.promise;
  }

  /** Ends the iteration once the messages already received have been read. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiting?.resolve({ value: undefined, done: true });
    this.#waiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<TopicMessage> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Subscriptions by topic pattern; publishing is synchronous and costs one pattern test per subscriber. */
export class TopicBus {
  readonly #subscriptions = new Set<Subscription>();

  subscribe(topic: string, options?: SubscribeOptions): Subscription {
    const subscription = new Subscription(topic, options);
    this.#subscriptions.add(subscription);
    return subscription;
  }

  unsubscribe(subscription: Subscription): void {
    this.#subscriptions.delete(subscription);
    subscription.close();
  }

  publish(topics: readonly string[], event: ManagerEvent): void {
    for (const subscription of this.#subscriptions) {
      const topic = topics.find((candidate) => subscription.matches(candidate));
      if (topic !== undefined) subscription.push({ topic, event });
    }
  }

  get size(): number {
    return this.#subscriptions.size;
  }
}

/**
 * Topics are dot-separated. In a pattern `*` stands for one segment, and as the last segment for one or more:
 * `job.*` is every job event, `job.default.web.*` every event of default.web, `proc.*.exit` every exit.
 */
export function compilePattern(pattern: string): (topic: string) => boolean {
  if (typeof pattern !== 'string' || pattern === '' || pattern.split('.').some((part) => part === '')) {
    throw invalid('topic', `expected a dotted topic such as "job.default.web.exit" or "job.*", got ${JSON.stringify(pattern)}`);
  }
  const parts = pattern.split('.');
  const last = parts.length - 1;
  return (topic) => {
    const segments = topic.split('.');
    for (let index = 0; index < parts.length; index++) {
      if (index >= segments.length) return false;
      if (parts[index] === '*') {
        if (index === last) return true;
        continue;
      }
      if (parts[index] !== segments[index]) return false;
    }
    return segments.length === parts.length;
  };
}
