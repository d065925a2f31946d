import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { descendants, isAlive, ProcessTracker, waitFor, waitForDeath } from '@pool/testing';
import { fixture } from './helpers.js';

const tracker = new ProcessTracker();
afterEach(() => tracker.cleanup());

it('ends every job process and grandchild when the Manager\'s host is SIGKILLed', async () => {
  // Two `sh -c … sleep 1000` processes and a node job with two `sleep` grandchildren: none has IPC to notice.
  const host = tracker.spawn(process.execPath, [fixture('manager/master.mjs'), fixture('manager/grandchildren.mjs')]);
  await host.waitForOutput(/master: running/);
  const before = await waitFor(() => {
    const all = descendants(host.pid);
    return all.filter((pid) => readName(pid) === 'sleep').length === 4 ? all : undefined;
  });
  for (const pid of before) tracker.track(pid);
  host.child.kill('SIGKILL');
  await host.exited;
  await waitForDeath(before, 10_000);
  expect(before.filter(isAlive)).toEqual([]);
});

it('lets a cleanly stopped Manager\'s watchdog exit with nothing to do', async () => {
  const host = tracker.spawn(process.execPath, [fixture('manager/master.mjs'), fixture('manager/grandchildren.mjs')]);
  await host.waitForOutput(/master: running/);
  const watchdog = await waitFor(() => descendants(host.pid).find((pid) => readName(pid) === 'sh' && readArgs(pid).includes('forget')));
  host.child.kill('SIGTERM');
  expect((await host.exited).code).toBe(0);
  await waitForDeath(watchdog, 10_000);
});

it('replaces a watchdog killed from outside, which still ends everything when the host is SIGKILLed', async () => {
  const host = tracker.spawn(process.execPath, [fixture('manager/master.mjs'), fixture('manager/grandchildren.mjs')]);
  await host.waitForOutput(/master: running/);
  const isWatchdog = (pid: number) => readName(pid) === 'sh' && readArgs(pid).includes('forget');
  const first = await waitFor(() => descendants(host.pid).find(isWatchdog));
  process.kill(first, 'SIGKILL');
  const second = await waitFor(() => descendants(host.pid).find((pid) => pid !== first && isWatchdog(pid)), { message: 'a new watchdog' });
  const before = await waitFor(() => {
    const all = descendants(host.pid).filter((pid) => pid !== second);
    return all.filter((pid) => readName(pid) === 'sleep').length === 4 ? all : undefined;
  });
  for (const pid of before) tracker.track(pid);
  host.child.kill('SIGKILL');
  await host.exited;
  await waitForDeath(before, 10_000);
});

function readName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function readArgs(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
