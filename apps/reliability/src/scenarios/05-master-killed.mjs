// 5. Master killed: SIGKILL a Supervisor's master (its workers each have a `sleep 1000` child) and a
// Manager's host process (jobs of plain commands, one spawning `sleep 1000` children): 2 s later, no worker,
// job process or grandchild may be alive. The Manager has no IPC with its commands, so this is the reaper's
// part (pool ends the process groups of a master that died); what survives is reported by name.
import { descendants, waitFor } from '@pool/testing';
import { seconds } from '../lib/format.mjs';
import { startManager, startSupervisor, waitForReadyPool } from '../lib/hosts.mjs';
import { app } from '../lib/paths.mjs';
import { processName } from '../lib/proc.mjs';
import { commandOf, isAlive, signal } from '../lib/processes.mjs';

const limit = 2_000;

export default {
  id: 5,
  name: 'Master killed',
  async run({ log }) {
    const supervisorRow = await killed({
      scenario: 'Master killed: Supervisor (3 workers, each with a sleep child)',
      log,
      start: () => startSupervisor({ worker: app('workers/grandchild.mjs'), workers: 3, stdout: 'ignore' }),
      ready: async (host) => {
        await waitForReadyPool(host, 3);
        return expect(host.pid, { node: 3, sleep: 3 });
      },
    });
    const managerRow = await killed({
      scenario: 'Master killed: Manager host (3 jobs, one spawning sleep children)',
      log,
      start: () =>
        startManager({
          jobs: [
            { name: 'sleeper', cmd: ['sleep', '1000'], numprocesses: 2 },
            { name: 'spawner', cmd: ['sh', '-c', 'sleep 1000 & sleep 1000 & wait'] },
            { name: 'node', cmd: [process.execPath, '-e', "require('node:child_process').spawn('sleep', ['1000'], { stdio: 'ignore' }); setInterval(() => {}, 1e6)"] },
          ],
        }),
      ready: (host) => expect(host.pid, { sleep: 5, sh: 1, node: 1 }),
    });
    return [supervisorRow, managerRow];
  },
};

/** Waits until the master's descendants include at least these many processes by name; returns them all. */
function expect(masterPid, counts) {
  return waitFor(
    () => {
      const all = descendants(masterPid).filter((pid) => !isWatchdog(pid));
      const names = all.map(processName);
      return Object.entries(counts).every(([name, wanted]) => names.filter((found) => found === name).length >= wanted) ? all : undefined;
    },
    { timeout: 60_000, message: `the master's processes ${JSON.stringify(counts)}` },
  );
}

/** pool's own watchdog (a shell reading "+ <pgid>" lines): it is there to outlive the master briefly. */
function isWatchdog(pid) {
  return processName(pid) === 'sh' && commandOf(pid).includes('forget');
}

async function killed({ scenario, start, ready, log }) {
  const host = start();
  let processes = [];
  try {
    await host.waitForBound();
    processes = await ready(host);
    const watchdogs = descendants(host.pid).filter(isWatchdog);
    const names = processes.map(processName).reduce((all, name) => ({ ...all, [name]: (all[name] ?? 0) + 1 }), {});
    const killedAt = Date.now();
    signal(host.pid, 'SIGKILL');
    await host.exited;
    // The issue's window: whatever is alive 2 s after the kill has survived it.
    const cleared = await waitFor(() => processes.every((pid) => !isAlive(pid)), { timeout: limit, interval: 20 }).then(
      () => Date.now() - killedAt,
      () => undefined,
    );
    const survivors = processes.filter(isAlive).map((pid) => `${processName(pid)} ${pid}`);
    const lastGone = cleared ?? (await waitFor(() => processes.every((pid) => !isAlive(pid)), { timeout: 10_000 }).then(() => Date.now() - killedAt, () => undefined));
    // The watchdog gives the groups a second between SIGTERM and SIGKILL, then exits.
    const watchdogGone = await waitFor(() => watchdogs.every((pid) => !isAlive(pid)), { timeout: 10_000 }).then(() => Date.now() - killedAt, () => undefined);
    log(`${scenario}: ${survivors.length} of ${processes.length} alive ${limit} ms after the kill`);
    return {
      scenario,
      figures:
        `${processes.length} processes (${Object.entries(names).map(([name, count]) => `${count} ${name}`).join(', ')}); ` +
        (survivors.length === 0
          ? `all gone ${seconds(cleared)} after the SIGKILL (limit ${seconds(limit)})`
          : `${survivors.length} alive ${seconds(limit)} after the SIGKILL: ${survivors.join(', ')}; ${lastGone === undefined ? 'still alive 12 s after' : `last gone after ${seconds(lastGone)}`}`) +
        (watchdogs.length ? `; pool's watchdog ${watchdogGone === undefined ? 'still running 10 s after' : `exited after ${seconds(watchdogGone)}`}` : ''),
      pass: survivors.length === 0 && (watchdogs.length === 0 || watchdogGone !== undefined),
      details: { processes, survivors, cleared, lastGone },
    };
  } finally {
    if (!host.hasExited?.() && host.isAlive()) await host.stop();
    for (const pid of processes) if (isAlive(pid)) signal(pid, 'SIGKILL');
    for (const pid of descendants(host.pid)) signal(pid, 'SIGKILL');
  }
}
