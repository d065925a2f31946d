// The supervisor's own CPU and memory while 8 workers sit idle (pool's heartbeats on, at their default).
import { setTimeout as sleep } from 'node:timers/promises';
import { notAboveBestPeer } from '../goals.mjs';
import { cpuTime, privateBytes, rssBytes } from '../lib/proc.mjs';
import { startServing } from '../lib/serving.mjs';

const peers = ['pm2', 'supervisord'];

export default {
  order: 80,
  name: 'idle cost',
  targets: ['pool', ...peers],
  cases: [{ id: 'idle', workers: 8 }],
  rows: [
    { case: 'idle', metric: 'cpuPercent', label: 'idle cost, 8 workers: supervisor CPU', unit: '%', better: 'lower', goal: notAboveBestPeer(peers) },
    { case: 'idle', metric: 'rssMegabytes', label: 'idle cost, 8 workers: supervisor RSS', unit: 'MB', better: 'lower', goal: notAboveBestPeer(peers) },
    // No goal of its own: what the supervisor holds that no other process shares (RSS counts the interpreter's pages too).
    { case: 'idle', metric: 'privateMegabytes', label: 'idle cost, 8 workers: supervisor private memory (USS)', unit: 'MB', better: 'lower' },
  ],

  async measure({ peer, testCase, context }) {
    const { settleSeconds, windowSeconds } = context.quick ? { settleSeconds: 1, windowSeconds: 5 } : { settleSeconds: 3, windowSeconds: 30 };
    const serving = await startServing(peer, { workers: testCase.workers, directory: context.directory });
    try {
      const pid = serving.instance.supervisorPid;
      await sleep(settleSeconds * 1_000); // start-up work done, not counted
      const cpuBefore = cpuTime(pid);
      const startedAt = performance.now();
      await sleep(windowSeconds * 1_000);
      const cpuAfter = cpuTime(pid);
      const elapsed = performance.now() - startedAt;
      return {
        cpuPercent: ((cpuAfter - cpuBefore) / elapsed) * 100,
        rssMegabytes: rssBytes(pid) / 1_048_576,
        privateMegabytes: privateBytes(pid) / 1_048_576,
      };
    } finally {
      await serving.instance.stop();
    }
  },
};
