// Failed requests (socket errors + non-2xx) while 3 rolling reloads run, one after the other, under load.
import { setTimeout as sleep } from 'node:timers/promises';
import { zeroInEveryRun } from '../goals.mjs';
import { startWrk } from '../lib/load.mjs';
import { now } from '../lib/listening.mjs';
import { startServing } from '../lib/serving.mjs';

const reloads = 3;

export default {
  order: 40,
  name: 'rolling reload',
  targets: ['pool', 'pm2'],
  // The app ends with Fastify's `app.close()`, or drains its kept-alive connections first (apps/hello.mjs).
  cases: [
    { id: 'app-close', workers: 2, shutdown: 'close' },
    { id: 'app-drain', workers: 2, shutdown: 'drain' },
  ],
  rows: [
    { case: 'app-close', metric: 'failed', label: `rolling reload ×${reloads} under load, app closes: failed requests`, unit: 'requests', better: 'lower', goal: zeroInEveryRun() },
    { case: 'app-drain', metric: 'failed', label: `rolling reload ×${reloads} under load, app drains: failed requests`, unit: 'requests', better: 'lower', goal: zeroInEveryRun() },
    { case: 'app-drain', metric: 'milliseconds', label: `rolling reload ×${reloads} under load, app drains: time`, unit: 'ms', better: 'lower' },
  ],

  async measure({ peer, testCase, context }) {
    const serving = await startServing(peer, { workers: testCase.workers, directory: context.directory, env: { HELLO_SHUTDOWN: testCase.shutdown } });
    try {
      const load = startWrk({ port: serving.port, seconds: 300, connections: 16 });
      let result;
      let milliseconds;
      try {
        await sleep(1_000); // load running before the first reload
        const since = now();
        for (let index = 0; index < reloads; index++) await serving.instance.reload();
        milliseconds = now() - since;
        await sleep(1_000); // and after the last one, until the old workers are surely gone
      } finally {
        result = await load.stop();
      }
      const replaced = serving.log.entries().filter((entry) => entry.at > serving.lastAt).length;
      if (replaced < testCase.workers * reloads) throw new Error(`only ${replaced} new workers listened during ${reloads} reloads`);
      return { failed: result.failed, milliseconds, requests: result.requests, errors: result.errors };
    } finally {
      await serving.instance.stop();
    }
  },
};
