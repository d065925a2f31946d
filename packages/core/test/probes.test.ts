import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { isPoolError, type SupervisorEvent } from '@pool/core';
import { freePort, httpGet, isAlive, tempDir, waitFor } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers, waitForEvent } from './fixtures/manager/harness.js';
import { MemorySink, Pools } from './helpers.js';

const { create } = useManagers();
const temps: { remove: () => void }[] = [];
afterEach(() => {
  for (const temp of temps.splice(0)) temp.remove();
});

const server = fixture('probed-server.mjs');

describe('readiness probes: ready is a fact, not a timer', () => {
  it.each(['http', 'tcp'] as const)('%s: a server that listens 800 ms late is ready only once it answers', async (kind) => {
    const { manager, events } = create();
    await manager.start();
    const port = await freePort();
    const readiness = kind === 'http' ? { http: { path: '/health' }, interval: '50ms' } : { tcp: port, interval: '50ms' };
    await manager.load({ name: 'web', cmd: [node, server], port, env: { KIND: kind, LISTEN_AFTER: '800' }, readiness });
    // load() resolves once the start has settled: the server answers at once.
    if (kind === 'http') expect((await httpGet(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    else await new Promise<void>((resolve, reject) => connect(port, '127.0.0.1').once('connect', function (this: Socket) { this.destroy(); resolve(); }).once('error', reject));
    const ready = eventsOf(events, 'ready')[0]!;
    expect(ready.startDuration).toBeGreaterThanOrEqual(800);
    expect(manager.info('web').processes[0]).toMatchObject({ state: 'ready' });
  });

  it('exec: ready once the command exits 0 (argv, no shell, the process\'s env and POOL_PROBED_PID)', async () => {
    const dir = tempDir();
    temps.push(dir);
    const flag = join(dir.path, 'warm');
    const { manager, events } = create();
    await manager.start();
    const script = `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(flag)}, String(process.pid)), 600); setInterval(() => {}, 1000)`;
    const check = `const fs = require('fs'); process.exit(fs.existsSync(process.env.FLAG) && fs.readFileSync(process.env.FLAG, 'utf8') === process.env.POOL_PROBED_PID ? 0 : 1)`;
    await manager.load({ name: 'warm', cmd: [node, '-e', script], env: { FLAG: flag }, readiness: { exec: [node, '-e', check], interval: '50ms' } });
    expect(eventsOf(events, 'ready')[0]!.startDuration).toBeGreaterThanOrEqual(600);
  });

  it("message: ready when the script calls process.send('ready') (PM2's wait_ready), not before", async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'plain', cmd: [node, '-e', "setTimeout(() => process.send('ready'), 500); setInterval(() => {}, 1000)"], readiness: { message: true } });
    expect(eventsOf(events, 'ready')[0]!.startDuration).toBeGreaterThanOrEqual(500);
  });

  it('a probe that never passes is a failed start within its timeout: POOL_NOT_READY names the probe and the last failure; nothing is left', async () => {
    const { manager, events } = create();
    await manager.start();
    const port = await freePort();
    await manager.load({ name: 'deaf', cmd: [node, '-e', 'setInterval(() => {}, 1000)'], readiness: { http: `http://127.0.0.1:${port}/`, interval: '50ms', timeout: '1s' }, flapping: false, restart: 'never' });
    const exit = await waitForEvent(events, 'exit');
    expect(exit.reason).toBe('timeout');
    expect(isPoolError(exit.error, 'POOL_NOT_READY')).toBe(true);
    expect(exit.error!.message).toContain(`GET http://127.0.0.1:${port}/`);
    expect(exit.error!.message).toContain('ECONNREFUSED');
    expect(exit.uptime).toBeGreaterThanOrEqual(1_000);
    expect(eventsOf(events, 'timeout')).toEqual([expect.objectContaining({ kind: 'start', after: 1_000 })]);
    expect(isAlive(exit.pid!)).toBe(false);
  });
});

