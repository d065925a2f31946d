import { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { commandLineOf, readProcessStat } from '../proc.js';
import { cgroups } from './cgroup.js';
import { sendSignal } from './kill.js';
import { loadNative, nativeMissing, type Native } from './native.js';

/**
 * Orphans: what a job's processes leave behind when they exit before their own children (a daemon's double fork,
 * `cmd &` in a script that ends). The kernel gives them to the nearest "child subreaper", else to PID 1. Node
 * reaps only the children it spawned itself, so as PID 1 (a container's entrypoint) every orphan that exits
 * stays a zombie, filling the pid table; and elsewhere the orphans escape to init, out of pool's sight.
 *
 * Enabled, this master is a subreaper (PID 1 already is one), and:
 * - an orphan that exited is reaped (`waitpid` of its pid, through @pool/native);
 * - a live orphan that left its job's process group — and, without cgroups, would outlive its job — is ended
 *   (SIGTERM, SIGKILL 2 s later) and the end logged. Where each child has a cgroup (cgroup.ts), its cgroup
 *   ends it with its job instead, and it is left to run until then.
 * Children this process spawned itself (libuv reaps those) are known from `ChildProcess.prototype.spawn`,
 * wrapped while enabled; nothing else is ever waited for. Scans run on SIGCHLD and every 5 s.
 *
 * Without @pool/native (not built: no compiler at install) it does nothing but say so: PID 1 then needs an init
 * in front (`docker run --init`, tini).
 */
export type OrphanMode = 'pid1' | 'subreaper' | 'unavailable';

/** Where it says what it did: a pino logger, or anything with `warn(details, message)`. */
export interface OrphanLogger {
  warn(details: object, message: string): void;
}

const sweepInterval = 5_000;
const killAfter = 2_000;

class OrphanReaper {
  #mode: OrphanMode | undefined;
  #why = '';
  #native: Native | null = null;
  readonly #known = new Set<number>();
  readonly #ending = new Map<number, NodeJS.Timeout>();
  #logger: (() => OrphanLogger) | undefined;
  #scheduled = false;

  get mode(): OrphanMode | undefined {
    return this.#mode;
  }
  get why(): string {
    return this.#why;
  }

  /** Makes this process the reaper of its descendants' orphans (once; later calls only update the logger). */
  enable(logger?: () => OrphanLogger): OrphanMode {
    if (logger) this.#logger = logger;
    if (this.#mode) return this.#mode;
    this.#native = loadNative();
    if (!this.#native) {
      this.#why = nativeMissing();
      this.#mode = 'unavailable';
      if (process.pid === 1) this.#logger?.().warn({}, `pool is PID 1 but cannot reap orphaned processes (${this.#why}): run it under an init (docker run --init, tini)`);
      return this.#mode;
    }
    if (process.pid !== 1) {
      try {
        this.#native.setChildSubreaper();
      } catch (error) {
        this.#why = (error as Error).message;
        this.#mode = 'unavailable';
        return this.#mode;
      }
    }
    this.#mode = process.pid === 1 ? 'pid1' : 'subreaper';
    // Children spawned before now are this process's own, not orphans (libuv waits for them).
    for (const pid of childrenOf(process.pid)) this.#known.add(pid);
    this.#wrapSpawn();
    process.on('SIGCHLD', () => this.#schedule());
    setInterval(() => this.#scan(), sweepInterval).unref();
    return this.#mode;
  }

  #wrapSpawn(): void {
    const known = this.#known;
    // Every spawn of node:child_process (spawn, exec, execFile, fork) goes through this method (untyped).
    const prototype = ChildProcess.prototype as unknown as { spawn: (this: ChildProcess, ...args: unknown[]) => unknown };
    const spawn = prototype.spawn;
    prototype.spawn = function (this: ChildProcess, ...args: unknown[]) {
      const result = spawn.apply(this, args);
      const pid = this.pid;
      if (pid !== undefined) {
        known.add(pid);
        this.once('exit', () => known.delete(pid));
      }
      return result;
    };
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After this turn: the SIGCHLD of a child libuv spawned is handled first (its 'exit' forgets it).
    setTimeout(() => {
      this.#scheduled = false;
      this.#scan();
    }, 20).unref();
  }

  #scan(): void {
    const native = this.#native;
    if (!native) return;
    for (const pid of childrenOf(process.pid)) {
      if (this.#known.has(pid)) continue;
      const stat = readProcessStat(pid);
      if (!stat || stat.ppid !== process.pid) continue;
      if (stat.state === 'Z') {
        if (native.reap(pid)) {
          clearTimeout(this.#ending.get(pid));
          this.#ending.delete(pid);
        }
        continue;
      }
      // Left alone: one being ended, one its cgroup ends with its job, one still in a running child's group.
      if (this.#ending.has(pid) || cgroups.mode === 'cgroup' || this.#known.has(stat.pgid)) continue;
      this.#end(pid);
    }
  }

  #end(pid: number): void {
    const command = commandLineOf(pid)?.trim() ?? '?';
    this.#logger?.().warn({ pid, command }, `process ${pid} (${command}) left its job's process group and outlived its parent: ending it`);
    sendSignal(pid, 'SIGTERM');
    this.#ending.set(
      pid,
      setTimeout(() => {
        this.#ending.delete(pid);
        sendSignal(pid, 'SIGKILL');
      }, killAfter).unref(),
    );
  }
}

/** This process's children: /proc/<pid>/task/<tid>/children of every thread, else a pass over /proc. */
function childrenOf(pid: number): number[] {
  try {
    const found: number[] = [];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ')) if (child) found.push(Number(child));
    }
    return found;
  } catch {
    try {
      return readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number)
        .filter((candidate) => readProcessStat(candidate)?.ppid === pid);
    } catch {
      return [];
    }
  }
}

export const orphans = new OrphanReaper();
