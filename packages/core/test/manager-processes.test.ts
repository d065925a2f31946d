import { readFileSync } from 'node:fs';
import { isPoolError, writableTarget, type PoolError } from '@pool/core';
import { isAlive, waitFor, waitForDeath } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { eventsOf, fixture, Memory, node, useManagers, waitForEvent } from './fixtures/manager/harness.js';
import { caught, rejected } from './helpers.js';

const { create } = useManagers();

describe('Manager: one-off processes', () => {
  it('commit() runs a process of the job that is not counted and not restarted', async () => {
    const { manager, events, stdout } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sh', '-c', 'echo "run $$ ${EXTRA:-none}"; exec sleep 1000'] });
    const pid = await manager.commit('web', { env: { EXTRA: 'committed' } });
    await stdout.waitFor(new RegExp(`run ${pid} committed`));
    expect(manager.info('web').numprocesses).toBe(1);
    expect(manager.list('web').map(({ id, commit, pid: listed }) => ({ id, commit, pid: listed }))).toEqual([
      { id: 0, commit: false, pid: manager.pids('web')[0] },
      { id: 1, commit: true, pid },
    ]);
    expect(await manager.scale('web', '+1')).toBe(2);
    expect(manager.list('web').map(({ id, commit }) => `${id}${commit ? 'c' : ''}`)).toEqual(['0', '2', '1c']);
    expect(await manager.scale('web', 0)).toBe(0);
    expect(isAlive(pid)).toBe(true);

    manager.kill(pid, 'SIGKILL');
    const exit = await waitForEvent(events, 'exit', (event) => event.pid === pid);
    expect(exit).toMatchObject({ commit: true, reason: 'crashed', signal: 'SIGKILL', id: 1 });
    // A restart (no back-off for a first failure) would be spawned by now, before the scale-up below.
    const spawnsBefore = eventsOf(events, 'spawn').length;
    await manager.scale('web', 1);
    await waitFor(() => eventsOf(events, 'spawn').length > spawnsBefore);
    expect(eventsOf(events, 'spawn').slice(spawnsBefore)).toEqual([expect.objectContaining({ id: 0, commit: false })]);
    expect(eventsOf(events, 'restart')).toEqual([]);
    expect(manager.list('web').some((process) => process.commit)).toBe(false);
  });

  it('commit() honours its own graceful timeout, and fails clearly for a command that does not exist', async () => {
    const { manager, events, stdout } = create();
    await manager.start();
    await manager.load({ name: 'stubborn', cmd: [node, fixture('ignore-term.mjs')], numprocesses: 0, gracefulTimeout: 600_000 });
    const pid = await manager.commit('stubborn', { gracefulTimeout: '200ms' });
    await stdout.waitFor(new RegExp(`running ${pid}`));
    await manager.stopProcess(pid);
    expect(eventsOf(events, 'exit').find((event) => event.pid === pid)).toMatchObject({ forced: true, signal: 'SIGKILL', commit: true });
    await manager.load({ name: 'ghost', cmd: ['/no/such/program'], numprocesses: 0 });
    const error = await rejected(manager.commit('ghost'));
    expect(error.code).toBe('POOL_SPAWN_FAILED');
    expect(error.message).toContain('/no/such/program');
  });

  it('stopProcess() stops one process for good: it leaves the count and is not restarted', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'], numprocesses: 3 });
    const [, middle] = manager.pids('web');
    await manager.stopProcess(middle!);
    expect(isAlive(middle!)).toBe(false);
    expect(manager.info('web').numprocesses).toBe(2);
    expect(manager.list('web').map((process) => process.id)).toEqual([0, 2]);
    expect(eventsOf(events, 'stop')).toEqual([expect.objectContaining({ job: 'default.web', id: 1, pid: middle })]);
    expect(eventsOf(events, 'scale')).toEqual([expect.objectContaining({ from: 3, to: 2 })]);
    expect(eventsOf(events, 'restart')).toEqual([]);
    expect((await rejected(manager.stopProcess(middle!))).code).toBe('POOL_UNKNOWN_PROCESS');
    // The freed number is used again by the next scale-up.
    await manager.scale('web', '+1');
    expect(manager.list('web').map((process) => process.id)).toEqual([0, 1, 2]);
  });

  it('stopall() makes every process exit; each is restarted under its number', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'], numprocesses: 2 });
    const old = manager.pids('web');
    await manager.stopall('web');
    await waitForDeath(old);
    const renewed = manager.pids('web');
    expect(renewed).toHaveLength(2);
    expect(renewed.some((pid) => old.includes(pid))).toBe(false);
    expect(manager.list('web').map(({ id, restarts }) => ({ id, restarts }))).toEqual([
      { id: 0, restarts: 1 },
      { id: 1, restarts: 1 },
    ]);
    expect(eventsOf(events, 'exit').map((event) => event.reason)).toEqual(['stopped', 'stopped']);
    expect(manager.info('web')).toMatchObject({ active: true, numprocesses: 2 });
  });
});

