import { isPoolError, type JobConfig, type PoolError } from '@pool/core';
import { descendants, isAlive, processGroup, ProcessTracker, waitFor, waitForDeath } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers, waitForEvent } from './fixtures/manager/harness.js';
import { rejected } from './helpers.js';

const { create, tracker } = useManagers();

const sleeper = (name: string, extra: Partial<JobConfig> = {}): JobConfig => ({ name, cmd: ['sleep', '1000'], ...extra });

/** Every process of a tree: the pids, their descendants and their process groups. */
function family(pids: number[]): number[] {
  return [...new Set(pids.flatMap((pid) => [pid, ...descendants(pid), ...processGroup(pid)]))];
}

describe('Manager: loading jobs', () => {
  it('loads a job under its session and starts its processes', async () => {
    const { manager, events } = create();
    await manager.start();
    expect(await manager.load(sleeper('web', { numprocesses: 2 }))).toBe('default.web');
    expect(await manager.load(sleeper('web'), { session: 'shop' })).toBe('shop.web');
    expect(manager.jobs()).toEqual(['default.web', 'shop.web']);
    expect(manager.jobs('shop')).toEqual(['shop.web']);
    expect(manager.sessions).toEqual(['default', 'shop']);
    const pids = manager.pids('web');
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive)).toBe(true);
    expect(manager.pids('shop.web')).toHaveLength(1);
    expect(manager.list('web').map(({ job, id, state, commit }) => ({ job, id, state, commit }))).toEqual([
      { job: 'default.web', id: 0, state: 'ready', commit: false },
      { job: 'default.web', id: 1, state: 'ready', commit: false },
    ]);
    expect(eventsOf(events, 'load').map((event) => event.job)).toEqual(['default.web', 'shop.web']);
    expect(eventsOf(events, 'spawn').map((event) => event.pid).sort()).toEqual([...manager.pids()].sort());
  });

  it('validates configs and names: clear errors with HTTP statuses', async () => {
    const { manager } = create();
    const invalid = await rejected(manager.load({ name: 'web', cmd: ['sleep'], numprocesses: 'two' } as never));
    expect(invalid).toMatchObject({ code: 'POOL_INVALID_CONFIG', status: 400 });
    expect(invalid.message).toContain('numprocesses must be an integer');
    await manager.load(sleeper('web'));
    expect(await rejected(manager.load(sleeper('web')))).toMatchObject({ code: 'POOL_JOB_EXISTS', status: 409 });
    expect(await rejected(manager.load(sleeper('web'), { session: 'has.dot' }))).toMatchObject({ code: 'POOL_INVALID_OPTION' });
    const unknown = await rejected(manager.startJob('nope'));
    expect(unknown).toMatchObject({ code: 'POOL_UNKNOWN_JOB', status: 404 });
    expect(unknown.message).toBe('No job named default.nope');
    expect(() => manager.info('other.web')).toThrow(/No job named other.web/);
    const missingCwd = await rejected(manager.load(sleeper('elsewhere', { cwd: '/does/not/exist' })));
    expect(missingCwd.message).toMatch(/cwd is not a directory: \/does\/not\/exist/);
    const missingWorker = await rejected(manager.load({ name: 'w', worker: './no-such-worker.mjs' }));
    expect(missingWorker.code).toBe('POOL_WORKER_MODULE_NOT_FOUND');
  });

  it('get() returns the config as loaded, with the load env merged; info() describes the job', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load(sleeper('web', { env: { A: '1', B: '2' }, priority: 3 }), { env: { B: 'two' } });
    expect(manager.get('web')).toEqual({ name: 'web', cmd: ['sleep', '1000'], env: { A: '1', B: 'two' }, priority: 3 });
    const info = manager.info('default.web');
    expect(info).toMatchObject({ name: 'default.web', session: 'default', active: true, running: true, numprocesses: 1, priority: 3 });
    expect(info.processes).toHaveLength(1);
    expect(info.config).toEqual(manager.get('web'));
  });

  it('load with start: false waits for startJob; stopJob stops and keeps it down', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load(sleeper('web', { numprocesses: 2 }), { start: false });
    expect(manager.pids()).toEqual([]);
    expect(manager.list('web').map((process) => process.state)).toEqual(['stopped', 'stopped']);
    await manager.startJob('web');
    const pids = manager.pids('web');
    expect(pids).toHaveLength(2);
    await manager.stopJob('web');
    await waitForDeath(pids);
    expect(manager.pids()).toEqual([]);
    expect(manager.info('web')).toMatchObject({ active: false, running: false });
    expect(eventsOf(events, 'exit').map((event) => event.reason)).toEqual(['stopped', 'stopped']);
    expect(eventsOf(events, 'stop')).toEqual([expect.objectContaining({ job: 'default.web' })]);
    expect(eventsOf(events, 'restart')).toEqual([]);
  });

  it('starts loaded jobs with start(), by priority, and stops them in reverse', async () => {
    const { manager, events } = create();
    await manager.load(sleeper('last', { priority: 2 }));
    await manager.load(sleeper('first', { priority: -1, numprocesses: 2 }));
    await manager.load(sleeper('middle', { priority: 0 }));
    await manager.load(sleeper('idle'), { start: false });
    expect(manager.pids()).toEqual([]);
    await manager.start();
    expect(manager.state).toBe('running');
    expect(eventsOf(events, 'ready').map((event) => event.job)).toEqual(['default.first', 'default.first', 'default.middle', 'default.last']);
    expect(manager.pids('idle')).toEqual([]);
    await manager.stop();
    expect(manager.state).toBe('stopped');
    expect(eventsOf(events, 'exit').map((event) => event.job)).toEqual(['default.last', 'default.middle', 'default.first', 'default.first']);
  });

  it('unload() stops the job and forgets it', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load(sleeper('web', { numprocesses: 2 }));
    const pids = manager.pids();
    await manager.unload('web');
    await waitForDeath(pids);
    expect(manager.jobs()).toEqual([]);
    expect(eventsOf(events, 'unload')).toEqual([expect.objectContaining({ job: 'default.web' })]);
    expect((await rejected(manager.unload('web'))).code).toBe('POOL_UNKNOWN_JOB');
  });

  it('update() replaces the processes with ones of the new config', async () => {
    const { manager, events, stdout } = create();
    await manager.start();
    const shout = (word: string, numprocesses: number): JobConfig => ({ name: 'web', cmd: ['sh', '-c', 'echo "$WORD $$"; exec sleep 1000'], env: { WORD: word }, numprocesses });
    await manager.load(shout('before', 1));
    const old = manager.pids('web');
    await manager.update(shout('after', 2));
    await waitForDeath(old);
    const renewed = manager.pids('web');
    expect(renewed).toHaveLength(2);
    expect(renewed.some((pid) => old.includes(pid))).toBe(false);
    for (const pid of renewed) await stdout.waitFor(new RegExp(`after ${pid}`));
    expect(manager.get('web').env).toEqual({ WORD: 'after' });
    expect(eventsOf(events, 'load').map((event) => event.updated)).toEqual([false, true]);
    // A stopped job stays stopped unless asked.
    await manager.stopJob('web');
    await manager.update(shout('quiet', 1));
    expect(manager.pids('web')).toEqual([]);
    await manager.update(shout('loud', 1), { start: true });
    expect(manager.pids('web')).toHaveLength(1);
  });

  it('reload() restores the configured count and replaces every process', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load(sleeper('web', { numprocesses: 2 }));
    await manager.scale('web', 4);
    const old = manager.pids('web');
    expect(old).toHaveLength(4);
    await manager.reload('web');
    await waitForDeath(old);
    const renewed = manager.pids('web');
    expect(renewed).toHaveLength(2);
    expect(renewed.some((pid) => old.includes(pid))).toBe(false);
    expect(manager.info('web').numprocesses).toBe(2);
  });

  it('restart() replaces the processes of every running job', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load(sleeper('a', { numprocesses: 2 }));
    await manager.load(sleeper('b'));
    await manager.load(sleeper('off'), { start: false });
    const old = manager.pids();
    await manager.restart();
    await waitForDeath(old);
    expect(manager.pids('a')).toHaveLength(2);
    expect(manager.pids('b')).toHaveLength(1);
    expect(manager.pids('off')).toEqual([]);
    expect(manager.pids().some((pid) => old.includes(pid))).toBe(false);
  });

  it('stop() leaves no process behind, grandchildren included, and start() brings the jobs back', async () => {
    const { manager, stdout, events } = create();
    await manager.start();
    await manager.load({ name: 'family', cmd: [node, fixture('grandchildren.mjs'), '3'], numprocesses: 2 });
    await manager.load({ name: 'stubborn', cmd: [node, fixture('ignore-term.mjs')], gracefulTimeout: 300 });
    await manager.commit('family');
    const [first] = manager.pids('family');
    await stdout.waitFor(new RegExp(`running ${manager.pids('stubborn')[0]}`));
    await waitFor(() => stdout.lines().filter((line) => line.startsWith('grandchildren')).length === 3);
    const everyone = family(manager.pids());
    expect(everyone.length).toBeGreaterThanOrEqual(3 + 3 * 3);
    expect(descendants(first!)).toHaveLength(3);
    await manager.stop();
    await waitForDeath(everyone);
    expect(everyone.filter(isAlive)).toEqual([]);
    expect(manager.pids()).toEqual([]);
    expect(eventsOf(events, 'exit').find((event) => event.job === 'default.stubborn')).toMatchObject({ forced: true, signal: 'SIGKILL' });
    expect(manager.jobs()).toEqual(['default.family', 'default.stubborn']);
    await manager.start();
    expect(manager.pids('family')).toHaveLength(2);
    expect(manager.pids('stubborn')).toHaveLength(1);
  });

  it('stopJob() ends the grandchildren of the job\'s processes (process groups), and only those', async () => {
    const { manager, stdout } = create();
    await manager.start();
    await manager.load({ name: 'family', cmd: [node, fixture('grandchildren.mjs'), '2'], numprocesses: 2 });
    await manager.load({ name: 'neighbour', cmd: [node, fixture('grandchildren.mjs'), '1'] });
    await waitFor(() => stdout.lines().filter((line) => line.startsWith('grandchildren')).length === 3);
    const members = family(manager.pids('family'));
    const neighbours = family(manager.pids('neighbour'));
    expect(members).toHaveLength(2 + 2 * 2);
    await manager.stopJob('family');
    await waitForDeath(members);
    expect(neighbours.every(isAlive)).toBe(true);
  });

  it('a job whose socket cannot be bound: load() fails and keeps nothing; start() starts the others', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const { manager, events } = create();
      await manager.start();
      const failed = await rejected(manager.load(sleeper('web', { sockets: { http: { host: '127.0.0.1', port } } })));
      expect(failed.code).toBe('POOL_SOCKET_BIND_FAILED');
      expect(failed.message).toContain(`127.0.0.1:${port}`);
      expect(manager.jobs()).toEqual([]);
      expect(eventsOf(events, 'unload')).toEqual([expect.objectContaining({ job: 'default.web' })]);

      await manager.stop();
      await manager.load(sleeper('web', { sockets: { http: { host: '127.0.0.1', port } } }));
      await manager.load(sleeper('other'));
      expect((await rejected(manager.start())).code).toBe('POOL_SOCKET_BIND_FAILED');
      expect(manager.state).toBe('running');
      expect(manager.pids('other')).toHaveLength(1);
      expect(manager.info('web')).toMatchObject({ active: false, running: false });
      expect(manager.info('web').failure?.code).toBe('POOL_SOCKET_BIND_FAILED');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('stop() a second time with gracefulTimeout 0 kills at once', async () => {
    const { manager, stdout } = create();
    await manager.start();
    await manager.load({ name: 'stubborn', cmd: [node, fixture('ignore-term.mjs')], gracefulTimeout: 600_000 });
    const [pid] = manager.pids();
    await stdout.waitFor(new RegExp(`running ${pid}`));
    const stopping = manager.stop();
    await stdout.waitFor(new RegExp(`ignored SIGTERM ${pid}`));
    await manager.stop({ gracefulTimeout: 0 });
    await stopping;
    expect(isAlive(pid!)).toBe(false);
  });

  it('jobsWalk() and walk() visit jobs and processes; getProcess() finds one by pid', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load(sleeper('web', { numprocesses: 2 }));
    await manager.load(sleeper('api'), { session: 'shop' });
    const walkedJobs: string[] = [];
    manager.jobsWalk((name, walker) => {
      expect(walker).toBe(manager);
      walkedJobs.push(name);
    });
    expect(walkedJobs).toEqual(['default.web', 'shop.api']);
    const inShop: string[] = [];
    manager.jobsWalk((name) => inShop.push(name), 'shop');
    expect(inShop).toEqual(['shop.api']);
    const walked: number[] = [];
    manager.walk((process) => walked.push(process.pid!));
    expect(walked).toEqual(manager.pids());
    const webOnly: string[] = [];
    manager.walk((process) => webOnly.push(`${process.job}.${process.id}`), 'web');
    expect(webOnly).toEqual(['default.web.0', 'default.web.1']);
    const [, second] = manager.pids('web');
    expect(manager.getProcess(second!)).toMatchObject({ job: 'default.web', id: 1, pid: second, state: 'ready', restarts: 0, commit: false });
    expect(manager.getProcess(second!).uptime).toBeGreaterThanOrEqual(0);
    expect(() => manager.getProcess(1)).toThrow(expect.objectContaining({ code: 'POOL_UNKNOWN_PROCESS', status: 404 }));
  });
});

