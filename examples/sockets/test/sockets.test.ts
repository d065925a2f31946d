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
    env: { ...process.env, PORT: '0', POOL_LOG_LEVEL: 'warn' },
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

  example.child.kill('SIGTERM');
  await example.exited;
  await waitForDeath([...pids.keys(), fresh]);
});
