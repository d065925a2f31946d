import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '@pool/testing';
import { expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { useSandbox } from './helpers/sandbox.js';

const sandboxes = useSandbox();

it('pool start web, which depends on db: db is started first, pool ps shows web waiting for db until db is ready, then both run', async () => {
  const sandbox = sandboxes.current;
  const port = await freePort();
  // db listens once the file `go` exists: the test says when it gets ready.
  const go = join(sandbox.root, 'go');
  writeFileSync(go, '');
  const db = `const fs = require('fs'); const wait = setInterval(() => { if (!fs.existsSync(${JSON.stringify(go)})) return; clearInterval(wait); require('net').createServer((socket) => socket.end()).listen(${port}, '127.0.0.1'); }, 50); setInterval(() => {}, 1000)`;
  // web is listed first: the file is read in dependency order.
  sandbox.file(
    'pool.config.json',
    JSON.stringify({ jobs: { web: { cmd: ['sleep', '1000'], dependsOn: ['db'] }, db: { cmd: [process.execPath, '-e', db], readiness: { tcp: port, interval: '50ms' } } } }),
  );
  const loaded = await sandbox.run(['start', 'pool.config.json']);
  expect(loaded.code, loaded.stderr).toBe(0);
  expect(loaded.stdout).toMatch(/started db[^]*started web/);
  for (const job of ['web', 'db']) expect((await sandbox.run(['stop', job])).code).toBe(0);
  rmSync(go);
  // Starting web alone starts what it depends on, and waits for it.
  const starting = sandbox.start(['start', 'web']);
  const waiting = await waitFor(
    async () => {
      const result = await sandbox.run(['ps', '--json']);
      if (result.code !== 0) return undefined;
      return (JSON.parse(result.stdout) as (PsRecord & { waitingFor?: string[] })[]).find((record) => record.job === 'default.web' && record.state === 'waiting');
    },
    { timeout: 30_000 },
  );
  expect(waiting.waitingFor).toEqual(['default.db']);
  expect((await sandbox.run(['ps'])).stdout).toMatch(/web\s+0\s+-\s+waiting for db/);
  expect((await sandbox.json<{ waitingFor?: string[] }>(['info', 'web'])).waitingFor).toEqual(['default.db']);
  writeFileSync(go, '');
  expect(await starting.exited).toMatchObject({ code: 0 });
  const records = await sandbox.json<PsRecord[]>(['ps']);
  expect(records.map((record) => [record.job, record.state])).toEqual([
    ['default.db', 'ready'],
    ['default.web', 'ready'],
  ]);
  expect((await sandbox.run(['info', 'web'])).stdout).toMatch(/depends on\s+default\.db/);
});
