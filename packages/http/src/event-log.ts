/** One event as the HTTP adapter streams it: a sequence number (the SSE id), its topic and its payload. */
export interface LoggedEvent {
  id: number;
  topic: string;
  event: string;
  data: unknown;
}

/**
 * The recent events, numbered, so that a Server-Sent Events client that reconnects with `Last-Event-ID`
 * gets what it missed (as long as it is still in the bounded buffer).
 */
export class EventLog {
  #next = 1;
  #buffer: LoggedEvent[] = [];
  readonly #listeners = new Set<(event: LoggedEvent) => void>();

  constructor(readonly capacity = 1_000) {}

  append(topic: string, event: string, data: unknown): LoggedEvent {
    const entry = { id: this.#next++, topic, event, data };
    this.#buffer.push(entry);
    if (this.#buffer.length > this.capacity) this.#buffer.splice(0, this.#buffer.length - this.capacity);
    for (const listener of this.#listeners) listener(entry);
    return entry;
  }

  /** Buffered events after `lastId`. */
  since(lastId: number): LoggedEvent[] {
    return this.#buffer.filter((entry) => entry.id > lastId);
  }

  listen(listener: (event: LoggedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
