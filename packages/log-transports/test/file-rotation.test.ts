import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@pool/testing';
import { fileTransport, memoryTransport } from '../src/index.js';
import { lineNumbers, range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

/** `app.log.<n>` … `app.log.1`, then `app.log`: oldest first (gzipped ones unpacked). */
function readRotated(directory: string, name: string): { files: string[]; text: string } {
  const rotated = readdirSync(directory)
    .map((file) => ({ file, index: new RegExp(`^${name}\\.(\\d+)(\\.gz)?$`).exec(file) }))
    .filter((entry) => entry.index)
    .sort((a, b) => Number(b.index![1]) - Number(a.index![1]))
    .map((entry) => entry.file);
  const files = [...rotated, ...(existsSync(join(directory, name)) ? [name] : [])];
  const text = files.map((file) => (file.endsWith('.gz') ? gunzipSync(readFileSync(join(directory, file))) : readFileSync(join(directory, file))).toString()).join('');
  return { files, text };
}

describe('fileTransport: rotation and reopening', () => {
  it('rotates by size under load without losing, duplicating or splitting a line', async () => {
    const directory = scope.temp();
    const limit = 64 * 1024;
    const file = scope.closes(fileTransport({ path: 'app.log', directory, rotate: { size: limit, keep: 1000 } }));
    const child = await scope.run('write-lines.cjs', { stdout: file, env: { LINES: '40000', BATCH: '9', SPLIT: '1' } });
    await child.exited;
    const { files, text } = readRotated(directory, 'app.log');
    expect(files.length).toBeGreaterThan(40);
    expect(lineNumbers(text)).toEqual(range(40_000));
    for (const name of files) {
      const content = readFileSync(join(directory, name), 'utf8');
      expect(content.endsWith('\n')).toBe(true);
      // A file goes past the limit only by one write that had to go somewhere (a single read of the pipe).
      expect(content.length).toBeLessThanOrEqual(limit + 64 * 1024 + 100);
    }
  });

  it('keeps only `keep` old files, and they hold the newest lines without a gap', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'app.log', directory, rotate: { size: '32K', keep: 3 } }));
    const child = await scope.run('write-lines.cjs', { stdout: file, env: { LINES: '10000', BATCH: '5' } });
    await child.exited;
    const { files, text } = readRotated(directory, 'app.log');
    expect(files).toEqual(['app.log.3', 'app.log.2', 'app.log.1', 'app.log']);
    const numbers = lineNumbers(text);
    expect(numbers.at(-1)).toBe(9999);
    expect(numbers).toEqual(range(numbers.length, numbers[0]));
  });

  it('gzips old files off the write path', async () => {
    const directory = scope.temp();
    const file = fileTransport({ path: 'app.log', directory, rotate: { size: '32K', keep: 50, compress: true } });
    const child = await scope.run('write-lines.cjs', { stdout: file, env: { LINES: '5000', BATCH: '5' } });
    await child.exited;
    await file.close();
    const { files, text } = readRotated(directory, 'app.log');
    expect(files.filter((name) => name.endsWith('.gz')).length).toBeGreaterThan(5);
    expect(files.filter((name) => /\.\d+$/.test(name))).toEqual([]);
    expect(readdirSync(directory).filter((name) => name.includes('partial'))).toEqual([]);
    expect(lineNumbers(text)).toEqual(range(5000));
  });

  it('rotates by time, on the first write after each boundary, without losing a line', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'tick.log', directory, rotate: { interval: 150, keep: 1000 } }));
    const script = `let n = 0; setInterval(() => require('node:fs').writeSync(1, 'line ' + n++ + ' tick\\n'), 10);`;
    const child = await scope.run(script, { stdout: file });
    await waitFor(() => existsSync(join(directory, 'tick.log.3')), { message: 'three rotations' });
    await child.stop();
    const { files, text } = readRotated(directory, 'tick.log');
    expect(files.length).toBeGreaterThanOrEqual(4);
    const numbers = lineNumbers(text);
    expect(numbers.length).toBeGreaterThan(3);
    expect(numbers).toEqual(range(numbers.length));
  });

  it('reopens on request (external logrotate moved the file): lines before go to the old file, after to the new', async () => {
    const directory = scope.temp();
    const path = join(directory, 'app.log');
    const file = scope.closes(fileTransport({ path: 'app.log', directory }));
    const progress = memoryTransport();
    const child = await scope.run('write-lines.cjs', { stdin: 'pipe', stdout: file, stderr: progress, env: { LINES: '5000', BATCH: '10', END: 'wait' } });
    await waitFor(() => lineNumbers(readFileSync(path, 'utf8')).at(-1) === 4999);
    renameSync(path, `${path}.1`);
    await file.reopen();
    expect(statSync(path).size).toBe(0);
    child.stdin!.write('more 5000\n');
    await waitFor(() => progress.tail().some((record) => record.line.toString() === 'wrote 10000'));
    child.stdin!.write('end\n');
    await child.exited;
    expect(lineNumbers(readFileSync(`${path}.1`, 'utf8'))).toEqual(range(5000));
    expect(lineNumbers(readFileSync(path, 'utf8'))).toEqual(range(5000, 5000));
  });

  it('reopens while a process is writing flat out: every line is in one of the two files, once', async () => {
    const directory = scope.temp();
    const path = join(directory, 'app.log');
    const file = scope.closes(fileTransport({ path: 'app.log', directory }));
    const script = `let n = 0; const fs = require('node:fs'); for (;;) { let text = ''; for (let i = 0; i < 20; i++) text += 'line ' + n++ + ' ' + 'x'.repeat(60) + '\\n'; fs.writeSync(1, text); }`;
    const child = await scope.run(script, { stdout: file });
    await waitFor(() => existsSync(path) && statSync(path).size > 1024 * 1024);
    renameSync(path, `${path}.1`);
    await file.reopen();
    await waitFor(() => existsSync(path) && statSync(path).size > 1024 * 1024);
    await child.stop();
    const numbers = [...lineNumbers(readFileSync(`${path}.1`, 'utf8')), ...lineNumbers(readFileSync(path, 'utf8'))];
    expect(numbers).toEqual(range(numbers.length));
  });
});
