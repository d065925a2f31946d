import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@pool/testing';
import { memoryTransport, tee, type MemoryRecord } from '../src/index.js';
import { lineNumbers, range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

const lines = (records: MemoryRecord[]) => records.map((record) => record.line.toString());

describe('memoryTransport', () => {
  it('tails the last lines of a job, a worker, a pid or a stream, oldest first', async () => {
    const memory = memoryTransport();
    const run = (job: string, id: number) =>
      scope.run(`console.log('${job}.${id} a'); console.error('${job}.${id} err'); console.log('${job}.${id} b')`, { job, id, stdout: memory, stderr: memory });
    const children = [await run('web', 0), await run('web', 1), await run('queue', 0)];
    await Promise.all(children.map((child) => child.exited));
    // stdout and stderr are two pipes: their lines may arrive in either order.
    expect(lines(memory.tail({ job: 'web', worker: 1 })).sort()).toEqual(['web.1 a', 'web.1 b', 'web.1 err']);
    expect(lines(memory.tail({ job: 'web', worker: 1, stream: 'stdout' }))).toEqual(['web.1 a', 'web.1 b']);
    expect(lines(memory.tail({ job: 'web', stream: 'stderr' })).sort()).toEqual(['web.0 err', 'web.1 err']);
    expect(lines(memory.tail({ pid: children[2]!.pid! })).sort()).toEqual(['queue.0 a', 'queue.0 b', 'queue.0 err']);
    const lastTwo = memory.tail({ lines: 2 });
    expect(lastTwo).toHaveLength(2);
    expect(lastTwo).toEqual(memory.tail().slice(-2));
    const all = memory.tail();
    expect(all.map((record) => record.seq)).toEqual([...all.map((record) => record.seq)].sort((a, b) => a - b));
    expect(memory.processes().map((process) => `${process.job}.${process.worker}`).sort()).toEqual(['queue.0', 'web.0', 'web.1']);
  });

  it('keeps the last N lines and at most the given bytes per process', async () => {
    const byLines = memoryTransport({ lines: 100 });
    const byBytes = memoryTransport({ bytes: 1000 });
    const child = await scope.run('write-lines.cjs', { stdout: tee(byLines, byBytes), env: { LINES: '5000', BATCH: '50' } });
    await child.exited;
    expect(lineNumbers(lines(byLines.tail()).join('\n'))).toEqual(range(100, 4900));
    const kept = byBytes.tail();
    expect(kept.reduce((sum, record) => sum + record.line.length, 0)).toBeLessThanOrEqual(1000);
    expect(lineNumbers(lines(kept).join('\n'))).toEqual(range(kept.length, 5000 - kept.length));
  });

  it('holds all processes together to totalBytes: a flood takes from the heaviest, a quiet process keeps its lines (issue 20, item 10)', async () => {
    // Eight processes of 1,000 lines of ~200 bytes (~0.35 MiB each, bookkeeping included) against a 1 MiB cap.
    const memory = memoryTransport({ totalBytes: '1MiB' });
    const quiet = await scope.run(`console.log('quiet 1'); console.log('quiet 2')`, { id: 99, stdout: memory });
    await quiet.exited;
    const floods = await Promise.all(range(8).map((id) => scope.run('write-lines.cjs', { id, stdout: memory, env: { LINES: '1000', BATCH: '50', WIDTH: '200' } })));
    await Promise.all(floods.map((child) => child.exited));
    const stats = memory.stats();
    expect(stats.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(stats.limit).toBe(1024 * 1024);
    expect(stats.dropped).toBeGreaterThan(3000);
    expect(stats.lines + stats.dropped).toBe(8 * 1000 + 2);
    expect(lines(memory.tail({ pid: quiet.pid! }))).toEqual(['quiet 1', 'quiet 2']);
    // Each flood keeps its newest lines, in order, ending with its last.
    for (const child of floods) {
      const kept = lineNumbers(lines(memory.tail({ pid: child.pid! })).join('\n'));
      expect(kept.length).toBeGreaterThan(100);
      expect(kept).toEqual(range(kept.length, 1000 - kept.length));
    }
  });

  it('forgets the oldest ended processes beyond keepExited', async () => {
    const memory = memoryTransport({ keepExited: 2 });
    const pids: number[] = [];
    for (const id of range(4)) {
      const child = await scope.run(`console.log('run ${id}')`, { id, stdout: memory });
      await child.exited;
      pids.push(child.pid!);
    }
    expect(memory.processes().map((process) => process.pid)).toEqual(pids.slice(2));
    expect(lines(memory.tail())).toEqual(['run 2', 'run 3']);
  });

  it('a subscriber that does not keep up never slows the processes: it loses the oldest lines and is told how many', async () => {
    const memory = memoryTransport();
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const seen: { line: string; skipped: number }[] = [];
    const stop = memory.subscribe(
      (record, skipped) => {
        seen.push({ line: record.line.toString(), skipped });
        if (seen.length === 1) return stuck;
      },
      { job: 'web', maxPending: 100 },
    );
    const other = await scope.run(`console.log('not web')`, { job: 'other', stdout: memory });
    const child = await scope.run('write-lines.cjs', { stdout: memory, env: { LINES: '5000', BATCH: '50' } });
    // The process ends although the listener has not returned from the first line.
    await child.exited;
    await other.exited;
    expect(seen).toHaveLength(1);
    release();
    // Stuck on its first line, the listener then gets only the newest lines (at most maxPending), and the count of
    // those it missed: nothing is delivered twice or out of order, and nothing goes unaccounted for.
    await waitFor(() => seen.at(-1)?.line.startsWith('line 4999 '));
    const numbers = lineNumbers(seen.map((entry) => entry.line).join('\n'));
    expect(seen.length).toBeLessThanOrEqual(101);
    expect(numbers.slice(-99)).toEqual(range(99, 4901));
    expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
    expect(seen.reduce((sum, entry) => sum + entry.skipped, 0) + seen.length).toBe(5000);
    // Once unsubscribed, nothing more arrives (how many arrived before depends on timing: at most 101).
    const delivered = seen.length;
    stop();
    const after = await scope.run(`console.log('after')`, { stdout: memory });
    await after.exited;
    expect(seen).toHaveLength(delivered);
  });
});
