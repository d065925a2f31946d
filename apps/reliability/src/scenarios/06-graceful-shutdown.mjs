// 6. Graceful shutdown with requests in flight: slow requests (1 s) are being served when the master gets
// SIGTERM; every one must complete with 200, and everything must have exited within gracefulTimeout. Then a
// worker that ignores SIGTERM (with a `sleep` child in its process group) must be SIGKILLed, with its group,
// once gracefulTimeout has passed.
import { httpGet, waitFor } from '@pool/testing';
import { seconds } from '../lib/format.mjs';
import { startSupervisor, waitForReadyPool } from '../lib/hosts.mjs';
import { app } from '../lib/paths.mjs';
import { isAlive } from '../lib/processes.mjs';

const workers = 4;

export default {
  id: 6,
  name: 'Graceful shutdown',
  async run({ quick, log }) {
    return [await inFlight({ requests: quick ? 8 : 16, log }), await stubborn({ log })];
  },
};

async function inFlight({ requests, log }) {
  const gracefulTimeout = 5_000;
  const host = startSupervisor({
    worker: app('workers/web.mjs'),
    workers,
    gracefulTimeout,
    sockets: { web: { host: '127.0.0.1', port: 0 } },
    env: { WEB_SLOW_MS: '1000' },
  });
  try {
    const { web } = await host.waitForBound();
    const pool = await waitForReadyPool(host, workers);
    const answers = Array.from({ length: requests }, () => httpGet(`http://127.0.0.1:${web.port}/slow`, 30_000).catch((error) => ({ status: 0, body: error.message })));
    await waitFor(() => (host.output().match(/slow-start/g) ?? []).length >= requests, { timeout: 30_000, message: `${requests} slow requests in progress` });
    const terminatedAt = Date.now();
    host.signal('SIGTERM');
    const results = await Promise.all(answers);
    const exit = await host.exited;
    const exitedAfter = exit.at - terminatedAt;
    const workerPids = pool.map((worker) => worker.pid);
    const leftWorkers = workerPids.filter(isAlive);
    const ok = results.filter((result) => result.status === 200 && /^slow from #/.test(result.body)).length;
    log(`${ok}/${requests} slow requests answered 200; master exited after ${exitedAfter} ms with code ${exit.code}`);
    return {
      scenario: 'Graceful shutdown: slow requests in flight at SIGTERM',
      figures:
        `${requests} requests of 1 s in flight at SIGTERM: ${ok} answered 200, ${requests - ok} failed; ` +
        `master and workers exited ${seconds(exitedAfter)} after SIGTERM (gracefulTimeout ${seconds(gracefulTimeout)}), exit code ${exit.code}`,
      pass: ok === requests && exitedAfter <= gracefulTimeout && leftWorkers.length === 0 && exit.code === 0,
      details: { results: results.map((result) => result.status), exitedAfter, leftWorkers },
    };
  } finally {
    await host.stop();
  }
}

async function stubborn({ log }) {
  const gracefulTimeout = 2_000;
  const host = startSupervisor({ worker: app('workers/stubborn.mjs'), workers: 2, gracefulTimeout });
  try {
    await host.waitForBound();
    const pool = await waitForReadyPool(host, 2);
    const grandchildren = await waitFor(() => {
      const found = [...host.output().matchAll(/grandchild (\d+)/g)].map((match) => Number(match[1]));
      return found.length >= 2 ? found : undefined;
    }, { timeout: 30_000, message: 'the workers to start their children' });
    const since = host.events.length;
    const terminatedAt = Date.now();
    host.signal('SIGTERM');
    const exits = await Promise.all(
      pool.map((worker) => host.waitForEvent('exit', { since, filter: (payload) => payload.pid === worker.pid, timeout: 30_000 })),
    );
    const exit = await host.exited;
    const killedAfter = Math.max(...exits.map((event) => event.at - terminatedAt));
    const forced = exits.every((event) => event.payload.forced);
    const left = [...pool.map((worker) => worker.pid), ...grandchildren].filter(isAlive);
    log(`stubborn workers killed after ${killedAfter} ms (forced: ${forced}); ${left.length} processes left`);
    return {
      scenario: 'Graceful shutdown: workers ignoring SIGTERM',
      figures:
        `2 workers ignore SIGTERM, each with a sleep child: SIGKILLed with their process groups ${seconds(killedAfter)} after SIGTERM ` +
        `(gracefulTimeout ${seconds(gracefulTimeout)}), forced: ${forced ? 'yes' : 'no'}; children alive after: ${left.length}; master exit code ${exit.code}`,
      pass: forced && killedAfter >= gracefulTimeout && killedAfter <= gracefulTimeout + 2_000 && left.length === 0,
      details: { killedAfter, forced, left },
    };
  } finally {
    await host.stop();
  }
}
