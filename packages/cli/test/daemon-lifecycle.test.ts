import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, waitForDeath } from '@pool/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { fixtures, Sandbox } from './helpers/sandbox.js';
import { startTimeOf } from '../src/daemon/processes.js';

const procfile = `web: LABEL=web exec node ${fixtures}ticker.mjs\nworker: LABEL=worker exec node ${fixtures}ticker.mjs\n`;

describe('the daemon across stops, crashes and restarts', () => {
  let sandbox: Sandbox;
  const ps = () => sandbox.json<PsRecord[]>(['ps']);
  const livePids = async () => (await ps()).map((process) => process.pid!).filter((pid) => pid > 0);

  beforeEach(() => {
    sandbox = new Sandbox();
    sandbox.file('Procfile', procfile);
  });
  afterEach(async () => {
    await sandbox.run(['shutdown']);
    await sandbox.cleanup();
  });

  it('saves, shuts down leaving nothing running, and resurrects what was saved', async () => {
    expect((await sandbox.run(['start', 'Procfile'])).code).toBe(0);
    expect((await sandbox.run(['scale', 'web', '2'])).code).toBe(0);
    expect(await sandbox.json(['save'])).toEqual({ file: join(sandbox.home, 'dump.json'), jobs: ['default.web', 'default.worker'] });
    // After the save: the worker goes, and only the dump still has it.
    expect((await sandbox.run(['unload', 'worker'])).code).toBe(0);
    const daemon = sandbox.daemonPid()!;
    const pids = await livePids();
    expect(await sandbox.run(['shutdown'])).toMatchObject({ code: 0, stdout: `stopped the pool daemon (pid ${daemon})\n` });
    expect(isAlive(daemon)).toBe(false);
    await waitForDeath(pids, 30_000);
    expect(await sandbox.leftovers()).toEqual([]);

    const resurrected = await sandbox.run(['resurrect']);
    expect(resurrected.code).toBe(0);
    expect(resurrected.stdout).toBe('web is loaded already\nloaded worker: 1 process\n');
    const processes = await ps();
    expect(processes.map((process) => `${process.job}.${process.id}:${process.state}`)).toEqual([
      'default.web.0:ready',
      'default.web.1:ready',
      'default.worker.0:ready',
    ]);
    expect((await sandbox.run(['shutdown'])).code).toBe(0);
    await waitForDeath(processes.map((process) => process.pid!), 30_000);
    expect(await sandbox.leftovers()).toEqual([]);
  });

  it('keeps the previous save as dump.json.bak, and resurrects from it when dump.json is unreadable', async () => {
    expect((await sandbox.run(['start', 'Procfile'])).code).toBe(0);
    expect((await sandbox.run(['save'])).code).toBe(0);
    expect(existsSync(join(sandbox.home, 'dump.json.bak'))).toBe(false);
    expect((await sandbox.run(['unload', 'worker'])).code).toBe(0);
    expect((await sandbox.run(['save'])).code).toBe(0);
    // The backup is the save before: both jobs. A torn dump.json (a full disk, an editor) falls back to it.
    expect(JSON.parse(readFileSync(join(sandbox.home, 'dump.json.bak'), 'utf8')).jobs).toHaveLength(2);
    writeFileSync(join(sandbox.home, 'dump.json'), '{"version": 1, "jobs": [');
    expect((await sandbox.run(['unload', 'all'])).code).toBe(0);
    const resurrected = await sandbox.run(['resurrect']);
    expect(resurrected.code, resurrected.stderr).toBe(0);
    expect(resurrected.stderr).toMatch(/dump\.json could not be read .*: loading the previous save, .*dump\.json\.bak/);
    expect(resurrected.stdout).toBe('loaded web: 1 process\nloaded worker: 1 process\n');
  });

  it('brings the jobs back after a crash, and nothing of the dead daemon keeps running', async () => {
    expect((await sandbox.run(['start', 'Procfile', '-w', '2'])).code).toBe(0);
    await sandbox.run(['stop', 'worker']);
    const before = await livePids();
    expect(before).toHaveLength(2);
    process.kill(sandbox.daemonPid()!, 'SIGKILL');
    await waitForDeath([sandbox.daemonPid()!, ...before], 30_000);

    expect((await sandbox.run(['ps'])).stderr).toContain('POOL_DAEMON_NOT_RUNNING');
    expect((await sandbox.run(['daemon', 'start'])).code).toBe(0);
    const after = await ps();
    expect(after.map((process) => `${process.job}.${process.id}:${process.state}`)).toEqual([
      'default.web.0:ready',
      'default.web.1:ready',
      'default.worker.0:stopped',
      'default.worker.1:stopped',
    ]);
    expect(after.filter((process) => before.includes(process.pid!))).toEqual([]);
  });

  it('ends a process that a killed daemon recorded and left running, and leaves a reused pid alone', async () => {
    // What the state file holds after a daemon was killed together with its watchdog (kill -9 of its whole
    // group, the OOM killer): processes it started, each the leader of its own group.
    const idle = () => sandbox.tracker.spawn(process.execPath, [join(fixtures, 'plain-script.mjs')], { detached: true, env: sandbox.env() });
    const orphan = idle();
    const stranger = idle();
    await Promise.all([orphan.waitForOutput(/plain script up/), stranger.waitForOutput(/plain script up/)]);
    mkdirSync(sandbox.home, { recursive: true, mode: 0o700 });
    writeFileSync(join(sandbox.home, 'state.json'), JSON.stringify({
      version: 1,
      savedAt: new Date().toISOString(),
      jobs: [],
      processes: [
        { pid: orphan.pid, startTime: startTimeOf(orphan.pid), job: 'default.web' },
        // The same pid, another start time: another process now, which is no business of pool's.
        { pid: stranger.pid, startTime: startTimeOf(stranger.pid)! + 1, job: 'default.web' },
      ],
    }));
    expect((await sandbox.run(['daemon', 'start'])).code).toBe(0);
    expect(await orphan.exited).toMatchObject({ signal: 'SIGTERM' });
    expect(isAlive(stranger.pid)).toBe(true);
  });

  it('starts one daemon when two commands start it at once', async () => {
    const results = await Promise.all([sandbox.run(['daemon', 'start', '--json']), sandbox.run(['daemon', 'start', '--json'])]);
    expect(results.map((result) => result.code)).toEqual([0, 0]);
    const pids = results.map((result) => (JSON.parse(result.stdout) as { pid: number }).pid);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[0]).toBe(sandbox.daemonPid());
    expect(await sandbox.json(['daemon', 'status'])).toMatchObject({ running: true, pid: pids[0], jobs: 0 });
  });

  it('reports a daemon that cannot start with the end of its log', async () => {
    // A directory where the socket goes: the daemon fails when it listens.
    mkdirSync(join(sandbox.home, 'pool.sock'), { recursive: true });
    const result = await sandbox.run(['start', 'Procfile']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error POOL_DAEMON_START_FAILED: The daemon did not start: it exited with code 1; the end of its log:\n/);
    expect(result.stderr).toContain('pool.sock');
    expect(result.stderr).toContain(`hint Read the daemon log file (${join(sandbox.home, 'pool.log')})`);
    expect(await sandbox.leftovers()).toEqual([]);
  });
});
