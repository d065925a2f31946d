// 1. Kill storm under load: 4 workers under continuous HTTP load; SIGKILL a random worker every 200 ms for
// 20 s (6 s in the quick form). Afterwards the pool must be back to 4 ready workers with ids 0–3, and the
// master's open file descriptors where they were. Run as a user facing kills from outside would configure
// the pool (restart at once, flapping threshold above the storm's rate); then, for the figures, with a back-off
// capped at 1 s (full form) and as examples/sockets ships, with every default.
import { waitFor, httpGet } from '@pool/testing';
import { count, megabytes, seconds } from '../lib/format.mjs';
import { startSupervisor, waitForReadyPool } from '../lib/hosts.mjs';
import { describeLoad, startLoad } from '../lib/load.mjs';
import { examplesSockets, app } from '../lib/paths.mjs';
import { fdCount, rssBytes } from '../lib/proc.mjs';
import { launch, signal } from '../lib/processes.mjs';
import { killStorm, workerPids } from '../lib/storm.mjs';

const workers = 4;

export default {
  id: 1,
  name: 'Kill storm under load',
  async run({ quick, log }) {
    const duration = quick ? 6_000 : 20_000;
    const rows = [await configuredPool({ duration, log, ...storm })];
    if (!quick) rows.push(await configuredPool({ duration, log, ...cappedBackoff }));
    rows.push(await exampleAsShipped({ duration, log }));
    return rows;
  },
};

// 5 kills a second above every other concern: restart at once, and no flapping pause below that rate.
const storm = {
  label: 'pool set for a storm from outside',
  options: { flapping: { attempts: 100, window: 10_000 }, backoff: { max: 0 } },
  judged: true,
  note: 'Configured as a user facing kills from outside would: restart at once (backoff { max: 0 }) and flapping { attempts: 100, window: 10s }, above the storm\'s 50 kills per 10 s. Failed requests are those in flight on the killed workers\' connections.',
};
// The same with a back-off (capped at 1 s): every kill of a young worker counts as a failure, restarts slow
// down, and the storm (which also kills workers still starting) wins.
const cappedBackoff = {
  label: 'the same with back-off capped at 1 s',
  options: { flapping: { attempts: 100, window: 10_000 }, backoff: { max: 1_000 } },
  judged: false,
  note: 'With any back-off, a storm of 5 kills a second that also hits starting workers outpaces the restarts: the pool has no ready worker for most of the storm and requests wait in the socket\'s backlog until they time out. It recovers once the storm ends.',
};

/** What the master holds before and after; fds are read once they settle (closing a dead worker's pipes is asynchronous). */
async function settledFds(pid, expected) {
  try {
    return await waitFor(() => (fdCount(pid) === expected ? expected : undefined), { timeout: 15_000, interval: 100 });
  } catch {
    return fdCount(pid);
  }
}

/** From the host's events: how long, within [from, to], the pool had no ready worker (in all, and the longest stretch). */
function withoutReadyWorker(events, from, to) {
  const ready = new Set();
  let emptySince;
  let total = 0;
  let longest = 0;
  const close = (at) => {
    if (emptySince === undefined) return;
    const stretch = at - Math.max(emptySince, from);
    if (stretch > 0) {
      total += stretch;
      longest = Math.max(longest, stretch);
    }
    emptySince = undefined;
  };
  for (const event of events) {
    if (event.at > to) break;
    if (event.name === 'ready') ready.add(event.payload.pid);
    else if (event.name === 'exit') ready.delete(event.payload.pid);
    else continue;
    if (ready.size === 0 && emptySince === undefined) emptySince = event.at;
    if (ready.size > 0) close(event.at);
  }
  close(to);
  return { total, longest };
}

async function configuredPool({ duration, log, label, options: poolOptions, judged, note }) {
  const options = {
    worker: app('workers/web.mjs'),
    workers,
    sockets: { web: { host: '127.0.0.1', port: 0 } },
    ...poolOptions,
    stdout: 'ignore',
  };
  const host = startSupervisor(options);
  try {
    const sockets = await host.waitForBound();
    await waitForReadyPool(host, workers);
    const load = startLoad({ port: sockets.web.port });
    let summary;
    let storm;
    let stormAt;
    let stormEnd;
    const before = { rss: rssBytes(host.pid), fds: fdCount(host.pid) };
    try {
      await waitFor(() => load.served() > 100, { timeout: 30_000, message: 'the load to be served' });
      log(`${label}: storm for ${duration / 1_000} s`);
      stormAt = Date.now();
      storm = await killStorm({ masterPid: host.pid, duration });
      stormEnd = Date.now();
      await waitForReadyPool(host, workers, 60_000);
    } finally {
      summary = await load.stop();
    }
    const after = { rss: rssBytes(host.pid), fds: await settledFds(host.pid, before.fds) };
    const flapping = host.events.filter((event) => event.name === 'flapping').length;
    const recovered = await waitForReadyPool(host, workers, 1_000).then(() => true, () => false);
    const empty = withoutReadyWorker(host.events, stormAt, stormEnd);
    log(`${label}: ${describeLoad(summary)}; ${storm.killed.length} kills; no ready worker for ${seconds(empty.total)}`);
    return {
      scenario: `Kill storm under load (${label})`,
      figures:
        `${storm.killed.length} SIGKILLs in ${duration / 1_000} s; requests ${describeLoad(summary)}; ` +
        `no ready worker for ${seconds(empty.total)} of the storm (longest ${seconds(empty.longest)}); ` +
        `back to ${workers} ready, ids 0–${workers - 1}: ${recovered ? 'yes' : 'no'}; ` +
        `master RSS ${megabytes(before.rss)} → ${megabytes(after.rss)}; fds ${before.fds} → ${after.fds}; flapping pauses ${flapping}`,
      pass: judged ? recovered && after.fds === before.fds : null,
      details: { summary, before, after, kills: storm.killed.length, withoutReadyWorker: empty },
      note,
    };
  } finally {
    await host.stop();
  }
}

