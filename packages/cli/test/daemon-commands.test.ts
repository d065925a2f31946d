import { statSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { errorOf, fixtures, Sandbox } from './helpers/sandbox.js';

interface LogRecord {
  job: string;
  worker: number;
  pid: number;
  line: string;
}

// One daemon for the whole file, driven command by command as a user would.
describe('pool against a running daemon', () => {
  let sandbox: Sandbox;
  let daemon: number;
  const ps = (job?: string) => sandbox.json<PsRecord[]>(job ? ['ps', job] : ['ps']);
  const expectDaemonStillUp = async () => {
    expect((await sandbox.run(['daemon', 'status'])).code).toBe(0);
    expect(sandbox.daemonPid()).toBe(daemon);
  };

  beforeAll(async () => {
    sandbox = new Sandbox();
    sandbox.file('Procfile', `web: LABEL=web exec node ${fixtures}ticker.mjs\nworker: LABEL=worker exec node ${fixtures}ticker.mjs\n`);
    const started = await sandbox.run(['start', 'Procfile']);
    expect(started.stderr).toContain('started the pool daemon');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^started web: 1 process \(pid \d+\)\nstarted worker: 1 process \(pid \d+\)\n$/);
    daemon = sandbox.daemonPid()!;
  });
  afterAll(async () => {
    await sandbox.run(['shutdown']);
    await sandbox.cleanup();
  });

  it('keeps its files private in POOL_HOME', () => {
    expect(statSync(sandbox.home).mode & 0o777).toBe(0o700);
    expect(statSync(join(sandbox.home, 'pool.sock')).mode & 0o777).toBe(0o600);
    expect(sandbox.readJson<{ jobs: { config: { name: string } }[] }>('state.json').jobs.map((job) => job.config.name)).toEqual(['web', 'worker']);
  });

  it('lists the processes as JSON records', async () => {
    const processes = await ps();
    expect(processes.map((process) => process.job)).toEqual(['default.web', 'default.worker']);
    for (const process of processes) {
      expect(process).toMatchObject({ id: 0, state: 'ready', restarts: 0, commit: false });
      expect(process.pid).toBeGreaterThan(0);
      expect(process.uptime).toBeGreaterThanOrEqual(0);
    }
    const table = await sandbox.run(['ps']);
    expect(table.stdout.split('\n')[0]).toMatch(/^web\t0\t\d+\tready\t/);
  });

  it('scales a job up and down, and keeps the scale in state.json', async () => {
    expect(await sandbox.run(['scale', 'web', '3'])).toMatchObject({ code: 0, stdout: 'web: 3 processes\n' });
    expect((await ps('web')).map((process) => process.id)).toEqual([0, 1, 2]);
    expect(await sandbox.json(['scale', 'web', '-1'])).toEqual({ job: 'default.web', numprocesses: 2 });
    expect((await ps('web')).map((process) => process.id)).toEqual([0, 1]);
    await waitFor(() => sandbox.readJson<{ jobs: { config: { numprocesses: number } }[] }>('state.json').jobs[0]!.config.numprocesses === 2, {
      timeout: 30_000,
      message: 'state.json to say 2 web processes',
    });
  });

  it('prints the last lines of one job or of all', async () => {
    // --json: one record a line, as with -f.
    const lines = await waitFor(async () => {
      const records = (await sandbox.run(['logs', 'web', '--lines', '4', '--json'])).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogRecord);
      return records.length === 4 ? records : undefined;
    }, { timeout: 30_000, message: '4 lines of web' });
    for (const record of lines) expect(record).toMatchObject({ job: 'default.web', line: expect.stringMatching(/^tick web \d+$/) });
    const all = await waitFor(async () => {
      // --lines counts per job: 20 of each.
      const { stdout } = await sandbox.run(['logs', '--lines', '20']);
      const rows = stdout.trim().split('\n');
      const of = (label: string) => rows.filter((row) => row.startsWith(label)).length;
      return of('worker.0 | tick worker') === 20 && of('web.') === 20 && rows.length === 40 ? stdout : undefined;
    }, { timeout: 30_000, message: '20 lines of each job in `pool logs`' });
    expect(all).toMatch(/^(web|worker)\.\d +\| tick /);
  });

  it('follows new lines with -f until Ctrl-C', async () => {
    const follow = sandbox.start(['logs', 'worker', '-f', '--lines', '1']);
    await follow.waitForOutput(/(worker\.0 \| tick worker \d+\n[^]*){3}/, 30_000);
    follow.child.kill('SIGINT');
    expect((await follow.exited).code).toBe(0);
  });

  it('follows every job with -f, also one loaded later', async () => {
    const follow = sandbox.start(['logs', '-f', '--json', '--lines', '1']);
    await follow.waitForOutput(/"job":"default\.(web|worker)"/, 30_000);
    sandbox.file('late.json', JSON.stringify({ jobs: { late: { cmd: ['node', `${fixtures}ticker.mjs`], env: { LABEL: 'late' } } } }));
    expect((await sandbox.run(['start', 'late.json'])).code).toBe(0);
    await follow.waitForOutput(/"job":"default\.late","worker":0,"pid":\d+,"stream":"stdout","time":\d+,"line":"tick late \d+"/, 30_000);
    follow.child.kill('SIGINT');
    expect((await follow.exited).code).toBe(0);
    expect((await sandbox.run(['unload', 'late'])).code).toBe(0);
  });

  it('follows 6 jobs with no listener warning', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    sandbox.file('six.json', JSON.stringify({ jobs: Object.fromEntries(names.map((name) => [name, { cmd: ['node', `${fixtures}ticker.mjs`], env: { LABEL: `six-${name}` } }])) }));
    expect((await sandbox.run(['start', 'six.json'])).code).toBe(0);
    try {
      const follow = sandbox.start(['logs', '-f', '--lines', '1']);
      for (const name of names) await follow.waitForOutput(new RegExp(`tick six-${name} \\d+`), 30_000);
      follow.child.kill('SIGINT');
      expect((await follow.exited).code).toBe(0);
      expect(follow.stderr()).not.toContain('MaxListenersExceededWarning');
    } finally {
      expect((await sandbox.run(['unload', ...names])).code).toBe(0);
    }
  });

  it('replaces a killed process under the same id', async () => {
    const [before] = await ps('worker');
    expect(await sandbox.run(['kill', String(before!.pid), 'KILL'])).toMatchObject({ code: 0 });
    const after = await waitFor(async () => (await ps('worker')).find((process) => process.pid !== before!.pid && process.state === 'ready'), {
      timeout: 30_000,
      message: 'a new worker process',
    });
    expect(after).toMatchObject({ id: 0, restarts: 1 });
  });

  it('signals a job, stops and starts it, and restarts its processes', async () => {
    expect((await sandbox.run(['signal', 'worker', 'SIGUSR2'])).code).toBe(0);
    await waitFor(async () => (await sandbox.run(['logs', 'worker'])).stdout.includes('worker got SIGUSR2'), { timeout: 30_000 });
    expect(await sandbox.run(['stop', 'worker'])).toMatchObject({ code: 0, stdout: 'stopped worker\n' });
    expect((await ps('worker')).map((process) => process.state)).toEqual(['stopped']);
    expect((await sandbox.run(['start', 'worker'])).stdout).toMatch(/^started worker: 1 process/);
    const [before] = await ps('worker');
    expect((await sandbox.run(['restart', 'worker'])).stdout).toBe('restarted worker\n');
    await waitFor(async () => (await ps('worker')).find((process) => process.pid !== before!.pid && process.state === 'ready'), {
      timeout: 30_000,
      message: 'a new, ready worker process',
    });
  });

  it('shows a job and its stats', async () => {
    const info = await sandbox.json<{ name: string; numprocesses: number; config: { cmd: string } }>(['info', 'web']);
    expect(info).toMatchObject({ name: 'default.web', numprocesses: 2, config: { cmd: expect.stringContaining('ticker.mjs') } });
    const text = await sandbox.run(['info', 'web']);
    expect(text.stdout).toMatch(/job\s+default\.web/);
    const stats = await sandbox.json<{ job: string; processes: { rss: number }[] }[]>(['stats']);
    expect(stats.map((entry) => entry.job)).toEqual(['default.web', 'default.worker']);
    expect(stats[0]!.processes[0]!.rss).toBeGreaterThan(0);

  });

  it('writes to a process\'s stdin, and starts one-off processes', async () => {
    sandbox.file('echo.json', JSON.stringify({ jobs: { echo: { cmd: ['node', `${fixtures}echo-stdin.mjs`], redirectInput: true } } }));
    expect((await sandbox.run(['start', 'echo.json'])).code).toBe(0);
    const [echo] = await ps('echo');
    expect((await sandbox.run(['send', String(echo!.pid), 'hello', 'there'])).stdout).toBe(`wrote 2 lines to ${echo!.pid}\n`);
    await waitFor(async () => /got: hello\n[^]*got: there/.test((await sandbox.run(['logs', 'echo'])).stdout), { timeout: 30_000, message: 'the echo' });
    const noStdin = await sandbox.run(['send', String((await ps('web'))[0]!.pid), 'x']);
    expect(noStdin.code).toBe(1);
    expect(noStdin.stderr).toContain('error POOL_NO_STDIN');
    const { pid } = await sandbox.json<{ pid: number }>(['commit', 'echo']);
    expect((await ps('echo')).find((process) => process.pid === pid)).toMatchObject({ commit: true });
    expect((await sandbox.run(['unload', 'echo'])).stdout).toBe('unloaded echo\n');
  });

  it('refuses to stream the events of a job that is not loaded', async () => {
    const events = await sandbox.run(['events', 'nope', '--json']);
    expect(events.code).toBe(1);
    expect(errorOf(events).code).toBe('POOL_UNKNOWN_JOB');
  });

  it('streams events as JSON lines', async () => {
    const events = sandbox.start(['events', 'web', '--json']);
    // The stream is open once the daemon answers; scaling until an event arrives covers the moment before.
    await waitFor(async () => {
      await sandbox.run(['scale', 'web', '+1']);
      return /"type":"scale"/.test(events.stdout());
    }, { timeout: 30_000, interval: 200, message: 'a scale event' });
    const scale = events.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string; job: string }).find((event) => event.type === 'scale');
    expect(scale).toMatchObject({ job: 'default.web', type: 'scale' });
    events.child.kill('SIGINT');
    expect((await events.exited).code).toBe(0);
    await sandbox.run(['scale', 'web', '2']);
  });

  it('answers bad input with the error and exit code, and keeps running', async () => {
    const unknown = await sandbox.run(['info', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error POOL_UNKNOWN_JOB: No job named default\.nope\nhint List the jobs with `pool ps`/);
    expect((await sandbox.run(['stop', 'nope'])).code).toBe(1);
    await expectDaemonStillUp();

    const scale = await sandbox.run(['scale', 'web', 'lots', '--json']);
    expect(scale.code).toBe(2);
    expect(errorOf(scale)).toMatchObject({ code: 'POOL_INVALID_SCALE', hint: expect.stringContaining('"+k"') });
    expect((await sandbox.run(['scale', 'web', '5000'])).code).toBe(2);
    await expectDaemonStillUp();

    const signal = await sandbox.run(['signal', 'web', 'SIGNOPE']);
    expect(signal.code).toBe(2);
    expect(signal.stderr).toMatch(/^error POOL_INVALID_SIGNAL: Unknown signal SIGNOPE/);
    expect((await sandbox.run(['kill', String((await ps('web'))[0]!.pid), 'NOPE'])).code).toBe(2);
    const stranger = await sandbox.run(['kill', String(process.pid)]);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('error POOL_UNKNOWN_PROCESS');
    await expectDaemonStillUp();

    expect((await sandbox.run(['start', 'missing.yaml'])).stderr).toContain('error POOL_CONFIG_NOT_FOUND');
    sandbox.file('bad.json', JSON.stringify({ jobs: { api: { cmd: 'node server.js', restart: 'sometimes' } } }));
    const wrong = await sandbox.run(['start', 'bad.json', '--json']);
    expect(wrong.code).toBe(1);
    expect(errorOf(wrong).code).toBe('POOL_INVALID_CONFIG');
    expect(errorOf(wrong).message).toContain('jobs.api.restart');
    sandbox.file('Procfile.clash', `web: exec node ${fixtures}ticker.mjs --other\n`);
    const clash = await sandbox.run(['start', 'Procfile.clash']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('error POOL_JOB_EXISTS: Job default.web is already loaded');
    await expectDaemonStillUp();
    expect((await ps()).map((process) => `${process.job}.${process.id}`)).toEqual(['default.web.0', 'default.web.1', 'default.worker.0']);
  });

  it('takes the same Procfile again as no change', async () => {
    const again = await sandbox.run(['start', 'Procfile']);
    expect(again).toMatchObject({ code: 0, stdout: 'web is running already\nworker is running already\n' });
  });
});
