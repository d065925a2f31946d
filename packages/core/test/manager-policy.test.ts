import { isPoolError } from '@pool/core';
import { waitFor } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers, waitForEvent } from './fixtures/manager/harness.js';

const { create } = useManagers();

describe('Manager: restart policy', () => {
  it('always: a process that exits is restarted under its number', async () => {
    const { manager, events, stdout } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sh', '-c', 'echo "up $$"; read line'], redirectInput: true });
    const [first] = manager.pids('web');
    await stdout.waitFor(new RegExp(`up ${first}`));
    await manager.send(first!, ['bye']);
    const exit = await waitForEvent(events, 'exit', (event) => event.pid === first);
    expect(exit).toMatchObject({ code: 0, reason: 'exited', id: 0 });
    const spawn = await waitForEvent(events, 'spawn', (event) => event.pid !== first);
    expect(spawn.id).toBe(0);
    expect(eventsOf(events, 'restart')).toEqual([expect.objectContaining({ id: 0, job: 'default.web' })]);
    expect(manager.getProcess(spawn.pid)).toMatchObject({ restarts: 1, lastExit: { code: 0, signal: null, reason: 'exited' } });
  });

  it('on-failure: restarts after a failing exit, not after a clean one', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'clean', cmd: [node, fixture('exit-with.mjs'), '0'], restart: 'on-failure', minUptime: 0 });
    await manager.load({ name: 'failing', cmd: [node, fixture('exit-with.mjs'), '3'], restart: 'on-failure', minUptime: 0, flapping: false });
    await waitFor(() => eventsOf(events, 'exit').filter((event) => event.job === 'default.failing').length >= 2);
    await waitForEvent(events, 'exit', (event) => event.job === 'default.clean');
    // The clean one's verdict was given when it exited: no restart is pending, and it shows as exited.
    expect(manager.list('clean')).toEqual([expect.objectContaining({ state: 'exited', pid: undefined, lastExit: expect.objectContaining({ code: 0, reason: 'exited' }) })]);
    expect(eventsOf(events, 'restart').filter((event) => event.job === 'default.clean')).toEqual([]);
    expect(eventsOf(events, 'exit').find((event) => event.job === 'default.failing')).toMatchObject({ code: 3, reason: 'crashed' });
    expect(manager.pids('clean')).toEqual([]);
  });

  it('never: a process that fails stays down; startJob runs it again', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'once', cmd: [node, fixture('exit-with.mjs'), '3'], restart: 'never' });
    await waitForEvent(events, 'exit');
    expect(manager.list('once')).toEqual([expect.objectContaining({ state: 'errored', lastExit: expect.objectContaining({ code: 3 }) })]);
    expect(eventsOf(events, 'restart')).toEqual([]);
    await manager.stopJob('once');
    await manager.startJob('once');
    await waitFor(() => eventsOf(events, 'exit').length === 2);
    expect(eventsOf(events, 'spawn')).toHaveLength(2);
  });

  it('backs off: consecutive failures of a number wait longer and longer', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'crash', cmd: [node, fixture('crash-at-start.mjs')], readyDelay: '2s', flapping: false });
    await waitFor(() => eventsOf(events, 'restart').length >= 4, { timeout: 60_000 });
    await manager.stopJob('crash');
    const restarts = eventsOf(events, 'restart').slice(0, 4);
    expect(restarts.map(({ delay, failures }) => ({ delay, failures }))).toEqual([
      { delay: 0, failures: 1 },
      { delay: 100, failures: 2 },
      { delay: 200, failures: 3 },
      { delay: 400, failures: 4 },
    ]);
    const exit = eventsOf(events, 'exit')[0]!;
    expect(exit).toMatchObject({ reason: 'failed-start', code: 1 });
    expect(exit.error?.code).toBe('POOL_EXITED_BEFORE_READY');
    expect(exit.stderrTail).toContain('failing on purpose');
  });
});

