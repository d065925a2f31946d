import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildHandler, isPoolError, writableTarget } from '@pool/core';
import { cgroups } from '@pool/core/internal';
import { isAlive, processGroup, ProcessTracker, waitFor, waitForDeath } from '@pool/testing';
import { fixture, MemorySink } from './helpers.js';

const node = process.execPath;
const handlers: ChildHandler[] = [];
const make = (options: ConstructorParameters<typeof ChildHandler>[0]) => {
  const handler = new ChildHandler(options);
  handlers.push(handler);
  return handler;
};

const tracker = new ProcessTracker();

afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.stop({ gracefulTimeout: 0 })));
  await tracker.cleanup();
});

describe('ChildHandler', () => {
  it('moves idle → starting → ready → stopping → exited, and reports the exit', async () => {
    const child = make({ command: node, args: ['-e', 'setInterval(() => {}, 1000)'] });
    expect(child.state).toBe('idle');
    const started = child.start();
    expect(child.state).toBe('starting');
    await started;
    expect(child.state).toBe('ready');
    const stopping = child.stop();
    expect(child.state).toBe('stopping');
    const exit = await stopping;
    expect(child.state).toBe('exited');
    expect(exit).toMatchObject({ signal: 'SIGTERM', requested: true, forced: false, wasReady: true });
    expect(isPoolError(await child.start().catch((caught: unknown) => caught), 'POOL_INVALID_STATE')).toBe(true);
  });

  it('takes a Writable or "ignore" as its output, and rejects anything else when it is made', async () => {
    const sink = new MemorySink();
    const writing = make({ command: node, args: ['-e', 'console.log("to a writable")'], stdout: sink, stderr: 'ignore' });
    await writing.start();
    expect(await writing.exited).toMatchObject({ code: 0 });
    expect(sink.text()).toContain('to a writable');
    let error: unknown;
    try {
      make({ command: node, stdout: 'inherit' as never });
    } catch (caught) {
      error = caught;
    }
    expect(isPoolError(error) && error.code).toBe('POOL_INVALID_OPTION');
  });

  it('kills with SIGKILL, to the whole process group, a process that ignores its stop signal', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      process.on('SIGTERM', () => {});
      const grandchild = spawn('sleep', ['1000'], { stdio: 'ignore' });
      console.log('grandchild ' + grandchild.pid);
      setInterval(() => {}, 1000);`;
    const output = new MemorySink();
    const child = make({ command: node, args: ['-e', script], stdout: writableTarget(output), gracefulTimeout: 300 });
    await child.start();
    const match = await waitFor(() => /grandchild (\d+)/.exec(output.text()));
    const grandchild = Number(match[1]);
    expect(isAlive(grandchild)).toBe(true);
    const exit = await child.stop();
    expect(exit).toMatchObject({ signal: 'SIGKILL', forced: true, requested: true });
    await waitForDeath(grandchild);
    expect(processGroup(exit.pid!)).toEqual([]);
  });

  it('ends what a crashed process left in its group', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const grandchild = spawn('sleep', ['1000'], { stdio: 'ignore' });
      console.log('grandchild ' + grandchild.pid);
      setTimeout(() => process.exit(7), 50);`;
    const output = new MemorySink();
    const child = make({ command: node, args: ['-e', script], stdout: writableTarget(output) });
    await child.start();
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 7, requested: false });
    const grandchild = Number(/grandchild (\d+)/.exec(output.text())![1]);
    await waitForDeath(grandchild);
  });

  it('fails the start of a command that does not exist with POOL_SPAWN_FAILED', async () => {
    const child = make({ command: '/nonexistent/program' });
    const error = await child.start().catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_SPAWN_FAILED')).toBe(true);
    expect((error as Error).message).toContain('/nonexistent/program');
    expect((await child.exited).error?.code).toBe('POOL_SPAWN_FAILED');
  });

  it('fails a start that is never ready within startTimeout, and kills the process', async () => {
    const child = make({ command: node, args: ['-e', 'setInterval(() => {}, 1000)'], protocol: true, startTimeout: 300 });
    const error = await child.start().catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_START_TIMEOUT')).toBe(true);
    const exit = await child.exited;
    expect(exit.forced).toBe(true);
    expect(isAlive(exit.pid!)).toBe(false);
  });

  it('fails with POOL_EXITED_BEFORE_READY and the stderr tail when the process dies starting', async () => {
    const child = make({
      command: node,
      args: ['-e', 'console.error("missing config file"); process.exit(2)'],
      protocol: true,
      stderr: writableTarget(new MemorySink()),
    });
    const error = await child.start().catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_EXITED_BEFORE_READY')).toBe(true);
    expect((error as Error).message).toContain('code 2');
    expect((await child.exited).stderrTail).toContain('missing config file');
  });

  it('counts a process as ready after readyDelay when it does not speak the protocol', async () => {
    const child = make({ command: node, args: ['-e', 'setInterval(() => {}, 1000)'], readyDelay: 200 });
    let stateAtSpawn = '';
    child.once('spawn', () => (stateAtSpawn = child.state));
    await child.start();
    expect(stateAtSpawn).toBe('starting');
    expect(child.state).toBe('ready');
    expect(child.readyAt! - child.spawnedAt).toBeGreaterThanOrEqual(150);
  });

  it('delivers every line a process wrote before it was SIGKILLed', async () => {
    const output = new MemorySink();
    // Killed as soon as the last write is handed to the pipe: what the kernel holds must still arrive.
    const script = `let all = ''; for (let i = 0; i < 20000; i++) all += 'line ' + i + '\\n';
      process.stdout.write(all, () => process.kill(process.pid, 'SIGKILL'));`;
    const child = make({ command: node, args: ['-e', script], stdout: writableTarget(output) });
    child.start().catch(() => {});
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    const lines = output.lines();
    expect(lines).toHaveLength(20000);
    expect(lines[19999]).toBe('line 19999');
  });
});

