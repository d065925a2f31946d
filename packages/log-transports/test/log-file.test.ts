import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gatherBytes, gatherDelay, LogFile } from '../src/file/log-file.js';
import { openLogFile } from '../src/file/paths.js';
import { range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

/** Waits for `check` turn by turn of the event loop (for tests that fake the timers), with a generous deadline. */
async function until(check: () => boolean, message: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function logFile(path: string, highWaterMark = 64 * 1024) {
  return new LogFile({ path, open: (target) => openLogFile(target, 0o640, undefined), mode: 0o640, rotation: undefined, highWaterMark, onError: (error) => { throw error; } });
}

describe('LogFile', () => {
  it('says to wait once its queue holds highWaterMark bytes, and lets writers go on once the queue is taken', async () => {
    const path = join(scope.temp(), 'queue.log');
    const file = logFile(path, 1000);
    const line = Buffer.from(`${'q'.repeat(99)}\n`);
    const accepted = [];
    for (let index = 0; index < 12; index++) accepted.push(file.write(line));
    expect(accepted.slice(0, 9).every(Boolean)).toBe(true);
    expect(accepted.slice(10)).toEqual([false, false]);
    expect(file.full).toBe(true);
    await file.drained();
    expect(file.full).toBe(false);
    await file.close();
    expect(readFileSync(path, 'utf8')).toBe(line.toString().repeat(12));
  });

  it('gathers the lines queued on an idle file into one write, and writes at once when enough are queued or someone waits', async () => {
    const path = join(scope.temp(), 'gather.log');
    let writes = 0;
    const file = new LogFile({
      path,
      open: async (target) => {
        const opened = await openLogFile(target, 0o640, undefined);
        const writev = opened.handle.writev.bind(opened.handle);
        opened.handle.writev = ((buffers: Buffer[]) => (writes++, writev(buffers))) as typeof opened.handle.writev;
        return opened;
      },
      mode: 0o640,
      rotation: undefined,
      highWaterMark: 1024 * 1024,
      onError: (error) => {
        throw error;
      },
    });
    file.write(Buffer.from('open\n'));
    await file.flushed();
    expect(writes).toBe(1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      // One line per turn of the event loop, as a flood arrives from a pipe: nothing is written until the gathering delay is over.
      for (let index = 0; index < 20; index++) {
        file.write(Buffer.from(`line ${index}\n`));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(writes).toBe(1);
      expect(readFileSync(path, 'utf8')).toBe('open\n');
      vi.advanceTimersByTime(gatherDelay);
      await until(() => writes === 2, 'the gathered lines to be written');
      expect(writes).toBe(2);
      // A quarter megabyte goes out without waiting for the timer.
      file.write(Buffer.alloc(gatherBytes, 'x\n'));
      await until(() => writes === 3, 'a full batch to be written');
      // So does what someone waits for.
      file.write(Buffer.from('last\n'));
      await file.flushed();
      expect(writes).toBe(4);
    } finally {
      vi.useRealTimers();
    }
    await file.close();
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(`open\n${range(20).map((index) => `line ${index}\n`).join('')}x\n`)).toBe(true);
    expect(text.endsWith('x\nlast\n')).toBe(true);
  });

  it('flushed() waits only for what was queued before it, however busy others keep the file', async () => {
    const path = join(scope.temp(), 'busy.log');
    const file = logFile(path);
    let busy = true;
    let others = 0;
    const keepBusy = async () => {
      while (busy) {
        others++;
        if (!file.write(Buffer.from('other\n'))) await file.drained();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const writer = keepBusy();
    file.write(Buffer.from('mine\n'));
    await file.flushed();
    expect(readFileSync(path, 'utf8')).toContain('mine\n');
    busy = false;
    await writer;
    await file.close();
    expect(readFileSync(path, 'utf8').split('\n').filter((line) => line === 'other')).toHaveLength(others);
  });
});
