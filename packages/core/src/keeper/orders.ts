const noop = () => {};

/**
 * Orders on one subject (a Keeper, a Manager's job) run one at a time, in the order they were given: an order
 * computed from the current state (scale "+1") sees what the orders before it left. `interrupt()` cuts short
 * every order given so far (their `signal` aborts; one not begun yet begins aborted); later orders run as usual.
 */
export class OrderQueue {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #pending = new Set<AbortController>();

  run<T>(order: (signal: AbortSignal) => T | Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.#pending.add(controller);
    const run = this.#tail.then(() => order(controller.signal));
    const settled = run.finally(() => this.#pending.delete(controller));
    this.#tail = settled.catch(noop);
    return settled;
  }

  /** Orders are given and not finished yet. */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  interrupt(reason?: unknown): void {
    for (const controller of this.#pending) controller.abort(reason);
  }
}

/** Resolves or rejects as `promise` does, or rejects with the signal's reason once it aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
