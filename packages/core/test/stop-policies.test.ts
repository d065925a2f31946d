import { isPoolError } from '@pool/core';
import { isAlive, waitFor } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { node, useManagers, waitForEvent } from './fixtures/manager/harness.js';

// Issue 14: PM2's stop_exit_codes and shutdown_with_message, as job keys (stopExitCodes, stopMessage).

const { create } = useManagers();

describe('stopExitCodes', () => {
  it('a process that exits with a listed code is not restarted; another code is', async () => {
    const { manager, events } = create();
    await manager.start();
    const script = 'setTimeout(() => process.exit(Number(process.env.CODE)), 300)';
    await manager.load({ name: 'done', cmd: [node, '-e', script], env: { CODE: 3 }, stopExitCodes: [3, 4], minUptime: 0 });
    await manager.load({ name: 'again', cmd: [node, '-e', script], env: { CODE: 5 }, stopExitCodes: [3, 4], minUptime: 0 });
    await waitFor(() => manager.info('default.again').restarts >= 2, { timeout: 30_000 });
    await waitForEvent(events, 'exit', (event) => event.job === 'default.done' && event.code === 3);
    const done = manager.info('default.done');
    expect(done.restarts).toBe(0);
    expect(done.processes.map((process) => [process.state, process.lastExit?.code])).toEqual([['exited', 3]]);
    await expect(manager.load({ name: 'bad', cmd: [node, '-e', '0'], stopExitCodes: [256] })).rejects.toThrow(/stopExitCodes\[0\]/);
  });
});

describe('stopMessage', () => {
  it('stops a Node program by its message first, and by the stop signal when it ignores the message', async () => {
    const { manager, stdout } = create();
    await manager.start();
    const listens = `
      process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
      process.on('message', (message) => { if (message === 'shutdown') { console.log('got shutdown'); process.exit(0); } });
      console.log('up'); setInterval(() => {}, 1000);`;
    const ignores = `process.on('SIGTERM', () => { console.log('ignorer got SIGTERM'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`;
    await manager.load({ name: 'polite', cmd: [node, '-e', listens], stopMessage: 'shutdown', gracefulTimeout: 20_000 });
    await manager.load({ name: 'deaf', cmd: [node, '-e', ignores], stopMessage: 'shutdown', gracefulTimeout: 2_000 });
    await waitFor(() => stdout.text.split('\n').filter((line) => line === 'up').length === 2, { timeout: 30_000 });
    const [polite] = manager.pids('default.polite');
    const since = Date.now();
    await manager.stopJob('default.polite');
    expect(Date.now() - since).toBeLessThan(15_000); // not the graceful timeout: the message did it
    expect(stdout.text).toContain('got shutdown');
    expect(stdout.text).not.toContain('got SIGTERM');
    expect(isAlive(polite!)).toBe(false);

    await manager.stopJob('default.deaf');
    expect(stdout.text).toContain('ignorer got SIGTERM');
    expect(manager.info('default.deaf').processes[0]!.lastExit).toMatchObject({ code: 0, reason: 'stopped' });
  });

  it('is a config error for a command that is not a Node program, or a worker module', async () => {
    const { manager } = create();
    const error = await manager.load({ name: 'sleep', cmd: ['sleep', '100'], stopMessage: 'shutdown' }).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_CONFIG') && error.message).toMatch(/stopMessage cannot be used here: only a Node program/);
  });
});

describe('the state of a number that is down', () => {
  it('exited after a clean end, errored after a failure, gave-up once its job gave up, stopped when stopped', async () => {
    const { manager } = create();
    await manager.start();
    const ending = (code: number) => `setTimeout(() => process.exit(${code}), 300)`;
    await manager.load({ name: 'clean', cmd: [node, '-e', ending(0)], restart: 'on-failure', minUptime: 0 });
    await manager.load({ name: 'failed', cmd: [node, '-e', ending(2)], restart: 'never', minUptime: 0 });
    await manager.load({ name: 'stopped', cmd: [node, '-e', 'setInterval(() => {}, 1000)'] });
    await manager
      .load({ name: 'flapper', cmd: [node, '-e', 'process.exit(1)'], flapping: { attempts: 2, window: '30s', retryIn: '100ms', maxRetry: 1 }, backoff: { initial: '10ms', max: '10ms' } })
      .catch(() => {});
    await manager.stopJob('stopped');
    const states = () => Object.fromEntries(['clean', 'failed', 'stopped', 'flapper'].map((name) => [name, manager.info(`default.${name}`).processes.map((process) => process.state)]));
    const settled = () => {
      const now = states();
      return now.clean?.[0] === 'exited' && now.failed?.[0] === 'errored' && now.flapper?.[0] === 'gave-up';
    };
    await waitFor(settled, { timeout: 30_000, message: `the states; got ${JSON.stringify(states())}` });
    expect(states()).toEqual({ clean: ['exited'], failed: ['errored'], stopped: ['stopped'], flapper: ['gave-up'] });
  });
});
