import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readProcessStat } from '../proc.js';
import { sendSignal } from './kill.js';

/**
 * Containment: each child in a cgroup (v2) of its own, so that what it starts is ended with it even when it
 * left its process group (`setsid`, `detached: true`, a daemonising double fork) — what systemd does for a
 * unit. Used where this master may create cgroups under its own (root, or a unit with systemd's `Delegate=yes`);
 * elsewhere pool falls back to process groups. `POOL_CGROUP=off` turns it off; `POOL_CGROUP=<dir>` names the
 * cgroup v2 directory to create the children's under (one this master may write to).
 *
 * Layout: `<own cgroup>/pool-<master pid>/<child pid>`. A child is moved in synchronously right after its
 * spawn, in the same tick, before the master runs another line: by then it has exec'd its program, which has
 * not got to its own code yet. The watchdog is told the master's directory, and kills it all if the master dies.
 */
export type ContainmentMode = 'cgroup' | 'process-group';

class Cgroups {
  #base: string | null | undefined;
  #why = '';

  /** Where the children's cgroups go, or null where cgroups cannot be used (probed once, on first use). */
  get base(): string | null {
    if (this.#base === undefined) this.#base = this.#probe();
    return this.#base;
  }

  get mode(): ContainmentMode {
    return this.base ? 'cgroup' : 'process-group';
  }

  /** Why cgroups are not used, in words (empty when they are). */
  get why(): string {
    void this.base;
    return this.#why;
  }

  /** Moves a just-spawned process into a cgroup of its own; its path, or undefined (then its group is all). */
  enter(pid: number): string | undefined {
    const base = this.base;
    if (!base) return undefined;
    const path = join(base, String(pid));
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'cgroup.procs'), String(pid));
      return path;
    } catch {
      // Gone already (ESRCH), or a stale directory of a reused pid: the process group still contains it.
      removeQuietly(path);
      return undefined;
    }
  }

  /** The processes in it now. */
  pids(path: string): number[] {
    try {
      return readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Signals the processes of the cgroup that are not in process group `group` (those the group signal missed). */
  signalEscaped(path: string, group: number, signal: NodeJS.Signals): void {
    for (const pid of this.pids(path)) if (readProcessStat(pid)?.pgid !== group) sendSignal(pid, signal);
  }

  /** SIGKILL to everything in it (`cgroup.kill`, or one by one on kernels before 5.14), then removes it once empty. */
  kill(path: string): void {
    try {
      writeFileSync(join(path, 'cgroup.kill'), '1');
    } catch {
      for (const pid of this.pids(path)) sendSignal(pid, 'SIGKILL');
    }
    this.#removeWhenEmpty(path, 0);
  }

  #removeWhenEmpty(path: string, tries: number): void {
    if (removeQuietly(path) || tries >= 200) return;
    setTimeout(() => this.#removeWhenEmpty(path, tries + 1), 10 + tries * 5).unref();
  }

  #probe(): string | null {
    const setting = process.env.POOL_CGROUP;
    if (setting === 'off' || setting === '0' || setting === 'false') return this.#unused('POOL_CGROUP=off');
    if (process.platform !== 'linux') return this.#unused('not Linux');
    const own = setting || ownCgroupDir();
    if (!own) return this.#unused('no cgroup v2 hierarchy is mounted');
    const base = join(own, `pool-${process.pid}`);
    removeStale(own);
    try {
      mkdirSync(base);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return this.#unused(`cannot create ${base} (${code ?? String(error)}): run as root, or under systemd with Delegate=yes`);
    }
    try {
      accessSync(join(base, 'cgroup.procs'), constants.W_OK);
    } catch (error) {
      removeQuietly(base);
      return this.#unused(`cannot move processes into ${base} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    process.once('exit', () => {
      for (const entry of safeList(base)) removeQuietly(join(base, entry));
      removeQuietly(base);
    });
    return base;
  }

  #unused(why: string): null {
    this.#why = why;
    return null;
  }
}

/** This process's own cgroup v2 directory: the cgroup2 mount (unified or hybrid) joined with its `0::` path. */
function ownCgroupDir(): string | undefined {
  let mounts: string;
  let membership: string;
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    membership = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  const own = /^0::(\/.*)$/m.exec(membership)?.[1];
  if (own === undefined) return undefined;
  for (const line of mounts.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!after?.startsWith('cgroup2 ')) continue;
    const fields = before!.split(' ');
    const root = fields[3]!;
    const mountPoint = fields[4]!;
    // A namespaced mount shows the cgroup relative to its own root.
    const relative = root === '/' ? own : own.startsWith(root) ? own.slice(root.length) : undefined;
    if (relative !== undefined) return join(mountPoint, relative);
  }
  return undefined;
}

/** Directories of masters gone without removing theirs (SIGKILLed with their watchdog): removed if empty. */
function removeStale(own: string): void {
  let entries: string[];
  try {
    entries = readdirSync(own);
  } catch {
    return;
  }
  for (const entry of entries) {
    const master = /^pool-(\d+)$/.exec(entry)?.[1];
    if (!master || isAlive(Number(master))) continue;
    const dir = join(own, entry);
    for (const child of safeList(dir)) removeQuietly(join(dir, child));
    removeQuietly(dir);
  }
}

function removeQuietly(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function safeList(path: string): string[] {
  try {
    return readdirSync(path).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
}

export const cgroups = new Cgroups();