describe('Manager: flapping', () => {
  it('a command that does not exist: a clear error event, a pause, then giving up — no spin', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'ghost', cmd: ['/no/such/program', '--flag'], flapping: { attempts: 3, window: '1m', retryIn: '200ms', maxRetry: 1 } });
    const gaveUp = await waitForEvent(events, 'flapping', (event) => event.gaveUp);
    const flapping = eventsOf(events, 'flapping');
    expect(flapping.map(({ round, gaveUp: over, retryIn }) => ({ round, gaveUp: over, retryIn }))).toEqual([
      { round: 1, gaveUp: false, retryIn: 200 },
      { round: 2, gaveUp: true, retryIn: undefined },
    ]);
    expect(flapping[0]!.lastError?.code).toBe('POOL_SPAWN_FAILED');
    expect(flapping[0]!.lastError?.message).toBe('Could not start /no/such/program: spawn /no/such/program ENOENT');
    expect(isPoolError(gaveUp.error, 'POOL_FLAPPING')).toBe(true);
    expect(gaveUp.error?.message).toMatch(/^Job default\.ghost \(Could not start \/no\/such\/program: .*\) kept crashing: 3 failures within 60000 ms, 2 times; giving up$/);
    // attempts × (maxRetry + 1) tries, each a clear spawn failure, and nothing after giving up.
    await waitForEvent(events, 'stop', (event) => event.job === 'default.ghost');
    const exits = eventsOf(events, 'exit');
    expect(exits).toHaveLength(6);
    expect(exits.every((exit) => exit.reason === 'failed-start' && exit.error?.code === 'POOL_SPAWN_FAILED' && exit.pid === undefined)).toBe(true);
    expect(manager.info('ghost')).toMatchObject({ active: false, running: false, flapping: { paused: false } });
    expect(manager.info('ghost').failure?.code).toBe('POOL_FLAPPING');
    expect(manager.list('ghost').map((process) => process.state)).toEqual(['gave-up']);
    // startJob tries again from scratch.
    const before = exits.length;
    await manager.startJob('ghost');
    expect(eventsOf(events, 'exit').length).toBeGreaterThan(before);
    expect(manager.info('ghost').failure).toBeUndefined();
  });

  it('a job that crashes at start is paused (no spawn while paused), then tried again', async () => {
    const { manager, events } = create();
    const pausedAtSpawn: boolean[] = [];
    manager.on('spawn', () => pausedAtSpawn.push(manager.info('crash').flapping.paused));
    await manager.start();
    await manager.load({ name: 'crash', cmd: [node, fixture('crash-at-start.mjs')], readyDelay: '2s', flapping: { attempts: 2, window: '1m', retryIn: '300ms', maxRetry: 0 } });
    await waitFor(() => eventsOf(events, 'flapping').length >= 2, { timeout: 60_000 });
    await manager.stopJob('crash');
    const [first, second] = eventsOf(events, 'flapping');
    expect(first).toMatchObject({ round: 1, gaveUp: false, failures: 2, window: 60_000, retryIn: 300 });
    expect(first!.lastError?.code).toBe('POOL_EXITED_BEFORE_READY');
    expect(second).toMatchObject({ round: 2, gaveUp: false });
    // Two runs, a pause, two runs, a pause: never a spawn while paused.
    expect(pausedAtSpawn.length).toBeGreaterThanOrEqual(4);
    expect(pausedAtSpawn.every((paused) => !paused)).toBe(true);
    const firstPause = events.indexOf(first!);
    expect(eventsOf(events.slice(0, firstPause), 'spawn')).toHaveLength(2);
  });

  it('a worker that never gets ready times out (a timeout event), and is retried', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'slow', worker: { module: fixture('never-ready-worker.mjs'), startTimeout: '400ms' }, flapping: false });
    const timeout = await waitForEvent(events, 'timeout');
    expect(timeout).toMatchObject({ kind: 'start', after: 400, id: 0 });
    const exit = await waitForEvent(events, 'exit');
    expect(exit).toMatchObject({ reason: 'timeout', forced: true });
    expect(exit.error?.code).toBe('POOL_START_TIMEOUT');
    await waitForEvent(events, 'spawn', (event) => event.pid !== exit.pid);
  });
});
