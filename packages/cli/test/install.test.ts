import { execFile } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, httpGet, tempDir, waitFor, waitForDeath } from '@pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { pack, startRegistry, type Registry } from './helpers/registry.js';
import { errorOf, fixtures, Sandbox } from './helpers/sandbox.js';

const run = promisify(execFile);
const packages = fileURLToPath(new URL('../../', import.meta.url));

// `npm install -g @pool/cli` as a user does it: the workspace packages packed and served by a local registry
// for the @pool scope only (everything else comes from the npm registry), installed into a temporary prefix;
// then the installed `pool` is driven through a day of work and must leave nothing running.
describe('pool installed globally from a registry', () => {
  let directory: { path: string; remove: () => void };
  let registry: Registry;
  let sandbox: Sandbox;
  let pool: string;
  const ps = () => sandbox.json<PsRecord[]>(['ps']);

  beforeAll(async () => {
    directory = tempDir('pool-install-');
    const packs = join(directory.path, 'packs');
    mkdirSync(packs);
    const packed = [];
    for (const name of ['native', 'core', 'log-transports', 'http', 'cli']) packed.push(await pack(join(packages, name), packs));
    expect(JSON.stringify(packed.map((entry) => entry.manifest.dependencies))).not.toContain('workspace:');
    registry = await startRegistry(packed);
    const prefix = join(directory.path, 'prefix');
    try {
      await run('npm', ['install', '--global', '--prefix', prefix, '@pool/cli', `--@pool:registry=${registry.url}`, '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: directory.path,
        timeout: 280_000,
      });
    } catch (error) {
      throw new Error(`npm install failed; the registry saw:\n${registry.requests.join('\n')}\n${(error as { stderr?: string }).stderr ?? error}`);
    }
    pool = join(prefix, 'bin', 'pool');
    expect(existsSync(pool)).toBe(true);
    sandbox = new Sandbox([pool]);
  }, 300_000);

  afterAll(async () => {
    await sandbox?.run(['shutdown']);
    await sandbox?.cleanup();
    await registry?.close();
    directory?.remove();
  });

  it('is the pool command, from the registry', async () => {
    expect(registry.requests).toEqual(expect.arrayContaining(['GET /@pool/cli', 'GET /@pool/core', 'GET /@pool/http', 'GET /@pool/log-transports']));
    expect(await sandbox.run(['--version'])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const { stdout } = await run(pool, ['startup', 'systemd'], { env: sandbox.env() });
    expect(stdout).toMatch(new RegExp(`ExecStart=${process.execPath} \\S*/prefix/lib/node_modules/@pool/cli/dist/bin\\.js daemon start --foreground`));
  });

  it('starts a Procfile with two jobs, scales, logs, and replaces a killed process', async () => {
    sandbox.file('Procfile', `web: LABEL=web exec node ${fixtures}ticker.mjs\nworker: LABEL=worker exec node ${fixtures}ticker.mjs\n`);
    const started = await sandbox.run(['start', 'Procfile']);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^started web: 1 process \(pid \d+\)\nstarted worker: 1 process \(pid \d+\)\n$/);
    // @pool/native came with it (its build in the tarball, or built at install): the daemon reaps orphans.
    expect(registry.requests).toContain('GET /@pool/native');
    expect(readFileSync(join(sandbox.home, 'pool.log'), 'utf8')).toContain('orphans reaped (subreaper)');

    const processes = await ps();
    expect(processes.map(({ job, id, state, restarts }) => ({ job, id, state, restarts }))).toEqual([
      { job: 'default.web', id: 0, state: 'ready', restarts: 0 },
      { job: 'default.worker', id: 0, state: 'ready', restarts: 0 },
    ]);

    expect(await sandbox.run(['scale', 'web', '+2'])).toMatchObject({ code: 0, stdout: 'web: 3 processes\n' });
    expect((await ps()).filter((process) => process.job === 'default.web')).toHaveLength(3);

    await waitFor(async () => /web\.2 +\| tick web \d+/.test((await sandbox.run(['logs', 'web', '--lines', '30'])).stdout), {
      timeout: 30_000,
      message: 'the new web process in `pool logs`',
    });

    const [worker] = (await ps()).filter((process) => process.job === 'default.worker');
    expect((await sandbox.run(['kill', String(worker!.pid), 'SIGKILL'])).code).toBe(0);
    const back = await waitFor(async () => (await ps()).find((process) => process.job === 'default.worker' && process.pid !== worker!.pid && process.state === 'ready'), {
      timeout: 30_000,
      message: 'the worker to come back',
    });
    expect(back).toMatchObject({ id: 0, restarts: 1 });
  });

  it('answers bad input clearly, and the daemon keeps running', async () => {
    const daemon = sandbox.daemonPid();
    const cases: [string[], number, string][] = [
      [['info', 'nope'], 1, 'POOL_UNKNOWN_JOB'],
      [['scale', 'web', 'x2'], 2, 'POOL_INVALID_SCALE'],
      [['signal', 'web', 'SIGWHATEVER'], 2, 'POOL_INVALID_SIGNAL'],
      [['start', 'no-such-config.json'], 1, 'POOL_CONFIG_NOT_FOUND'],
      [['start', sandbox.file('broken.yaml', 'jobs: [')], 1, 'POOL_CONFIG_PARSE_FAILED'],
      [['start', sandbox.file('typed.json', '{"jobs":{"api":{"cmd":["node"],"numprocesses":"many"}}}')], 1, 'POOL_INVALID_CONFIG'],
      [['stats2'], 2, 'POOL_USAGE'],
    ];
    for (const [args, code, error] of cases) {
      const result = await sandbox.run([...args, '--json']);
      expect(result.code, args.join(' ')).toBe(code);
      const reported = errorOf(result);
      expect(reported.code, args.join(' ')).toBe(error);
      expect(reported.hint.length, args.join(' ')).toBeGreaterThan(10);
      expect(sandbox.daemonPid()).toBe(daemon);
      expect((await sandbox.run(['daemon', 'status'])).code).toBe(0);
    }
    expect(errorOf(await sandbox.run(['start', 'typed.json', '--json'])).message).toContain('jobs.api.numprocesses');
    expect((await ps()).map((process) => process.job)).toEqual(['default.web', 'default.web', 'default.web', 'default.worker']);
  });

  // Issue 14's "done means", with the installed CLI: unmodified Express and Fastify apps, -i 4 on one port, under
  // keep-alive load: a worker's SIGKILL fails at most the requests in flight on its connections, and a reload none.
  for (const app of ['express', 'fastify']) {
    it(`runs an unmodified ${app} app 4 times on its one port (cluster mode), survives a worker's kill -9 and reloads with no failed request`, async () => {
      const port = await freePort();
      const name = `${app}-app`;
      const started = await sandbox.run(['start', `${fixtures}${app}-app.cjs`, '-i', '4', '--name', name, '--env', `PORT=${port}`]);
      expect(started.code, started.stderr).toBe(0);
      const pids = async () => (await ps()).filter((process) => process.job === `default.${name}`).map((process) => process.pid!);
      const before = await pids();
      let after: number[] = [];
      try {
        expect(before).toHaveLength(4);
        // Every process answers on the one port: new connections, since a kept-alive one stays where it landed.
        const answered = new Set<number>();
        await waitFor(
          async () => {
            answered.add((JSON.parse((await httpGet(`http://127.0.0.1:${port}/`)).body) as { pid: number }).pid);
            return before.every((pid) => answered.has(pid));
          },
          { timeout: 60_000, interval: 10, message: 'every process answers on the one port' },
        );
        const load = keepAliveLoad(port, 8);
        try {
          await waitFor(() => load.answered > 200, { timeout: 60_000 });
          const victim = before[0]!;
          process.kill(victim, 'SIGKILL');
          await waitForDeath(victim, 30_000);
          await waitFor(async () => (await pids()).length === 4 && !(await pids()).includes(victim), { timeout: 60_000 });
          // Each of the 8 clients holds one connection: at most those on the killed process fail, once each.
          expect(load.failures.length).toBeLessThanOrEqual(8);
          const atReload = load.failures.length;
          const answeredBefore = load.answered;
          expect((await sandbox.run(['reload', name])).code).toBe(0);
          await waitFor(() => load.answered > answeredBefore + 200, { timeout: 60_000 });
          expect(load.failures.slice(atReload)).toEqual([]);
        } finally {
          await load.stop();
        }
        after = await pids();
        expect(after.filter((pid) => before.includes(pid))).toEqual([]);
      } finally {
        expect((await sandbox.run(['unload', name])).code).toBe(0);
      }
      await waitForDeath([...before, ...after], 30_000);
    }, 240_000);
  }

  it('saves, shuts down, resurrects and shuts down, leaving nothing running', async () => {
    expect((await sandbox.run(['save'])).stdout).toBe(`saved 2 jobs (web, worker) to ${join(sandbox.home, 'dump.json')}\n`);
    // Changed after the save, before the shutdown: resurrect brings back the saved set.
    expect((await sandbox.run(['unload', 'all'])).code).toBe(0);
    const daemon = sandbox.daemonPid()!;
    expect((await sandbox.run(['shutdown'])).code).toBe(0);
    await waitForDeath(daemon, 30_000);
    expect(await sandbox.leftovers()).toEqual([]);

    const resurrected = await sandbox.run(['resurrect']);
    expect(resurrected.code).toBe(0);
    expect(resurrected.stdout).toBe('loaded web: 3 processes\nloaded worker: 1 process\n');
    const processes = await ps();
    expect(processes.map((process) => `${process.job}.${process.id}:${process.state}`)).toEqual([
      'default.web.0:ready',
      'default.web.1:ready',
      'default.web.2:ready',
      'default.worker.0:ready',
    ]);
    const second = sandbox.daemonPid()!;
    expect(second).not.toBe(daemon);
    expect((await sandbox.run(['shutdown'])).stdout).toBe(`stopped the pool daemon (pid ${second})\n`);
    await waitForDeath([second, ...processes.map((process) => process.pid!)], 30_000);
    expect(await sandbox.leftovers()).toEqual([]);
  });
});

/** `clients` loops of GET / on kept-alive connections (one each): how many answered, and every failure. */
function keepAliveLoad(port: number, clients: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const failures: string[] = [];
  const state = { answered: 0, running: true };
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve((JSON.parse(body) as { pid: number }).pid) : reject(new Error(`status ${response.statusCode}`))));
      });
      request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
      request.on('error', reject);
      request.end();
    });
  const loops = Array.from({ length: clients }, async () => {
    while (state.running) {
      try {
        await get();
        state.answered++;
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  });
  return {
    failures,
    get answered() {
      return state.answered;
    },
    async stop() {
      state.running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
