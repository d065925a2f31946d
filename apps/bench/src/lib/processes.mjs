// Starting and ending the processes the bench owns. Every process gets BENCH_RUN_ID in its environment, so
// that whatever a peer started (a daemon's children included) can be found in /proc and accounted for.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, runCommand, signalProcess } from '@pool/testing';

export const runId = `${process.pid}-${Date.now()}`;
export const runMarker = `BENCH_RUN_ID=${runId}`;

/** Spawns a program in a process group of its own, its output appended to `logFile`. */
export function launch(command, args, { env = {}, cwd, logFile, ipc = false } = {}) {
  const output = logFile ? openSync(logFile, 'a') : 'ignore';
  try {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env, BENCH_RUN_ID: runId },
      stdio: ['ignore', output, output, ...(ipc ? ['ipc'] : [])],
      detached: true,
    });
    child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.once('error', () => {});
    return child;
  } finally {
    if (typeof output === 'number') closeSync(output);
  }
}

/** Rejects if the process exits (it is only ever raced against a start). */
export function diedEarly(child) {
  const died = child.exited.then(({ code, signal }) => {
    throw new Error(`pid ${child.pid} exited (${signal ?? `code ${code}`}) before its workers listened; see its log`);
  });
  died.catch(() => {});
  return died;
}

/** Runs a command to its end (marked as this run's); rejects with its output when it fails. */
export const run = (command, args, { env = {}, ...options } = {}) => runCommand(command, args, { ...options, env: { ...env, BENCH_RUN_ID: runId } });

// Zombie-aware: the container's PID 1 reaps slowly, and a zombie is no process left running.
export { isAlive };
export const signal = signalProcess;

export async function waitUntilGone(pids, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (!pids.some(isAlive)) return true;
    await sleep(20);
  }
  return !pids.some(isAlive);
}

/** The pids of every live process that carries this run's marker (the bench's own pid excluded). */
export function markedProcesses() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environment = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environment.split('\0').includes(runMarker) && !isZombie(entry)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not readable: not ours
    }
  }
  return found;
}

function isZombie(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Ends what a failed or careless stop left behind (SIGTERM, then SIGKILL); returns the pids it found. */
export async function reapLeftovers() {
  const leftovers = markedProcesses();
  if (leftovers.length === 0) return [];
  for (const pid of leftovers) signal(pid, 'SIGTERM');
  if (!(await waitUntilGone(leftovers, 3_000))) for (const pid of leftovers) signal(pid, 'SIGKILL');
  await waitUntilGone(leftovers, 3_000);
  return leftovers;
}

/** SIGTERM (or `signalName`) to a process, then SIGKILL to its group once `timeout` has passed. */
export async function stopProcess(child, { signalName = 'SIGTERM', timeout = 15_000 } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signal(child.pid, signalName);
  const ended = await Promise.race([child.exited.then(() => true), sleep(timeout).then(() => false)]);
  if (!ended) {
    signal(child.pid, 'SIGKILL', { group: true });
    await child.exited;
  }
}

/** The marked processes (see markedProcesses) whose command line, its arguments joined by spaces, passes `test`. */
export function markedProcessesWhere(test) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
      if (!test(commandLine)) continue;
      const environment = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environment.split('\0').includes(runMarker) && !isZombie(entry)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
