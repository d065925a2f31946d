import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '@pool/testing';
import { cleanup, harness, idle, node } from './helpers.js';

afterEach(cleanup);

describe('@pool/http routes (inject)', () => {
  it('takes the lifecycle policies in a job config (probes, limits, schedule, dependsOn) and refuses a bad one with its path', async () => {
    const { app, manager } = await harness();
    const db = await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'db', cmd: idle, readiness: { exec: [node, '-e', ''], interval: '50ms' } } });
    expect(db.statusCode, db.body).toBe(201);
    const web = await app.inject({
      method: 'POST',
      url: '/pool/jobs',
      payload: { name: 'web', cmd: idle, dependsOn: ['db'], liveness: { exec: [node, '-e', ''], interval: '1s' }, maxMemory: '500M', maxAge: '1h', maxAgeJitter: '5m', cronRestart: '0 3 * * *', timezone: 'UTC' },
    });
    expect(web.statusCode, web.body).toBe(201);
    expect(web.json()).toMatchObject({ dependsOn: ['default.db'], waitingFor: [], processes: [{ state: 'ready' }] });
    expect(manager.info('db').processes[0]).toMatchObject({ state: 'ready' });
    for (const [payload, path] of [
      [{ name: 'x', cmd: idle, readiness: { http: '/health', tcp: 80 } }, 'readiness'],
      [{ name: 'x', cmd: idle, maxMemory: 'lots' }, 'maxMemory'],
      [{ name: 'x', cmd: idle, cronRestart: 'at night' }, 'cronRestart'],
      [{ name: 'x', cmd: idle, dependsOn: ['nope'] }, 'nope'],
    ] as const) {
      const refused = await app.inject({ method: 'POST', url: '/pool/jobs', payload });
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect(refused.json().message).toContain(path);
    }
  });

  it('loads, lists, shows, updates and unloads jobs, next to the app\'s own routes', async () => {
    const { app, manager } = await harness();
    expect((await app.inject('/own-route')).json()).toEqual({ mine: true });
    expect(app.pool).toBe(manager);

    const created = await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle, numprocesses: 2 } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'default.web', session: 'default', numprocesses: 2, active: true });
    await waitFor(() => manager.list('web').filter((process) => process.state === 'ready').length === 2);

    const list = (await app.inject('/pool/jobs')).json();
    expect(list.map((job: { name: string }) => job.name)).toEqual(['default.web']);
    const one = (await app.inject('/pool/jobs/default.web')).json();
    expect(one.processes).toHaveLength(2);
    expect(one.processes[0]).toMatchObject({ job: 'default.web', id: 0, state: 'ready', restarts: 0 });
    expect((await app.inject('/pool/jobs/web')).json().name).toBe('default.web');

    const second = await app.inject({ method: 'POST', url: '/pool/jobs?session=batch', payload: { name: 'worker', cmd: idle } });
    expect(second.json().name).toBe('batch.worker');
    expect((await app.inject('/pool/sessions')).json().sort()).toEqual(['batch', 'default']);

    const oldPids = manager.pids('web');
    const updated = await app.inject({ method: 'PUT', url: '/pool/jobs/web', payload: { name: 'web', cmd: idle, numprocesses: 1 } });
    expect(updated.statusCode).toBe(200);
    await waitFor(() => manager.pids('web').length === 1 && !oldPids.includes(manager.pids('web')[0]!));

    const pid = manager.pids('web')[0]!;
    expect((await app.inject({ method: 'DELETE', url: '/pool/jobs/web' })).json()).toEqual({ ok: true });
    expect((await app.inject('/pool/jobs/web')).statusCode).toBe(404);
    await waitFor(() => !isAlive(pid));
  });

  it('starts, stops, restarts, reloads, scales, signals and commits', async () => {
    const { app, manager } = await harness();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle } });
    await waitFor(() => manager.pids('web').length === 1);

    const scaled = await app.inject({ method: 'POST', url: '/pool/jobs/web/scale', payload: { n: '+2' } });
    expect(scaled.json()).toEqual({ numprocesses: 3 });
    await waitFor(() => manager.pids('web').length === 3);
    expect((await app.inject({ method: 'POST', url: '/pool/jobs/web/scale', payload: { n: 1 } })).json()).toEqual({ numprocesses: 1 });
    await waitFor(() => manager.pids('web').length === 1);

    const [before] = manager.pids('web');
    expect((await app.inject({ method: 'POST', url: '/pool/jobs/web/restart' })).statusCode).toBe(200);
    await waitFor(() => manager.pids('web').length === 1 && manager.pids('web')[0] !== before);

    const stopped = await app.inject({ method: 'POST', url: '/pool/jobs/web/stop' });
    expect(stopped.json()).toMatchObject({ active: false });
    await waitFor(() => manager.pids('web').length === 0);
    expect((await app.inject({ method: 'POST', url: '/pool/jobs/web/start' })).json()).toMatchObject({ active: true });
    await waitFor(() => manager.pids('web').length === 1);
    expect((await app.inject({ method: 'POST', url: '/pool/jobs/web/reload' })).statusCode).toBe(200);

    const [target] = manager.pids('web');
    expect((await app.inject({ method: 'POST', url: '/pool/jobs/web/signal', payload: { signal: 'SIGKILL' } })).json()).toEqual({ ok: true });
    await waitFor(() => !isAlive(target!));

    const commit = await app.inject({ method: 'POST', url: '/pool/jobs/web/commit', payload: {} });
    expect(commit.statusCode).toBe(201);
    const { pid } = commit.json();
    expect(manager.getProcess(pid)).toMatchObject({ commit: true });

    const stats = (await app.inject('/pool/jobs/web/stats')).json();
    expect(stats).toMatchObject({ job: 'default.web' });
    expect(stats.processes.length).toBeGreaterThanOrEqual(1);

    // Every job's stats in one answer, as `pool ps` asks.
    const all = (await app.inject('/pool/stats')).json() as { job: string; processes: { pid: number }[] }[];
    expect(all.map((job) => job.job)).toEqual(manager.jobs());
    expect(all.find((job) => job.job === 'default.web')!.processes.map((entry) => entry.pid)).toContain(pid);
  });

  it('shows, signals, stops and feeds processes by pid', async () => {
    const { app, manager, logs } = await harness();
    const echo = [node, '-e', 'process.stdin.on("data", (chunk) => process.stdout.write("got " + chunk))'];
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'echo', cmd: echo, redirectInput: true } });
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'quiet', cmd: idle } });
    const pid = await waitFor(() => manager.pids('echo')[0]);
    expect((await app.inject('/pool/processes')).json()).toHaveLength(2);
    expect((await app.inject(`/pool/processes/${pid}`)).json()).toMatchObject({ pid, job: 'default.echo' });

    expect((await app.inject({ method: 'POST', url: `/pool/processes/${pid}/stdin`, payload: { lines: ['hello', 'world'] } })).statusCode).toBe(200);
    await waitFor(() => logs.tail({ job: 'default.echo' }).some((record) => record.line.toString() === 'world'));
    const tail = (await app.inject('/pool/jobs/echo/logs?lines=10')).json();
    expect(tail.map((record: { line: string }) => record.line)).toEqual(['got hello', 'world']);
    expect(tail[0]).toMatchObject({ job: 'default.echo', worker: 0, pid, stream: 'stdout' });

    const quiet = manager.pids('quiet')[0]!;
    const noStdin = await app.inject({ method: 'POST', url: `/pool/processes/${quiet}/stdin`, payload: { lines: 'x' } });
    expect(noStdin.statusCode).toBe(409);
    expect(noStdin.json().code).toBe('POOL_NO_STDIN');

    expect((await app.inject({ method: 'POST', url: `/pool/processes/${pid}/signal`, payload: { signal: 'TERM' } })).json()).toEqual({ ok: true });
    await waitFor(() => !isAlive(pid));
    const replacement = await waitFor(() => manager.pids('echo')[0]);
    expect((await app.inject({ method: 'DELETE', url: `/pool/processes/${replacement}` })).json()).toEqual({ ok: true });
    await waitFor(() => !isAlive(replacement));
    expect(manager.pids('echo')).toEqual([]);
  });

  it('answers every error as {statusCode, code, message} with core\'s codes', async () => {
    const { app, manager } = await harness();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle } });
    await waitFor(() => manager.pids('web').length === 1);

    const cases: [string, { method: string; url: string; payload?: unknown; headers?: Record<string, string> }, number, string][] = [
      ['bad config type', { method: 'POST', url: '/pool/jobs', payload: { name: 'x', cmd: 'not-an-array' } }, 400, 'POOL_INVALID_CONFIG'],
      ['unknown key', { method: 'POST', url: '/pool/jobs', payload: { name: 'x', cmd: idle, numproceses: 2 } }, 400, 'POOL_INVALID_CONFIG'],
      ['job exists', { method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle } }, 409, 'POOL_JOB_EXISTS'],
      ['unknown job', { method: 'GET', url: '/pool/jobs/nope' }, 404, 'POOL_UNKNOWN_JOB'],
      ['unknown job action', { method: 'POST', url: '/pool/jobs/nope/stop' }, 404, 'POOL_UNKNOWN_JOB'],
      ['bad scale', { method: 'POST', url: '/pool/jobs/web/scale', payload: { n: '*2' } }, 400, 'POOL_INVALID_SCALE'],
      ['scale body type', { method: 'POST', url: '/pool/jobs/web/scale', payload: { n: true } }, 400, 'POOL_INVALID_REQUEST'],
      ['unknown signal', { method: 'POST', url: '/pool/jobs/web/signal', payload: { signal: 'SIGNOPE' } }, 400, 'POOL_INVALID_SIGNAL'],
      ['foreign pid', { method: 'POST', url: `/pool/processes/${process.pid}/signal`, payload: { signal: 'SIGTERM' } }, 404, 'POOL_UNKNOWN_PROCESS'],
      ['pid not a number', { method: 'GET', url: '/pool/processes/abc' }, 400, 'POOL_INVALID_REQUEST'],
      ['bad json', { method: 'POST', url: '/pool/jobs', payload: '{"name":', headers: { 'content-type': 'application/json' } }, 400, 'POOL_INVALID_REQUEST'],
      ['no route', { method: 'GET', url: '/pool/nothing-here' }, 404, 'POOL_ROUTE_NOT_FOUND'],
      ['put names another job', { method: 'PUT', url: '/pool/jobs/missing', payload: { name: 'web', cmd: idle } }, 400, 'POOL_INVALID_REQUEST'],
      ['put a missing job', { method: 'PUT', url: '/pool/jobs/missing', payload: { name: 'missing', cmd: idle } }, 404, 'POOL_UNKNOWN_JOB'],
    ];
    for (const [label, request, status, code] of cases) {
      const response = await app.inject(request as never);
      expect({ label, status: response.statusCode, code: response.json().code }).toEqual({ label, status, code });
      expect(response.json().message.length).toBeGreaterThan(5);
      expect(response.json().statusCode).toBe(status);
    }
    const invalid = await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'x', cmd: idle, numprocesses: 'two' } });
    expect(invalid.json().message).toContain('numprocesses');
    // The process the foreign-pid request named (this test runner) was not signalled, and the job still runs.
    expect(manager.pids('web')).toHaveLength(1);
  });

  it('answers health, readiness as a probe, and its own OpenAPI description', async () => {
    const { app, manager } = await harness();
    expect((await app.inject('/pool/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/pool/readyz')).statusCode).toBe(200);
    const loading = app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'slow', cmd: idle, numprocesses: 2, warmupDelay: '2s' } });
    await waitFor(() => manager.jobs().includes('default.slow'));
    const notReady = await app.inject('/pool/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ ready: false, jobs: [{ job: 'default.slow', wanted: 2, ready: 0 }] });
    expect((await loading).statusCode).toBe(201);
    const ready = await app.inject('/pool/readyz');
    expect(ready.json()).toEqual({ ready: true, jobs: [{ job: 'default.slow', wanted: 2, ready: 2 }] });

    const accepted = await app.inject({ method: 'POST', url: '/pool/jobs?wait=false', payload: { name: 'later', cmd: idle, warmupDelay: '1h' } });
    expect(accepted.statusCode).toBe(201);
    expect((await app.inject('/pool/readyz')).statusCode).toBe(503);
    await app.inject({ method: 'DELETE', url: '/pool/jobs/later' });
    expect((await app.inject('/pool/readyz')).statusCode).toBe(200);

    const openApi = (await app.inject('/pool/openapi.json')).json();
    expect(openApi.openapi).toBe('3.0.3');
    for (const path of ['/pool/jobs', '/pool/jobs/{job}/scale', '/pool/processes/{pid}/stdin', '/pool/events', '/pool/metrics', '/pool/readyz']) {
      expect(Object.keys(openApi.paths)).toContain(path);
    }
  });
});
