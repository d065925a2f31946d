import { readFileSync } from 'node:fs';
import { cgroups } from '@pool/core/internal';
import { isAlive, ProcessTracker, waitFor, waitForDeath } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { node, useManagers } from './fixtures/manager/harness.js';
import { fixture } from './helpers.js';

// Issue 20, item 2: on 1295a97 a child that left its process group (setsid, detached) survived its stop and its
// master's SIGKILL. Where this master may make cgroups (root, or systemd's Delegate=yes), it does not.

const { create } = useManagers();
const tracker = new ProcessTracker();
afterEach(() => tracker.cleanup());

const escaper = `
  const { spawn } = require('child_process');
  const a = spawn('setsid', ['sleep', '1000'], { stdio: 'ignore' });
  const b = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
  console.log('escapes ' + JSON.stringify([a.pid, b.pid]));
  setInterval(() => {}, 1 << 30);`;

const escapesIn = (text: string): number[] | undefined => {
  const match = /escapes (\[[\d,]+\])/.exec(text);
  return match ? (JSON.parse(match[1]!) as number[]) : undefined;
};

const cgroupOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)?.[1];
const sessionOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);

describe.skipIf(cgroups.mode !== 'cgroup')(`containment in cgroups (${cgroups.why || cgroups.base})`, () => {
  it('a stop ends what the process started outside its group: setsid and detached children', async () => {
    const { manager, stdout: output } = create();
    await manager.start();
    await manager.load({ name: 'escaper', cmd: [node, '-e', escaper] });
    const escapes = await waitFor(() => escapesIn(output.text));
    for (const pid of escapes) tracker.track(pid);
    const leader = manager.info('escaper').processes[0]!.pid!;
    // They did leave: sessions of their own, out of the group a stop signals; in the leader's cgroup.
    // (`setsid` the program calls setsid() a moment after it was spawned.)
    await waitFor(() => escapes.every((pid) => sessionOf(pid) === pid), { message: 'both escapes in sessions of their own' });
    for (const pid of escapes) expect(cgroupOf(pid)).toBe(cgroupOf(leader));
    expect(cgroupOf(leader)).toMatch(new RegExp(`/pool-${process.pid}/${leader}$`));
    await manager.stopJob('escaper');
    await waitForDeath(escapes, 10_000);
    // Its cgroup is removed once empty.
    await waitFor(() => !existsCgroup(leader), { timeout: 10_000, message: `the cgroup of ${leader} removed` });
  });

  it("the master's SIGKILL ends them too: its watchdog kills the master's cgroups", async () => {
    const host = tracker.spawn(process.execPath, [fixture('manager/escapes.mjs')]);
    const [, list] = await host.waitForOutput(/escapes (\[[\d,]+\])/);
    const escapes = JSON.parse(list!) as number[];
    for (const pid of escapes) tracker.track(pid);
    expect(escapes.every(isAlive)).toBe(true);
    host.child.kill('SIGKILL');
    await host.exited;
    await waitForDeath(escapes, 15_000);
  });
});

function existsCgroup(pid: number): boolean {
  try {
    readFileSync(`${cgroups.base}/${pid}/cgroup.procs`);
    return true;
  } catch {
    return false;
  }
}
