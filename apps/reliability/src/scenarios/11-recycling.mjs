// 11. Recycling under load: 4 workers on one shared socket under the load of scenario 1, each keeping 1 MB
// for every N requests it answers (src/apps/workers/leaky-web.mjs, N drawn per process), recycled by
// `maxAge` (20 s + up to 5 s of jitter; 4 s + 1 s quick) and `maxMemory` (sampled every 500 ms) for 2 minutes
// (20 s quick). The pool is sampled every ~20 ms for its fewest ready workers. Goal: 0 failed requests, never
// fewer than 3 ready, both policies exercised (an exit with reason `age` and one with `memory`), every recycled
// worker gone gracefully (`forced: false`).
//
// `maxMemory` and N are set from a first, short run of the same worker without a leak and without recycling:
// its resident memory under this load (the baseline) plus a headroom, and its requests per second, so that a
// process leaking at the median rate would reach the limit after a share of `maxAge` at that rate (70 %, 25 %
// quick) — some sooner, some later: each process draws N times a factor between 1/5 and 5, so that both limits
// are met whatever the machine's speed.
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@pool/testing';
import { count, megabytes, seconds } from '../lib/format.mjs';
import { startSupervisor, waitForReadyPool } from '../lib/hosts.mjs';
import { describeLoad, startLoad } from '../lib/load.mjs';
import { app } from '../lib/paths.mjs';
import { rssBytes } from '../lib/proc.mjs';
import { isAlive } from '../lib/processes.mjs';

const workers = 4;
const headroomMegabytes = 32;
const leakSpread = 5;
const sampleEvery = 20;
const recycleReasons = new Set(['age', 'memory']);

