import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ChildHandler, isPoolError, type ExitEvent, type RestartEvent } from '@pool/core';
import { httpGet, isAlive, onceEvent, tempDir, waitFor } from '@pool/testing';
import { fixture, MemorySink, Pools } from './helpers.js';

const pools = new Pools();
const temps: { remove: () => void }[] = [];
afterEach(async () => {
  await pools.cleanup();
  for (const temp of temps.splice(0)) temp.remove();
});

const web = { web: { host: '127.0.0.1', port: 0 } };

describe('Supervisor: the pool', () => {
  it('runs N workers with ids 0…N-1 and replaces a killed one under the same id', async () => {
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 3, sockets: web, stdout: 'ignore' });
    await pool.start();
    const before = pool.processes();
    expect(before.map((worker) => worker.id)).toEqual([0, 1, 2]);
    expect(new Set(before.map((worker) => worker.pid)).size).toBe(3);
    const victim = before[1]!;
    const replaced = onceEvent<{ id: number; pid: number }>(pool, 'ready', { filter: (event) => event.id === 1 });
    process.kill(victim.pid!, 'SIGKILL');
    const { pid } = await replaced;
    expect(pid).not.toBe(victim.pid);
    const after = pool.processes();
    expect(after.map((worker) => worker.id)).toEqual([0, 1, 2]);
    expect(after[1]).toMatchObject({ pid, restarts: 1, state: 'ready' });
    expect(after[0]!.pid).toBe(before[0]!.pid);
  });

  it('answers on the shared socket from several workers, and again after one is killed', async () => {
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 2, sockets: web, stdout: 'ignore' });
    await pool.start();
    const url = `http://127.0.0.1:${pool.sockets.web!.port}/`;
    const first = await httpGet(url);
    const [, id, pid] = /^pong from #(\d) (\d+)$/.exec(first.body)!;
    process.kill(Number(pid), 'SIGKILL');
    // The kernel queues connections while no worker accepts: the pool answers again, from another pid.
    const next = await waitFor(async () => {
      const answer = await httpGet(url);
      return answer.body.endsWith(` ${pid}`) ? undefined : answer;
    });
    expect(next.body).toMatch(/^pong from #[01] \d+$/);
    expect(next.body).not.toContain(` ${pid}`);
    expect(['0', '1']).toContain(id);
  });

  it('backs off while a worker keeps failing: 0, then initial × factor^n', async () => {
    const pool = pools.create({
      worker: fixture('crash-worker.mjs'),
      workers: 1,
      stderr: 'ignore',
      backoff: { initial: 50, factor: 2, max: 1_000 },
      flapping: false,
    });
    const restarts: RestartEvent[] = [];
    pool.on('restart', (event) => restarts.push(event));
    const starting = pool.start().catch((error: unknown) => error);
    await waitFor(() => restarts.length >= 5);
    expect(restarts.slice(0, 5).map((event) => event.delay)).toEqual([0, 50, 100, 200, 400]);
    expect(restarts.slice(0, 5).map((event) => event.failures)).toEqual([1, 2, 3, 4, 5]);
    await pool.stop({ gracefulTimeout: 0 });
    expect(isPoolError(await starting, 'POOL_STOPPED')).toBe(true);
  });

  it('fills a slot whose process could not be created at the next consistency check', async () => {
    let failures = 0;
    const pool = pools.create({
      worker: fixture('echo-worker.mjs'),
      workers: 2,
      sockets: web,
      stdout: 'ignore',
      checkInterval: 200,
      childFactory: (id, options) => {
        if (id === 1 && failures++ === 0) throw new Error('no process table entry for you');
        return new ChildHandler(options);
      },
    });
    await pool.start();
    expect(failures).toBe(2);
    expect(pool.processes().map((worker) => worker.state)).toEqual(['ready', 'ready']);
  });
});

