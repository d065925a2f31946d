import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@pool/testing';
import { defineTransport, fileTransport, memoryTransport, ndjsonTransport, tee } from '../src/index.js';
import { GateWritable, lineNumbers, range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

describe('delivery: every line a process wrote arrives', () => {
  it('a process SIGKILLed right after writing, while its sink was stalled, still has every line delivered', async () => {
    const gate = new GateWritable({ open: false });
    const child = await scope.run('write-lines.cjs', { stdout: tee(gate), env: { LINES: '30000', BATCH: '50', END: 'kill' } });
    // 3 MB cannot all sit in the pipe: the child is blocked writing when the sink opens.
    await waitFor(() => gate.bytes > 0);
    gate.open();
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(lineNumbers(gate.text())).toEqual(range(30_000));
  });

  it('a process SIGKILLed right after writing has every line in its file', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'out.log', directory }));
    const child = await scope.run('write-lines.cjs', { stdout: file, env: { LINES: '50000', BATCH: '7', SPLIT: '1', END: 'kill' } });
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(lineNumbers(readFileSync(join(directory, 'out.log'), 'utf8'))).toEqual(range(50_000));
  });

  it('delivers a partial last line (no newline) when the process exits', async () => {
    const memory = memoryTransport();
    const child = await scope.run('write-lines.cjs', { stdout: memory, env: { LINES: '3', END: 'partial' } });
    await child.exited;
    const lines = memory.tail().map((record) => record.line.toString());
    expect(lines).toHaveLength(4);
    expect(lines.at(-1)).toBe('line partial-last-line');
  });

  it('cuts a 10 MB line into marked pieces of at most maxLineLength, losing no byte', async () => {
    const directory = scope.temp();
    const memory = memoryTransport({ bytes: '32M' });
    const file = scope.closes(fileTransport({ path: 'long.log', directory }));
    const script = `
      const fs = require('node:fs');
      const line = Buffer.alloc(10_000_000);
      for (let index = 0; index < line.length; index++) line[index] = 97 + (index % 26);
      for (let offset = 0; offset < line.length; ) offset += fs.writeSync(1, line, offset);
      fs.writeSync(1, '\\nafter\\n');`;
    const child = await scope.run(script, { stdout: tee(memory, file) });
    await child.exited;
    const records = memory.tail();
    const expected = Buffer.alloc(10_000_000);
    for (let index = 0; index < expected.length; index++) expected[index] = 97 + (index % 26);
    expect(records).toHaveLength(11);
    expect(records.every((record) => record.line.length <= 1024 * 1024)).toBe(true);
    expect(records.slice(0, 9).every((record) => record.continued === true)).toBe(true);
    expect(records[9]!.continued).toBeUndefined();
    expect(Buffer.concat(records.slice(0, 10).map((record) => record.line)).equals(expected)).toBe(true);
    expect(records[10]!.line.toString()).toBe('after');
    const written = readFileSync(join(directory, 'long.log'));
    expect(written.length).toBe(10_000_000 + 10 + 'after\n'.length);
    expect(Buffer.concat(written.toString('latin1').split('\n').slice(0, 10).map((part) => Buffer.from(part, 'latin1'))).equals(expected)).toBe(true);
  });

  it('passes bytes that are not UTF-8 through unharmed (files byte for byte, NDJSON as base64)', async () => {
    const directory = scope.temp();
    const memory = memoryTransport();
    const file = scope.closes(fileTransport({ path: 'bytes.log', directory }));
    const ndjson = new GateWritable();
    const lines = [Buffer.from([0xff, 0xfe, 0x41]), Buffer.from([0xc3, 0x28]), Buffer.from('plain é'), Buffer.from([0xe2, 0x82])];
    const payload = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
    const script = `require('node:fs').writeSync(1, Buffer.from('${payload.toString('base64')}', 'base64'))`;
    const child = await scope.run(script, { stdout: tee(memory, file, ndjsonTransport({ destination: ndjson })) });
    await child.exited;
    expect(readFileSync(join(directory, 'bytes.log')).equals(payload)).toBe(true);
    expect(memory.tail().map((record) => record.line)).toEqual(lines);
    const decoded = ndjson
      .text()
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as { line?: string; lineBase64?: string })
      .map((record) => (record.line !== undefined ? Buffer.from(record.line) : Buffer.from(record.lineBase64!, 'base64')));
    expect(decoded).toEqual(lines);
  });

  it('8 processes writing at once into one file: no line is ever mixed with another, none lost or reordered', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'all.log', directory }));
    const count = 8;
    const lines = 20_000;
    const children = await Promise.all(
      range(count).map((index) =>
        scope.run('write-lines.cjs', { id: index, stdout: file, env: { TAG: `w${index}`, LINES: String(lines), WIDTH: String(60 + index * 13), BATCH: String(3 + index), SPLIT: '1' } }),
      ),
    );
    await Promise.all(children.map((child) => child.exited));
    const text = readFileSync(join(directory, 'all.log'), 'utf8');
    const all = text.split('\n').slice(0, -1);
    expect(all).toHaveLength(count * lines);
    const intact = /^w(\d) (\d+) x+$/;
    const mixed = all.find((line) => {
      const match = intact.exec(line);
      return !match || line.length + 1 !== 60 + Number(match[1]) * 13;
    });
    expect(mixed).toBeUndefined();
    for (const index of range(count)) expect(lineNumbers(text, `w${index}`)).toEqual(range(lines));
  });

  it('a sink that throws does not stop the reading: the other sinks get every line, the process is not held up', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    let batches = 0;
    const broken = defineTransport({
      openWriter: () => ({
        write: () => {
          if (++batches > 1) throw new Error('sink broke');
        },
        end: () => Promise.reject(new Error('still broken')),
      }),
    });
    const memory = memoryTransport({ lines: 100_000, bytes: '64M' });
    try {
      const child = await scope.run('write-lines.cjs', { stdout: tee(broken, memory), env: { LINES: '20000', BATCH: '10' } });
      expect((await child.exited).code).toBe(0);
      expect(memory.tail()).toHaveLength(20_000);
      expect(batches).toBeGreaterThan(1);
      expect(warnings).toHaveBeenCalledTimes(1);
      expect(String(warnings.mock.calls[0]![0])).toContain('sink broke');
    } finally {
      warnings.mockRestore();
    }
  });
});
