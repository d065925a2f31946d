import { waitFor } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { fixtures, useSandbox } from './helpers/sandbox.js';

// Issue 18: `pool start` says what happened — a process that dies at start is not "started" — and `pool ps` tells
// a process kept down after a failure, or a job that gave up, from one stopped on purpose.

const sandbox = useSandbox();

describe('what pool start and pool ps say', () => {
  it('reports a process that dies at start with its exit and stderr tail, and exits 1', async () => {
    const { current } = sandbox;
    const result = await current.run(['start', `${fixtures}fails-to-listen.mjs`, '--name', 'web']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('started web: 1 of 1 process did not start\n');
    expect(result.stderr).toMatch(/web\.0 did not start: it exited \d+\.\d s after it started \(code 1\); its stderr ended with:\n {4}Error: listen EADDRINUSE/);
  });

  it('says "started" for a process that holds, once it has run a second; --no-wait answers at once', async () => {
    const { current } = sandbox;
    const result = await current.run(['start', `${fixtures}ticker.mjs`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^started ticker: 1 process \(pid \d+\)\n$/);
    const [ticker] = await current.json<PsRecord[]>(['ps']);
    expect(ticker!.uptime).toBeGreaterThanOrEqual(1_000);
    const quick = await current.run(['start', `${fixtures}fails-to-listen.mjs`, '--name', 'quick', '--no-wait']);
    expect(quick.stdout).toMatch(/^started quick: 1 process/);
  });

  it('pool ps shows errored and gave-up apart from stopped', async () => {
    const { current } = sandbox;
    const flapping = { attempts: 2, window: '30s', retryIn: '100ms', maxRetry: 1 };
    current.file(
      'jobs.json',
      JSON.stringify({
        jobs: {
          once: { cmd: ['node', `${fixtures}exit-with.mjs`, '2'], restart: 'never' },
          flapper: { cmd: ['node', `${fixtures}exit-with.mjs`, '3'], flapping, backoff: { initial: '10ms', max: '10ms' } },
          idle: { cmd: ['node', `${fixtures}ticker.mjs`] },
        },
      }),
    );
    expect((await current.run(['start', 'jobs.json'])).code).toBe(1);
    expect((await current.run(['stop', 'idle'])).code).toBe(0);
    const states = async () => Object.fromEntries((await current.json<PsRecord[]>(['ps'])).map((process) => [process.job, process.state]));
    // The flapper gives up after its second round of failures, a moment after `pool start` has answered.
    await waitFor(async () => (await states())['default.flapper'] === 'gave-up', { timeout: 30_000, message: 'the flapper gives up' });
    expect(await states()).toEqual({ 'default.once': 'errored', 'default.flapper': 'gave-up', 'default.idle': 'stopped' });
    expect((await current.run(['ps'])).stdout).toMatch(/flapper\s+0\s+-\s+gave-up/);
  });
});
