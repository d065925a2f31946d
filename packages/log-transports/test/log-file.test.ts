import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFile } from '../src/file/log-file.js';
import { openLogFile } from '../src/file/paths.js';
import { Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

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
