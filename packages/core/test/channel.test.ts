import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildHandler, isPoolError } from '@pool/core';
import { httpGet, isAlive, ProcessTracker, tempDir, waitFor } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, node, useManagers, waitForEvent } from './fixtures/manager/harness.js';
import { readyPids, runMaster } from './helpers.js';

// Issue 20, item 1: on 1295a97 one child writing garbage on its IPC channel crashed its master
// (SyntaxError out of Node's channel parser), taking every job down. A child's bytes are its own fault.

const { create } = useManagers();
const tracker = new ProcessTracker();
const temps: { remove: () => void }[] = [];
afterEach(async () => {
  await tracker.cleanup();
  for (const temp of temps.splice(0)) temp.remove();
});

/** A script that says it is ready, then writes `payload` straight onto its channel's fd (non-blocking: EAGAIN waits). */
const writesOnChannel = (payload: string) => `
  const fs = require('fs');
  let rest = Buffer.from(${payload});
  const write = () => {
    while (rest.length > 0) {
      try { rest = rest.subarray(fs.writeSync(process.channel.fd, rest)); }
      catch (error) { if (error.code === 'EAGAIN') return setTimeout(write, 5); throw error; }
    }
  };
  process.send('ready');
  setTimeout(write, 100);
  setInterval(() => {}, 1000);`;

describe('a control channel is untrusted input', () => {
  it('garbage on one job\'s channel is that job\'s fault: it is stopped and restarted; the manager and the other job run on', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'good', cmd: [node, '-e', "process.send('ready'); setInterval(() => process.send({ tick: Date.now() }), 50)"], readiness: { message: true } });
    const goodPid = manager.info('good').processes[0]!.pid!;
    await manager.load({
      name: 'evil',
      cmd: [node, '-e', writesOnChannel(`'{"ok":1}\\nnot json at all\\n'`)],
      readiness: { message: true },
      backoff: { initial: 10, max: 10 },
    });
    const fault = await waitForEvent(events, 'fault');
    expect(fault).toMatchObject({ job: 'default.evil', id: 0, detail: 'a message that is not JSON: "not json at all"' });
    const exit = await waitFor(() => eventsOf(events, 'exit').find((event) => event.job === 'default.evil'));
    expect(exit).toMatchObject({ reason: 'fault', pid: fault.pid });
    expect(isPoolError(exit.error, 'POOL_CHANNEL_FAULT')).toBe(true);
    expect(exit.error!.message).toContain('not json at all');
    // Restarted as its policy says, a failure for back-off and flapping as a crash would be.
    await waitFor(() => eventsOf(events, 'ready').filter((event) => event.job === 'default.evil').length === 2);
    expect(manager.info('evil').restartReasons).toMatchObject({ fault: 1 });
    expect(manager.info('good').processes[0]).toMatchObject({ pid: goodPid, state: 'ready' });
    expect(isAlive(goodPid)).toBe(true);
  });

  it('a message longer than 1 MiB is a fault, and is not buffered past the limit', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'long', cmd: [node, '-e', writesOnChannel(`'"' + 'x'.repeat(2 * 1024 * 1024)`)], readiness: { message: true }, restart: 'never' });
    const fault = await waitForEvent(events, 'fault');
    expect(fault.detail).toBe('a message longer than 1048576 bytes');
    expect(await waitForEvent(events, 'exit')).toMatchObject({ reason: 'fault' });
  });

  it("messages still flow both ways: the process's process.send() reaches its handler, the handler's send() reaches it", async () => {
    const script = "process.on('message', (m) => process.send({ echo: m })); process.send({ type: 'pool:ready' })";
    const child = new ChildHandler({ command: node, args: ['-e', script], protocol: true });
    try {
      await child.start();
      const reply = new Promise((resolve) => child.once('message', resolve));
      expect(child.send({ hello: 'wörld', n: [1, 2], big: 'x'.repeat(200_000) })).toBe(true);
      expect(await reply).toEqual({ echo: { hello: 'wörld', n: [1, 2], big: 'x'.repeat(200_000) } });
      expect(() => child.send(() => 1)).toThrow(TypeError);
    } finally {
      await child.stop({ gracefulTimeout: 0 });
    }
    expect(child.send('late')).toBe(false);
  });
});

describe('a master process whose worker writes garbage on its channel', () => {
  it('runs on, serving: the worker is replaced and the others are untouched', async () => {
    const dir = tempDir();
    temps.push(dir);
    const marker = join(dir.path, 'garbage-written');
    const master = await runMaster(tracker, 'garbage-worker.mjs', 3, { GARBAGE_ONCE: marker });
    await waitFor(() => existsSync(marker));
    const bad = Number(readFileSync(marker, 'utf8'));
    // Worker 1 is replaced (a new READY for id 1); 2 and 3 keep their pids; the master serves throughout.
    const pids = await waitFor(() => {
      const ready = readyPids(master.stdout());
      return ready.size === 3 && ready.get(1) !== bad ? ready : undefined;
    }, { timeout: 20_000 });
    expect(master.stdout().match(/READY/g)).toHaveLength(4);
    expect(isAlive(master.pid)).toBe(true);
    expect(master.stderr()).toContain('not json at all');
    expect((await httpGet(`http://127.0.0.1:${master.port}/`)).status).toBe(200);
    expect([...pids.values()].every(isAlive)).toBe(true);
  });
});
