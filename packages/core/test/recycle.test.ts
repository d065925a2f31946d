import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagerEvent } from '@pool/core';
import { httpGet, isAlive, tempDir, waitFor } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers, waitForEvent } from './fixtures/manager/harness.js';

const { create } = useManagers();
const temps: { remove: () => void }[] = [];
afterEach(() => {
  for (const temp of temps.splice(0)) temp.remove();
});

/** The fewest processes ready at once, from the events, once the first `count` were ready. */
function fewestReadyAfterStart(events: ManagerEvent[], count: number): number {
  const timeline = events.filter((event) => event.type === 'exit' || event.type === 'ready');
  expect(timeline.slice(0, count).map((event) => event.type)).toEqual(Array(count).fill('ready'));
  let ready = 0;
  let fewest = Infinity;
  for (const [index, event] of timeline.entries()) {
    ready += event.type === 'ready' ? 1 : -1;
    if (index >= count) fewest = Math.min(fewest, ready);
  }
  return fewest;
}

describe('recycling: memory and age limits', () => {
  it('maxMemory: a process whose group stays above the limit for two samples is replaced gracefully (reason memory)', async () => {
    const dir = tempDir();
    temps.push(dir);
    const { manager, events, stdout } = create();
    await manager.start();
    await manager.load({
      name: 'leaky',
      cmd: [node, fixture('leak.mjs')],
      env: { LEAK_FILE: join(dir.path, 'leaked'), LEAK_MB: '120' },
      maxMemory: '80M',
      memoryCheckInterval: '200ms',
    });
    const [first] = manager.pids('leaky');
    const exit = await waitForEvent(events, 'exit', (event) => event.pid === first);
    expect(exit).toMatchObject({ reason: 'memory', code: 0, forced: false });
    await stdout.waitFor(/healthy/);
    const replacement = await waitForEvent(events, 'ready', (event) => event.pid !== first);
    expect(replacement.id).toBe(0);
    expect(manager.info('leaky')).toMatchObject({ restarts: 1, restartReasons: { memory: 1 } });
    // The healthy replacement stays (well under the limit).
    expect(manager.getProcess(replacement.pid)).toMatchObject({ state: 'ready', lastExit: { reason: 'memory' } });
  });

  it('maxAge on a job with sockets: one process at a time, each replacement ready first, no failed request', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'web', worker: fixture('http-worker.mjs'), numprocesses: 2, sockets: { web: { host: '127.0.0.1', port: 0 } }, maxAge: '1200ms', maxAgeJitter: '300ms' });
    const port = (manager.info('web').sockets.web as { port: number }).port;
    let fewest = 2;
    let failed = 0;
    let served = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        fewest = Math.min(fewest, manager.list('web').filter((process) => process.state === 'ready').length);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const load = (async () => {
      while (!done) {
        try {
          if ((await httpGet(`http://127.0.0.1:${port}/`)).status === 200) served += 1;
          else failed += 1;
        } catch {
          failed += 1;
        }
      }
    })();
    await waitFor(() => eventsOf(events, 'exit').filter((event) => event.reason === 'age').length >= 4, { timeout: 60_000 });
    done = true;
    await Promise.all([watch, load]);
    expect({ failed, fewest }).toEqual({ failed: 0, fewest: 2 });
    expect(served).toBeGreaterThan(0);
    const ages = eventsOf(events, 'exit').filter((event) => event.reason === 'age');
    expect(ages.every((event) => !event.forced)).toBe(true);
    expect(manager.info('web').restartReasons.age).toBeGreaterThanOrEqual(4);
    expect(ages.map((event) => event.pid).filter((pid) => pid !== undefined && isAlive(pid))).toEqual([]);
  });

  it('maxAge on a plain command: stopped, then started again under its number, never two at once', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'sleepers', cmd: ['sleep', '1000'], numprocesses: 2, maxAge: '500ms' });
    await waitFor(() => eventsOf(events, 'exit').filter((event) => event.reason === 'age').length >= 3, { timeout: 60_000 });
    // After both first started, never two down at once.
    expect(fewestReadyAfterStart(events, 2)).toBe(1);
  });
});

