// SIGKILL a random live worker of a master every `interval` ms for `duration` ms.
import { setTimeout as sleep } from 'node:timers/promises';
import { childrenOf, processName } from './proc.mjs';
import { signal } from './processes.mjs';

/** The master's worker processes: its `node` children (not the process-group watchdog, a shell). */
export const workerPids = (masterPid) => childrenOf(masterPid).filter((pid) => processName(pid) === 'node');

export async function killStorm({ masterPid, duration, interval = 200, pick = workerPids }) {
  const killed = [];
  let ticks = 0;
  const deadline = Date.now() + duration;
  while (Date.now() < deadline) {
    ticks += 1;
    const candidates = pick(masterPid);
    if (candidates.length > 0) {
      const pid = candidates[Math.floor(Math.random() * candidates.length)];
      if (signal(pid, 'SIGKILL')) killed.push({ pid, at: Date.now() });
    }
    await sleep(interval);
  }
  return { killed, ticks, emptyTicks: ticks - killed.length };
}
