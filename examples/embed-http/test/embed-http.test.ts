import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { descendants, ProcessTracker, waitFor, waitForDeath } from '@pool/testing';

const tracker = new ProcessTracker();
afterEach(() => tracker.cleanup());

it('serves the app\'s own routes and pool\'s API under /pool, and manages its job', async () => {
  const server = tracker.spawn(process.execPath, ['src/server.mjs'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, PORT: '0' },
  });
  const [, token] = await server.waitForOutput(/token \(set POOL_TOKEN to choose one\): ([0-9a-f]{48})/);
  const [, url] = await server.waitForOutput(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
  expect(await (await fetch(`${url}/`)).json()).toEqual({ hello: 'this is your app; pool lives under /pool' });
  // The control routes need the token; the app's own do not.
  const refused = await fetch(`${url}/pool/jobs`);
  expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([401, 'POOL_UNAUTHORIZED']);
  const authorization = `Bearer ${token}`;

  const jobs = (await (await fetch(`${url}/pool/jobs`, { headers: { authorization } })).json()) as { name: string }[];
  expect(jobs.map((job) => job.name)).toEqual(['default.clock']);
  const scaled = await fetch(`${url}/pool/jobs/clock/scale`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ n: '+1' }) });
  expect(await scaled.json()).toEqual({ numprocesses: 2 });
  await waitFor(async () => {
    const job = (await (await fetch(`${url}/pool/jobs/clock`, { headers: { authorization } })).json()) as { processes: { state: string }[] };
    return job.processes.filter((process) => process.state === 'ready').length === 2;
  });
  const lines = await waitFor(async () => {
    const tail = (await (await fetch(`${url}/pool/jobs/clock/logs?lines=5`, { headers: { authorization } })).json()) as { line: string }[];
    return tail.length >= 2 ? tail : undefined;
  });
  expect(lines[0]!.line).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(server.stdout()).toMatch(/clock\.\d +\| \d{4}-/);

  // The two clock processes (the server's other child is pool's watchdog shell).
  const children = descendants(server.pid).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node');
  expect(children.length).toBe(2);
  server.child.kill('SIGTERM');
  await server.exited;
  await waitForDeath(children);
});