describe('Manager: signals', () => {
  it('kill() sends a signal to one process; one that ends it gets the process restarted', async () => {
    const { manager, stdout, events } = create();
    await manager.start();
    await manager.load({ name: 'sig', cmd: [node, fixture('signals.mjs')], numprocesses: 2 });
    const [first, second] = manager.pids('sig');
    await stdout.waitFor(new RegExp(`waiting ${first}`));
    await stdout.waitFor(new RegExp(`waiting ${second}`));
    manager.kill(first!, 'SIGUSR1');
    await stdout.waitFor(new RegExp(`got SIGUSR1 ${first}`));
    expect(stdout.text).not.toContain(`got SIGUSR1 ${second}`);
    manager.kill(second!, 'INT');
    const exit = await waitForEvent(events, 'exit', (event) => event.pid === second);
    expect(exit).toMatchObject({ code: 0, reason: 'exited', id: 1 });
    const replacement = await waitForEvent(events, 'spawn', (event) => event.id === 1 && event.pid !== second);
    expect(manager.pids('sig')).toEqual([first, replacement.pid]);
    expect(manager.getProcess(replacement.pid).restarts).toBe(1);
    expect(caught(() => manager.kill(first!, 'SIGNOPE')).code).toBe('POOL_INVALID_SIGNAL');
    expect(caught(() => manager.kill(99_999_999, 'SIGTERM')).code).toBe('POOL_UNKNOWN_PROCESS');
  });

  it('killall() sends a named signal to every process of the job', async () => {
    const { manager, stdout } = create();
    await manager.start();
    await manager.load({ name: 'sig', cmd: [node, fixture('signals.mjs')], numprocesses: 3 });
    await manager.load({ name: 'bystander', cmd: [node, fixture('signals.mjs')] });
    const pids = manager.pids('sig');
    const [bystander] = manager.pids('bystander');
    for (const pid of [...pids, bystander]) await stdout.waitFor(new RegExp(`waiting ${pid}`));
    manager.killall('sig', 'SIGUSR2');
    for (const pid of pids) await stdout.waitFor(new RegExp(`got SIGUSR2 ${pid}`));
    manager.killall('sig', 'hup');
    for (const pid of pids) await stdout.waitFor(new RegExp(`got SIGHUP ${pid}`));
    expect(stdout.text).not.toMatch(new RegExp(`got SIG\\w+ ${bystander}`));
    expect(manager.pids('sig')).toEqual(pids);
  });

  it('stops with the job\'s stopSignal, and SIGKILLs one that ignores it after gracefulTimeout', async () => {
    const { manager, stdout, events } = create();
    await manager.start();
    await manager.load({ name: 'polite', cmd: [node, fixture('signals.mjs')], stopSignal: 'SIGINT' });
    await manager.load({ name: 'stubborn', cmd: [node, fixture('ignore-term.mjs')], gracefulTimeout: '300ms' });
    const [polite] = manager.pids('polite');
    const [stubborn] = manager.pids('stubborn');
    await stdout.waitFor(new RegExp(`waiting ${polite}`));
    await stdout.waitFor(new RegExp(`running ${stubborn}`));
    await Promise.all([manager.stopJob('polite'), manager.stopJob('stubborn')]);
    expect(stdout.text).toContain(`got SIGINT ${polite}`);
    expect(stdout.text).toContain(`ignored SIGTERM ${stubborn}`);
    expect(eventsOf(events, 'exit').find((event) => event.pid === polite)).toMatchObject({ code: 0, forced: false, reason: 'stopped' });
    expect(eventsOf(events, 'exit').find((event) => event.pid === stubborn)).toMatchObject({ signal: 'SIGKILL', forced: true, reason: 'stopped' });
  });
});

