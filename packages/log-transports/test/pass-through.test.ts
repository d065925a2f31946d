import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@pool/testing';
import type { ChildHandler } from '@pool/core';
import { fileTransport, ndjsonTransport, tee } from '../src/index.js';
import { lineNumbers, range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

/** Sends one command to the `steps.cjs` fixture. */
function step(child: ChildHandler, command: { fd?: 1 | 2; text?: string; exit?: true; kill?: true }): void {
  child.stdin!.write(`${JSON.stringify(command)}\n`);
}

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** The lines of `text` that are not whole lines of the `two-streams.cjs` fixture (`out <n> ooo…`, 90 bytes; `err <n> eee…`, 70 bytes). */
function brokenLines(text: string): string[] {
  return text
    .split('\n')
    .slice(0, -1)
    .filter((line) => {
      const match = /^(out|err) \d+ (o+|e+)$/.exec(line);
      return !match || match[2]![0] !== match[1]![0] || line.length + 1 !== (match[1] === 'out' ? 90 : 70);
    });
}

describe('fileTransport: the pass-through path (plain text files)', () => {
  it('is chosen once per transport, for plain text only', () => {
    expect(fileTransport({ path: 'a.log' }).passThrough).toBe(true);
    expect(fileTransport({ path: 'a.log', format: 'text', rotate: { size: '1M' }, policy: 'drop', maxLineLength: 100 }).passThrough).toBe(true);
    expect(fileTransport({ path: 'a.log', timestamps: true }).passThrough).toBe(false);
    expect(fileTransport({ path: 'a.log', label: true }).passThrough).toBe(false);
    expect(fileTransport({ path: 'a.log', format: 'ndjson' }).passThrough).toBe(false);
    expect(ndjsonTransport({ path: 'a.log' }).passThrough).toBe(false);
  });

  it('holds back only a partial line: stdout and stderr share a file without mixing, across a reopen, and the rest is flushed at exit', async () => {
    const directory = scope.temp();
    const path = join(directory, 'app.log');
    const file = scope.closes(fileTransport({ path: 'app.log', directory }));
    const child = await scope.run('steps.cjs', { stdin: 'pipe', stdout: file, stderr: file });

    step(child, { fd: 1, text: 'one\npar' });
    await waitFor(() => read(path).includes('one\n'), { message: 'the first line' });
    expect(read(path)).toBe('one\n'); // "par" came in the same read, and is held back

    step(child, { fd: 2, text: 'err whole\n' });
    await waitFor(() => read(path).includes('err whole\n'), { message: 'the stderr line' });
    expect(read(path)).toBe('one\nerr whole\n'); // not "one\npar" + "err whole\n"

    step(child, { fd: 1, text: 'tial\ntwo' });
    await waitFor(() => read(path).includes('partial\n'), { message: 'the completed line' });
    expect(read(path)).toBe('one\nerr whole\npartial\n');

    // logrotate moves the file away while "two" is held: the line it starts ends up whole in the new file.
    renameSync(path, `${path}.1`);
    await file.reopen();
    step(child, { fd: 2, text: 'err ' });
    step(child, { fd: 1, text: ' more\n' });
    await waitFor(() => read(path).includes('two more\n'), { message: 'the line across the reopen' });
    expect(read(path)).toBe('two more\n');

    step(child, { fd: 2, text: 'unterminated' });
    step(child, { fd: 1, text: 'last, no newline' });
    step(child, { exit: true });
    expect((await child.exited).code).toBe(0);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('one\nerr whole\npartial\n');
    const lines = readFileSync(path, 'utf8');
    expect(lines.endsWith('\n')).toBe(true);
    expect(lines.split('\n').slice(0, -1).sort()).toEqual(['err unterminated', 'last, no newline', 'two more']);
  });

  it('flushes the held partial line of a process SIGKILLed right after writing it', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'out.log', directory }));
    const child = await scope.run('steps.cjs', { stdin: 'pipe', stdout: file });
    step(child, { fd: 1, text: 'whole\nkilled mid-li' });
    step(child, { fd: 1, text: 'ne' });
    step(child, { kill: true });
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(readFileSync(join(directory, 'out.log'), 'utf8')).toBe('whole\nkilled mid-line\n');
  });

  it('writes a flood from stdout and stderr, cut at odd places, into one file: every line whole, none lost or reordered', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'both.log', directory }));
    const child = await scope.run('two-streams.cjs', { stdout: file, stderr: file, env: { LINES: '30000', BATCH: '9', END: 'partial' } });
    expect((await child.exited).code).toBe(0);
    const text = readFileSync(join(directory, 'both.log'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(60_002);
    expect(lines.filter((line) => line.includes('partial-last-line')).sort()).toEqual(['err partial-last-line', 'out partial-last-line']);
    expect(brokenLines(text.replace(/^(out|err) partial-last-line\n/gm, ''))).toEqual([]);
    expect(lineNumbers(text, 'out')).toEqual(range(30_000));
    expect(lineNumbers(text, 'err')).toEqual(range(30_000));
  });

  it('cuts lines longer than maxLineLength as the framed path does, byte for byte', async () => {
    const script = `
      const fs = require('node:fs');
      const write = (text) => { const bytes = Buffer.from(text); for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(1, bytes, offset); };
      write('short 1\\n');
      const long = 'L'.repeat(25_000);
      for (let index = 0; index < long.length; index += 333) write(long.slice(index, index + 333)); // held past the limit
      write('\\n' + 'M'.repeat(2_500) + '\\nshort 2\\n' + 'N'.repeat(1_000) + '\\n' + 'P'.repeat(1_001) + '\\n'); // inside one read
      write('Q'.repeat(3_100)); // unterminated at exit, and too long`;
    const directory = scope.temp();
    const direct = scope.closes(fileTransport({ path: 'direct.log', directory, maxLineLength: 1000 }));
    const framed = scope.closes(fileTransport({ path: 'framed.log', directory, maxLineLength: 1000 }));
    expect(direct.passThrough).toBe(true);
    const first = await scope.run(script, { stdout: direct });
    const second = await scope.run(script, { stdout: tee(framed) }); // tee frames into batches: the path of every other sink
    await Promise.all([first.exited, second.exited]);
    const expected = [
      'short 1',
      ...Array<string>(25).fill('L'.repeat(1000)),
      'M'.repeat(1000),
      'M'.repeat(1000),
      'M'.repeat(500),
      'short 2',
      'N'.repeat(1000),
      'P'.repeat(1000),
      'P',
      ...Array<string>(3).fill('Q'.repeat(1000)),
      'Q'.repeat(100),
    ];
    const written = readFileSync(join(directory, 'direct.log'), 'utf8');
    expect(written).toBe(`${expected.join('\n')}\n`);
    expect(readFileSync(join(directory, 'framed.log'), 'utf8')).toBe(written);
  });

  it('rotates by size at line boundaries while two streams write partial lines into the file', async () => {
    const directory = scope.temp();
    const limit = 64 * 1024;
    const file = scope.closes(fileTransport({ path: 'app.log', directory, rotate: { size: limit, keep: 1000 } }));
    const child = await scope.run('two-streams.cjs', { stdout: file, stderr: file, env: { LINES: '20000', BATCH: '9' } });
    expect((await child.exited).code).toBe(0);
    const names = readdirSync(directory)
      .filter((name) => /^app\.log(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b.split('.')[2] ?? 0) - Number(a.split('.')[2] ?? 0));
    expect(names.length).toBeGreaterThan(40);
    let text = '';
    for (const name of names) {
      const content = readFileSync(join(directory, name), 'utf8');
      expect(content.endsWith('\n'), name).toBe(true);
      // Past the limit only by one write that had to go somewhere: one read of a pipe, or one completed line.
      expect(content.length, name).toBeLessThanOrEqual(limit + 64 * 1024 + 100);
      text += content;
    }
    expect(brokenLines(text)).toEqual([]);
    expect(lineNumbers(text, 'out')).toEqual(range(20_000));
    expect(lineNumbers(text, 'err')).toEqual(range(20_000));
  });

  it('counts the lines it could not write (a file that cannot be opened), the held partial line included', async () => {
    const directory = scope.temp();
    writeFileSync(join(directory, 'blocker'), 'a file where a directory should be\n');
    const errors: Error[] = [];
    const file = scope.closes(fileTransport({ path: 'blocker/app.log', directory, onError: (error) => errors.push(error) }));
    const child = await scope.run('write-lines.cjs', { stdout: file, env: { LINES: '5000', BATCH: '13', SPLIT: '1', END: 'partial' } });
    expect((await child.exited).code).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(file.dropped).toBe(5001);
  });
});