export default {
  id: 11,
  name: 'Recycling under load',
  async run({ quick, log }) {
    const duration = quick ? 20_000 : 120_000;
    const maxAge = quick ? 4_000 : 20_000;
    const maxAgeJitter = quick ? 1_000 : 5_000;

    const calibration = await calibrate({ log });
    const maxMemoryMegabytes = Math.ceil(calibration.baseline / 1_048_576) + headroomMegabytes;
    // At the calibrated rate, the median process would reach maxMemory after this share of maxAge. Found by
    // trial, for about as many recycles by age as by memory: recycling costs throughput (a core starts
    // replacements), the more so in the quick form, where recycles run back to back; and a new worker takes
    // its share of the kept-alive connections only as the others shed theirs.
    const share = quick ? 0.25 : 0.7;
    const leakEvery = Math.max(1, Math.round((calibration.perWorker * share * (maxAge / 1_000)) / headroomMegabytes));
    log(
      `baseline ${megabytes(calibration.baseline)} under load, ${count(Math.round(calibration.perWorker))} requests/s a worker: ` +
        `maxMemory ${maxMemoryMegabytes}M, 1 MB kept every ~${count(leakEvery)} requests (×1/${leakSpread}…×${leakSpread} a process)`,
    );
    const options = {
      worker: app('workers/leaky-web.mjs'),
      workers,
      sockets: { web: { host: '127.0.0.1', port: 0 } },
      maxAge: `${maxAge / 1_000}s`,
      maxAgeJitter: `${maxAgeJitter / 1_000}s`,
      maxMemory: `${maxMemoryMegabytes}M`,
      memoryCheckInterval: '500ms',
      env: { LEAK_EVERY: String(leakEvery), LEAK_SPREAD: String(leakSpread) },
      stdout: 'ignore',
    };
    const run = await recycling({ options, duration, log });

    const exits = run.exits;
    const recycled = exits.filter((exit) => recycleReasons.has(exit.reason));
    const byAge = recycled.filter((exit) => exit.reason === 'age');
    const byMemory = recycled.filter((exit) => exit.reason === 'memory');
    const forced = recycled.filter((exit) => exit.forced !== false);
    const others = exits.filter((exit) => !recycleReasons.has(exit.reason));
    const { summary, fewestReady } = run;
    const meanStart = run.starts.length ? run.starts.reduce((sum, value) => sum + value, 0) / run.starts.length : 0;
    const lifetimes = recycled.map((exit) => exit.uptime).filter((uptime) => typeof uptime === 'number');
    const meanLifetime = lifetimes.length ? lifetimes.reduce((sum, value) => sum + value, 0) / lifetimes.length : 0;
    log(
      `${describeLoad(summary)}; fewest ready ${fewestReady.ready} (${run.samples} samples); recycled ${byAge.length} by age, ` +
        `${byMemory.length} by memory (${forced.length} forced); other exits ${others.length}`,
    );
    return [
      {
        scenario: 'Recycling under load (maxAge and maxMemory)',
        figures:
          `${seconds(summary.milliseconds)} of load; requests ${describeLoad(summary)}, ${count(summary.ok)} served; ` +
          `fewest ready ${fewestReady.ready} of ${workers} (${count(run.samples)} samples, every ${sampleEvery} ms); ` +
          `recycled ${byAge.length} by age, ${byMemory.length} by memory (${forced.length} forced), mean lifetime ${seconds(meanLifetime)}, mean replacement start ${seconds(meanStart)}; ` +
          `other exits ${others.length}${others.length ? ` (${describeReasons(others)})` : ''}; ` +
          `maxAge ${options.maxAge} + ${options.maxAgeJitter} jitter, maxMemory ${options.maxMemory} (baseline ${megabytes(calibration.baseline)} under load, peak seen ${megabytes(run.peakRss)}), ` +
          `1 MB kept every ~${count(leakEvery)} requests`,
        pass: summary.failed === 0 && fewestReady.ready >= workers - 1 && byAge.length > 0 && byMemory.length > 0 && forced.length === 0,
        details: {
          summary,
          options,
          calibration,
          leakEvery,
          fewestReady,
          starts: run.starts,
          samples: run.samples,
          exits,
          peakRss: run.peakRss,
        },
        note:
          `Workers that keep 1 MB for every N requests they answer (N drawn per process, ×1/${leakSpread}…×${leakSpread} around a rate set from a first run without a leak), ` +
          'so that some reach maxMemory before maxAge and some do not. Each recycle starts the replacement and waits for it to be ready before the old worker drains (drainServer) and exits; ' +
          'recycles are one at a time, so when they come faster than replacements start (the quick form: maxAge 4 s), they run back to back, workers live longer than maxAge and one over maxMemory waits its turn. ' +
          'A worker counts as ready when processes() says so. Requests autocannon lost only because it wrote them after a Connection: close answer are not counted ' +
          `(${summary.lostAfterClose}).`,
      },
    ];
  },
};

const describeReasons = (exits) =>
  Object.entries(exits.reduce((tally, exit) => ({ ...tally, [exit.reason]: (tally[exit.reason] ?? 0) + 1 }), {}))
    .map(([reason, times]) => `${times} ${reason}`)
    .join(', ');

/** A process's resident memory, 0 once it is gone. */
function residentOf(pid) {
  try {
    return isAlive(pid) ? rssBytes(pid) : 0;
  } catch {
    return 0;
  }
}