describe('Supervisor: the worker lifecycle', () => {
  it('runs onStart callbacks in order, reports ready, runs main, then onShutdown callbacks', async () => {
    const output = new MemorySink();
    const pool = pools.create({ worker: fixture('lifecycle-worker.mjs'), workers: 1, stdout: output });
    await pool.start();
    await waitFor(() => output.text().includes('main 0'));
    const { pid } = pool.processes()[0]!;
    await pool.stop();
    const steps = output.lines().map((line) => line.split(' ')[0]);
    expect(steps).toEqual(['start-1', 'start-2', 'main', 'main-returned', 'shutdown-1', 'shutdown-2']);
    expect(output.text()).toContain(`shutdown-2 0 ${pid}`);
  });

  it('logs a throw in onStart with its stack, counts it as a failed start, and tries again', async () => {
    const errors = new MemorySink();
    const pool = pools.create({
      worker: fixture('lifecycle-worker.mjs'),
      workers: 1,
      stdout: 'ignore',
      stderr: errors,
      env: { FAIL_IN: 'start' },
      flapping: false,
    });
    const exits: ExitEvent[] = [];
    pool.on('exit', (event) => exits.push(event));
    void pool.start().catch(() => {});
    await waitFor(() => exits.length >= 2);
    expect(exits[0]).toMatchObject({ id: 0, reason: 'failed-start', code: 1 });
    expect(exits[0]!.workerError).toMatchObject({ phase: 'start', message: 'boom in onStart' });
    expect(errors.text()).toMatch(/failed in onStart: Error: boom in onStart\n\s+at /);
    expect(exits[1]!.pid).not.toBe(exits[0]!.pid);
  });

  it('counts a throw in main as a crash and replaces the worker', async () => {
    const pool = pools.create({
      worker: fixture('lifecycle-worker.mjs'),
      workers: 1,
      stdout: 'ignore',
      stderr: 'ignore',
      env: { FAIL_IN: 'main' },
      flapping: false,
    });
    const crashed = onceEvent<ExitEvent>(pool, 'exit');
    void pool.start().catch(() => {});
    const exit = await crashed;
    expect(exit).toMatchObject({ reason: 'crashed', code: 1, wasReady: true });
    expect(exit.workerError).toMatchObject({ phase: 'main', message: 'boom in main' });
    await onceEvent(pool, 'spawn', { filter: (event: { id: number }) => event.id === 0 });
  });

  it('loads a module whose default export is a factory, and rejects one that exports neither', async () => {
    const output = new MemorySink();
    const pool = pools.create({ worker: fixture('factory-export.mjs'), workers: 2, stdout: output });
    await pool.start();
    await waitFor(() => output.text().includes('factory worker 1'));

    const errors = new MemorySink();
    const bad = pools.create({ worker: fixture('not-a-worker.mjs'), workers: 1, stderr: errors, flapping: { attempts: 1, maxRetry: 1, retryIn: 10 } });
    const failure = await bad.start().catch((error: unknown) => error);
    expect(isPoolError(failure, 'POOL_FLAPPING')).toBe(true);
    expect(errors.text()).toContain('POOL_WORKER_INVALID_EXPORT');
  });

  it('refuses a worker module that does not exist before spawning anything', async () => {
    const pool = pools.create({ worker: '/nowhere/worker.mjs', workers: 4 });
    let spawned = 0;
    pool.on('spawn', () => spawned++);
    const error = await pool.start().catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_WORKER_MODULE_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('/nowhere/worker.mjs');
    expect(spawned).toBe(0);
  });
});

describe('Supervisor: keep-alive', () => {
  it('kills a worker whose event loop is blocked past workerTimeout, with SIGKILL, and replaces it', async () => {
    const dir = tempDir();
    temps.push(dir);
    const pool = pools.create({
      worker: fixture('hang-worker.mjs'),
      workers: 2,
      workerTimeout: 1_000,
      env: { BLOCK_MARKER: join(dir.path, 'blocked') },
    });
    const timedOut = onceEvent<{ id: number; pid: number; kind: string }>(pool, 'timeout');
    const killed = onceEvent<ExitEvent>(pool, 'exit');
    await pool.start();
    const blockedPid = Number(await waitFor(() => { try { return readFileSync(join(dir.path, 'blocked'), 'utf8'); } catch { return ''; } }));
    const timeout = await timedOut;
    expect(timeout).toMatchObject({ id: 0, pid: blockedPid, kind: 'heartbeat' });
    expect(await killed).toMatchObject({ id: 0, pid: blockedPid, reason: 'timeout', signal: 'SIGKILL', forced: true });
    const replacement = await onceEvent<{ id: number; pid: number }>(pool, 'ready', { filter: (event) => event.id === 0 });
    expect(replacement.pid).not.toBe(blockedPid);
    expect(isAlive(blockedPid)).toBe(false);
    expect(pool.processes()[1]!.restarts).toBe(0);
  });
});

