// Requests per second and p99 latency of the hello handler behind 2 workers, wrk on loopback.
import { allOf, atLeast } from '../goals.mjs';
import { wrk } from '../lib/load.mjs';
import { startServing } from '../lib/serving.mjs';

export default {
  order: 30,
  name: 'HTTP throughput',
  targets: ['bare', 'pool', 'cluster', 'pm2'],
  cases: [{ id: 'http', workers: 2 }],
  rows: [
    {
      case: 'http',
      metric: 'requestsPerSecond',
      label: 'HTTP throughput, 2 workers',
      unit: 'req/s',
      better: 'higher',
      goal: allOf(atLeast('cluster'), atLeast('pm2', 1.15)),
    },
    { case: 'http', metric: 'p99', label: 'HTTP p99 latency, 2 workers', unit: 'ms', better: 'lower' },
  ],

  async measure({ peer, testCase, context }) {
    const { seconds, warmupSeconds } = context.quick ? { seconds: 3, warmupSeconds: 1 } : { seconds: 10, warmupSeconds: 3 };
    const workers = peer.name === 'bare' ? 1 : testCase.workers; // the baseline: one plain process
    const serving = await startServing(peer, { workers, directory: context.directory });
    try {
      await wrk({ port: serving.port, seconds: warmupSeconds }); // JIT and connection set-up, not measured
      const result = await wrk({ port: serving.port, seconds });
      if (result.failed > 0) throw new Error(`${result.failed} requests failed under plain load: ${JSON.stringify(result.errors)}`);
      return { requestsPerSecond: result.requestsPerSecond, p99: result.p99 };
    } finally {
      await serving.instance.stop();
    }
  },
};
