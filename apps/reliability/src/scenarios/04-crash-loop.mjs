// 4. Crash loop: a Supervisor whose workers exit while starting, and a Manager with a job whose command does
// not exist and one that exits 1 at once. Restarts must back off, flapping must be reported, each master's
// CPU over the window (10 s; 6 s quick) must stay under 5 % of a core, and after `retryIn` each must try again.
import { setTimeout as sleep } from 'node:timers/promises';
import { percent, seconds } from '../lib/format.mjs';
import { startManager, startSupervisor } from '../lib/hosts.mjs';
import { app } from '../lib/paths.mjs';
import { cpuWindow } from '../lib/proc.mjs';

const cpuLimit = 5;

export default {
  id: 4,
  name: 'Crash loop',
  async run({ quick, directory, log }) {
    const windowMilliseconds = quick ? 6_000 : 10_000;
    const retryIn = quick ? 2_000 : 7_000;
    const flapping = { attempts: 5, window: 10_000, retryIn, maxRetry: 0 };
    const supervisor = startSupervisor({
      worker: app('workers/crash.mjs'),
      workers: 2,
      flapping,
      env: { CRASH_MODE: 'start' },
      stdout: 'ignore',
      stderr: 'ignore',
    });
    const manager = startManager({
      jobs: [
        { name: 'missing', cmd: [`${directory}/no-such-command`], flapping: { ...flapping, window: '10s', retryIn: `${retryIn}ms` } },
        { name: 'exits', cmd: ['sh', '-c', 'exit 1'], flapping: { ...flapping, window: '10s', retryIn: `${retryIn}ms` } },
      ],
    });
    try {
      await Promise.all([supervisor.waitForBound(), manager.waitForBound()]);
      const windows = [cpuWindow(supervisor.pid), cpuWindow(manager.pid)];
      log(`measuring both masters' CPU over ${windowMilliseconds / 1_000} s (retryIn ${retryIn} ms)`);
      // The measurement window itself: CPU is a figure over real time.
      await sleep(windowMilliseconds);
      const [supervisorCpu, managerCpu] = windows.map((window) => window.stop());
      // Each must have paused for flapping and tried again after retryIn, within the window or just after it.
      const deadline = Math.max(30_000, retryIn * 3);
      const pool = await verdictOf(supervisor, { attempt: 'spawn', job: () => true, retryIn, deadline });
      const missing = await verdictOf(manager, { attempt: 'exit', job: (payload) => payload.job === 'default.missing', retryIn, deadline });
      const exits = await verdictOf(manager, { attempt: 'spawn', job: (payload) => payload.job === 'default.exits', retryIn, deadline });
      log(`supervisor CPU ${percent(supervisorCpu.percent)}, manager CPU ${percent(managerCpu.percent)}`);
      const row = (scenario, verdict, cpu) => ({
        scenario,
        figures:
          `${verdict.attempts} attempts; back-off delays ${verdict.delays.join(', ')} ms; flapping reported: ${verdict.flapped ? 'yes' : 'no'}; ` +
          `tried again ${verdict.retryGap === undefined ? 'never' : `${seconds(verdict.retryGap)} after the pause began`} (retryIn ${seconds(retryIn)}); ` +
          `master CPU ${percent(cpu.percent)} over ${seconds(cpu.milliseconds)} (limit ${cpuLimit} %)`,
        pass: verdict.backsOff && verdict.flapped && verdict.retriedOnTime && cpu.percent < cpuLimit,
        details: { ...verdict, cpu },
      });
      return [
        row('Crash loop: Supervisor, workers exit while starting', pool, supervisorCpu),
        row('Crash loop: Manager job whose command does not exist', missing, managerCpu),
        row('Crash loop: Manager job that exits 1 at once', exits, managerCpu),
      ];
    } finally {
      await Promise.all([supervisor.stop(), manager.stop()]);
    }
  },
};

/**
 * From a host's events: the restart delays (they must grow), whether flapping was reported, and the first
 * attempt after the first pause began (it must come `retryIn` later, not sooner, and not much later).
 */
async function verdictOf(host, { attempt, job, retryIn, deadline }) {
  const flapping = await host.waitForEvent('flapping', { filter: (payload) => job(payload) && !payload.gaveUp, timeout: deadline }).catch(() => undefined);
  const retry = flapping
    ? await host.waitForEvent(attempt, { since: host.events.indexOf(flapping) + 1, filter: job, timeout: deadline }).catch(() => undefined)
    : undefined;
  const restarts = host.events.filter((event) => event.name === 'restart' && job(event.payload));
  const firstId = restarts[0]?.payload.id;
  const delays = restarts.filter((event) => event.payload.id === firstId).slice(0, 6).map((event) => event.payload.delay);
  const retryGap = flapping && retry ? retry.at - flapping.at : undefined;
  return {
    attempts: host.events.filter((event) => event.name === attempt && job(event.payload)).length,
    delays,
    backsOff: delays.length >= 3 && delays.every((delay, index) => index === 0 || delay >= delays[index - 1]) && delays.at(-1) > delays[0],
    flapped: Boolean(flapping),
    retryGap,
    // A timer may fire a millisecond early against a clock read elsewhere; it may not come much late.
    retriedOnTime: retryGap !== undefined && retryGap >= retryIn - 5 && retryGap <= retryIn + 2_000,
  };
}
