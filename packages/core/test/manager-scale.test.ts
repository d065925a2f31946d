import { isPoolError, scaleTarget, type PoolError } from '@pool/core';
import { isAlive, waitForDeath } from '@pool/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventsOf, useManagers } from './fixtures/manager/harness.js';
import { caught } from './helpers.js';

const { create } = useManagers();

describe('the scale grammar', () => {
  it('a number or a plain numeric string sets the count; "=k" sets; "+k"/"-k" change it, never below 0', () => {
    const count = fc.integer({ min: 0, max: 1024 });
    fc.assert(
      fc.property(count, count, (current, k) => {
        expect(scaleTarget(current, k, 'job')).toBe(k);
        expect(scaleTarget(current, String(k), 'job')).toBe(k);
        expect(scaleTarget(current, `=${k}`, 'job')).toBe(k);
        expect(scaleTarget(current, `-${k}`, 'job')).toBe(Math.max(0, current - k));
        if (current + k <= 1024) expect(scaleTarget(current, `+${k}`, 'job')).toBe(current + k);
      }),
    );
  });

  it('rejects anything else with POOL_INVALID_SCALE and a hint that shows the grammar', () => {
    const bad = [-1, 1.5, Number.NaN, Infinity, '', ' 3', '3 ', '+-1', '++1', '*2', '1e3', '0x10', '-1.5', '=', '+', 'three', null, undefined, {}, [3], true];
    for (const value of bad) {
      const error = caught(() => scaleTarget(2, value, 'default.web'));
      expect(error.code, String(value)).toBe('POOL_INVALID_SCALE');
      expect(error.status).toBe(400);
      expect(error.hint).toMatch(/"\+k" or "-k".*"=k"/);
      expect(error.message).toContain('default.web');
    }
    expect(caught(() => scaleTarget(1024, '+1', 'web')).message).toMatch(/at most 1024/);
    fc.assert(
      fc.property(fc.string(), (value) => {
        fc.pre(!/^[+=-]?\d+$/.test(value));
        expect(caught(() => scaleTarget(0, value, 'web')).code).toBe('POOL_INVALID_SCALE');
      }),
    );
  });
});

describe('Manager.scale', () => {
  it('scales real processes up and down by each form of the grammar', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'] });
    const alive = () => manager.pids('web').filter(isAlive);

    expect(await manager.scale('web', 3)).toBe(3);
    expect(alive()).toHaveLength(3);
    expect(await manager.scale('web', '2')).toBe(2);
    expect(alive()).toHaveLength(2);
    expect(await manager.scale('web', '+2')).toBe(4);
    expect(alive()).toHaveLength(4);
    const beforeMinus = manager.pids('web');
    expect(await manager.scale('web', '-1')).toBe(3);
    // The highest number goes; the others are untouched.
    await waitForDeath(beforeMinus[3]!);
    expect(manager.pids('web')).toEqual(beforeMinus.slice(0, 3));
    expect(await manager.scale('web', '=1')).toBe(1);
    expect(manager.pids('web')).toEqual(beforeMinus.slice(0, 1));
    expect(await manager.scale('web', '-5')).toBe(0);
    await waitForDeath(beforeMinus);
    expect(manager.pids('web')).toEqual([]);
    expect(manager.info('web')).toMatchObject({ numprocesses: 0, running: true });
    expect(await manager.scale('web', '+1')).toBe(1);
    expect(alive()).toHaveLength(1);
    expect(manager.list('web').map((process) => process.id)).toEqual([0]);

    expect(eventsOf(events, 'scale').map(({ from, to }) => `${from}→${to}`)).toEqual(['1→3', '3→2', '2→4', '4→3', '3→1', '1→0', '0→1']);
  });

  it('rejects an invalid scale without touching the job', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'], numprocesses: 2 });
    const pids = manager.pids('web');
    for (const value of [-1, 0.5, 'x', '+1.5', '*3']) {
      await expect(manager.scale('web', value)).rejects.toMatchObject({ code: 'POOL_INVALID_SCALE' });
    }
    expect(manager.pids('web')).toEqual(pids);
    await expect(manager.scale('nope', 1)).rejects.toMatchObject({ code: 'POOL_UNKNOWN_JOB' });
  });

  it('changes only the count of a stopped job; startJob starts that many', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'] }, { start: false });
    expect(await manager.scale('web', '+2')).toBe(3);
    expect(manager.pids('web')).toEqual([]);
    await manager.startJob('web');
    expect(manager.pids('web').filter(isAlive)).toHaveLength(3);
  });
});
