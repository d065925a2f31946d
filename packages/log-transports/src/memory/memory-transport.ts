import type { OutputSource } from '@pool/core';
import { LineBatch, type LogRecord } from '../framing/record.js';
import { checkInteger, checkMaxLineLength, checkOptions, parseSize } from '../options.js';
import { BaseTransport, type SourceWriter } from '../transport.js';
import { Ring } from './ring.js';
import { Subscription, type LineListener } from './subscription.js';

/** A record kept in memory; `seq` orders records across processes and streams. */
export interface MemoryRecord extends LogRecord {
  readonly seq: number;
}

export interface RecordFilter {
  job?: string;
  worker?: number;
  pid?: number;
  stream?: 'stdout' | 'stderr';
}

export interface TailOptions extends RecordFilter {
  /** How many of the newest lines; default all that are kept. */
  lines?: number;
}

export interface SubscribeOptions extends RecordFilter {
  /** Lines queued for a listener that is behind before the oldest are dropped. Default 10 000. */
  maxPending?: number;
}

export interface MemoryTransportOptions {
  /** Lines kept per process. Default 1000. */
  lines?: number;
  /** Bytes kept per process (the newest line is always kept). Default 1 MiB. */
  bytes?: number | string;
  /** Processes that have ended whose lines are still kept (the newest ones). Default 16. */
  keepExited?: number;
  maxLineLength?: number;
}

interface ProcessLog {
  ring: Ring<MemoryRecord>;
  job: string;
  worker: number;
  /** Streams of the process still open. */
  open: number;
}

const known = ['lines', 'bytes', 'keepExited', 'maxLineLength'];

function matches(filter: RecordFilter, record: { job: string; worker: number; pid: number; stream?: string }): boolean {
  return (
    (filter.job === undefined || filter.job === record.job) &&
    (filter.worker === undefined || filter.worker === record.worker) &&
    (filter.pid === undefined || filter.pid === record.pid) &&
    (filter.stream === undefined || record.stream === undefined || filter.stream === record.stream)
  );
}

/**
 * The last lines of each process, in memory: what `pool logs --lines` and the HTTP adapter's tail read, and
 * a feed of new lines. It never applies back-pressure: keeping a line costs one copy of its bytes.
 */
export class MemoryTransport extends BaseTransport {
  readonly #lines: number;
  readonly #bytes: number;
  readonly #keepExited: number;
  readonly #processes = new Map<number, ProcessLog>();
  readonly #exited: number[] = [];
  readonly #subscriptions = new Set<Subscription>();
  #seq = 0;

  constructor(options: MemoryTransportOptions = {}) {
    checkOptions(options, known, 'memoryTransport');
    super(checkMaxLineLength(options.maxLineLength, 'memoryTransport.maxLineLength'));
    this.#lines = checkInteger(options.lines, 'memoryTransport.lines', 1, 1000);
    this.#bytes = options.bytes === undefined ? 1024 * 1024 : parseSize(options.bytes, 'memoryTransport.bytes');
    this.#keepExited = checkInteger(options.keepExited, 'memoryTransport.keepExited', 0, 16);
  }

  openWriter(source: OutputSource): SourceWriter {
    let log = this.#processes.get(source.pid);
    if (log && log.open === 0) {
      // The pid of an ended process, reused: its lines stay apart from the new process's.
      const index = this.#exited.indexOf(source.pid);
      if (index !== -1) this.#exited.splice(index, 1);
      log = undefined;
    }
    if (!log) {
      log = { ring: new Ring<MemoryRecord>(this.#lines, this.#bytes), job: source.job, worker: source.worker, open: 0 };
      this.#processes.set(source.pid, log);
    }
    log.open++;
    const kept = log;
    return {
      write: (batch) => this.#keep(kept, batch),
      end: () => this.#ended(source.pid, kept),
    };
  }

  /** The newest lines of the matching processes, oldest first. */
  tail(options: TailOptions = {}): MemoryRecord[] {
    const lines = options.lines ?? Number.POSITIVE_INFINITY;
    const found: MemoryRecord[] = [];
    for (const [pid, log] of this.#processes) {
      if (!matches(options, { job: log.job, worker: log.worker, pid })) continue;
      for (const record of log.ring.last()) if (options.stream === undefined || record.stream === options.stream) found.push(record);
    }
    found.sort((a, b) => a.seq - b.seq);
    return Number.isFinite(lines) ? found.slice(Math.max(0, found.length - lines)) : found;
  }

  /** Processes with lines kept: `{ job, worker, pid, lines, running }`. */
  processes(): { job: string; worker: number; pid: number; lines: number; running: boolean }[] {
    return [...this.#processes].map(([pid, log]) => ({ job: log.job, worker: log.worker, pid, lines: log.ring.size, running: log.open > 0 }));
  }

  /** Calls `listener` for each new matching line; returns the function that stops it. */
  subscribe(listener: LineListener, options: SubscribeOptions = {}): () => void {
    const { maxPending = 10_000, ...filter } = options;
    const subscription = new Subscription(listener, (record) => matches(filter, record), maxPending);
    this.#subscriptions.add(subscription);
    return () => {
      subscription.close();
      this.#subscriptions.delete(subscription);
    };
  }

  override async close(): Promise<void> {
    for (const subscription of this.#subscriptions) subscription.close();
    this.#subscriptions.clear();
  }

  #keep(log: ProcessLog, batch: LineBatch): void {
    // One copy per batch: the records must not hold on to the pipe's read buffers.
    const copy = new LineBatch(batch.source, batch.time, Buffer.from(batch.bytes), batch.continued);
    for (const record of copy.records()) {
      const kept: MemoryRecord = { ...record, seq: ++this.#seq };
      log.ring.push(kept);
      for (const subscription of this.#subscriptions) subscription.offer(kept);
    }
  }

  #ended(pid: number, log: ProcessLog): void {
    if (--log.open > 0) return;
    this.#exited.push(pid);
    while (this.#exited.length > this.#keepExited) {
      const oldest = this.#exited.shift()!;
      if (this.#processes.get(oldest)?.open === 0) this.#processes.delete(oldest);
    }
  }
}

export function memoryTransport(options?: MemoryTransportOptions): MemoryTransport {
  return new MemoryTransport(options);
}
