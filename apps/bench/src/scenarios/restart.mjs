// `kill -9` one of two workers → a new pid listens on the port. The baseline: one bare fork to listening.
import { setTimeout as sleep } from 'node:timers/promises';
import { allOf, aheadOfEveryPeer, withinBaseline } from '../goals.mjs';
import { servingPid } from '../lib/http.mjs';
import { now } from '../lib/listening.mjs';
import { signal } from '../lib/processes.mjs';
import { startServing } from '../lib/serving.mjs';

const peers = ['cluster', 'pm2', 'supervisord'];
// Every supervisor here treats a death within its first second as a failed start (back-off); the victim
// has lived past that, as a worker that crashes in production has.
const settle = 1_500;

export default {
  order: 20,
  name: 'restart',
  targets: ['bare', 'pool', ...peers],
  cases: [{ id: 'restart', workers: 2 }],
  rows: [
    {
      case: 'restart',
      metric: 'milliseconds',
      label: 'restart after `kill -9`',
      unit: 'ms',
      better: 'lower',
      goal: allOf(withinBaseline(1.25), aheadOfEveryPeer(peers)),
    },
  ],

  async measure({ peer, testCase, context }) {
    const { directory } = context;
    if (peer.name === 'bare') {
      const serving = await startServing(peer, { workers: 1, directory });
      await serving.instance.stop();
      return { milliseconds: serving.lastAt - serving.since };
    }
    const serving = await startServing(peer, { workers: testCase.workers, directory });
    try {
      await sleep(settle);
      const [victim] = serving.pids;
      const since = now();
      signal(victim, 'SIGKILL');
      const { lastAt } = await serving.log.waitFor({ count: 1, since, exclude: new Set(serving.pids), timeout: 30_000 });
      await servingPid(serving.port);
      return { milliseconds: lastAt - since };
    } finally {
      await serving.instance.stop();
    }
  },
};
