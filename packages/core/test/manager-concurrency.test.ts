// Orders that arrive together must give what they give one after the other, and leave nothing running.
import { isAlive, waitFor, waitForDeath } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers } from './fixtures/manager/harness.js';

const { create } = useManagers();
const spawnedPids = (events: Parameters<typeof eventsOf>[0]) => eventsOf(events, 'spawn').map((event) => event.pid);

describe('Manager: concurrent orders on one job', () => {
  it('two concurrent update()s: the last config wins, and stop() leaves no process of either', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'] });
    await Promise.all([manager.update({ name: 'web', cmd: ['sleep', '1001'] }), manager.update({ name: 'web', cmd: ['sleep', '1002'] })]);
    expect(manager.get('web').cmd).toEqual(['sleep', '1002']);
    await waitFor(() => spawnedPids(events).filter(isAlive).length === 1, { timeout: 15_000, message: 'one sleep left running' });
    expect(manager.pids('web')).toEqual(spawnedPids(events).filter(isAlive));
    await manager.stop();
    await waitForDeath(spawnedPids(events), 15_000);
  });

  it('three concurrent scale("+1") from 1 give 2, 3 and 4, and four processes', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'a', cmd: ['sleep', '1000'] });
    expect(await Promise.all([manager.scale('a', '+1'), manager.scale('a', '+1'), manager.scale('a', '+1')])).toEqual([2, 3, 4]);
    await waitFor(() => manager.pids('a').filter(isAlive).length === 4);
  });

  it('a "+1" queued behind a slow scale-down counts from what the scale-down left', async () => {
    const { manager, stdout } = create();
    await manager.start();
    await manager.load({ name: 'slow', cmd: [node, fixture('ignore-term.mjs')], numprocesses: 2, gracefulTimeout: 1_000 });
    await waitFor(() => (stdout.text.match(/running \d+/g) ?? []).length === 2);
    const down = manager.scale('slow', '-1');
    await waitFor(() => stdout.text.includes('ignored SIGTERM'));
    expect(await Promise.all([down, manager.scale('slow', '+1'), manager.scale('slow', '+1')])).toEqual([1, 2, 3]);
  });

  it('a stop during a start: stopped at once, as in sequence, with nothing left', async () => {
    const { manager, events } = create();
    await manager.start();
    const worker = { name: 'w', worker: { module: fixture('never-ready-worker.mjs'), startTimeout: 60_000 }, numprocesses: 2 };
    await manager.load(worker, { start: false });
    const starting = manager.startJob('w');
    await waitFor(() => spawnedPids(events).length === 2);
    await manager.stopJob('w');
    await starting;
    expect(manager.info('w')).toMatchObject({ active: false, running: false });
    await waitForDeath(spawnedPids(events), 15_000);
  });
});