/** The same worker without a leak and without recycling, under the same load: its RSS, its requests a second. */
async function calibrate({ log }) {
  const host = startSupervisor({
    worker: app('workers/leaky-web.mjs'),
    workers,
    sockets: { web: { host: '127.0.0.1', port: 0 } },
    stdout: 'ignore',
  });
  try {
    const sockets = await host.waitForBound();
    const ready = await waitForReadyPool(host, workers);
    const load = startLoad({ port: sockets.web.port });
    let summary;
    let baseline = 0;
    let perWorker;
    try {
      await waitFor(() => load.served() > 200, { timeout: 30_000, message: 'the load to be served' });
      await sleep(2_000); // past the JIT's warm-up and the young generation's growth
      const from = load.served();
      const startedAt = Date.now();
      while (Date.now() - startedAt < 3_000) {
        await sleep(250);
        for (const worker of ready) baseline = Math.max(baseline, residentOf(worker.pid));
      }
      perWorker = ((load.served() - from) * 1_000) / (Date.now() - startedAt) / workers;
    } finally {
      summary = await load.stop();
    }
    if (summary.failed > 0) log(`calibration: ${describeLoad(summary)}`);
    return { baseline, perWorker, summary: { sent: summary.sent, failed: summary.failed, requestsPerSecond: summary.requestsPerSecond } };
  } finally {
    await host.stop();
  }
}

async function recycling({ options, duration, log }) {
  const host = startSupervisor(options);
  try {
    const sockets = await host.waitForBound();
    await waitForReadyPool(host, workers);
    const load = startLoad({ port: sockets.web.port });
    let summary;
    let samples = 0;
    let peakRss = 0;
    const fewestReady = { ready: workers, at: undefined, processes: undefined };
    let startedAt;
    let endedAt;
    try {
      await waitFor(() => load.served() > 200, { timeout: 30_000, message: 'the load to be served' });
      startedAt = Date.now();
      log(`load for ${duration / 1_000} s, recycling on`);
      let nextReport = startedAt + 10_000;
      while (Date.now() - startedAt < duration) {
        const processes = await host.request('processes');
        samples += 1;
        if (samples % 25 === 0) for (const worker of processes) if (worker.pid) peakRss = Math.max(peakRss, residentOf(worker.pid));
        const ready = processes.filter((worker) => worker.state === 'ready').length;
        if (ready < fewestReady.ready) {
          Object.assign(fewestReady, { ready, at: Date.now() - startedAt, processes: processes.map(({ id, pid, state }) => ({ id, pid, state })) });
          log(`${ready} ready at ${seconds(fewestReady.at)}: ${processes.map((worker) => `#${worker.id} ${worker.state}`).join(', ')}`);
        }
        if (Date.now() >= nextReport) {
          nextReport += 10_000;
          const recycled = host.events.filter((event) => event.name === 'exit' && recycleReasons.has(event.payload.reason)).length;
          log(`${seconds(Date.now() - startedAt)}: ${count(load.served())} served, ${load.tally.dropped + load.tally.connectionErrors + load.tally.timeouts + load.tally.status5xx} failed, ${recycled} recycled`);
        }
        await sleep(sampleEvery);
      }
      endedAt = Date.now();
    } finally {
      summary = await load.stop();
    }
    // A recycle under way when the load ended: its old worker is still draining. Wait until every worker that
    // got ready has either exited or is one of the 4 in the slots.
    await waitFor(
      async () => {
        const live = new Set((await host.request('processes')).map((worker) => worker.pid));
        const exited = new Set(host.events.filter((event) => event.name === 'exit').map((event) => event.payload.pid));
        return host.events.filter((event) => event.name === 'ready').every((event) => exited.has(event.payload.pid) || live.has(event.payload.pid));
      },
      { timeout: 30_000, interval: 100, message: 'the recycled workers to exit' },
    ).catch(() => {});
    const exits = host.events
      .filter((event) => event.name === 'exit' && event.at >= startedAt)
      .map((event) => ({
        at: event.at - startedAt,
        afterLoad: event.at > endedAt,
        id: event.payload.id,
        pid: event.payload.pid,
        reason: event.payload.reason,
        forced: event.payload.forced,
        code: event.payload.code,
        signal: event.payload.signal,
        uptime: event.payload.uptime,
      }));
    const starts = host.events.filter((event) => event.name === 'ready' && event.at >= startedAt).map((event) => event.payload.startDuration);
    return { summary, samples, fewestReady, exits, peakRss, starts };
  } finally {
    await host.stop();
  }
}