describe('Supervisor: output', () => {
  it('redirects whole lines from many workers to one Writable, flushing a partial last line at exit', async () => {
    const stdout = new MemorySink();
    const stderr = new MemorySink();
    const pool = pools.create({ worker: fixture('lines-worker.mjs'), workers: 4, stdout, stderr, env: { LINES: '5000' } });
    await pool.start();
    await waitFor(() => stderr.lines().length === 4);
    await pool.stop();
    const lines = stdout.lines();
    const full = lines.filter((line) => line.includes(' line '));
    expect(full).toHaveLength(20_000);
    for (const line of full) expect(line).toMatch(/^w[0-3] line \d+ x{80}$/);
    for (let id = 0; id < 4; id++) {
      const own = full.filter((line) => line.startsWith(`w${id} `)).map((line) => Number(line.split(' ')[2]));
      expect(own).toEqual([...Array(5000).keys()]);
    }
    expect(lines.filter((line) => line.endsWith('partial-tail')).sort()).toEqual(['w0 partial-tail', 'w1 partial-tail', 'w2 partial-tail', 'w3 partial-tail']);
    expect(stderr.lines().sort()).toEqual(['w0 err line', 'w1 err line', 'w2 err line', 'w3 err line']);
  });
});

describe('Supervisor: sockets and descriptors', () => {
  it('shares a Unix socket and passes preserveFds through', async () => {
    const dir = tempDir();
    temps.push(dir);
    const socketPath = join(dir.path, 'web.sock');
    const logPath = join(dir.path, 'shared.log');
    const fd = openSync(logPath, 'a');
    try {
      const fdPool = pools.create({ worker: fixture('fd-worker.mjs'), workers: 2, preserveFds: [fd] });
      await fdPool.start();
      await fdPool.stop();
      expect(readFileSync(logPath, 'utf8').split('\n').filter(Boolean).sort()).toEqual([
        'worker 0 wrote through fd 3',
        'worker 1 wrote through fd 3',
      ]);
    } finally {
      closeSync(fd);
    }
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 2, sockets: { web: { path: socketPath } }, stdout: 'ignore' });
    await pool.start();
    const { default: http } = await import('node:http');
    const answer = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath, path: '/' }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      }).on('error', reject);
    });
    expect(answer).toMatch(/^pong from #[01] \d+$/);
  });

  it('reports a port that is taken with POOL_SOCKET_BIND_FAILED', async () => {
    const first = pools.create({ worker: fixture('echo-worker.mjs'), workers: 1, sockets: web, stdout: 'ignore' });
    await first.start();
    const port = first.sockets.web!.port!;
    const second = pools.create({ worker: fixture('echo-worker.mjs'), workers: 1, sockets: { web: { host: '127.0.0.1', port } } });
    const error = await second.start().catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_SOCKET_BIND_FAILED')).toBe(true);
    expect((error as Error).message).toContain('EADDRINUSE');
  });
});

describe('Supervisor: reload and resize', () => {
  it('reloads one worker at a time without a failed request', async () => {
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 2, sockets: web, stdout: 'ignore' });
    await pool.start();
    const url = `http://127.0.0.1:${pool.sockets.web!.port}/`;
    const before = pool.processes().map((worker) => worker.pid);
    let failed = 0;
    let answered = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        await httpGet(url).then((answer) => (answer.status === 200 ? answered++ : failed++), () => failed++);
      }
    })();
    const alive: number[] = [];
    pool.on('ready', () => alive.push(pool.processes().filter((worker) => worker.state === 'ready').length));
    await pool.reload();
    await pool.reload();
    loading = false;
    await load;
    const after = pool.processes().map((worker) => worker.pid);
    expect(after.every((pid) => !before.includes(pid))).toBe(true);
    expect(failed).toBe(0);
    expect(answered).toBeGreaterThan(0);
    expect(pool.processes().map((worker) => worker.id)).toEqual([0, 1]);
  });

  it('stops at a replacement that never gets ready, leaving the old workers serving', async () => {
    const dir = tempDir();
    temps.push(dir);
    const broken = join(dir.path, 'broken');
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 2, sockets: web, stdout: 'ignore', stderr: 'ignore', env: { BROKEN_IF: broken } });
    await pool.start();
    const before = pool.processes().map((worker) => worker.pid);
    writeFileSync(broken, '');
    const error = await pool.reload().catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_RELOAD_FAILED')).toBe(true);
    expect(pool.processes().map((worker) => worker.pid)).toEqual(before);
    expect((await httpGet(`http://127.0.0.1:${pool.sockets.web!.port}/`)).status).toBe(200);
  });

  it('resizes up and down, keeping the ids dense', async () => {
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 2, sockets: web, stdout: 'ignore' });
    await pool.start();
    expect(await pool.resize(4)).toBe(4);
    await waitFor(() => pool.processes().filter((worker) => worker.state === 'ready').length === 4);
    expect(pool.processes().map((worker) => worker.id)).toEqual([0, 1, 2, 3]);
    const gone = pool.processes().slice(1).map((worker) => worker.pid!);
    expect(await pool.resize(1)).toBe(1);
    expect(pool.processes().map((worker) => worker.id)).toEqual([0]);
    expect(gone.filter(isAlive)).toEqual([]);
    await expect(pool.resize(-1)).rejects.toThrowError(/POOL_INVALID_SCALE|Invalid scale -1/);
  });
});

