import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isPoolError, Supervisor, type PoolError, type SupervisorOptions } from '@pool/core';
import { ProcessTracker, type TrackedProcess } from '@pool/testing';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A Writable that keeps everything written to it. */
export class MemorySink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    callback();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  lines(): string[] {
    return this.text().split('\n').filter(Boolean);
  }
}

/** Supervisors made in a test, all stopped (at once) in afterEach. */
export class Pools {
  readonly #pools: Supervisor[] = [];

  create(options: SupervisorOptions): Supervisor {
    const supervisor = new Supervisor({ logger: false, ...options });
    this.#pools.push(supervisor);
    return supervisor;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#pools.splice(0).map((pool) => pool.stop({ gracefulTimeout: 0 })));
  }
}

/** Runs test/fixtures/master.mjs in its own process; resolves once it has bound its socket. */
export async function runMaster(
  tracker: ProcessTracker,
  module: string,
  workers: number,
  env: Record<string, string> = {},
): Promise<TrackedProcess & { port: number }> {
  const master = tracker.spawn(process.execPath, [fixture('master.mjs'), fixture(module), String(workers)], {
    env: { ...process.env, POOL_LOG_LEVEL: 'warn', ...env },
  });
  const [, port] = await master.waitForOutput(/PORT (\d+)/);
  return Object.assign(master, { port: Number(port) });
}

/** The pids that answered READY, by worker id (the latest per id). */
export function readyPids(output: string): Map<number, number> {
  const pids = new Map<number, number>();
  for (const match of output.matchAll(/READY (\d+) (\d+)/g)) pids.set(Number(match[1]), Number(match[2]));
  return pids;
}

/** The PoolError that `run` throws (any other error, or none, fails the test). */
export function caught(run: () => unknown): PoolError {
  try {
    run();
  } catch (error) {
    if (isPoolError(error)) return error;
    throw error;
  }
  throw new Error('expected a PoolError');
}

/** The PoolError that `promise` rejects with (any other error, or none, fails the test). */
export async function rejected(promise: Promise<unknown>): Promise<PoolError> {
  try {
    await promise;
  } catch (error) {
    if (isPoolError(error)) return error;
    throw error;
  }
  throw new Error('expected a PoolError');
}