/** examples/sockets itself (through tsx, as `pnpm start` runs it), with every default. */
async function exampleAsShipped({ duration, log }) {
  const master = launch(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: examplesSockets,
    env: { PORT: '0', WORKERS: String(workers), HOST: '127.0.0.1' },
  });
  try {
    const port = Number((await master.waitForOutput(/serving on http:\/\/127\.0\.0\.1:(\d+)\//, 90_000))[1]);
    await master.waitForOutput(/the pool is up/, 90_000);
    const load = startLoad({ port });
    let summary;
    let storm;
    const before = { rss: rssBytes(master.pid), fds: fdCount(master.pid) };
    let recoveredAfter;
    try {
      await waitFor(() => load.served() > 100, { timeout: 30_000, message: 'the load to be served' });
      log(`examples/sockets (defaults): storm for ${duration / 1_000} s`);
      storm = await killStorm({ masterPid: master.pid, duration });
      const stormEnd = Date.now();
      await servedByEveryId(port, master, 90_000).then(() => (recoveredAfter = Date.now() - stormEnd), () => {});
    } finally {
      summary = await load.stop();
    }
    const after = { rss: rssBytes(master.pid), fds: await settledFds(master.pid, before.fds) };
    const records = masterRecords(master.output());
    const pauses = records.filter((record) => /is flapping/.test(record.msg ?? '')).length;
    const gaveUp = records.some((record) => record.code === 'POOL_FLAPPING') || master.hasExited();
    log(`examples/sockets (defaults): ${describeLoad(summary)}; ${pauses} flapping pauses; gave up: ${gaveUp}`);
    const recovered = recoveredAfter !== undefined;
    return {
      scenario: 'Kill storm under load (examples/sockets, defaults)',
      figures:
        `${storm.killed.length} SIGKILLs in ${duration / 1_000} s (${storm.emptyTicks} ticks found no worker); requests ${describeLoad(summary)}; ` +
        `flapping pauses ${pauses}${gaveUp ? ', gave up (POOL_FLAPPING)' : ''}; ` +
        `back to ${workers} ready, ids 0–${workers - 1}: ${recovered ? `yes, ${(recoveredAfter / 1_000).toFixed(1)} s after the storm` : 'no'}; ` +
        `master RSS ${megabytes(before.rss)} → ${megabytes(after.rss)}; fds ${before.fds} → ${after.fds}`,
      pass: null,
      details: { summary, before, after, pauses, gaveUp, served: count(summary.ok) },
      note: 'The defaults (minUptime 1s, flapping 5 failures in 10 s → pause 7 s, 5 pauses → give up) read a storm of outside kills as a crash loop: each pause leaves the socket without a worker, and requests wait in the backlog until they time out.',
    };
  } finally {
    if (!master.hasExited()) {
      signal(master.pid, 'SIGTERM');
      const exited = await Promise.race([master.exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      if (!exited) signal(master.pid, 'SIGKILL', { group: true });
      for (const pid of workerPids(master.pid)) signal(pid, 'SIGKILL');
    }
  }
}

/** Every id 0 … workers-1 answers on fresh connections, each from a live child of the master (which must not have given up). */
async function servedByEveryId(port, master, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline && !master.hasExited()) {
    const ids = new Set();
    const children = new Set(workerPids(master.pid));
    for (let attempt = 0; attempt < 40 && ids.size < workers && children.size === workers; attempt++) {
      const answer = await httpGet(`http://127.0.0.1:${port}/`, 5_000).catch(() => undefined);
      const match = /^pong from #(\d+) (\d+)$/.exec(answer?.body ?? '');
      if (answer?.status === 200 && match && children.has(Number(match[2]))) ids.add(Number(match[1]));
    }
    if (ids.size === workers) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(master.hasExited() ? 'the master gave up' : `no ${workers} workers serving within ${timeout} ms`);
}

function masterRecords(output) {
  const records = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // not a log record
    }
  }
  return records;
}