describe('Supervisor: flapping, events and logs', () => {
  it('pauses a pool that keeps crashing, tries again after retryIn, and gives up after maxRetry rounds', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const pool = pools.create({
      worker: fixture('crash-worker.mjs'),
      workers: 2,
      stderr: 'ignore',
      logger,
      flapping: { attempts: 3, window: 60_000, retryIn: 300, maxRetry: 2 },
    });
    const rounds: { round: number; gaveUp: boolean; retryIn: number | undefined }[] = [];
    pool.on('flapping', ({ round, gaveUp, retryIn }) => rounds.push({ round, gaveUp, retryIn }));
    let spawns = 0;
    pool.on('spawn', () => spawns++);
    const error = await pool.start().catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_FLAPPING')).toBe(true);
    expect(rounds).toEqual([
      { round: 1, gaveUp: false, retryIn: 300 },
      { round: 2, gaveUp: false, retryIn: 300 },
      { round: 3, gaveUp: true, retryIn: undefined },
    ]);
    // Three rounds of three failures: the pool did not spin.
    expect(spawns).toBeLessThanOrEqual(10);
    expect(pool.state).toBe('failed');
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string });
    expect(records.some((record) => record.level === 50 && record.code === 'POOL_FLAPPING')).toBe(true);
    expect(records.some((record) => record.msg.includes('the pool is flapping'))).toBe(true);
  });

  it('emits typed events through a whole life: spawn, ready, exit, restart, scale, reload', async () => {
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 1, sockets: web, stdout: 'ignore' });
    const seen: string[] = [];
    for (const name of ['start', 'spawn', 'ready', 'exit', 'restart', 'scale', 'reload', 'stop'] as const) {
      pool.on(name, () => seen.push(name));
    }
    await pool.start();
    const { pid } = pool.processes()[0]!;
    process.kill(pid!, 'SIGKILL');
    await onceEvent(pool, 'ready');
    await pool.reload();
    await pool.resize(2);
    await waitFor(() => pool.processes().every((worker) => worker.state === 'ready') && pool.processes().length === 2);
    await pool.stop();
    expect(seen.slice(0, 3)).toEqual(['start', 'spawn', 'ready']);
    for (const name of ['exit', 'restart', 'reload', 'scale', 'stop']) expect(seen).toContain(name);
    expect(pool.state).toBe('stopped');
  });

  it('rejects unknown and ill-typed options with the option path', () => {
    expect(() => pools.create({ worker: fixture('echo-worker.mjs'), workrs: 2 } as never)).toThrowError(/workrs: unknown option/);
    expect(() => pools.create({ worker: fixture('echo-worker.mjs'), workers: 1.5 })).toThrowError(/workers: expected an integer/);
    expect(() => pools.create({ worker: fixture('echo-worker.mjs'), gracefulTimeout: '10 parsecs' })).toThrowError(/gracefulTimeout/);
    expect(() => pools.create({ worker: fixture('echo-worker.mjs'), sockets: { web: { port: 70_000 } } })).toThrowError(/sockets\.web\.port/);
    expect(pools.create({ worker: fixture('echo-worker.mjs'), gracefulTimeout: '2s' }).config.gracefulTimeout).toBe(2_000);
    // Longer than a Node timer can wait: it would fire at once, so it is refused.
    expect(() => pools.create({ worker: fixture('echo-worker.mjs'), gracefulTimeout: '600h' })).toThrowError(/POOL_INVALID_DURATION|Invalid duration 600h/);
    expect(() => pools.create({ worker: fixture('echo-worker.mjs'), workerTimeout: 2 ** 31 })).toThrowError(/Invalid duration/);
  });
});

