import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { httpGet, tempDir, waitFor } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers } from './fixtures/manager/harness.js';

const { create } = useManagers();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GETs until the answers have come from every one of `pids` (each request may reach another process). */
async function reachAll(url: string, pids: number[], answer: (pid: number) => RegExp): Promise<void> {
  const reached = new Set<number>();
  await waitFor(
    async () => {
      const { status, body } = await httpGet(url);
      expect(status).toBe(200);
      const pid = pids.find((candidate) => answer(candidate).test(body));
      expect(pid, `an answer from one of ${pids.join(', ')}, got ${body}`).toBeDefined();
      reached.add(pid!);
      return reached.size === pids.length;
    },
    { message: `answers from every process of ${pids.join(', ')}` },
  );
}

// Answers GREETING on the job's socket (fd 3, inherited); on SIGTERM it stops accepting and exits once the
// connections it accepted are answered (net.Server#close: http.Server#close would reset those not read yet).
const listenOnFd3 = `const server = require('node:http').createServer((q, s) => s.end(process.env.GREETING)).listen({ fd: 3 });
process.on('SIGTERM', () => require('node:net').Server.prototype.close.call(server, () => process.exit(0)));`;

describe('Manager: sockets', () => {
  const directories: { remove: () => void }[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) directory.remove();
  });

  it('a non-Node program (python3) serves on an inherited socket: LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID', async () => {
    const { manager, stderr, events } = create();
    await manager.start();
    await manager.load({ name: 'py', cmd: ['python3', fixture('listen-fds.py')], numprocesses: 2, sockets: { web: { host: '127.0.0.1', port: 0 } } });
    const { web } = manager.info('py').sockets;
    expect(web).toMatchObject({ name: 'web', fd: 3, host: '127.0.0.1' });
    expect(web!.port).toBeGreaterThan(0);
    const pids = manager.pids('py');
    await reachAll(`http://127.0.0.1:${web!.port}/`, pids, (pid) => new RegExp(`^hello from python ${pid}$`));
    expect(eventsOf(events, 'exit')).toEqual([]);
    expect(stderr.text).toBe('');
    // The socket stays bound across a reload, and is closed once the job stops.
    await manager.reload('py');
    expect(manager.info('py').sockets.web!.port).toBe(web!.port);
    await reachAll(`http://127.0.0.1:${web!.port}/`, manager.pids('py'), (pid) => new RegExp(`^hello from python ${pid}$`));
    await manager.stopJob('py');
    expect(manager.info('py').sockets).toEqual({});
    await expect(httpGet(`http://127.0.0.1:${web!.port}/`, 2_000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a command line with sockets sets LISTEN_PID to the pid of the shell that execs the program', async () => {
    const { manager, stdout } = create();
    await manager.start();
    await manager.load({ name: 'line', cmd: 'exec sh -c \'echo "pid=$$ listen_pid=$LISTEN_PID fds=$LISTEN_FDS names=$LISTEN_FDNAMES"; exec sleep 1000\'', shell: true, sockets: { a: { host: '127.0.0.1', port: 0 }, b: { host: '127.0.0.1', port: 0 } } });
    const [pid] = manager.pids('line');
    await stdout.waitFor(new RegExp(`pid=${pid} listen_pid=${pid} fds=2 names=a:b`));
  });

  it('a worker module (WorkerBase protocol) serves on the job\'s shared socket', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'api', worker: fixture('http-worker.mjs'), numprocesses: 2, sockets: { web: { host: '127.0.0.1', port: 0 } } });
    expect(eventsOf(events, 'ready')).toHaveLength(2);
    const port = manager.info('api').sockets.web!.port!;
    const [first, second] = manager.pids('api');
    await reachAll(`http://127.0.0.1:${port}/`, [first!, second!], (pid) => new RegExp(`^pong from #${pid === first ? 0 : 1} ${pid}$`));
    await manager.stopJob('api');
    expect(eventsOf(events, 'exit').map(({ code, reason }) => ({ code, reason }))).toEqual([
      { code: 0, reason: 'stopped' },
      { code: 0, reason: 'stopped' },
    ]);
  });

  it('restart, reload and stopall of a job with sockets are rolling: a ready process throughout, no failed request', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'api', worker: fixture('http-worker.mjs'), numprocesses: 2, sockets: { web: { host: '127.0.0.1', port: 0 } } });
    const url = `http://127.0.0.1:${manager.info('api').sockets.web!.port!}/`;
    let failed = 0;
    let served = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        const { status } = await httpGet(url).catch(() => ({ status: 0 }));
        if (status === 200) served += 1;
        else failed += 1;
      }
    })();
    for (const order of [() => manager.restart(), () => manager.reload('api'), () => manager.stopall('api')]) {
      const before = manager.pids('api');
      const from = events.length;
      await order();
      const during = events.slice(from);
      // Each old process exits only after its replacement (same number) reported ready.
      for (const pid of before) {
        const exit = during.findIndex((event) => event.type === 'exit' && event.pid === pid);
        const exited = during[exit] as { id: number };
        const ready = during.findIndex((event) => event.type === 'ready' && event.id === exited.id);
        expect(ready, `the replacement of ${pid} ready before its exit`).toBeGreaterThanOrEqual(0);
        expect(ready).toBeLessThan(exit);
      }
      expect(manager.pids('api').filter((pid) => before.includes(pid))).toEqual([]);
    }
    loading = false;
    await load;
    expect(served).toBeGreaterThan(0);
    expect(failed).toBe(0);
    expect(eventsOf(events, 'reload').map((event) => event.phase)).toEqual(['start', 'done', 'start', 'done', 'start', 'done']);
  });

  it('update() of a running job with sockets rolls through: new processes with the new config, each ready first, no failed request', async () => {
    const { manager, events } = create();
    await manager.start();
    const config = (greeting: string, numprocesses: number) => ({
      name: 'api',
      cmd: [node, '-e', listenOnFd3],
      env: { GREETING: greeting },
      numprocesses,
      sockets: { web: { host: '127.0.0.1', port: 0 } },
    });
    await manager.load(config('one', 2));
    const url = `http://127.0.0.1:${manager.info('api').sockets.web!.port!}/`;
    let failed = 0;
    let loading = true;
    const answers = new Set<string>();
    const load = (async () => {
      while (loading) {
        const { status, body } = await httpGet(url).catch(() => ({ status: 0, body: '' }));
        if (status === 200) answers.add(body);
        else failed += 1;
      }
    })();
    await waitFor(() => answers.has('one'), { timeout: 30_000 });
    failed = 0; // from here on: the processes listen (before, the job's socket may not be listened on yet)
    const before = manager.pids('api');
    const from = events.length;
    await manager.update(config('two', 3));
    await waitFor(() => answers.has('two'), { timeout: 30_000 });
    loading = false;
    await load;
    expect(failed).toBe(0);
    const during = events.slice(from);
    for (const pid of before) {
      const exit = during.findIndex((event) => event.type === 'exit' && event.pid === pid);
      const ready = during.findIndex((event) => event.type === 'ready' && event.id === (during[exit] as { id: number }).id);
      expect(ready, `the replacement of ${pid} ready before its exit`).toBeGreaterThanOrEqual(0);
      expect(ready).toBeLessThan(exit);
    }
    expect(manager.pids('api')).toHaveLength(3);
    expect(manager.pids('api').filter((pid) => before.includes(pid))).toEqual([]);
    expect(manager.get('api').env).toEqual({ GREETING: 'two' });

    // A change the job itself holds (its restart policy) replaces the whole job, as before.
    await manager.update({ ...config('three', 1), restart: 'on-failure' });
    expect(manager.info('api').processes.map((process) => process.state)).toEqual(['ready']);
    expect(manager.get('api').restart).toBe('on-failure');
  });

  it('runs `python3 -m http.server` like any other command', async () => {
    const directory = tempDir('pool-http-');
    directories.push(directory);
    mkdirSync(join(directory.path, 'static'));
    writeFileSync(join(directory.path, 'static', 'hello.txt'), 'served by python');
    const port = await freePort();
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'files', cmd: ['python3', '-m', 'http.server', String(port), '--bind', '127.0.0.1'], cwd: join(directory.path, 'static') });
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/hello.txt`)).body === 'served by python');
  });
});
