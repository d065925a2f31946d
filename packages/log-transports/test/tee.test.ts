import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writableTarget } from '@pool/core';
import { defineTransport, fileTransport, memoryTransport, tee, type LogRecord } from '../src/index.js';
import { GateWritable, lineNumbers, range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

describe('tee', () => {
  it('sends every line to a transport, a Writable, an output target from elsewhere and a custom sink at once', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'out.log', directory }));
    const memory = memoryTransport({ lines: 10_000, bytes: '16M' });
    const writable = new GateWritable();
    const foreign = new GateWritable();
    const custom: LogRecord[] = [];
    const sink = defineTransport({ openWriter: () => ({ write: (batch) => void custom.push(...batch.records()), end: () => {} }) });
    const child = await scope.run('write-lines.cjs', { stdout: tee(file, memory, writable, writableTarget(foreign), sink), env: { LINES: '5000', BATCH: '13', SPLIT: '1' } });
    await child.exited;
    const expected = range(5000);
    expect(lineNumbers(readFileSync(join(directory, 'out.log'), 'utf8'))).toEqual(expected);
    expect(lineNumbers(memory.tail().map((record) => record.line.toString()).join('\n'))).toEqual(expected);
    expect(lineNumbers(writable.text())).toEqual(expected);
    expect(lineNumbers(foreign.text())).toEqual(expected);
    expect(lineNumbers(custom.map((record) => record.line.toString()).join('\n'))).toEqual(expected);
  });

  it('reopens and closes every branch that can', async () => {
    const calls: string[] = [];
    const branch = (name: string) => defineTransport({ openWriter: () => ({ write: () => {}, end: () => {} }), reopen: () => void calls.push(`reopen ${name}`), close: () => void calls.push(`close ${name}`) });
    const both = tee(branch('a'), branch('b'), new GateWritable());
    await both.reopen();
    await both.close();
    expect(calls).toEqual(['reopen a', 'reopen b', 'close a', 'close b']);
  });
});
