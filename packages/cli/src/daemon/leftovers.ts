import type { DaemonLog } from './log.js';
import { signalGroup, startTimeOf } from './processes.js';
import type { RecordedProcess } from './state.js';

const gracePeriod = 10_000;

/**
 * Ends the processes that a daemon killed without warning (SIGKILL, OOM) left behind, before their jobs are
 * started again: each was the leader of its own process group, so the group is signalled, SIGTERM then SIGKILL.
 * A recorded pid whose start time differs is another process now and is left alone.
 */
export async function endLeftovers(processes: readonly RecordedProcess[], log: DaemonLog): Promise<number> {
  // Proven ours: a real pid (never a group, 0 or init) whose process started when the recorded one did.
  const leftovers = processes.filter(
    ({ pid, startTime }) => Number.isSafeInteger(pid) && pid > 1 && pid !== process.pid && Number.isSafeInteger(startTime) && startTimeOf(pid) === startTime,
  );
  if (leftovers.length === 0) return 0;
  log.warn({ pids: leftovers.map((process) => process.pid) }, 'ending the processes a previous daemon left running');
  for (const { pid } of leftovers) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + gracePeriod;
  let remaining = leftovers;
  while (remaining.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    remaining = remaining.filter(({ pid }) => signalGroup(pid, 0));
  }
  for (const { pid } of remaining) signalGroup(pid, 'SIGKILL');
  return leftovers.length;
}
