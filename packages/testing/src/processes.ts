import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.js';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by its parent) is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends a signal to a process (or, with `group`, its process group); false when there is none left to get it. */
export function signalProcess(pid: number, signal: NodeJS.Signals, { group = false }: { group?: boolean } = {}): boolean {
  try {
    process.kill(group ? -pid : pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a command to its end and resolves with its output (stdout and stderr as they came); rejects with the
 * output's last 2,000 characters when it fails, and SIGKILLs it after `timeout` ms.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  { env = {}, cwd, timeout = 60_000 }: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `code ${code}`}):\n${output.slice(-2_000)}`));
    });
  });
}

export async function waitForDeath(pids: number | number[], timeout = 30_000): Promise<void> {
  const list = Array.isArray(pids) ? pids : [pids];
  await waitFor(() => list.every((pid) => !isAlive(pid)), { timeout, message: `pids ${list.join(', ')} to exit` });
}

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  /** Clock ticks after boot: with the pid, it names one process for good (pids are reused, fast: pid_max may be 32768). */
  startTime: number;
}

function startTimeOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function readStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(entry), state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: Number(fields[19]) });
    } catch {
      // Gone while we looked.
    }
  }
  return stats;
}

/** Live (non-zombie) descendants of `pid`. */
export function descendants(pid: number): number[] {
  const stats = readStats();
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const children = stats.filter((stat) => frontier.includes(stat.ppid) && stat.state !== 'Z').map((stat) => stat.pid);
    found.push(...children);
    frontier = children;
  }
  return found;
}

/** Children of `pid` that have exited and wait to be reaped (zombies): what a PID 1 that does not reap piles up. */
export function zombieChildren(pid: number): number[] {
  return readStats()
    .filter((stat) => stat.ppid === pid && stat.state === 'Z')
    .map((stat) => stat.pid);
}

/** Live (non-zombie) members of a process group. */
export function processGroup(pgid: number): number[] {
  return readStats()
    .filter((stat) => stat.pgid === pgid && stat.state !== 'Z')
    .map((stat) => stat.pid);
}

export interface TrackedProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Waits until the output (stdout + stderr) matches. */
  waitForOutput(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns processes for a test and ends every one of them (and their process groups and descendants) in
 * `cleanup()`, by pid: call it in afterEach so that a failing test leaves nothing running.
 */
export class ProcessTracker {
  /** Each tracked pid with its start time: a pid that names another process by cleanup time is not ours. */
  readonly #pids = new Map<number, number | undefined>();

  spawn(command: string, args: string[], options: SpawnOptions = {}): TrackedProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    const pid = child.pid;
    this.track(pid);
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return {
      child,
      pid,
      stdout: () => out,
      stderr: () => err,
      exited,
      waitForOutput: (pattern, timeout = 30_000) =>
        waitFor(() => (out + err).match(pattern), { timeout, message: `output matching ${pattern}; got:\n${out}${err}` }),
    };
  }

  /** Also end this pid (and its descendants) at cleanup: for processes started by the code under test. */
  track(pid: number | undefined): void {
    if (pid !== undefined && !this.#pids.has(pid)) this.#pids.set(pid, startTimeOf(pid));
  }

  async cleanup(): Promise<void> {
    const stats = readStats();
    const all = new Set<number>();
    for (const [pid, startedAt] of this.#pids) {
      const stat = stats.find((candidate) => candidate.pid === pid);
      if (stat === undefined) {
        // Gone: what is left in its process group is ours (a group's id is not given to another group while it has
        // members), but its pid is free: whatever has its pid now, and that one's children, are not.
        for (const member of processGroup(pid)) all.add(member);
        continue;
      }
      if (startedAt !== undefined && stat.startTime !== startedAt) continue; // the pid was reused: not ours
      all.add(pid);
      for (const descendant of descendants(pid)) all.add(descendant);
      for (const member of processGroup(pid)) all.add(member);
    }
    for (const pid of all) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.#pids.clear();
    await waitForDeath([...all], 10_000).catch(() => {});
  }
}
