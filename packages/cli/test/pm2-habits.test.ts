import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { errorOf, fixtures, Sandbox } from './helpers/sandbox.js';

interface JobAnswer {
  name: string;
  restarts: number;
  restartReasons: Record<string, number>;
}

// A PM2 user's daily commands, against one daemon for the whole file, driven command by command.
describe('PM2\'s habits in the CLI', () => {
  let sandbox: Sandbox;
  const ps = (job?: string) => sandbox.json<PsRecord[]>(job ? ['ps', job] : ['ps']);
  const ready = (job: string) =>
    waitFor(async () => {
      const processes = await ps(job);
      return processes.length > 0 && processes.every((process) => process.state === 'ready') ? processes : undefined;
    }, { timeout: 30_000, message: `${job} ready` });
  const logFile = (job: string) => join(sandbox.home, 'logs', `default.${job}.log`);
  /** The ticker's counts (`tick web 12`) in text. */
  const ticks = (text: string, label: string) => [...text.matchAll(new RegExp(`tick ${label} (\\d+)`, 'g'))].map((match) => Number(match[1]));
  const logLines = async (job: string) => (await sandbox.run(['logs', job, '--lines', '1000', '--json'])).stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { line: string }).line);

  beforeAll(async () => {
    sandbox = new Sandbox();
    expect((await sandbox.run(['daemon', 'start'])).code).toBe(0);
  });
  afterAll(async () => {
    await sandbox.run(['shutdown']);
    await sandbox.cleanup();
  });

  it('refuses `all` when no job is loaded, with POOL_NO_JOBS and a hint; reads of nothing are no error', async () => {
    const cases: [string[], string][] = [
      [['restart', 'all'], 'restart'],
      [['stop', 'all'], 'stop'],
      [['reload', 'all'], 'reload'],
      [['reset', 'all'], 'reset'],
      [['delete', 'all'], 'unload'],
      [['signal', 'all', 'SIGUSR2'], 'signal'],
    ];
    for (const [args, action] of cases) {
      const result = await sandbox.run([...args, '--json']);
      expect(result.code, args.join(' ')).toBe(1);
      expect(errorOf(result), args.join(' ')).toEqual({
        code: 'POOL_NO_JOBS',
        message: `No job is loaded: "all" names nothing to ${action}`,
        hint: expect.stringContaining('`pool start <config|Procfile|script>`'),
      });
    }
    const text = await sandbox.run(['restart', 'all']);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^error POOL_NO_JOBS: No job is loaded/);
    expect(text.stderr).toContain('hint Load jobs with');
    expect(await sandbox.json(['pid', 'all'])).toEqual([]);
    expect(await sandbox.json(['ls'])).toEqual([]);
    expect((await sandbox.run(['flush'])).code).toBe(0);
    expect((await sandbox.run(['daemon', 'status'])).code).toBe(0);
  });

  it('answers to PM2\'s names for ps (ls, list, status) and info (describe, show), and lists them in the help', async () => {
    sandbox.file('Procfile', `web: LABEL=web exec node ${fixtures}ticker.mjs\nworker: LABEL=worker exec node ${fixtures}ticker.mjs\n`);
    expect((await sandbox.run(['start', 'Procfile'])).code).toBe(0);
    const pids = (await ready('web')).concat(await ready('worker')).map((process) => process.pid);
    for (const alias of ['ls', 'list', 'status']) {
      expect((await sandbox.json<PsRecord[]>([alias])).map((process) => process.pid), alias).toEqual(pids);
      const table = await sandbox.run([alias]);
      expect(table.stdout.split('\n').filter(Boolean).map((row) => row.split('\t').slice(0, 3).join(' ')), alias).toEqual([`web 0 ${pids[0]}`, `worker 0 ${pids[1]}`]);
    }
    for (const alias of ['describe', 'show']) {
      expect(await sandbox.json([alias, 'web']), alias).toMatchObject({ name: 'default.web', running: true });
      expect((await sandbox.run([alias, 'web'])).stdout, alias).toMatch(/job\s+default\.web/);
    }
    const help = (await sandbox.run(['--help'])).stdout.replace(/\s+/g, ' ');
    for (const words of ['(also: ls, list, status)', '(also: describe, show)', '(also: delete)', '(also: reload-logs)', 'signal [options] <job...> <signal>', ' pid [options] <job...> ', ' reset [options] <job...> ', ' flush [options] [job...] ']) {
      expect(help).toContain(words);
    }
    expect((await sandbox.run(['help', 'ls'])).stdout).toContain('Usage: pool ps|ls [options] [job]');
  });

  it('stops, restarts and reloads several jobs by name, a line each, and refuses an unknown name before doing anything', async () => {
    const before = await ps();
    const unknown = await sandbox.run(['stop', 'web', 'nope', '--json']);
    expect(unknown.code).toBe(1);
    expect(errorOf(unknown)).toEqual({ code: 'POOL_UNKNOWN_JOB', message: 'No job named nope', hint: expect.stringContaining('`pool ps`') });
    expect((await ps()).map((process) => `${process.pid}:${process.state}`)).toEqual(before.map((process) => `${process.pid}:${process.state}`));

    expect(await sandbox.run(['stop', 'web', 'worker'])).toMatchObject({ code: 0, stdout: 'stopped web\nstopped worker\n' });
    expect((await ps()).map((process) => process.state)).toEqual(['stopped', 'stopped']);
    // Stopped jobs restarted: they run again (PM2's restart of a stopped process starts it).
    expect(await sandbox.run(['restart', 'web', 'worker'])).toMatchObject({ code: 0, stdout: 'restarted web\nrestarted worker\n' });
    await ready('web');
    await ready('worker');

    const reloaded = await sandbox.json<JobAnswer[]>(['reload', 'web', 'worker']);
    expect(reloaded.map((job) => job.name)).toEqual(['default.web', 'default.worker']);
    expect(await sandbox.json<JobAnswer>(['reload', 'web'])).toMatchObject({ name: 'default.web' });
    expect((await sandbox.json<JobAnswer[]>(['info', 'worker', 'web'])).map((job) => job.name)).toEqual(['default.worker', 'default.web']);
    const both = await sandbox.run(['info', 'web', 'worker']);
    expect(both.stdout).toMatch(/job\s+default\.web[^]*\n\njob\s+default\.worker/);

    const [web] = await ready('web');
    expect(await sandbox.run(['restart', 'all'])).toMatchObject({ code: 0, stdout: 'restarted web\nrestarted worker\n' });
    await waitFor(async () => (await ps('web')).find((process) => process.pid !== web!.pid && process.state === 'ready'), { timeout: 30_000, message: 'a new web process' });
    await ready('worker');
  });

  it('restarts a stopped job: it runs again', async () => {
    expect((await sandbox.run(['stop', 'worker'])).stdout).toBe('stopped worker\n');
    expect((await ps('worker'))[0]).toMatchObject({ state: 'stopped', pid: null });
    expect(await sandbox.run(['restart', 'worker'])).toMatchObject({ code: 0, stdout: 'restarted worker\n' });
    const [worker] = await ready('worker');
    expect(worker!.pid).toBeGreaterThan(0);
    expect(await sandbox.json(['info', 'worker'])).toMatchObject({ active: true, running: true });
  });

  it('signals several jobs at once, the signal last', async () => {
    expect(await sandbox.run(['signal', 'web', 'worker', 'SIGUSR2'])).toMatchObject({
      code: 0,
      stdout: 'sent SIGUSR2 to the processes of web\nsent SIGUSR2 to the processes of worker\n',
    });
    await waitFor(async () => (await logLines('web')).includes('web got SIGUSR2') && (await logLines('worker')).includes('worker got SIGUSR2'), {
      timeout: 30_000,
      message: 'both jobs to say they got SIGUSR2',
    });
    const missing = await sandbox.run(['signal', 'web', '--json']);
    expect(missing.code).toBe(2);
    expect(errorOf(missing)).toMatchObject({ code: 'POOL_USAGE', message: expect.stringContaining("'signal'"), hint: expect.stringContaining('pool help signal') });
    const unknown = await sandbox.run(['signal', 'web', 'SIGNOPE', '--json']);
    expect({ code: unknown.code, error: errorOf(unknown).code }).toEqual({ code: 2, error: 'POOL_INVALID_SIGNAL' });
  });

  it('prints the pids of a job, one a line (--json: an array), and POOL_UNKNOWN_JOB for an unknown job', async () => {
    const web = (await ready('web')).map((process) => process.pid);
    const worker = (await ready('worker')).map((process) => process.pid);
    expect(await sandbox.run(['pid', 'web'])).toMatchObject({ code: 0, stdout: `${web[0]}\n` });
    expect(await sandbox.json(['pid', 'web'])).toEqual(web);
    expect(await sandbox.json(['pid', 'web', 'worker'])).toEqual([...web, ...worker]);
    expect(await sandbox.json(['pid', 'all'])).toEqual([...web, ...worker]);
    expect(await sandbox.run(['scale', 'web', '2'])).toMatchObject({ code: 0 });
    const scaled = (await ready('web')).map((process) => process.pid);
    expect(scaled).toHaveLength(2);
    expect((await sandbox.run(['pid', 'web'])).stdout).toBe(scaled.map((pid) => `${pid}\n`).join(''));
    expect(await sandbox.run(['scale', 'web', '1'])).toMatchObject({ code: 0 });

    const unknown = await sandbox.run(['pid', 'nope', '--json']);
    expect(unknown.code).toBe(1);
    expect(errorOf(unknown)).toEqual({ code: 'POOL_UNKNOWN_JOB', message: expect.stringContaining('No job named'), hint: expect.stringContaining('`pool ps`') });
    const text = await sandbox.run(['pid', 'nope']);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error POOL_UNKNOWN_JOB: No job named/);

    // A stopped job has no pid.
    await sandbox.run(['stop', 'worker']);
    expect(await sandbox.run(['pid', 'worker'])).toMatchObject({ code: 0, stdout: '' });
    expect(await sandbox.json(['pid', 'worker'])).toEqual([]);
    await sandbox.run(['start', 'worker']);
    await ready('worker');
  });

  it('resets the restart counters that `pool ps` shows', async () => {
    const [before] = await ready('worker');
    expect((await sandbox.run(['kill', String(before!.pid), 'KILL'])).code).toBe(0);
    const replaced = await waitFor(async () => (await ps('worker')).find((process) => process.pid !== before!.pid && process.state === 'ready'), {
      timeout: 30_000,
      message: 'a new worker process',
    });
    expect(replaced.restarts).toBeGreaterThan(0);
    const web = (await sandbox.json<JobAnswer>(['info', 'web'])).restarts;
    expect(web).toBeGreaterThan(0); // the restarts and reloads above

    expect(await sandbox.run(['reset', 'worker'])).toMatchObject({ code: 0, stdout: 'reset worker\n' });
    expect((await ps('worker'))[0]).toMatchObject({ pid: replaced.pid, state: 'ready', restarts: 0 });
    expect(await sandbox.json(['info', 'worker'])).toMatchObject({ restarts: 0, restartReasons: {} });
    expect((await sandbox.json<JobAnswer>(['info', 'web'])).restarts).toBe(web);

    // Counted again from 0.
    expect((await sandbox.run(['kill', String(replaced.pid), 'KILL'])).code).toBe(0);
    await waitFor(async () => (await ps('worker')).find((process) => process.pid !== replaced.pid && process.state === 'ready'), { timeout: 30_000, message: 'another worker process' });
    expect((await ps('worker'))[0]).toMatchObject({ restarts: 1 });
    expect(await sandbox.json(['info', 'worker'])).toMatchObject({ restarts: 1, restartReasons: { crashed: 1 } });

    expect(await sandbox.run(['reset', 'all'])).toMatchObject({ code: 0, stdout: 'reset web\nreset worker\n' });
    expect((await ps()).map((process) => process.restarts)).toEqual([0, 0]);
    expect(await sandbox.json(['reset', 'web'])).toMatchObject({ name: 'default.web', restarts: 0 });
    expect(errorOf(await sandbox.run(['reset', 'nope', '--json'])).code).toBe('POOL_UNKNOWN_JOB');
  });

  it('flushes a job\'s log file and kept output: `pool logs` and the file hold only what came after', async () => {
    const file = logFile('web');
    await waitFor(async () => ticks((await logLines('web')).join('\n'), 'web').length >= 3, { timeout: 30_000, message: 'a few web lines' });
    const seen = Math.max(...ticks((await logLines('web')).join('\n'), 'web'));
    const { ino } = statSync(file);
    const workerBefore = readFileSync(logFile('worker'), 'utf8');
    expect(ticks(readFileSync(file, 'utf8'), 'web')).toContain(seen);

    expect(await sandbox.run(['flush', 'web'])).toMatchObject({ code: 0, stdout: 'flushed web\n' });
    for (const count of ticks(readFileSync(file, 'utf8'), 'web')) expect(count).toBeGreaterThan(seen);
    for (const count of ticks((await logLines('web')).join('\n'), 'web')) expect(count).toBeGreaterThan(seen);
    expect(statSync(file).ino).toBe(ino); // emptied, not replaced
    expect(readFileSync(logFile('worker'), 'utf8').startsWith(workerBefore)).toBe(true);
    // The daemon goes on writing, from the start of the emptied file (no hole where the old lines were).
    const after = await waitFor(() => {
      const content = readFileSync(file, 'utf8');
      return ticks(content, 'web').length >= 3 ? content : undefined;
    }, { timeout: 30_000, message: 'new lines in the flushed file' });
    expect(after).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z web\.0 stdout \| tick web \d+\n/);
    expect(after).not.toContain('\0');

    // No job: every job's, and the files of jobs unloaded since.
    sandbox.file('late.json', JSON.stringify({ jobs: { late: { cmd: ['node', `${fixtures}ticker.mjs`], env: { LABEL: 'late' } } } }));
    expect((await sandbox.run(['start', 'late.json'])).code).toBe(0);
    await waitFor(() => existsSync(logFile('late')) && ticks(readFileSync(logFile('late'), 'utf8'), 'late').length > 0, { timeout: 30_000, message: 'lines of late' });
    expect(await sandbox.run(['delete', 'late'])).toMatchObject({ code: 0, stdout: 'unloaded late\n' });
    expect((await ps()).map((process) => process.job)).toEqual(['default.web', 'default.worker']);
    const lastWorker = Math.max(...ticks((await logLines('worker')).join('\n'), 'worker'));
    const flushed = await sandbox.json<{ job: string; files: string[] }[]>(['flush']);
    expect(flushed).toEqual([
      { job: 'default.web', files: [file] },
      { job: 'default.worker', files: [logFile('worker')] },
    ]);
    expect(statSync(logFile('late')).size).toBe(0);
    for (const count of ticks(readFileSync(logFile('worker'), 'utf8'), 'worker')) expect(count).toBeGreaterThan(lastWorker);
    expect(await sandbox.run(['flush', 'all'])).toMatchObject({ code: 0, stdout: 'flushed web\nflushed worker\n' });

    const unknown = await sandbox.run(['flush', 'nope', '--json']);
    expect(unknown.code).toBe(1);
    expect(errorOf(unknown)).toMatchObject({ code: 'POOL_UNKNOWN_JOB', hint: expect.stringContaining('`pool ps`') });
  });

  it('reopens the log files with reloadLogs (PM2\'s name), after logrotate moved them', async () => {
    const file = logFile('web');
    renameSync(file, `${file}.moved`);
    const logs = join(sandbox.home, 'logs');
    expect(await sandbox.run(['reloadLogs'])).toMatchObject({ code: 0, stdout: `reopened the log files in ${logs}\n` });
    await waitFor(() => existsSync(file) && ticks(readFileSync(file, 'utf8'), 'web').length > 0, { timeout: 30_000, message: 'a new web log file' });
    expect(await sandbox.json(['reload-logs'])).toEqual({ reopened: true, directory: logs });
    expect((await sandbox.run(['daemon', 'status'])).code).toBe(0);
  });
});