describe('Manager: stdin and output', () => {
  it('send() reaches a child\'s stdin: lines from an array, a string as is', async () => {
    const { manager, stdout } = create();
    await manager.start();
    await manager.load({ name: 'echo', cmd: [node, fixture('echo-stdin.mjs')], redirectInput: true, numprocesses: 2 });
    const [first, second] = manager.pids('echo');
    await manager.send(first!, ['hello', 'world']);
    await manager.send(second!, 'partial ');
    await manager.send(second!, Buffer.from('line\n'), 'stdin');
    await stdout.waitFor(new RegExp(`echo ${first}: hello\\n`));
    await stdout.waitFor(new RegExp(`echo ${first}: world\\n`));
    await stdout.waitFor(new RegExp(`echo ${second}: partial line\\n`));
    expect(stdout.text).not.toContain(`echo ${second}: hello`);
  });

  it('send() to a job without redirectInput is a clear error', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'deaf', cmd: ['sleep', '1000'] });
    const [pid] = manager.pids('deaf');
    const error = await rejected(manager.send(pid!, ['hello']));
    expect(error).toMatchObject({ code: 'POOL_NO_STDIN', status: 409 });
    expect(error.message).toBe(`Process ${pid} of job default.deaf has no stdin to write to`);
    expect(error.hint).toMatch(/redirectInput: true/);
    expect((await rejected(manager.send(pid!, 'x', 'stdout' as never))).code).toBe('POOL_INVALID_OPTION');
    expect((await rejected(manager.send(1, 'x'))).code).toBe('POOL_UNKNOWN_PROCESS');
  });

  it('input for a process that does not read it is bounded: past 1 MiB waiting, send() is refused at once with POOL_STDIN_FULL (issue 20, item 10)', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'deaf', cmd: ['sleep', '1000'], redirectInput: true });
    const [pid] = manager.pids('deaf');
    const chunk = 'x'.repeat(100 * 1024);
    // 300 sends at once: every one answers (none waits on the process), and what waits stays within the bound.
    const results = await Promise.allSettled(Array.from({ length: 300 }, () => manager.send(pid!, chunk)));
    const refused = results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason as PoolError);
    const accepted = results.length - refused.length;
    // The pipe itself takes up to 64 KiB (or more: Linux may grow it) before anything waits in this master.
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(accepted).toBeLessThanOrEqual(30);
    expect(refused.every((error) => error.code === 'POOL_STDIN_FULL' && error.status === 503)).toBe(true);
    expect(refused[0]!.message).toMatch(new RegExp(`^Process ${pid} of job default.deaf has not read \\d+ bytes of its input yet: 102400 more would pass the limit of 1048576$`));
    expect(manager.info('deaf').processes[0]).toMatchObject({ pid, state: 'ready' });
  });

  it('delivers every line of the redirected streams; streams not redirected are discarded', async () => {
    const { manager, stdout, stderr, events } = create();
    await manager.start();
    await manager.load({ name: 'both', cmd: [node, fixture('lines.mjs'), '500'] });
    await manager.load({ name: 'outonly', cmd: [node, fixture('lines.mjs'), '3'], redirectOutput: ['stdout'] });
    await manager.load({ name: 'erronly', cmd: [node, fixture('lines.mjs'), '3'], redirectOutput: ['stderr'] });
    await waitFor(() => stdout.lines().filter((line) => line === 'out done').length === 2);
    await waitFor(() => stderr.lines().filter((line) => line === 'err done').length === 2);
    await manager.stop();
    expect(eventsOf(events, 'exit')).toHaveLength(3);
    // 500 from "both", 3 from the other, and two "done" lines.
    expect(stdout.lines()).toHaveLength(505);
    expect(stderr.lines()).toHaveLength(505);
    expect(stdout.lines().filter((line) => line.startsWith('err'))).toEqual([]);
    expect(stderr.lines().filter((line) => line.startsWith('out'))).toEqual([]);
    const outLines = stdout.lines();
    for (let index = 0; index < 500; index++) expect(outLines).toContain(`out ${index}`);
  });

  it('takes any output target, e.g. one that prefixes each line with session.name.N', async () => {
    const memory = new Memory();
    const { manager } = create({ stdout: writableTarget(memory, { prefix: (source) => `${source.job}.${source.worker} | ` }), stderr: 'ignore' });
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sh', '-c', 'echo "hi from $$"; exec sleep 1000'], numprocesses: 2 }, { session: 'shop' });
    const [first, second] = manager.pids('shop.web');
    await memory.waitFor(new RegExp(`^shop\\.web\\.0 \\| hi from ${first}$`, 'm'));
    await memory.waitFor(new RegExp(`^shop\\.web\\.1 \\| hi from ${second}$`, 'm'));
  });
});

