import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ChildHandler, type ChildHandlerOptions } from '@pool/core';
import { tempDir } from '@pool/testing';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Children and temp dirs made by a test; `cleanup()` (in afterEach) kills and removes them all. */
export class Scope {
  readonly #children: ChildHandler[] = [];
  readonly #temps: { remove: () => void }[] = [];
  readonly #closers: (() => Promise<unknown>)[] = [];

  /** A ChildHandler running `node <fixture>` (or `node -e <script>`), started. */
  async run(script: string, options: Partial<ChildHandlerOptions> & { env?: NodeJS.ProcessEnv } = {}): Promise<ChildHandler> {
    const args = script.endsWith('.cjs') || script.endsWith('.mjs') ? [fixture(script)] : ['-e', script];
    const child = new ChildHandler({ command: process.execPath, args, job: 'web', id: 0, ...options, env: { ...process.env, ...options.env } });
    this.#children.push(child);
    await child.start();
    return child;
  }

  temp(): string {
    const temp = tempDir('pool-log-transports-');
    this.#temps.push(temp);
    return temp.path;
  }

  /** Something to close at cleanup (a transport). */
  closes<T extends { close(): Promise<unknown> }>(closable: T): T {
    this.#closers.push(() => closable.close());
    return closable;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#children.splice(0).map((child) => child.stop({ gracefulTimeout: 0 })));
    await Promise.all(this.#closers.splice(0).map((close) => close().catch(() => {})));
    for (const temp of this.#temps.splice(0)) temp.remove();
  }
}

/** A Writable that takes writes only while open: closed, it holds their callbacks (a stalled sink). */
export class GateWritable extends Writable {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  #open: boolean;
  #held: (() => void)[] = [];
  readonly #keep: boolean;

  constructor(options: { open?: boolean; highWaterMark?: number; keep?: boolean } = {}) {
    super({ highWaterMark: options.highWaterMark ?? 16 * 1024 });
    this.#open = options.open ?? true;
    this.#keep = options.keep ?? true;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.#keep) this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.#open) callback();
    else this.#held.push(callback);
  }

  open(): void {
    this.#open = true;
    for (const callback of this.#held.splice(0)) callback();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The numbers of the lines "<tag> <n> …" in `text`, in order. */
export function lineNumbers(text: string, tag = 'line'): number[] {
  const pattern = new RegExp(`^${tag} (\\d+) `);
  return text
    .split('\n')
    .map((line) => pattern.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]));
}

export const range = (count: number, start = 0): number[] => Array.from({ length: count }, (_, index) => start + index);
