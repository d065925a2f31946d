// What /proc says about one process: its CPU time and its resident memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU time of the whole process (all its threads), in milliseconds. */
export function cpuTime(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5): utime and stime, counted from field 3 (the state) here.
  return ((Number(fields[11]) + Number(fields[12])) * 1_000) / clockTicks;
}

export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1_024 : 0;
}

/**
 * The memory only this process holds (USS: private clean + private dirty pages). RSS also counts the pages of the
 * interpreter's binary and libraries that it shares with other processes (a Node master with its Node workers).
 */
export function privateBytes(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
  let kilobytes = 0;
  for (const match of rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) kilobytes += Number(match[1]);
  return kilobytes * 1_024;
}

export function parentPid(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function cpuTotals() {
  const [, ...fields] = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/);
  const numbers = fields.map(Number);
  const idle = numbers[3] + (numbers[4] ?? 0);
  return { idle, total: numbers.reduce((sum, value) => sum + value, 0) };
}

/** The share of the machine's CPU that was busy over `milliseconds`. */
export async function machineBusy(milliseconds = 300) {
  const before = cpuTotals();
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  const after = cpuTotals();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : 0;
}

/**
 * Waits (up to `timeout`) until the machine is nearly idle, so that a measurement does not start in the
 * middle of someone else's work; resolves with the busy share it last saw.
 */
export async function waitForQuiet({ threshold = 0.1, timeout = 30_000 } = {}) {
  const deadline = Date.now() + timeout;
  let busy = await machineBusy();
  while (busy > threshold && Date.now() < deadline) busy = await machineBusy(1_000);
  return busy;
}