describe('Supervisor: log files', () => {
  it('asks its output targets to reopen their files, and closes them once the last worker has exited', async () => {
    let reopened = 0;
    let closed = 0;
    const { defineOutputTarget, writableTarget } = await import('@pool/core');
    const sink = writableTarget(new MemorySink());
    const target = Object.assign(defineOutputTarget(sink.attach), {
      reopen: () => void reopened++,
      close: async () => void closed++,
    });
    const pool = pools.create({ worker: fixture('echo-worker.mjs'), workers: 1, sockets: web, stdout: target, stderr: target });
    await pool.start();
    await pool.reopenLogs();
    expect(reopened).toBe(1);
    expect(closed).toBe(0);
    await pool.stop();
    expect(closed).toBe(1);
  });
});

describe('Supervisor: zero-downtime reloads with keep-alive clients', () => {
  async function reloadUnderKeepAliveLoad(close: 'plain' | 'drain') {
    const pool = pools.create({ worker: fixture('keepalive-worker.mjs'), workers: 2, sockets: web, env: { CLOSE: close } });
    await pool.start();
    const { default: http } = await import('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const url = `http://127.0.0.1:${pool.sockets.web!.port}/`;
    let failed = 0;
    let answered = 0;
    let loading = true;
    const get = () =>
      new Promise<void>((resolve) => {
        http
          .get(url, { agent }, (response) => {
            response.resume();
            response.on('end', () => {
              if (response.statusCode === 200) answered++;
              else failed++;
              resolve();
            });
          })
          .on('error', () => {
            failed++;
            resolve();
          });
      });
    const clients = Array.from({ length: 8 }, async () => {
      while (loading) await get();
    });
    await waitFor(() => answered > 50);
    for (let round = 0; round < 3; round++) await pool.reload();
    loading = false;
    await Promise.all(clients);
    agent.destroy();
    return { failed, answered };
  }

  it('loses no request when workers drain their servers (drainServer)', async () => {
    const { failed, answered } = await reloadUnderKeepAliveLoad('drain');
    expect(answered).toBeGreaterThan(50);
    expect(failed).toBe(0);
  });
});

describe('Supervisor: orders that cross', () => {
  it('a worker SIGKILLed while reload() starts its replacement leaves one process for its slot', async () => {
    const spawned: number[] = [];
    const pool = pools.create({ worker: fixture('slow-ready-worker.mjs'), workers: 1, env: { READY_DELAY_MS: '1500' }, stdout: 'ignore' });
    pool.on('spawn', ({ pid }) => spawned.push(pid));
    await pool.start();
    const old = pool.processes()[0]!.pid!;
    const reloading = pool.reload();
    await waitFor(() => spawned.length >= 2, { message: 'the replacement to spawn' });
    expect(pool.processes()[0]!.pid).toBe(old); // the replacement is not ready yet
    process.kill(old, 'SIGKILL');
    await reloading;
    const agree = () => {
      const listed = pool.processes().map((worker) => worker.pid);
      const alive = spawned.filter(isAlive);
      return listed.length === 1 && alive.length === 1 && listed[0] === alive[0];
    };
    await waitFor(agree, { timeout: 15_000, message: `one worker listed and running; spawned ${spawned.join(', ')}` });
    expect(pool.processes()[0]).toMatchObject({ state: 'ready' });
  });

  it('three concurrent resize(+1) orders from 1 give 4 workers', async () => {
    const pool = pools.create({ worker: fixture('slow-ready-worker.mjs'), workers: 1, env: { READY_DELAY_MS: '0' }, stdout: 'ignore' });
    await pool.start();
    await Promise.all([pool.resize(pool.size + 1), pool.resize('+1'), pool.resize('+1')]);
    expect(pool.size).toBe(4);
    await waitFor(() => pool.processes().filter((worker) => worker.state === 'ready').length === 4);
  });
});