describe('ChildHandler output after the exit', () => {
  it('delivers every line when the sink is stalled past pipeCloseTimeout after the process exited', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const lines: string[] = [];
    const stalled = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        void released.then(() => {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          callback();
        });
      },
    });
    // 120 KB: it fits in the pipe and our buffers, so the child exits while its output is still in flight.
    const script = `let all = ''; for (let i = 0; i < 120; i++) all += 'line ' + i + ' ' + 'x'.repeat(1000) + '\\n'; process.stdout.write(all, () => process.exit(0));`;
    const child = make({ command: node, args: ['-e', script], stdout: writableTarget(stalled), pipeCloseTimeout: 100 });
    await child.start();
    const pid = child.pid!;
    await waitFor(() => !isAlive(pid));
    // Many pipeCloseTimeouts pass while our own sink holds the data back: nothing may be cut.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    release();
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    expect(lines).toHaveLength(120);
    expect(lines[119]).toMatch(/^line 119 x+$/);
  });

  it('does not wait forever on a pipe that an escaped grandchild keeps open', async () => {
    // The grandchild leaves the process group (setsid), so it survives the group kill, and keeps stdout open
    // for far longer than the test may wait: the exit must be reported while it still holds the pipe. Where
    // this master makes cgroups, the escape is killed with its parent instead (containment.test.ts).
    const script = `
      const { spawn } = require('node:child_process');
      const escaped = spawn('setsid', ['sleep', '1000'], { stdio: ['ignore', 'inherit', 'ignore'], detached: false });
      console.log('escaped ' + escaped.pid);
      setTimeout(() => process.exit(0), 100);`;
    const output = new MemorySink();
    const child = make({ command: node, args: ['-e', script], stdout: writableTarget(output), pipeCloseTimeout: 300 });
    await child.start();
    const escaped = Number((await waitFor(() => /escaped (\d+)/.exec(output.text())))[1]);
    tracker.track(escaped);
    const exit = await Promise.race([child.exited, new Promise<'pipe still held'>((resolve) => setTimeout(resolve, 20_000, 'pipe still held'))]);
    expect(exit).toMatchObject({ code: 0 });
    // Killed with its cgroup as its parent exits: dead a moment later on a loaded machine, not necessarily at once.
    if (cgroups.mode === 'cgroup') await waitForDeath(escaped, 10_000);
    else expect(isAlive(escaped)).toBe(true);
  });
});

describe('ChildHandler: orders that come late', () => {
  it('stop() after the process exited by itself, while its output drains: not requested, no grace timer left', async () => {
    // In a process of its own, so that a grace timer left armed (60 s) would keep it alive: it must end by itself.
    const master = tracker.spawn(node, [fixture('stop-after-exit.mjs')]);
    const ended = await Promise.race([master.exited, new Promise((resolve) => setTimeout(resolve, 30_000, 'still running'))]);
    expect(ended, master.stderr()).toEqual({ code: 0, signal: null });
    expect(JSON.parse(master.stdout())).toEqual({ stateWhenStopped: 'exiting', code: 3, requested: false, forced: false });
  });

  it('start() on a handler that has run returns a rejected promise (it never throws)', async () => {
    const child = make({ command: node, args: ['-e', ''] });
    await child.start();
    await child.exited;
    let result: Promise<void> | undefined;
    expect(() => (result = child.start())).not.toThrow();
    const error = await result!.catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_STATE')).toBe(true);
    expect((error as Error).message).toMatch(/exited/);
  });

  it('stop() during start(): the start rejects with POOL_STOPPED, the exit is requested, nothing is left', async () => {
    const child = make({ command: node, args: ['-e', 'setInterval(() => {}, 1000)'], protocol: true, startTimeout: 30_000 });
    const starting = child.start();
    const exit = await child.stop();
    expect(isPoolError(await starting.catch((caught: unknown) => caught), 'POOL_STOPPED')).toBe(true);
    expect(exit).toMatchObject({ requested: true, wasReady: false });
    expect(exit.error).toBeUndefined();
    expect(isAlive(exit.pid!)).toBe(false);
  });
});

describe('ChildHandler: the watchdog', () => {
  it('ends a command whose master is SIGKILLed in the very tick that spawned it', async () => {
    const master = tracker.spawn(node, [fixture('spawn-then-die.mjs')]);
    const [, pid] = await master.waitForOutput(/CHILD (\d+)/);
    const child = Number(pid);
    tracker.track(child);
    expect(await master.exited).toMatchObject({ signal: 'SIGKILL' });
    await waitForDeath(child, 30_000);
  });
});
