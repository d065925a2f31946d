// What /proc says about one process: CPU time, resident memory, open file descriptors, children.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name, which may hold spaces and parentheses: [0] is the state (field 3).
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU time of the whole process (all its threads), in milliseconds. */
export function cpuTime(pid) {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1_000) / clockTicks;
}

export function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return match ? Number(match[1]) * 1_024 : 0;
}

export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Live (non-zombie) direct children of `pid`. */
export function childrenOf(pid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      if (Number(fields[1]) === pid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

export function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return '';
  }
}

/**
 * The CPU share of one core that `pid` used over a window: `stop()` returns `{ percent, cpuMilliseconds,
 * milliseconds }` measured between the two calls.
 */
export function cpuWindow(pid) {
  const startCpu = cpuTime(pid);
  const startAt = performance.now();
  return {
    stop() {
      const cpuMilliseconds = cpuTime(pid) - startCpu;
      const milliseconds = performance.now() - startAt;
      return { cpuMilliseconds, milliseconds, percent: (100 * cpuMilliseconds) / milliseconds };
    },
  };
}
