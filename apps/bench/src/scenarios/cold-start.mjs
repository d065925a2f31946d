// From the start command to all N workers listening on one shared port, the same Fastify app everywhere.
import { allOf, aheadOfEveryPeer, withinBaseline } from '../goals.mjs';
import { startServing } from '../lib/serving.mjs';

const peers = ['cluster', 'pm2', 'supervisord'];
const goal = allOf(withinBaseline(1.1), aheadOfEveryPeer(peers));

export default {
  order: 10,
  name: 'cold start',
  targets: ['bare', 'pool', ...peers],
  cases: [
    { id: 'workers-2', workers: 2 },
    { id: 'workers-8', workers: 8 },
  ],
  rows: [
    { case: 'workers-2', metric: 'milliseconds', label: 'cold start, N = 2', unit: 'ms', better: 'lower', goal },
    { case: 'workers-8', metric: 'milliseconds', label: 'cold start, N = 8', unit: 'ms', better: 'lower', goal },
  ],

  async measure({ peer, testCase, context }) {
    const serving = await startServing(peer, { workers: testCase.workers, directory: context.directory });
    try {
      return { milliseconds: serving.lastAt - serving.since, ...breakdown(serving), ...workerStartDurations(serving.instance) };
    } finally {
      await serving.instance.stop();
    }
  },
};

/**
 * Where the time went, from the workers' own clocks: until the first and the last worker process existed
 * (the supervisor's share), and each worker's own start-up, from its process start to listening (the app's).
 */
function breakdown({ listening, since }) {
  const processStarts = listening.map((entry) => entry.processStartedAt - since);
  const workerStartups = listening.map((entry) => entry.at - entry.processStartedAt).sort((a, b) => a - b);
  return {
    firstProcessMs: Math.min(...processStarts),
    lastProcessMs: Math.max(...processStarts),
    workerStartupMs: workerStartups[Math.floor(workerStartups.length / 2)],
  };
}

/** pool's own account of spawn → ready per worker: kept with the samples, for the profile. */
function workerStartDurations(instance) {
  if (!instance.readyEvents?.length) return {};
  return { workerStartDurations: instance.readyEvents.map((event) => event.startDuration) };
}
