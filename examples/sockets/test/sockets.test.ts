import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { httpGet, isAlive, ProcessTracker, waitFor, waitForDeath } from '@pool/testing';

const tracker = new ProcessTracker();
afterEach(() => tracker.cleanup());

const root = fileURLToPath(new URL('..', import.meta.url));
const answer = /^pong from #([01]) (\d+)$/;

it('serves from several worker pids on one port, and again after a worker is killed', async () => {
  // `pnpm start` is `tsx src/main.ts`: run the same thing, on a free port.
  const example = tracker.spawn(fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url)), ['src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', POOL_LOG_LEVEL: 'info' },
  });
  const [, url] = await example.waitForOutput(/serving on (http:\/\/\S+)/);

  // The kernel hands connections to whichever worker accepts first: ask until two pids have answered.
  const pids = new Map<number, number>();
  await waitFor(async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => httpGet(url!)));
    for (const { status, body } of responses) {
      expect(status).toBe(200);
      const [, id, pid] = answer.exec(body)!;
      pids.set(Number(pid), Number(id));
    }
    return pids.size >= 2;
  });
  expect(new Set(pids.values())).toEqual(new Set([0, 1]));

  const [victim] = pids.keys();
  process.kill(victim!, 'SIGKILL');
  await waitForDeath(victim!);
  const fresh = await waitFor(async () => {
    const { body } = await httpGet(url!);
    const pid = Number(answer.exec(body)![2]);
    return !pids.has(pid) ? pid : undefined;
  });
  expect(isAlive(fresh)).toBe(true);

  // Two rolling reloads (SIGHUP to the master) under keep-alive load: not one request may fail.
  const master = Number(readFileSync(`/proc/${fresh}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const failures: string[] = [];
  let answered = 0;
  let loading = true;
  const get = () =>
    new Promise<void>((resolve) => {
      http
        .get(url!, { agent }, (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) answered++;
            else failures.push(String(response.statusCode));
            resolve();
          });
        })
        .on('error', (error: NodeJS.ErrnoException) => {
          failures.push(error.code ?? error.message);
          resolve();
        });
    });
  const clients = Array.from({ length: 8 }, async () => {
    while (loading) await get();
  });
  for (const round of [1, 2]) {
    process.kill(master, 'SIGHUP');
    await example.waitForOutput(new RegExp(`(rolling reload done[\\s\\S]*){${round}}`));
  }
  loading = false;
  await Promise.all(clients);
  agent.destroy();
  expect(failures).toEqual([]);
  expect(answered).toBeGreaterThan(0);

  example.child.kill('SIGTERM');
  await example.exited;
  await waitForDeath([...pids.keys(), fresh]);
});
