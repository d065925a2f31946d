import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants, freePort, httpGet, ProcessTracker, tempDir, waitFor, waitForDeath } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const poolBin = join(dirname(createRequire(import.meta.url).resolve('@pool/cli/package.json')), 'dist', 'bin.js');

const tracker = new ProcessTracker();
const temps: { remove: () => void }[] = [];
afterEach(async () => {
  await tracker.cleanup();
  for (const temp of temps.splice(0)) temp.remove();
});

interface Probe { httpGet: { path: string; port: string | number } }
interface Container {
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
  env: { name: string; valueFrom?: unknown }[];
}

const seconds = (duration: string) => {
  const match = /^(\d+)(ms|s|m)$/.exec(duration)!;
  return Number(match[1]) * ({ ms: 0.001, s: 1, m: 60 } as Record<string, number>)[match[2]!]!;
};

describe('the manifests (no cluster here: their shape, against the image and the config)', () => {
  const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(read('Dockerfile'))![1]!) as string[];
  const apiPort = Number(entrypoint[entrypoint.indexOf('--http') + 1]!.split(':').at(-1));
  const [deployment, service] = parseAllDocuments(read('k8s/deployment.yaml')).map((document) => document.toJS() as Record<string, any>);
  const pod = deployment!.spec.template;
  const container = pod.spec.containers[0] as Container;
  const portOf = (port: string | number) => (typeof port === 'number' ? port : container.ports.find((entry) => entry.name === port)!.containerPort);

  it('runs pool run as PID 1, as a user, stopped by SIGTERM', () => {
    expect(entrypoint.slice(0, 3)).toEqual(['pool', 'run', 'pool.config.yaml']);
    expect(read('Dockerfile')).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(read('Dockerfile')).toMatch(/^USER node$/m);
    expect(read('Dockerfile')).not.toMatch(/tini|dumb-init/);
  });

  it("probes pool's /healthz and /readyz on the API port, which Prometheus is told of", () => {
    expect(deployment!.kind).toBe('Deployment');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(portOf(container.livenessProbe.httpGet.port)).toBe(apiPort);
    expect(portOf(container.readinessProbe.httpGet.port)).toBe(apiPort);
    expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(apiPort), 'prometheus.io/path': '/metrics' });
    expect(container.env.find((entry) => entry.name === 'POOL_TOKEN')?.valueFrom).toEqual({ secretKeyRef: { name: 'pool-token', key: 'token' } });
    expect(service!.spec.selector).toEqual(deployment!.spec.selector.matchLabels);
  });

  it('gives the stop time enough: preStop + the slowest gracefulTimeout < terminationGracePeriodSeconds', () => {
    const preStop = container.lifecycle.preStop.exec.command;
    expect(preStop[0]).toBe('sleep');
    const jobs = Object.values((parse(read('pool.config.yaml')) as { jobs: Record<string, { gracefulTimeout?: string }> }).jobs);
    const slowest = Math.max(...jobs.map((job) => seconds(job.gracefulTimeout ?? '10s')));
    expect(Number(preStop[1]) + slowest).toBeLessThan(pod.spec.terminationGracePeriodSeconds);
  });
});

const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

describe.skipIf(!canUnshare)('the entrypoint as PID 1 of a PID namespace, as in the pod', () => {
  it('serves, is live and ready on its probes, and on SIGTERM stops its jobs and exits 0, leaving nothing', async () => {
    // The example's files, with free ports for this machine.
    const dir = tempDir('pool-k8s-');
    temps.push(dir);
    const [appPort, apiPort] = [await freePort(), await freePort()];
    mkdirSync(join(dir.path, 'src'));
    copyFileSync(join(root, 'src/web.mjs'), join(dir.path, 'src/web.mjs'));
    writeFileSync(join(dir.path, 'pool.config.yaml'), read('pool.config.yaml').replaceAll('8080', String(appPort)));
    const entrypoint = ['run', 'pool.config.yaml', '--http', `127.0.0.1:${apiPort}`];
    const init = tracker.spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, poolBin, ...entrypoint], {
      cwd: dir.path,
      env: { ...process.env, POOL_TOKEN: 'test-token', NO_COLOR: '1' },
    });
    const api = `http://127.0.0.1:${apiPort}`;
    await init.waitForOutput(/HTTP API on/, 30_000);
    const pid1 = await waitFor(() => Number(readFileSync(`/proc/${init.pid}/task/${init.pid}/children`, 'utf8').trim()) || undefined);
    expect(readFileSync(`/proc/${pid1}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    expect((await httpGet(`${api}/healthz`)).status).toBe(200);
    await waitFor(async () => (await httpGet(`${api}/readyz`)).status === 200, { timeout: 30_000, message: '/readyz 200' });
    expect((await httpGet(`http://127.0.0.1:${appPort}/`)).body).toMatch(/^hello from \d+\n$/);
    expect((await httpGet(`${api}/metrics`)).status).toBe(401);
    const metrics = await (await fetch(`${api}/metrics`, { headers: { authorization: 'Bearer test-token' } })).text();
    expect(metrics).toMatch(/^pool_processes\{job="default\.web",state="ready"\} 1$/m);
    const inside = descendants(pid1);
    process.kill(pid1, 'SIGTERM');
    expect(await init.exited).toEqual({ code: 0, signal: null });
    expect(init.stdout()).toMatch(/SIGTERM: stopping every process[^]*web\.0 \(pid \d+\) exited with code 0 \(stopped\)/);
    await waitForDeath(inside, 10_000);
  });
});

