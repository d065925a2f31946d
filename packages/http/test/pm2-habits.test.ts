import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@pool/testing';
import { memoryTransport } from '@pool/log-transports';
import { cleanup, harness, idle, node } from './helpers.js';

afterEach(cleanup);

type Made = Awaited<ReturnType<typeof harness>>;

/** Kills process `id` of job web (SIGKILL) and waits for its replacement to be ready. */
async function crash({ manager }: Made, id = 0): Promise<void> {
  const before = manager.list('web').find((process) => process.id === id)!;
  process.kill(before.pid!, 'SIGKILL');
  await waitFor(() => manager.list('web').some((process) => process.id === id && process.pid !== before.pid && process.state === 'ready'), {
    message: `a new web.${id}`,
  });
}

const restartsOf = async ({ app }: Made) => {
  const job = (await app.inject('/pool/jobs/web')).json() as { restarts: number; restartReasons: Record<string, number>; processes: { id: number; restarts: number }[] };
  return { total: job.restarts, reasons: job.restartReasons, byId: Object.fromEntries(job.processes.map((process) => [process.id, process.restarts])) };
};

describe('@pool/http routes for PM2\'s habits', () => {
  it('resets a job\'s restart counters (POST /jobs/:job/reset), which then count from 0', async () => {
    const made = await harness();
    const { app, manager } = made;
    // Crashes come one after the other here: no back-off, nor a long wait for each replacement to count as ready.
    const web = { name: 'web', cmd: idle, numprocesses: 2, readyDelay: '50ms', backoff: { initial: '10ms', max: '10ms' } };
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: web });
    await waitFor(() => manager.pids('web').length === 2);
    await crash(made, 0);
    await crash(made, 1);
    expect(await restartsOf(made)).toEqual({ total: 2, reasons: { crashed: 2 }, byId: { 0: 1, 1: 1 } });
    const pids = manager.pids('web');

    const reset = await app.inject({ method: 'POST', url: '/pool/jobs/web/reset' });
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toMatchObject({ name: 'default.web', restarts: 0, restartReasons: {}, processes: [{ restarts: 0 }, { restarts: 0 }] });
    expect(manager.pids('web')).toEqual(pids); // the processes are left as they are
    expect((await app.inject('/pool/jobs/web/stats')).json()).toMatchObject({ restarts: 0, restartReasons: {} });
    expect((await app.inject('/pool/metrics')).body).not.toContain('pool_restarts_total{job="default.web"');

    await crash(made, 0);
    expect(await restartsOf(made)).toEqual({ total: 1, reasons: { crashed: 1 }, byId: { 0: 1, 1: 0 } });
    expect(manager.getProcess(manager.list('web')[0]!.pid!)).toMatchObject({ id: 0, restarts: 1 });

    // Number 1 removed after the reset and made again: it counts from 0, not from what number 1 had.
    await app.inject({ method: 'POST', url: '/pool/jobs/web/scale', payload: { n: 1 } });
    await app.inject({ method: 'POST', url: '/pool/jobs/web/scale', payload: { n: 2 } });
    await waitFor(() => manager.list('web').filter((process) => process.state === 'ready').length === 2);
    await crash(made, 1);
    expect((await restartsOf(made)).byId).toEqual({ 0: 1, 1: 1 });

    // An update keeps the count since the reset; the same config again replaces the 2 processes in place
    // (Manager.update), each counted as a restart, as a reload of the job counts them (a job without sockets: each
    // is stopped, then started again — reason `stopped`).
    await app.inject({ method: 'PUT', url: '/pool/jobs/web', payload: web });
    expect(await restartsOf(made)).toEqual({ total: 4, reasons: { crashed: 2, stopped: 2 }, byId: { 0: 2, 1: 2 } });
  });

  it('restarts a stopped job by starting it', async () => {
    const { app, manager } = await harness();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle } });
    await app.inject({ method: 'POST', url: '/pool/jobs/web/stop' });
    expect(manager.pids('web')).toEqual([]);
    const restarted = await app.inject({ method: 'POST', url: '/pool/jobs/web/restart' });
    expect(restarted.statusCode, restarted.body).toBe(200);
    expect(restarted.json()).toMatchObject({ active: true, running: true });
    await waitFor(() => manager.list('web').some((process) => process.state === 'ready'), { message: 'web started again' });
  });

  it('empties a job\'s kept output (POST /jobs/:job/logs/flush): the tail shows only what comes after', async () => {
    const { app, manager } = await harness();
    const echo = [node, '-e', 'process.stdin.on("data", (chunk) => process.stdout.write(chunk))'];
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'echo', cmd: echo, redirectInput: true } });
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'other', cmd: [node, '-e', 'console.log("other line"); setInterval(() => {}, 1000)'] } });
    const pid = await waitFor(() => manager.pids('echo')[0]);
    const lines = async (job: string) => ((await app.inject(`/pool/jobs/${job}/logs`)).json() as { line: string }[]).map((record) => record.line);
    await manager.send(pid, ['one', 'two']);
    await waitFor(async () => (await lines('echo')).length === 2, { message: 'two lines of echo' });
    await waitFor(async () => (await lines('other')).length === 1, { message: 'the line of other' });

    const flushed = await app.inject({ method: 'POST', url: '/pool/jobs/echo/logs/flush' });
    expect(flushed.statusCode, flushed.body).toBe(200);
    expect(flushed.json()).toEqual({ lines: 2 });
    expect(await lines('echo')).toEqual([]);
    expect(await lines('other')).toEqual(['other line']);
    expect((await app.inject({ method: 'POST', url: '/pool/jobs/echo/logs/flush' })).json()).toEqual({ lines: 0 });

    await manager.send(pid, ['three']);
    await waitFor(async () => (await lines('echo')).length === 1, { message: 'the line after the flush' });
    expect(await lines('echo')).toEqual(['three']);
    const unknown = await app.inject({ method: 'POST', url: '/pool/jobs/nope/logs/flush' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('POOL_UNKNOWN_JOB');
  });

  it('reopens the log files of the Manager\'s output (POST /logs/reopen), and lists the new routes', async () => {
    const output = memoryTransport();
    const reopen = vi.spyOn(output, 'reopen');
    const { app } = await harness({}, { stdout: output, stderr: output });
    const reopened = await app.inject({ method: 'POST', url: '/pool/logs/reopen' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json()).toEqual({ ok: true });
    expect(reopen).toHaveBeenCalledTimes(1);

    const paths = Object.keys((await app.inject('/pool/openapi.json')).json().paths as object);
    for (const path of ['/pool/jobs/{job}/reset', '/pool/jobs/{job}/logs/flush', '/pool/logs/reopen']) expect(paths).toContain(path);
    const unknown = await app.inject({ method: 'POST', url: '/pool/jobs/nope/reset' });
    expect({ status: unknown.statusCode, code: unknown.json().code }).toEqual({ status: 404, code: 'POOL_UNKNOWN_JOB' });
  });
});
