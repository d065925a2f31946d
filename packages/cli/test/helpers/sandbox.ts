import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessTracker, tempDir, waitForDeath, type TrackedProcess } from '@pool/testing';
import { afterEach, beforeEach } from 'vitest';

export const builtBin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
export const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface PoolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const markerName = 'POOL_CLI_TEST_SANDBOX';

/**
 * A POOL_HOME and a work directory of one test file's own, and `pool` run in them. Everything started from a
 * sandbox (the daemon, its jobs, foreground runs) carries a marker in its environment, so that `cleanup()` ends
 * every one of them by pid, whatever state a failing test left them in.
 */
export class Sandbox {
  readonly root: string;
  readonly home: string;
  readonly work: string;
  readonly tracker = new ProcessTracker();
  readonly #remove: () => void;

  /** `command`: how to run pool (default: node and the built dist/bin.js). */
  constructor(readonly command: string[] = [process.execPath, builtBin]) {
    const directory = tempDir('pool-cli-');
    this.root = directory.path;
    this.#remove = directory.remove;
    this.home = join(this.root, 'home');
    this.work = join(this.root, 'work');
    mkdirSync(this.work);
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, POOL_HOME: this.home, NO_COLOR: '1', [markerName]: this.root };
    delete env.FORCE_COLOR;
    return { ...env, ...extra };
  }

  /** Runs `pool …` to its end (stdin closed). */
  run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PoolResult> {
    const [program, ...prefix] = this.command as [string, ...string[]];
    const child = this.tracker.spawn(program, [...prefix, ...args], { cwd: options.cwd ?? this.work, env: this.env(options.env) });
    return child.exited.then(({ code }) => ({ code, stdout: child.stdout(), stderr: child.stderr() }));
  }

  /** Runs `pool … --json`, expects exit code 0, parses stdout. */
  async json<Value>(args: string[], options: { cwd?: string } = {}): Promise<Value> {
    const result = await this.run([...args, '--json'], options);
    if (result.code !== 0) throw new Error(`pool ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as Value;
  }

  /** Starts `pool …` and returns at once: for `run`, `logs -f`, `events`. */
  start(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): TrackedProcess {
    const [program, ...prefix] = this.command as [string, ...string[]];
    return this.tracker.spawn(program, [...prefix, ...args], { cwd: options.cwd ?? this.work, env: this.env(options.env) });
  }

  file(name: string, content: string): string {
    const path = join(this.work, name);
    writeFileSync(path, content);
    return path;
  }

  daemonPid(): number | undefined {
    try {
      return Number.parseInt(readFileSync(join(this.home, 'pool.pid'), 'utf8'), 10) || undefined;
    } catch {
      return undefined;
    }
  }

  readJson<Value>(name: string): Value {
    return JSON.parse(readFileSync(join(this.home, name), 'utf8')) as Value;
  }

  /** Live processes started from this sandbox (zombies aside). */
  processes(): number[] {
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
        if (environ.split('\0').includes(`${markerName}=${this.root}`)) found.push(Number(entry));
      } catch {
        // Gone, or not ours to read.
      }
    }
    return found;
  }

  /**
   * The sandbox's processes still running once things have settled: waits up to `timeout` for none to be left.
   * The master's watchdog (core's reaper, a `/bin/sh` reading the master's pipe) ends by itself when that pipe
   * closes, a moment after the master exits: on a loaded machine it can still be seen right after.
   */
  async leftovers(timeout = 10_000): Promise<number[]> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const left = this.processes();
      if (left.length === 0 || Date.now() >= deadline) return left;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async cleanup(): Promise<void> {
    await this.tracker.cleanup();
    const left = this.processes();
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await waitForDeath(left, 15_000).catch(() => {});
    this.#remove();
  }
}

/** The line of `error POOL_X: …` output, parsed. */
export function errorOf(result: PoolResult): { code: string; message: string; hint: string } {
  return (JSON.parse(result.stderr) as { error: { code: string; message: string; hint: string } }).error;
}

/**
 * A fresh Sandbox for each test of the calling file, its daemon shut down and every process ended afterwards
 * (even when the test failed). Read `.current` inside a test.
 */
export function useSandbox(): { readonly current: Sandbox } {
  const holder = {} as { current: Sandbox };
  beforeEach(() => {
    holder.current = new Sandbox();
  });
  afterEach(async () => {
    await holder.current.run(['shutdown']);
    await holder.current.cleanup();
  });
  return holder;
}
