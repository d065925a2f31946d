import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  /** Generous by default: a loaded 2-core CI machine is slow. */
  timeout?: number;
  interval?: number;
  message?: string;
}

/** Waits until `check` returns something truthy (and returns it), or fails after `timeout` ms. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeout = 30_000, interval = 25, message = 'condition' } = options;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Resolves with the first `event` whose payload passes `filter`, or fails after `timeout` ms. */
export function onceEvent<T = unknown>(
  emitter: EventEmitter,
  event: string,
  options: { filter?: (payload: T) => boolean; timeout?: number } = {},
): Promise<T> {
  const { filter = () => true, timeout = 30_000 } = options;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeout} ms waiting for event "${event}"`));
    }, timeout);
    const listener = (payload: T) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(payload);
    };
    emitter.on(event, listener);
  });
}
