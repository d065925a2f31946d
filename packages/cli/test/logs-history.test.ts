import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, waitForDeath } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { fixtures, useSandbox } from './helpers/sandbox.js';

// Issue 18: `pool logs` reads the log files when the daemon's memory is short (a daemon restarted since), counts
// --lines per job, keeps one stream with --err / --out; each line of a log file says its process and stream.

const sandbox = useSandbox();
const lines = (text: string) => text.split('\n').filter(Boolean);

describe('pool logs: history, per-job counts, streams', () => {
  it('keeps one stream with --err / --out, counts --lines per job, and writes process and stream into the file', async () => {
    const { current } = sandbox;
    current.file('two.json', JSON.stringify({ jobs: { a: { cmd: ['node', `${fixtures}printer.mjs`], env: { LABEL: 'a' } }, b: { cmd: ['node', `${fixtures}printer.mjs`], env: { LABEL: 'b' } } } }));
    expect((await current.run(['start', 'two.json'])).code).toBe(0);
    await waitFor(async () => lines((await current.run(['logs', '--lines', '100'])).stdout).length === 70, { timeout: 30_000, message: 'all 70 lines' });
    expect(lines((await current.run(['logs', 'a', '--err'])).stdout)).toEqual([0, 1, 2, 3, 4].map((n) => `a.0 | a err ${n}`));
    expect(lines((await current.run(['logs', 'a', '--out', '--lines', '100'])).stdout)).toHaveLength(30);
    // 5 lines of each job, not 5 in all.
    const five = lines((await current.run(['logs', '--lines', '5'])).stdout);
    expect(five.filter((line) => line.startsWith('a.0 |'))).toHaveLength(5);
    expect(five.filter((line) => line.startsWith('b.0 |'))).toHaveLength(5);
    const file = readFileSync(join(current.home, 'logs', 'default.a.log'), 'utf8');
    expect(file).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z a\.0 stdout \| a out 0$/m);
    expect(file).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z a\.0 stderr \| a err 4$/m);
    expect((await current.run(['logs', '--err', '--out'])).code).toBe(2);
  });

  it('shows the lines of before a daemon restart, from the log file', async () => {
    const { current } = sandbox;
    current.file('one.json', JSON.stringify({ jobs: { p: { cmd: ['node', `${fixtures}printer.mjs`], env: { LABEL: 'p' } } } }));
    expect((await current.run(['start', 'one.json'])).code).toBe(0);
    await waitFor(async () => lines((await current.run(['logs', 'p', '--lines', '100'])).stdout).length === 35, { timeout: 30_000 });
    const daemon = current.daemonPid()!;
    expect((await current.run(['shutdown'])).code).toBe(0);
    await waitForDeath(daemon, 30_000);
    // The new daemon brings the job back; its process prints its 35 lines again, and the file holds all 70.
    expect((await current.run(['daemon', 'start'])).code).toBe(0);
    await waitFor(async () => lines((await current.run(['logs', 'p', '--lines', '1000'])).stdout).length === 70, { timeout: 30_000, message: '70 lines' });
    const all = lines((await current.run(['logs', 'p', '--lines', '1000'])).stdout);
    expect(all.filter((line) => line === 'p.0 | p out 0')).toHaveLength(2);
    const json = lines((await current.run(['logs', 'p', '--lines', '1000', '--json'])).stdout).map((line) => JSON.parse(line) as { worker: number; stream: string; pid: number | null });
    expect(json[0]).toMatchObject({ worker: 0, stream: 'stdout', pid: null });
  });
});
