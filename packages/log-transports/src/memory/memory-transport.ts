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
  /**
   * Bytes kept for all processes together (each line counted with its bookkeeping). Past it, lines are dropped
   * from the processes that keep the most, down to 90 %: a flood of one never pushes out another's last lines.
   * Default 64 MiB.
   */
  totalBytes?: number | string;
  maxLineLength?: number;
}

interface ProcessLog {
  ring: Ring<MemoryRecord>;
  job: string;
  worker: number;
  /** Streams of the process still open. */
  open: number;
}

const known = ['lines', 'bytes', 'keepExited', 'totalBytes', 'maxLineLength'];

export interface MemoryStats {
  processes: number;
  lines: number;
  /** What the kept lines weigh, their bookkeeping included. */
  bytes: number;
  /** `totalBytes`. */
  limit: number;
  /** Lines dropped to stay within `totalBytes` (not those a process's own `lines` / `bytes` rotated out). */
  dropped: number;
}

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
  readonly #totalBytes: number;
  #weight = 0;
  #dropped = 0;
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
    this.#totalBytes = options.totalBytes === undefined ? 64 * 1024 * 1024 : parseSize(options.totalBytes, 'memoryTransport.totalBytes');
  }

  /** What is kept, against the global cap, and what that cap dropped. */
  stats(): MemoryStats {
    let lines = 0;
    for (const log of this.#processes.values()) lines += log.ring.size;
    return { processes: this.#processes.size, lines, bytes: this.#weight, limit: this.#totalBytes, dropped: this.#dropped };
  }

  openWriter(source: OutputSource): SourceWriter {
    let log = this.#processes.get(source.pid);
    if (log && log.open === 0) {
      // The pid of an ended process, reused: its lines stay apart from the new process's.
      const index = this.#exited.indexOf(source.pid);
      if (index !== -1) this.#exited.splice(index, 1);
      this.#weight -= log.ring.weight;
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
    const before = log.ring.weight;
    for (const record of copy.records()) {
      const kept: MemoryRecord = { ...record, seq: ++this.#seq };
      log.ring.push(kept);
      for (const subscription of this.#subscriptions) subscription.offer(kept);
    }
    this.#weight += log.ring.weight - before;
    if (this.#weight > this.#totalBytes) this.#trim();
  }

  /**
   * Down to 90 % of the cap, taking from the heaviest first: every process is cut to one common weight, the
   * largest that fits (water-filling), so that lighter ones keep all they have.
   */
  #trim(): void {
    const target = Math.floor(this.#totalBytes * 0.9);
    const logs = [...this.#processes.values()].sort((a, b) => a.ring.weight - b.ring.weight);
    let level = 0;
    let rest = target;
    for (let index = 0; index < logs.length; index++) {
      const share = Math.floor(rest / (logs.length - index));
      const weight = logs[index]!.ring.weight;
      if (weight > share) {
        level = share;
        break;
      }
      rest -= weight;
      level = weight;
    }
    let weight = 0;
    for (const log of logs) {
      if (log.ring.weight > level) this.#dropped += log.ring.trimTo(level);
      weight += log.ring.weight;
    }
    this.#weight = weight;
  }

  #ended(pid: number, log: ProcessLog): void {
    if (--log.open > 0) return;
    this.#exited.push(pid);
    while (this.#exited.length > this.#keepExited) {
      const oldest = this.#exited.shift()!;
      const gone = this.#processes.get(oldest);
      if (gone?.open !== 0) continue;
      this.#weight -= gone.ring.weight;
      this.#processes.delete(oldest);
    }
  }
}

export function memoryTransport(options?: MemoryTransportOptions): MemoryTransport {
  return new MemoryTransport(options);
}
