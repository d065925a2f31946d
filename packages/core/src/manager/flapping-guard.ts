import { FlappingDetector, type FlappingOptions, type FlappingVerdict } from '../supervisor/flapping.js';

/**
 * A job's flapping policy: the Supervisor's FlappingDetector, plus the pause it orders. While paused, no
 * process of the job is restarted; `resume` runs when the pause ends.
 */
export class FlappingGuard {
  readonly options: FlappingOptions | false;
  #detector: FlappingDetector | undefined;
  #round = 0;
  #pauseTimer: NodeJS.Timeout | undefined;

  constructor(options: FlappingOptions | false) {
    this.options = options;
    this.reset();
  }

  get round(): number {
    return this.#round;
  }
  get paused(): boolean {
    return this.#pauseTimer !== undefined;
  }

  /** A failed run. On `pause`, `resume` is called after `retryIn`. */
  failed(resume: () => void): FlappingVerdict {
    if (!this.#detector || !this.options) return { kind: 'ok' };
    const verdict = this.#detector.record();
    if (verdict.kind === 'ok') return verdict;
    this.#round = verdict.round;
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
    this.#round = 0;
  }

  cancel(): void {
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
  }

  reset(): void {
    this.cancel();
    this.#detector = this.options ? new FlappingDetector(this.options) : undefined;
    this.#round = 0;
  }
}