describe('Manager: environment and command lines', () => {
  it('merges env: process.env, the manager\'s, the job\'s, the load\'s; PORT by process with `port`', async () => {
    process.env.POOL_TEST_INHERITED = 'inherited';
    const { manager, stdout } = create({ env: { FROM_MANAGER: 'manager', OVERRIDDEN: 'manager' } });
    await manager.start();
    const print = 'echo "$$ $POOL_TEST_INHERITED $FROM_MANAGER $OVERRIDDEN $FROM_LOAD $PORT"; exec sleep 1000';
    await manager.load({ name: 'env', cmd: ['sh', '-c', print], env: { OVERRIDDEN: 'job' }, port: 6100, numprocesses: 2 }, { env: { FROM_LOAD: 'load' } });
    const [first, second] = manager.pids('env');
    await stdout.waitFor(new RegExp(`${first} inherited manager job load 6100`));
    await stdout.waitFor(new RegExp(`${second} inherited manager job load 6101`));
    delete process.env.POOL_TEST_INHERITED;
  });

  it('cleanEnv starts from an empty environment (but for the number pool gives every process)', async () => {
    const { manager, stdout, events } = create({ env: { FROM_MANAGER: 'manager' } });
    await manager.start();
    await manager.load({ name: 'env', cmd: ['/usr/bin/env'], cleanEnv: true, env: { ONLY: 'this', NUMBER: 42 }, restart: 'never' });
    await waitForEvent(events, 'exit');
    expect(stdout.lines().sort()).toEqual(['NODE_APP_INSTANCE=0', 'NUMBER=42', 'ONLY=this', 'POOL_WORKER_ID=0']);
  });

  it('spawns argv without a shell, and a command line through /bin/sh only with shell: true', async () => {
    const { manager, stdout, events } = create();
    await manager.start();
    await manager.load({ name: 'argv', cmd: ['echo', 'literal', '$HOME', '*'], restart: 'never' });
    await manager.load({ name: 'line', cmd: 'echo "sum=$((40 + 2))" && echo second', shell: true, restart: 'never' });
    await waitFor(() => eventsOf(events, 'exit').length === 2);
    expect(stdout.lines()).toContain('literal $HOME *');
    expect(stdout.lines()).toContain('sum=42');
    expect(stdout.lines()).toContain('second');
  });

  it.skipIf(process.getuid?.() !== 0)('runs as another user and group with uid/gid (as root)', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'nobody', cmd: ['sleep', '1000'], uid: 65_534, gid: 65_534, cwd: '/tmp' });
    const [pid] = manager.pids('nobody');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+65534\s+65534/m);
    expect(status).toMatch(/^Gid:\s+65534\s+65534/m);
  });
});