describe('scheduled and watched restarts', () => {
  it('cronRestart: a rolling restart at each scheduled time, one process at a time (reason cron)', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'nightly', cmd: ['sleep', '1000'], numprocesses: 2, cronRestart: '*/2 * * * * *', timezone: 'Europe/Paris' });
    await waitFor(() => eventsOf(events, 'exit').filter((event) => event.reason === 'cron').length >= 4, { timeout: 60_000 });
    expect(fewestReadyAfterStart(events, 2)).toBe(1);
    expect(manager.info('nightly').restartReasons.cron).toBeGreaterThanOrEqual(4);
  });

  it('refuses a schedule croner cannot read, or a time zone that does not exist, naming the key', async () => {
    const { manager } = create();
    await manager.start();
    for (const [config, path] of [
      [{ cronRestart: 'every night' }, 'cronRestart'],
      [{ cronRestart: '0 3 * * *', timezone: 'Mars/Olympus' }, 'cronRestart'],
      [{ timezone: 'Europe/Paris' }, 'timezone'],
    ] as const) {
      const error = await manager.load({ name: 'bad', cmd: ['true'], ...config }).catch((caught: unknown) => caught);
      expect((error as { code: string }).code, JSON.stringify(config)).toBe('POOL_INVALID_CONFIG');
      expect((error as Error).message).toContain(path);
    }
  });

  it('watch: a burst of 1,000 file writes is one rolling reload; node_modules and watchIgnore do not count', async () => {
    const dir = tempDir();
    temps.push(dir);
    mkdirSync(join(dir.path, 'node_modules'));
    mkdirSync(join(dir.path, 'logs'));
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'dev', cmd: ['sleep', '1000'], numprocesses: 2, cwd: dir.path, watch: true, watchIgnore: ['logs/**'], watchDelay: '300ms' });
    const watched = () => eventsOf(events, 'exit').filter((event) => event.reason === 'watch');
    // Ignored writes first, then the burst: had the ignored ones counted, a second reload would follow.
    writeFileSync(join(dir.path, 'node_modules', 'dep.js'), 'x');
    writeFileSync(join(dir.path, 'logs', 'app.log'), 'x');
    for (let index = 0; index < 1_000; index++) writeFileSync(join(dir.path, `file-${index % 50}.js`), String(index));
    await waitFor(() => watched().length === 2 && manager.list('dev').every((process) => process.state === 'ready'), { timeout: 60_000 });
    // Quiet now: three watch delays later, still one reload (two processes replaced, one at a time).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(watched()).toHaveLength(2);
    expect(manager.info('dev').restartReasons).toEqual({ watch: 2 });
    // A later change reloads again.
    writeFileSync(join(dir.path, 'again.js'), 'x');
    await waitFor(() => watched().length === 4, { timeout: 60_000 });
  });
});

describe('recycling and stop', () => {
  it('a stop behind queued recycles starts no process and does not wait for a replacement to get ready', async () => {
    const { manager, events } = create();
    await manager.start();
    // Each replacement takes 2 s to be ready, each process ages out after 300 ms: recycles queue up.
    await manager.load({ name: 'busy', cmd: ['sleep', '1000'], numprocesses: 4, maxAge: '300ms', readyDelay: '2s' }, { start: true });
    await waitFor(() => eventsOf(events, 'exit').some((event) => event.reason === 'age'), { timeout: 30_000 });
    const spawnsBefore = eventsOf(events, 'spawn').length;
    const readyBefore = eventsOf(events, 'ready').length;
    await manager.stop();
    expect(eventsOf(events, 'spawn').length).toBe(spawnsBefore);
    // It did not wait for a replacement spawned before it to get ready (2 s of readyDelay) either.
    expect(eventsOf(events, 'ready').length).toBe(readyBefore);
    expect(manager.list('busy').filter((process) => process.pid !== undefined && isAlive(process.pid))).toEqual([]);
  });
});
