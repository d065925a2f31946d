import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '@pool/core';
import { waitFor } from '@pool/testing';
import { fileTransport, memoryTransport } from '../src/index.js';
import { fixture, Scope } from './helpers.js';

const scope = new Scope();
const pools: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop({ gracefulTimeout: 0 })));
  await scope.cleanup();
});

describe('with a Supervisor (the README example)', () => {
  it('writes each worker to its own file and keeps the tail in memory', async () => {
    const directory = scope.temp();
    const stdout = scope.closes(fileTransport({ path: '{job}-{worker}.log', directory }));
    const stderr = memoryTransport();
    const pool = new Supervisor({ worker: fixture('lines-worker.mjs'), workers: 2, stdout, stderr, logger: false, name: 'web', env: { LINES: '500' } });
    pools.push(pool);
    await pool.start();
    await waitFor(() => stderr.tail().length === 2, { message: 'both workers to finish writing' });
    await pool.stop();
    await stdout.close();
    for (const id of [0, 1]) {
      const lines = readFileSync(join(directory, `web-${id}.log`), 'utf8').trim().split('\n');
      expect(lines).toHaveLength(500);
      expect(lines.at(-1)).toBe(`worker ${id} line 499`);
    }
    expect(stderr.tail({ worker: 1 }).map((record) => record.line.toString())).toEqual(['worker 1 done']);
  });
});
