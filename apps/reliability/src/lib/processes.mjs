// Starting and ending the processes the suite owns. The harness puts a run marker in its environment; every
// process started under it inherits the marker (pool passes its environment on to workers and jobs), so
// whatever a scenario left running is found in /proc by that marker and ended by pid.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive, runCommand, signalProcess, waitFor } from '@pool/testing';

export const markerName = 'POOL_RELIABILITY_RUN';

/** The run marker: set once by the harness, inherited by everything below it. */
export function runMarker() {
  process.env[markerName] ??= `${process.pid}-${Date.now()}`;
  return `${markerName}=${process.env[markerName]}`;
}

/**
 * Spawns a program in a process group of its own, capturing its output. `waitForOutput(pattern)` waits on
 * what it printed; `exited` resolves with its exit.
 */
export function launch(command, args, { env = {}, cwd, ipc = false, detached = true } = {}) {
  runMarker();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
    detached,
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  let output = '';
  const append = (chunk) => {
    output += chunk;
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  child.on('error', () => {});
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return {
    child,
    pid: child.pid,
    exited,
    output: () => output,
    waitForOutput: (pattern, timeout = 60_000) =>
      waitFor(() => output.match(pattern), { timeout, message: `${command} to print ${pattern}; it printed:\n${output.slice(-3_000)}` }),
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
  };
}

/** Runs a command to its end (under the run marker) and resolves with its output; rejects when it fails. */
export function run(command, args, { timeout = 120_000, ...options } = {}) {
  runMarker();
  return runCommand(command, args, { ...options, timeout });
}

export const signal = signalProcess;

function isZombie(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Live processes carrying this run's marker, except this process and its ancestors. */
export function markedProcesses() {
  const marker = runMarker();
  const mine = new Set([process.pid, process.ppid]);
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || mine.has(Number(entry))) continue;
    try {
      const environment = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environment.split('\0').includes(marker) && !isZombie(entry)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** SIGKILLs these pids (each, by pid) and waits until none is alive. */
export async function endProcesses(pids, timeout = 10_000) {
  for (const pid of pids) signal(pid, 'SIGKILL');
  await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeout, message: `pids ${pids.join(', ')} to end` }).catch(() => {});
  return pids.filter(isAlive);
}

/**
 * Ends whatever carries this run's marker (but not `keep`) and is still there after `grace` ms (a process
 * on its way out, such as pool's watchdog once its master is gone, is given that long); returns what was
 * found, with command lines.
 */
export async function sweepLeftovers({ keep = [], grace = 3_000 } = {}) {
  const found = markedProcesses().filter((pid) => !keep.includes(pid));
  await waitFor(() => found.every((pid) => !isAlive(pid)), { timeout: grace, interval: 50 }).catch(() => {});
  const leftovers = found.filter(isAlive);
  const described = leftovers.map((pid) => `${pid} ${commandOf(pid)}`);
  if (leftovers.length > 0) await endProcesses(leftovers);
  return described;
}

export function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ').replace(/\s+/g, ' ').slice(0, 160);
  } catch {
    return '?';
  }
}

export { isAlive };
