import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@pool/testing';
import { memoryTransport, ndjsonTransport, tee } from '../src/index.js';
import { GateWritable, lineNumbers, range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

const megabyte = 1024 * 1024;

describe('back-pressure', () => {
  it('a stalled sink stops the reading: the child waits on its pipe and the master holds a bounded amount', async () => {
    const total = 320_000 * 100;
    const gate = new GateWritable({ open: false, keep: false, highWaterMark: 64 * 1024 });
    const progress = memoryTransport();
    const buffersBefore = process.memoryUsage().arrayBuffers;
    const child = await scope.run('flood.cjs', { stdout: tee(gate), stderr: progress, env: { TOTAL: String(total), STALL_MS: '1000' } });
    const report = () => progress.tail().map((record) => record.line.toString()).join('\n');
    const stuck = await waitFor(() => /(stuck|done) (\d+)/.exec(report()), { timeout: 60_000, message: 'the child to report' });
    expect(stuck[1], 'the child wrote everything although the sink took nothing').toBe('stuck');
    expect(Number(stuck[2])).toBeLessThan(4 * megabyte);
    expect(gate.writableLength).toBeLessThanOrEqual(gate.writableHighWaterMark + 64 * 1024);
    expect(process.memoryUsage().arrayBuffers - buffersBefore).toBeLessThan(16 * megabyte);
    gate.open();
    await child.exited;
    expect(report()).toContain(`done ${total}`);
    expect(gate.bytes).toBe(total);
  });

  it('the drop policy never holds the child up, and counts every line it dropped', async () => {
    const gate = new GateWritable({ open: false, highWaterMark: 16 * 1024 });
    const ndjson = ndjsonTransport({ destination: gate, policy: 'drop' });
    const child = await scope.run('write-lines.cjs', { stdout: ndjson, env: { LINES: '20000', BATCH: '20' } });
    // With the sink closed throughout, only the drop policy lets the process (and its pipe) finish.
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    gate.open();
    await waitFor(() => gate.writableLength === 0);
    const delivered = gate
      .text()
      .trim()
      .split('\n')
      .map((text) => (JSON.parse(text) as { line: string }).line);
    expect(ndjson.dropped).toBeGreaterThan(0);
    expect(delivered.length + ndjson.dropped).toBe(20_000);
    const numbers = lineNumbers(delivered.join('\n'));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('tee waits for its slowest blocking sink, while a dropping sink does not hold the others up', async () => {
    const slow = new GateWritable({ open: false });
    const stalledDropper = new GateWritable({ open: false });
    const memory = memoryTransport({ lines: 100_000, bytes: '64M' });
    const dropper = ndjsonTransport({ destination: stalledDropper, policy: 'drop' });
    const child = await scope.run('write-lines.cjs', { stdout: tee(slow, memory, dropper), env: { LINES: '20000', BATCH: '10' } });
    await waitFor(() => slow.bytes > 0);
    slow.open();
    await child.exited;
    expect(lineNumbers(slow.text())).toEqual(range(20_000));
    expect(memory.tail().length).toBe(20_000);
    expect(dropper.dropped).toBeGreaterThan(0);
  });
});