describe('Manager.run()', () => {
  const masters = new ProcessTracker();
  afterEach(() => masters.cleanup());

  it('runs until SIGTERM (SIGHUP restarts), prints each line prefixed with session.name.N, and leaves nothing behind', async () => {
    const master = masters.spawn(node, [fixture('master.mjs'), fixture('grandchildren.mjs')], { cwd: fixture('.') });
    const running = await master.waitForOutput(/master: running (\[.*\])/);
    const pids = JSON.parse(running[1]!) as number[];
    expect(pids).toHaveLength(3);
    for (const pid of pids) tracker.track(pid);
    await master.waitForOutput(/app\.family\.0 \| grandchildren \[/);
    await waitFor(() => master.stdout().match(/default\.talker\.\d \| hello from \d+/g)?.length === 2);
    expect(master.stdout()).toMatch(/^default\.talker\.0 \| hello from \d+$/m);
    expect(master.stdout()).toMatch(/^default\.talker\.1 \| hello from \d+$/m);
    await waitFor(() => master.stderr().match(/default\.talker\.\d \| oops/g)?.length === 2);
    const before = family(pids);
    expect(before.length).toBeGreaterThanOrEqual(3 + 2);
    master.child.kill('SIGHUP');
    await waitFor(() => master.stdout().match(/master: spawned \S+ \d+/g)?.length === 3, { message: 'three replacements after SIGHUP' });
    const replacements = [...master.stdout().matchAll(/master: spawned \S+ (\d+)/g)].map((match) => Number(match[1]));
    for (const pid of replacements) tracker.track(pid);
    await waitForDeath(pids);
    await master.waitForOutput(/app\.family\.0 \| grandchildren \[.*\n(.|\n)*app\.family\.0 \| grandchildren \[/);
    const after = family(replacements);
    master.child.kill('SIGTERM');
    expect(await master.exited).toEqual({ code: 0, signal: null });
    expect(master.stdout()).toContain('master: stopped');
    await waitForDeath([...before, ...after]);
  });
});
