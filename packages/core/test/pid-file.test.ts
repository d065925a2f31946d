import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPidFile, livePid } from '@pool/core/internal';
import { ProcessTracker, tempDir } from '@pool/testing';

const tracker = new ProcessTracker();
const temps: { remove: () => void }[] = [];
afterEach(async () => {
  await tracker.cleanup();
  for (const temp of temps.splice(0)) temp.remove();
});

describe('pid files', () => {
  it('a pid file names its live writer; a pid that started after the file was written is a reuse, not the holder', async () => {
    const dir = tempDir();
    temps.push(dir);
    const file = join(dir.path, 'pool.pid');
    const other = tracker.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    writeFileSync(file, `${other.pid}\n`);
    // Written after the process started: it is the holder (as when it wrote the file itself).
    expect(livePid(file)).toBe(other.pid);
    expect(() => checkPidFile(file)).toThrow(/The pid file/);
    // Written ten minutes before that process started: the writer died, its pid went to this process since.
    const earlier = new Date(Date.now() - 600_000);
    utimesSync(file, earlier, earlier);
    expect(livePid(file)).toBeUndefined();
    expect(() => checkPidFile(file)).not.toThrow();
    // Garbage and non-positive pids name nothing.
    for (const text of ['-1\n', '0\n', 'abc\n', '']) {
      writeFileSync(file, text);
      expect(livePid(file), text).toBeUndefined();
    }
  });
});