describe('liveness probes', () => {
  it('a ready process that fails its probe failureThreshold times in a row is stopped gracefully and replaced (reason liveness)', async () => {
    const dir = tempDir();
    temps.push(dir);
    const sick = join(dir.path, 'sick');
    const { manager, events } = create();
    await manager.start();
    const port = await freePort();
    await manager.load({
      name: 'api',
      cmd: [node, server],
      port,
      env: { SICK_FILE: sick },
      readiness: { http: { path: '/health' }, interval: '50ms' },
      liveness: { http: { path: '/health' }, interval: '100ms', failureThreshold: 2 },
    });
    const [first] = manager.pids('api');
    writeFileSync(sick, String(first));
    const unhealthy = await waitForEvent(events, 'unhealthy');
    expect(unhealthy).toMatchObject({ pid: first, failures: 2, detail: 'HTTP 500', probe: `GET http://127.0.0.1:${port}/health` });
    const exit = await waitForEvent(events, 'exit', (event) => event.pid === first);
    // Stopped with SIGTERM (the server exits 0 on it), not killed.
    expect(exit).toMatchObject({ reason: 'liveness', code: 0, signal: null, forced: false, requested: true });
    const replacement = await waitForEvent(events, 'ready', (event) => event.pid !== first);
    expect(replacement.id).toBe(0);
    expect(manager.info('api')).toMatchObject({ restarts: 1 });
    expect(manager.getProcess(replacement.pid)).toMatchObject({ lastExit: { reason: 'liveness' } });
    // The replacement is healthy: no second verdict.
    expect((await httpGet(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(eventsOf(events, 'unhealthy')).toHaveLength(1);
  });

  it('refuses probes it cannot run, with the path of the bad value', async () => {
    const { manager } = create();
    await manager.start();
    const base = { name: 'bad', cmd: [node, '-e', ''] };
    for (const [config, path] of [
      [{ readiness: { http: '/health', tcp: 80 } }, 'readiness'],
      [{ readiness: {} }, 'readiness'],
      [{ liveness: { message: true } }, 'liveness'],
      [{ readiness: { http: 'ftp://x/' } }, 'readiness.http'],
      [{ readiness: { tcp: 80 }, readyDelay: '1s' }, 'readyDelay'],
    ] as const) {
      const error = await manager.load({ ...base, ...config } as never).catch((caught: unknown) => caught);
      expect(isPoolError(error, 'POOL_INVALID_CONFIG'), JSON.stringify(config)).toBe(true);
      expect((error as Error).message, JSON.stringify(config)).toContain(path);
    }
    expect(manager.jobs()).toEqual([]);
  });
});

describe('probes on Supervisor workers (the same options)', () => {
  const pools = new Pools();
  afterEach(() => pools.cleanup());

  it('readiness after the ready message, and liveness restarting an unhealthy worker under its id', async () => {
    const dir = tempDir();
    temps.push(dir);
    const sick = join(dir.path, 'sick');
    const warm = join(dir.path, 'warm');
    // Passes once the test has written `warm`, and while `sick` does not hold the probed worker's pid.
    const check = (file: string, passWhen: 'exists' | 'not-mine') =>
      passWhen === 'exists'
        ? [node, '-e', `process.exit(require('fs').existsSync(${JSON.stringify(file)}) ? 0 : 1)`]
        : [node, '-e', `const fs = require('fs'); process.exit(fs.existsSync(${JSON.stringify(file)}) && fs.readFileSync(${JSON.stringify(file)}, 'utf8') === process.env.POOL_PROBED_PID ? 1 : 0)`];
    const port = await freePort();
    const output = new MemorySink();
    const pool = pools.create({
      worker: fixture('../echo-worker.mjs'),
      workers: 2,
      sockets: { web: { port, host: '127.0.0.1' } },
      stdout: output,
      readiness: { exec: check(warm, 'exists'), interval: '50ms' },
      liveness: { exec: check(sick, 'not-mine'), interval: '100ms', failureThreshold: 2 },
    });
    const exits: SupervisorEvent[] = [];
    const unhealthy: SupervisorEvent[] = [];
    pool.on('exit', (event) => exits.push(event));
    pool.on('unhealthy', (event) => unhealthy.push(event));
    let started = false;
    const starting = pool.start().then(() => (started = true));
    // Each worker runs main() after its ready message: the ready message has come, the probe has not passed.
    await waitFor(() => /worker 0 running/.test(output.text()) && /worker 1 running/.test(output.text()));
    expect(started).toBe(false);
    expect(pool.processes().map((worker) => worker.state)).toEqual(['starting', 'starting']);
    writeFileSync(warm, '');
    await starting;
    const victim = pool.processes()[1]!;
    writeFileSync(sick, String(victim.pid));
    await waitFor(() => exits.find((event) => event.type === 'exit' && event.pid === victim.pid));
    expect(exits[0]).toMatchObject({ id: 1, reason: 'liveness', forced: false });
    expect(unhealthy).toEqual([expect.objectContaining({ id: 1, pid: victim.pid, failures: 2, detail: 'exit code 1' })]);
    await waitFor(() => pool.processes().every((worker) => worker.state === 'ready' && worker.pid !== victim.pid));
    expect(pool.processes().map((worker) => worker.id)).toEqual([0, 1]);
  });
});
