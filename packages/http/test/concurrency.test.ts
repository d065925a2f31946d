// Requests that arrive together (two PUTs, three scales) must give what they give one after the other, and
// leave nothing running once the Manager stops.
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, ProcessTracker, waitFor, waitForDeath } from '@pool/testing';
import { cleanup, harness, node } from './helpers.js';

const tracker = new ProcessTracker();
afterEach(async () => {
  await cleanup();
  await tracker.cleanup();
});

const ignoreTerm = [node, '-e', 'process.on("SIGTERM", () => console.log("ignored SIGTERM")); console.log("running"); setInterval(() => {}, 1 << 30)'];

async function setUp() {
  const made = await harness();
  const spawned: number[] = [];
  made.manager.on('spawn', ({ pid }) => {
    spawned.push(pid);
    tracker.track(pid);
  });
  return { ...made, spawned };
}

describe('@pool/http: concurrent requests', () => {
  it('two concurrent PUT /jobs/web: one job, one process, and none left after the Manager stops', async () => {
    const { app, manager, spawned } = await setUp();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: ['sleep', '1000'] } });
    const answers = await Promise.all(
      ['1001', '1002'].map((seconds) => app.inject({ method: 'PUT', url: '/pool/jobs/web', payload: { name: 'web', cmd: ['sleep', seconds] } })),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(manager.get('web').cmd).toEqual(['sleep', '1002']);
    await waitFor(() => spawned.filter(isAlive).length === 1, { timeout: 15_000, message: `one sleep running of ${spawned.join(', ')}` });
    await manager.stop();
    await waitForDeath(spawned, 15_000);
  });

  it('three concurrent scales "+1" behind a slow "-1" answer 1, 2 and 3', async () => {
    const { app, manager, logs } = await setUp();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'slow', cmd: ignoreTerm, numprocesses: 2, gracefulTimeout: 1_000 } });
    await waitFor(() => logs.tail({ job: 'default.slow' }).filter((record) => record.line.toString() === 'running').length === 2);
    const scale = (n: string) => app.inject({ method: 'POST', url: '/pool/jobs/slow/scale', payload: { n } });
    const down = scale('-1');
    await waitFor(() => logs.tail({ job: 'default.slow' }).some((record) => record.line.toString() === 'ignored SIGTERM'));
    const up = scale('+1');
    await new Promise((resolve) => setImmediate(resolve));
    const answers = await Promise.all([down, up, scale('+1')]);
    expect(answers.map((answer) => answer.json().numprocesses)).toEqual([1, 2, 3]);
    await waitFor(() => manager.pids('slow').filter(isAlive).length === 3);
  });

  it('pool_restarts_total never goes down, not even when the job scales down', async () => {
    const { app, manager } = await setUp();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: ['sleep', '1000'], numprocesses: 2 } });
    await waitFor(() => manager.list('web').every((process) => process.state === 'ready'));
    // Summed over its reasons, as `sum by (job) (pool_restarts_total)` would.
    const restarts = async () => [...(await app.inject('/pool/metrics')).body.matchAll(/pool_restarts_total\{job="default.web",reason="[a-z-]+"\} (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    const victim = manager.list('web')[1]!.pid!;
    process.kill(victim, 'SIGKILL');
    await waitFor(() => manager.list('web')[1]!.restarts === 1 && manager.list('web')[1]!.state === 'ready');
    expect(await restarts()).toBe(1);
    // Counted under the reason of the exit that caused it.
    expect((await app.inject('/pool/metrics')).body).toContain('pool_restarts_total{job="default.web",reason="crashed"} 1');
    await app.inject({ method: 'POST', url: '/pool/jobs/web/scale', payload: { n: 1 } });
    expect(await restarts()).toBe(1);
  });
});
