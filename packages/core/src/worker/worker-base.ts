import { deferred } from '../child/deferred.js';
import { serializeError, type SocketDescriptor, type WorkerMessage } from '../protocol.js';
import { workerContext } from './context.js';

export type WorkerCallback = () => void | Promise<void>;

const marker = Symbol.for('pool.worker-base');

/**
 * The code that runs inside a worker process (aioworkerpool's `worker.WorkerBase`). Subclass it, implement
 * `main(signal)`, and register `onStart`/`onShutdown` callbacks. The worker reports ready once its onStart
 * callbacks have run, sends heartbeats from its own event loop, and ends itself if its master goes away.
 */
export abstract class WorkerBase {
  /** Marks subclasses across copies of @pool/core (`instanceof` would not). */
  static readonly [marker] = true;

  /** The logical worker id, 0 … workers-1; a replacement keeps the id of the worker it replaces. */
  readonly id: number;
  readonly pid = process.pid;
  /** The sockets the master bound for this pool, by name: listen on `sockets.<name>.fd`. */
  readonly sockets: Readonly<Record<string, SocketDescriptor>>;
  /** The master's `preserveFds`, as numbered in this process (from 3 + the number of sockets). */
  readonly preservedFds: readonly number[];

  readonly #startCallbacks: WorkerCallback[] = [];
  readonly #shutdownCallbacks: WorkerCallback[] = [];
  readonly #abort = new AbortController();
  readonly #stopped = deferred<void>();
  #running = false;
  #stopRequested = false;
  #finishing: Promise<never> | undefined;

  constructor() {
    const context = workerContext();
    this.id = context.id;
    this.sockets = context.sockets;
    this.preservedFds = context.preservedFds;
  }

  /** The worker's loop. Return once `isRunning()` is false (or await `untilStopped()`); `signal` aborts on interrupt. */
  abstract main(signal: AbortSignal): unknown;

  onStart(callback: WorkerCallback): this {
    this.#startCallbacks.push(callback);
    return this;
  }

  onShutdown(callback: WorkerCallback): this {
    this.#shutdownCallbacks.push(callback);
    return this;
  }

  isRunning(): boolean {
    return this.#running;
  }

  /** Resolves when the worker is asked to stop: `await this.untilStopped()` is a main loop that polls nothing. */
  untilStopped(): Promise<void> {
    return this.#stopped.promise;
  }

  /** Marks the worker as stopping: `isRunning()` turns false and `untilStopped()` resolves. */
  stop(): void {
    this.#stopRequested = true;
    this.#running = false;
    this.#stopped.resolve();
  }

  /** SIGTERM: stop, let `main()` return, run the shutdown callbacks, exit. */
  terminate(): void {
    this.stop();
  }

  /** SIGINT: abort `main()`'s signal, run the shutdown callbacks, exit without waiting for `main()`. */
  interrupt(): Promise<never> {
    this.stop();
    this.#abort.abort(new Error('interrupted'));
    return this.#finish(0);
  }

  /** Runs the worker: onStart callbacks → ready → main(signal) → onShutdown callbacks → exit. */
  async start(): Promise<never> {
    const context = workerContext();
    process.on('SIGTERM', () => this.terminate());
    process.on('SIGINT', () => (this.#finishing ? process.exit(130) : void this.interrupt()));
    process.on('disconnect', () => this.#masterLost(context.shutdownTimeout));
    if (process.send && context.heartbeatInterval > 0) {
      setInterval(() => send({ type: 'pool:heartbeat' }), context.heartbeatInterval).unref();
    }
    this.#running = !this.#stopRequested;
    try {
      for (const callback of this.#startCallbacks) await callback();
    } catch (error) {
      return this.#fail('start', error);
    }
    if (this.#stopRequested) return this.#finish(0);
    send({ type: 'pool:ready' });
    try {
      await this.main(this.#abort.signal);
    } catch (error) {
      if (!this.#abort.signal.aborted) return this.#fail('main', error);
    }
    return this.#finish(0);
  }

  #masterLost(deadline: number): void {
    // Nobody is left to wait for: cut main short and shut down, within a deadline.
    setTimeout(() => process.exit(1), deadline).unref();
    void this.interrupt();
  }

  #fail(phase: 'start' | 'main', error: unknown): Promise<never> {
    console.error(`[pool] worker ${this.id} (pid ${this.pid}) failed in ${phase === 'start' ? 'onStart' : 'main'}:`, error);
    send({ type: 'pool:failed', phase, error: serializeError(error) });
    return this.#finish(1);
  }

  #finish(code: number): Promise<never> {
    this.#finishing ??= (async () => {
      this.#running = false;
      let exitCode = code;
      for (const callback of this.#shutdownCallbacks) {
        try {
          await callback();
        } catch (error) {
          console.error(`[pool] worker ${this.id} (pid ${this.pid}): an onShutdown callback failed:`, error);
          exitCode = exitCode || 1;
        }
      }
      return exitAfterFlush(exitCode);
    })();
    return this.#finishing;
  }
}

export function isWorkerClass(value: unknown): value is new () => WorkerBase {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[marker] === true;
}

export function isWorkerInstance(value: unknown): value is WorkerBase {
  return typeof value === 'object' && value !== null && isWorkerClass((value as object).constructor);
}

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/** Exit once what was written to stdout/stderr has been handed to the pipes. */
function exitAfterFlush(code: number): Promise<never> {
  return new Promise<never>(() => {
    let pending = 2;
    const done = () => {
      if (--pending === 0) process.exit(code);
    };
    process.stdout.write('', done);
    process.stderr.write('', done);
  });
}
