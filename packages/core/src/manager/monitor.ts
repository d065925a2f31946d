import type { Logger } from '../logger.js';
import type { JobStats, ProcessStats } from './stats.js';

export type MonitorListener = (stats: JobStats | ProcessStats) => void;

/** A job (`session.name`) or one process (its pid). */
export type MonitorTarget = string | number;

interface Entry {
  target: MonitorTarget;
  listeners: Set<MonitorListener>;
}

/**
 * gaffer's monitor/unmonitor: listeners get the stats of a job or process every `interval`. The one timer
 * exists only while someone monitors, so nothing is sampled when nobody looks.
 */
export class Monitors {
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly interval: number,
    readonly sample: (target: MonitorTarget) => JobStats | ProcessStats | undefined,
    readonly logger: Logger,
  ) {}

  /** What is being sampled now. */
  get targets(): MonitorTarget[] {
    return [...this.#entries.values()].map((entry) => entry.target);
  }

  add(listener: MonitorListener, target: MonitorTarget): void {
    const key = String(target);
    const entry = this.#entries.get(key) ?? { target, listeners: new Set() };
    entry.listeners.add(listener);
    this.#entries.set(key, entry);
    this.#timer ??= setInterval(() => this.#tick(), this.interval).unref();
  }

  remove(listener: MonitorListener, target: MonitorTarget): void {
    const key = String(target);
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.listeners.delete(listener);
    if (entry.listeners.size === 0) this.#entries.delete(key);
    if (this.#entries.size === 0) this.close();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#entries.clear();
  }

  #tick(): void {
    for (const [key, entry] of this.#entries) {
      const stats = this.sample(entry.target);
      // A job that was unloaded or a process that exited is no longer monitored.
      if (!stats) {
        this.#entries.delete(key);
        continue;
      }
      for (const listener of entry.listeners) {
        try {
          listener(stats);
        } catch (error) {
          this.logger.error({ err: error, target: entry.target }, 'a monitor listener threw');
        }
      }
    }
    if (this.#entries.size === 0) this.close();
  }
}
