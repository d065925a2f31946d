import { isAlive } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { fixtures } from './helpers/sandbox.js';
import { useSandbox } from './helpers/sandbox.js';

// Issue 20: a broken or hostile job must never take the daemon (and every other job) down with it.

const sandboxes = useSandbox();

describe('garbage on a control channel (issue 20, item 1)', () => {
  it('the daemon runs on: the job that wrote it is stopped and restarted (reason fault), the other job keeps its process', async () => {
    const sandbox = sandboxes.current;
    const evil = `process.send('ready'); setTimeout(() => require('fs').writeSync(process.channel.fd, 'garbage\\n'), 100); setInterval(() => {}, 1000)`;
    sandbox.file(
      'pool.config.json',
      JSON.stringify({ jobs: { good: { cmd: ['sleep', '1000'] }, evil: { cmd: [process.execPath, '-e', evil], readiness: { message: true }, backoff: { initial: 100, max: 100 } } } }),
    );
    expect((await sandbox.run(['start', 'pool.config.json'])).code).toBe(0);
    const daemon = sandbox.daemonPid()!;
    const [good] = (await sandbox.json<PsRecord[]>(['ps'])).filter((record) => record.job === 'default.good');
    const events = sandbox.start(['events', 'evil', '--json']);
    // Three faults in a row: each replacement writes garbage again, and each time the daemon survives.
    await events.waitForOutput(/("type":"fault"[^]*){3}/, 30_000);
    expect(isAlive(daemon)).toBe(true);
    expect(sandbox.daemonPid()).toBe(daemon);
    expect(events.stdout()).toContain('a message that is not JSON: \\"garbage\\"');
    const info = await sandbox.json<{ restartReasons: Record<string, number> }>(['info', 'evil']);
    expect(info.restartReasons.fault).toBeGreaterThanOrEqual(2);
    const after = (await sandbox.json<PsRecord[]>(['ps'])).find((record) => record.job === 'default.good');
    expect(after).toMatchObject({ pid: good!.pid, state: 'ready' });
  });

  it('pool run worker.mjs -w 4 runs on when one worker writes garbage, and says which', async () => {
    const sandbox = sandboxes.current;
    const run = sandbox.start(['run', `${fixtures}garbage-worker.mjs`, '-w', '4']);
    await run.waitForOutput(/(worker 1 up[^]*){3}/, 30_000);
    expect(run.stdout() + run.stderr()).toMatch(/garbage-worker\.1 \(pid \d+\) exited with code \d+ \(fault\): Process \d+ \(\S+\) sent a message that is not JSON: "this is not JSON" on its control channel/);
    expect(isAlive(run.pid)).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(await sandbox.leftovers()).toEqual([]);
  });
});
