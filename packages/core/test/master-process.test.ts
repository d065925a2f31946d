import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { samePressWithin } from '@pool/core';
import { descendants, httpGet, isAlive, ProcessTracker, tempDir, waitFor, waitForDeath } from '@pool/testing';
import { fixture, readyPids, runMaster } from './helpers.js';

const tracker = new ProcessTracker();
const temps: { remove: () => void }[] = [];
const daemons: string[] = [];
afterEach(async () => {
  for (const pidFile of daemons.splice(0)) {
    const pid = Number(existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : NaN);
    if (pid > 0) tracker.track(pid);
  }
  await tracker.cleanup();
  for (const temp of temps.splice(0)) temp.remove();
});

const workersOf = async (output: () => string, count: number) => {
  const pids = await waitFor(() => {
    const ready = readyPids(output());
    return ready.size === count ? ready : undefined;
  });
  return [...pids.values()];
};

describe('the master process', () => {
  it('on SIGTERM stops every worker gracefully (onShutdown runs) and exits 0, leaving nothing', async () => {
    const master = await runMaster(tracker, 'lifecycle-worker.mjs', 2, { NO_SOCKET: '1' });
    const pids = await workersOf(master.stdout, 2);
    master.child.kill('SIGTERM');
    expect(await master.exited).toEqual({ code: 0, signal: null });
    for (const id of [0, 1]) expect(master.stdout()).toMatch(new RegExp(`shutdown-2 ${id} `));
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('SIGKILLs the process group of a worker that ignores SIGTERM after gracefulTimeout', async () => {
    const master = await runMaster(tracker, 'lifecycle-worker.mjs', 1, { NO_SOCKET: '1', STUBBORN: '1', GRACEFUL_TIMEOUT: '500' });
    const [worker] = await workersOf(master.stdout, 1);
    const grandchild = Number((await master.waitForOutput(/grandchild-(\d+)/))[1]);
    master.child.kill('SIGTERM');
    expect((await master.exited).code).toBe(0);
    await waitForDeath([worker!, grandchild], 5_000);
  });

  it('on SIGINT interrupts the workers (main is aborted), exits 130; a second SIGINT kills at once', async () => {
    const master = await runMaster(tracker, 'lifecycle-worker.mjs', 2, { NO_SOCKET: '1' });
    await workersOf(master.stdout, 2);
    master.child.kill('SIGINT');
    expect(await master.exited).toEqual({ code: 130, signal: null });
    expect(master.stdout()).toMatch(/aborted 0 /);
    expect(master.stdout()).toMatch(/aborted 1 /);

    const stubborn = await runMaster(tracker, 'lifecycle-worker.mjs', 1, { NO_SOCKET: '1', STUBBORN: '1', GRACEFUL_TIMEOUT: '60000' });
    const [pid] = await workersOf(stubborn.stdout, 1);
    const grandchild = Number((await stubborn.waitForOutput(/grandchild-(\d+)/))[1]);
    stubborn.child.kill('SIGINT');
    // The master forwarded the interrupt and now waits (up to 60 s) for a worker that will not stop.
    await stubborn.waitForOutput(/ignored-SIGINT 0 /);
    // The same SIGINT again within samePressWithin is one press (a launcher passing Ctrl-C on): a second press
    // comes later than that, by definition, so this wait is the scenario, not a guess at the machine's speed.
    await new Promise((resolve) => setTimeout(resolve, samePressWithin + 100));
    stubborn.child.kill('SIGINT');
    // Well before the 60 s graceful timeout.
    expect((await stubborn.exited).code).toBe(130);
    await waitForDeath([pid!, grandchild], 5_000);
  });

  it('leaves no worker alive when the master itself is SIGKILLed', async () => {
    const master = await runMaster(tracker, 'echo-worker.mjs', 3);
    const pids = await workersOf(master.stdout, 3);
    master.child.kill('SIGKILL');
    await master.exited;
    // Workers notice the IPC channel close and end themselves (about a second; generous deadline here).
    await waitForDeath(pids, 10_000);
  });

  it('reloads on SIGHUP and resizes on SIGTTIN / SIGTTOU, serving throughout', async () => {
    const master = await runMaster(tracker, 'echo-worker.mjs', 2);
    const before = await workersOf(master.stdout, 2);
    // Requests on fresh connections, one after the other, from before the SIGHUP until the reload is done.
    const answers: string[] = [];
    let reloading = true;
    const load = (async () => {
      while (reloading) answers.push(await httpGet(`http://127.0.0.1:${master.port}/`).then(({ body }) => body, (error: Error) => `failed: ${error.message}`));
    })();
    await waitFor(() => answers.length > 0);
    master.child.kill('SIGHUP');
    await master.waitForOutput(/RELOAD done/);
    reloading = false;
    await load;
    expect(answers.filter((answer) => !/^pong from #[01] \d+$/.test(answer))).toEqual([]);
    const after = [...readyPids(master.stdout()).values()];
    expect(after.some((pid) => before.includes(pid))).toBe(false);
    expect(answers.some((answer) => after.some((pid) => answer.endsWith(` ${pid}`)))).toBe(true);
    master.child.kill('SIGTTIN');
    await master.waitForOutput(/READY 2 \d+/);
    master.child.kill('SIGTTOU');
    await master.waitForOutput(/SCALE 2/);
    // Its workers (the master's other child is its watchdog shell).
    await waitFor(() => descendants(master.pid).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node').length === 2);
    master.child.kill('SIGTERM');
    expect((await master.exited).code).toBe(0);
  });

  it('runs the same script as master and workers (factory mode)', async () => {
    const master = tracker.spawn(process.execPath, [fixture('same-script.mjs')], { env: { ...process.env, POOL_LOG_LEVEL: 'warn' } });
    const port = Number((await master.waitForOutput(/PORT (\d+)/))[1]);
    await workersOf(master.stdout, 2);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).body).toMatch(/^same-script #[01] \d+$/);
    master.child.kill('SIGTERM');
    expect((await master.exited).code).toBe(0);
  });

  it('runs TypeScript master and workers through tsx (the loader is carried to the workers)', async () => {
    const tsx = fixture('../../node_modules/.bin/tsx');
    const master = tracker.spawn(tsx, [fixture('ts-master.ts')], { env: { ...process.env, POOL_LOG_LEVEL: 'warn' } });
    await master.waitForOutput(/typed worker 0[\s\S]*typed worker 1|typed worker 1[\s\S]*typed worker 0/);
    expect(master.stdout()).toMatch(/\[1\] typed worker 1/);
    // tsx runs node as a child of its own CLI: signal that whole tree's master, which is tsx's child.
    const node = descendants(master.pid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ts-master.ts') && pid !== master.pid);
    process.kill(node ?? master.pid, 'SIGTERM');
    expect((await master.exited).code).toBe(0);
  });
});

describe('daemon mode', () => {
  it('detaches, writes the pid file once up, refuses a second start, replaces a stale file, removes it on exit', async () => {
    const dir = tempDir();
    temps.push(dir);
    const pidFile = join(dir.path, 'pool.pid');
    const logFile = join(dir.path, 'pool.log');
    // The daemon leaves the launcher's session: track it by its pid file even if this test fails early.
    daemons.push(pidFile);
    const env = { DAEMON: '1', PID_FILE: pidFile, LOG_FILE: logFile };

    writeFileSync(pidFile, '999999\n'); // stale: no such process
    const launch = () =>
      tracker.spawn(process.execPath, [fixture('master.mjs'), fixture('echo-worker.mjs'), '2'], {
        env: { ...process.env, POOL_LOG_LEVEL: 'warn', ...env },
      });
    const launcher = launch();
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    const daemonPid = Number(readFileSync(pidFile, 'utf8'));
    tracker.track(daemonPid);
    expect(isAlive(daemonPid)).toBe(true);
    expect(daemonPid).not.toBe(launcher.pid);
    const port = Number((await waitFor(() => /PORT (\d+)/.exec(readFileSync(logFile, 'utf8'))))[1]);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).body).toMatch(/^pong from #[01] \d+$/);
    // A new session: the daemon no longer belongs to the launcher's terminal.
    const stat = readFileSync(`/proc/${daemonPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    expect(Number(stat[3])).toBe(daemonPid);

    const second = launch();
    expect((await second.exited).code).toBe(1);
    expect(second.stderr() + second.stdout()).toContain('POOL_PID_FILE_LOCKED');

    const workers = descendants(daemonPid);
    process.kill(daemonPid, 'SIGTERM');
    await waitForDeath([daemonPid, ...workers], 15_000);
    expect(existsSync(pidFile)).toBe(false);
  });
});

describe('a paused master', () => {
  it('kills no healthy worker when it is stopped past workerTimeout and continued (SIGSTOP, SIGCONT)', async () => {
    const master = await runMaster(tracker, 'echo-worker.mjs', 4, { WORKER_TIMEOUT: '1000' });
    await waitFor(() => readyPids(master.stdout()).size === 4);
    const before = [...readyPids(master.stdout()).values()];
    // The fault itself: the master frozen for three heartbeat timeouts, the workers running on.
    process.kill(master.pid, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    process.kill(master.pid, 'SIGCONT');
    // The workers serve throughout. The kills, had they come, come at once on resume (expired timers run
    // first): 1.5 s later they would show as replacements (READY lines) and missing pids.
    expect((await httpGet(`http://127.0.0.1:${master.port}/`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(master.stdout().match(/READY/g)).toHaveLength(4);
    expect(before.every(isAlive)).toBe(true);
    expect(master.stderr()).not.toContain('missed its heartbeats');
  });
});
