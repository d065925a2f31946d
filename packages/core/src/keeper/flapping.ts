export interface FlappingOptions {
  /** Failures within `window` that make the pool flapping. */
  attempts: number;
  window: number;
  /** How long to wait before trying again. */
  retryIn: number;
  /** Rounds of flapping before giving up for good (0: never give up). */
  maxRetry: number;
}

export const defaultFlapping: FlappingOptions = { attempts: 5, window: 10_000, retryIn: 7_000, maxRetry: 5 };

export type FlappingVerdict = { kind: 'ok' } | { kind: 'pause'; round: number } | { kind: 'give-up'; round: number };

/** Listens to failures (crashes, failed starts, timeouts) and says when a pool or job is crashing in a loop. */
export class FlappingDetector {
  #failures: number[] = [];
  #round = 0;

  constructor(readonly options: FlappingOptions) {}

  get round(): number {
    return this.#round;
  }

  record(at = Date.now()): FlappingVerdict {
    const since = at - this.options.window;
    this.#failures = this.#failures.filter((time) => time > since);
    this.#failures.push(at);
    if (this.#failures.length < this.options.attempts) return { kind: 'ok' };
    this.#failures = [];
    this.#round += 1;
    if (this.options.maxRetry > 0 && this.#round > this.options.maxRetry) return { kind: 'give-up', round: this.#round };
    return { kind: 'pause', round: this.#round };
  }

  /** A stretch without failures: forget the rounds. */
  reset(): void {
    this.#failures = [];
    this.#round = 0;
  }
}

/**
 * The flapping policy of a Keeper: the detector, plus the pause it orders. While paused, no process is
 * restarted; `resume` runs when the pause ends. Off (`false`): never pauses.
 */
export class FlappingGuard {
  readonly #detector: FlappingDetector | undefined;
  #pauseTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: FlappingOptions | false) {
    this.#detector = options ? new FlappingDetector(options) : undefined;
  }

  get round(): number {
    return this.#detector?.round ?? 0;
  }
  get paused(): boolean {
    return this.#pauseTimer !== undefined;
  }

  /** A failed run. On `pause`, `resume` is called after `retryIn`. */
  failed(resume: () => void): FlappingVerdict {
    if (!this.#detector || !this.options) return { kind: 'ok' };
    const verdict = this.#detector.record();
    if (verdict.kind === 'pause') {
      clearTimeout(this.#pauseTimer);
      this.#pauseTimer = setTimeout(() => {
        this.#pauseTimer = undefined;
        resume();
      }, this.options.retryIn);
    }
    return verdict;
  }

  /** A run that lasted: forget the failures and rounds. */
  succeeded(): void {
    this.#detector?.reset();
  }

  cancel(): void {
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
  }

  reset(): void {
    this.cancel();
    this.#detector?.reset();
  }
}
