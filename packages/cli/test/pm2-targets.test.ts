import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { errorOf, fixtures, useSandbox, type PoolResult, type Sandbox } from './helpers/sandbox.js';

// Issue 14, the rest of PM2's daily CLI: job targets (/regex/, a session, a config file), `pool start -`,
// startOrRestart / startOrReload, restart --update-env, --restart-delay, `logs --lines 0 -f` and the log files
// in `pool info`; each driven through the built CLI against a real daemon.

const sandbox = useSandbox();

interface JobAnswer {
  name: string;
  active: boolean;
  numprocesses: number;
  config: Record<string, unknown> & { env?: Record<string, string> };
  action?: string;
  logFiles?: { pool: string; out?: { path: string; paths: string[] }; err?: { path: string; paths: string[] } };
}

const ticker = `${fixtures}ticker.mjs`;

/** A pool config of ticker jobs, as YAML. */
function tickers(names: string[], extra: Record<string, string> = {}): string {
  return `jobs:\n${names.map((name) => `  ${name}:\n    cmd: [node, ${ticker}]\n    env: { LABEL: ${extra[name] ?? name} }\n`).join('')}`;
}

const ps = (job?: string) => sandbox.current.json<PsRecord[]>(job ? ['ps', job] : ['ps']);
const states = async () => Object.fromEntries((await ps()).map((process) => [process.job, process.state]));
const pidsOf = async (job: string) => (await ps(job)).map((process) => process.pid);

/** Waits until every process of the job (`web`, `staging.web`) is ready, and returns them. */
function ready(job: string, count = 1): Promise<PsRecord[]> {
  return waitFor(async () => {
    const processes = await ps(job);
    return processes.length === count && processes.every((process) => process.state === 'ready') ? processes : undefined;
  }, { timeout: 30_000, message: `${job} ready` });
}

/** Waits until the job runs other processes than `before`, all ready. */
function replaced(job: string, before: (number | null)[]): Promise<PsRecord[]> {
  return waitFor(async () => {
    const processes = await ps(job);
    return processes.length > 0 && processes.every((process) => process.state === 'ready' && !before.includes(process.pid)) ? processes : undefined;
  }, { timeout: 30_000, message: `new processes of ${job}` });
}

/** `pool …` with `input` on its stdin. */
function withStdin(current: Sandbox, args: string[], input: string): Promise<PoolResult> {
  const [program, ...prefix] = current.command as [string, ...string[]];
  const child = current.tracker.spawn(program, [...prefix, ...args], { cwd: current.work, env: current.env(), stdio: ['pipe', 'pipe', 'pipe'] });
  child.child.stdin!.end(input);
  return child.exited.then(({ code }) => ({ code, stdout: child.stdout(), stderr: child.stderr() }));
}

/** A row of `pool info`: the key, padded, then the value. */
function row(key: string, value: string): RegExp {
  return new RegExp(`\\n${key} +${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`);
}

/** The environment a process was started with (Linux). */
function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

describe('job targets: a /regex/, a session, a config file', () => {
  /** api-1, api-2 and web from pool.config.yaml, in the sessions default and staging. */
  async function loadBoth(): Promise<void> {
    const { current } = sandbox;
    current.file('pool.config.yaml', tickers(['api-1', 'api-2', 'web']));
    expect((await current.run(['start', 'pool.config.yaml'])).code).toBe(0);
    expect((await current.run(['start', 'pool.config.yaml', '-n', 'staging'])).code).toBe(0);
    for (const job of ['api-1', 'api-2', 'web', 'staging.api-1', 'staging.api-2', 'staging.web']) await ready(job);
  }

  it('acts on the jobs a regex matches, by the name `pool ps` shows and the full name; refuses one that matches nothing, or is not a regex', async () => {
    const { current } = sandbox;
    await loadBoth();
    expect(await current.run(['stop', '/^api-/'])).toMatchObject({ code: 0, stdout: 'stopped api-1\nstopped api-2\n' });
    expect(await states()).toEqual({
      'default.api-1': 'stopped',
      'default.api-2': 'stopped',
      'default.web': 'ready',
      'staging.api-1': 'ready',
      'staging.api-2': 'ready',
      'staging.web': 'ready',
    });
    // The full name, flags, and several targets at once (each job once).
    expect((await current.json<JobAnswer[]>(['restart', '/^default\\.api/', '/API-1$/i'])).map((job) => job.name)).toEqual(['default.api-1', 'default.api-2', 'staging.api-1']);
    await ready('api-1');
    await ready('api-2');
    const web = await pidsOf('staging.web');
    expect(await current.json(['pid', '/^staging\\.web$/'])).toEqual(web);
    // A regex names a set: its answer is an array, even of one job.
    expect((await current.json<JobAnswer[]>(['info', '/^web$/'])).map((job) => job.name)).toEqual(['default.web']);

    const before = await states();
    const none = await current.run(['stop', 'web', '/^nope/', '--json']);
    expect(none.code).toBe(1);
    expect(errorOf(none)).toEqual({
      code: 'POOL_UNKNOWN_JOB',
      message: 'No job matches /^nope/',
      hint: expect.stringContaining('the loaded jobs: api-1, api-2, web, staging.api-1, staging.api-2, staging.web'),
    });
    const invalid = await current.run(['reset', '/[/', '--json']);
    expect(invalid.code).toBe(2);
    expect(errorOf(invalid)).toMatchObject({ code: 'POOL_USAGE', message: expect.stringContaining('/[/ is not a valid regular expression'), hint: expect.stringContaining('pool help reset') });
    expect(await states()).toEqual(before); // nothing was done
  });

  it('acts on every job of a session; an exact job name wins over a session of that name', async () => {
    const { current } = sandbox;
    await loadBoth();
    expect(await current.run(['stop', 'staging'])).toMatchObject({ code: 0, stdout: 'stopped staging.api-1\nstopped staging.api-2\nstopped staging.web\n' });
    expect(Object.values(await states())).toEqual(['ready', 'ready', 'ready', 'stopped', 'stopped', 'stopped']);
    expect(await current.run(['restart', 'staging'])).toMatchObject({ code: 0, stdout: 'restarted staging.api-1\nrestarted staging.api-2\nrestarted staging.web\n' });
    for (const job of ['staging.api-1', 'staging.api-2', 'staging.web']) await ready(job);
    expect((await current.json<JobAnswer[]>(['info', 'staging'])).map((job) => job.name)).toEqual(['staging.api-1', 'staging.api-2', 'staging.web']);
    expect((await current.run(['signal', 'staging', 'SIGUSR2'])).stdout).toBe(
      'sent SIGUSR2 to the processes of staging.api-1\nsent SIGUSR2 to the processes of staging.api-2\nsent SIGUSR2 to the processes of staging.web\n',
    );

    // A job named staging (default.staging) beside the session staging: the name means the job.
    expect((await current.run(['start', ticker, '--name', 'staging'])).code).toBe(0);
    await ready('staging');
    expect(await current.run(['stop', 'staging'])).toMatchObject({ code: 0, stdout: 'stopped staging\n' });
    expect(await current.json(['info', 'staging'])).toMatchObject({ name: 'default.staging', active: false });
    expect((await ps('staging.web'))[0]!.state).toBe('ready');
    // The session is still reachable by a regex.
    expect((await current.json<JobAnswer[]>(['reset', '/^staging\\./'])).map((job) => job.name)).toEqual(['staging.api-1', 'staging.api-2', 'staging.web']);

    const unknown = await current.run(['stop', 'nowhere', '--json']);
    expect(unknown.code).toBe(1);
    expect(errorOf(unknown)).toEqual({ code: 'POOL_UNKNOWN_JOB', message: 'No job named default.nowhere', hint: expect.stringContaining('a session ("staging": each of its jobs)') });
  });

  it('acts on the jobs a config file defines, in the session -n gives, --only narrowing them', async () => {
    const { current } = sandbox;
    await loadBoth();
    const before = { api: await pidsOf('api-1'), web: await pidsOf('web'), staging: await pidsOf('staging.web') };
    expect(await current.run(['restart', 'pool.config.yaml'])).toMatchObject({ code: 0, stdout: 'restarted api-1\nrestarted api-2\nrestarted web\n' });
    await replaced('api-1', before.api);
    await replaced('web', before.web);
    expect(await pidsOf('staging.web')).toEqual(before.staging);

    expect(await current.run(['stop', 'pool.config.yaml', '-n', 'staging', '--only', 'web'])).toMatchObject({ code: 0, stdout: 'stopped staging.web\n' });
    expect((await ps('staging.web'))[0]!.state).toBe('stopped');
    expect((await ps('staging.api-1'))[0]!.state).toBe('ready');
    expect((await current.json<JobAnswer[]>(['info', 'pool.config.yaml', '--only', 'api-2'])).map((job) => job.name)).toEqual(['default.api-2']);
    expect(await current.json(['pid', join(current.work, 'pool.config.yaml'), '--name', 'staging', '--only', 'api-1,api-2'])).toEqual([
      ...(await pidsOf('staging.api-1')),
      ...(await pidsOf('staging.api-2')),
    ]);

    // PM2's ecosystem file, and a file some of whose jobs are not loaded: those are skipped, with a warning.
    current.file('ecosystem.config.js', `module.exports = { apps: [{ name: 'web', script: '${ticker}' }, { name: 'extra', script: '${ticker}' }] };\n`);
    const partial = await current.run(['stop', 'ecosystem.config.js']);
    expect(partial).toMatchObject({ code: 0, stdout: 'stopped web\n' });
    expect(partial.stderr).toContain('warning extra of ecosystem.config.js is not loaded: skipped (`pool start ecosystem.config.js` loads it)');
    expect(await current.run(['delete', 'ecosystem.config.js', '--only', 'web'])).toMatchObject({ code: 0, stdout: 'unloaded web\n' });

    // Nothing of the file loaded (in that session), a file that is not there, a script, a bad --only, -n without a file.
    const nowhere = await current.run(['restart', 'pool.config.yaml', '-n', 'nowhere', '--json']);
    expect(nowhere.code).toBe(1);
    expect(errorOf(nowhere)).toEqual({
      code: 'POOL_UNKNOWN_JOB',
      message: 'No job of pool.config.yaml is loaded in the session nowhere (it defines api-1, api-2, web)',
      hint: expect.stringContaining('`pool start pool.config.yaml -n nowhere`'),
    });
    const missing = await current.run(['stop', 'missing.yaml', '--json']);
    expect({ code: missing.code, error: errorOf(missing).code }).toEqual({ code: 1, error: 'POOL_CONFIG_NOT_FOUND' });
    const script = await current.run(['stop', ticker, '--json']);
    expect(script.code).toBe(1);
    expect(errorOf(script)).toMatchObject({ code: 'POOL_UNKNOWN_JOB', message: expect.stringContaining('it is a script, not a config file'), hint: expect.stringContaining('"ticker"') });
    const only = await current.run(['stop', 'pool.config.yaml', '--only', 'nope', '--json']);
    expect(only.code).toBe(2);
    expect(errorOf(only)).toMatchObject({ code: 'POOL_USAGE', message: expect.stringContaining('--only nope: pool.config.yaml has no such job (it has api-1, api-2, web)'), hint: expect.stringContaining('pool help stop') });
    const noFile = await current.run(['stop', 'api-1', '-n', 'staging', '--json']);
    expect(noFile.code).toBe(2);
    expect(errorOf(noFile)).toMatchObject({ code: 'POOL_USAGE', message: expect.stringContaining('-n/--name and --only pick the jobs of a config file') });
    expect((await ps('api-1'))[0]!.state).toBe('ready');
  });
});

describe('pool start - (a config on stdin)', () => {
  it('loads a pool config in YAML, or a PM2 ecosystem in JSON, from stdin; relative paths from the current directory', async () => {
    const { current } = sandbox;
    const yaml = `jobs:\n  piped:\n    cmd: [node, ${ticker}]\n    cwd: sub\n    env: { LABEL: piped }\n`;
    mkdirSync(join(current.work, 'sub'));
    const loaded = await withStdin(current, ['start', '-'], yaml);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toMatch(/^started piped: 1 process \(pid \d+\)\n$/);
    expect((await current.json<JobAnswer>(['info', 'piped'])).config).toMatchObject({ cwd: join(current.work, 'sub'), env: { LABEL: '***' } });
    await ready('piped');

    const ecosystem = JSON.stringify({ apps: [{ name: 'eco', script: ticker, instances: 2, exec_mode: 'fork', env: { LABEL: 'eco' } }] });
    const apps = await withStdin(current, ['start', '-', '-n', 'tools', '--json'], ecosystem);
    expect(apps.code, apps.stderr).toBe(0);
    expect((JSON.parse(apps.stdout) as JobAnswer[]).map((job) => [job.name, job.numprocesses, job.action])).toEqual([['tools.eco', 2, 'loaded']]);
    const pids = (await ready('tools.eco', 2)).map((process) => process.pid);
    // The same text again: running already; with --restart, restarted.
    expect(await withStdin(current, ['start', '-', '-n', 'tools'], ecosystem)).toMatchObject({ code: 0, stdout: 'tools.eco is running already\n' });
    expect((await withStdin(current, ['start', '-', '-n', 'tools', '--restart'], ecosystem)).stdout).toMatch(/^restarted tools\.eco: 2 processes/);
    await replaced('tools.eco', pids);

    const empty = await withStdin(current, ['start', '-', '--json'], '  \n');
    expect(empty.code).toBe(2);
    expect(errorOf(empty)).toMatchObject({ code: 'POOL_USAGE', message: expect.stringContaining('read nothing on stdin') });
    const broken = await withStdin(current, ['start', '-', '--json'], '{ "jobs": ');
    expect(broken.code).toBe(1);
    expect(errorOf(broken)).toMatchObject({ code: 'POOL_CONFIG_PARSE_FAILED', message: expect.stringContaining('<stdin>:') });
    const wrong = await withStdin(current, ['start', '-', '--json'], 'jobs:\n  x:\n    cmd: [node]\n    restart: sometimes\n');
    expect(wrong.code).toBe(1);
    expect(errorOf(wrong)).toMatchObject({ code: 'POOL_INVALID_CONFIG', message: expect.stringContaining('jobs.x.restart') });
    expect((await ps()).map((process) => process.job)).toEqual(['default.piped', 'tools.eco', 'tools.eco']);
  });
});

describe('startOrRestart, startOrReload: pool start <file> --restart / --reload', () => {
  it('restarts or reloads the file\'s loaded jobs, updates the changed ones, loads the others, and says which', async () => {
    const { current } = sandbox;
    current.file('app.yaml', tickers(['a', 'b']));
    expect((await current.run(['start', 'app.yaml'])).code).toBe(0);
    let a = (await ready('a')).map((process) => process.pid);
    let b = (await ready('b')).map((process) => process.pid);
    expect(await current.run(['start', 'app.yaml'])).toMatchObject({ code: 0, stdout: 'a is running already\nb is running already\n' });

    const restarted = await current.run(['start', 'app.yaml', '--restart']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toMatch(/^restarted a: 1 process \(pid \d+\)\nrestarted b: 1 process \(pid \d+\)\n$/);
    a = (await replaced('a', a)).map((process) => process.pid);
    b = (await replaced('b', b)).map((process) => process.pid);

    expect((await current.json<JobAnswer[]>(['startOrReload', 'app.yaml'])).map((job) => [job.name, job.action])).toEqual([
      ['default.a', 'reloaded'],
      ['default.b', 'reloaded'],
    ]);
    a = (await replaced('a', a)).map((process) => process.pid);
    b = (await replaced('b', b)).map((process) => process.pid);

    // The file changes: a's env, and a new job c. Without --restart that is refused, before anything is loaded.
    current.file('app.yaml', tickers(['a', 'b', 'c'], { a: 'a-v2' }));
    const refused = await current.run(['start', 'app.yaml', '--json']);
    expect(refused.code).toBe(1);
    expect(errorOf(refused)).toEqual({
      code: 'POOL_JOB_EXISTS',
      message: 'Job default.a is already loaded, with another config',
      hint: expect.stringContaining('`pool start app.yaml --restart` (or --reload) updates it to this config'),
    });
    expect((await ps()).map((process) => process.job)).toEqual(['default.a', 'default.b']);

    const updated = await current.run(['startOrRestart', 'app.yaml']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(/^updated a: 1 process \(pid \d+\)\nrestarted b: 1 process \(pid \d+\)\nloaded c: 1 process \(pid \d+\)\n$/);
    expect((await current.json<JobAnswer>(['info', 'a', '--show-env'])).config.env).toEqual({ LABEL: 'a-v2' });
    a = (await replaced('a', a)).map((process) => process.pid);
    b = (await replaced('b', b)).map((process) => process.pid);
    await ready('c');

    // A stopped job is started; the others reloaded.
    await current.run(['stop', 'b']);
    expect((await current.run(['start', 'app.yaml', '--reload'])).stdout).toMatch(/^reloaded a: .*\nstarted b: .*\nreloaded c: .*\n$/);
    await replaced('a', a);
    await ready('b');
    expect((await current.run(['start', 'c', '--restart'])).stdout).toMatch(/^restarted c: 1 process/);

    const both = await current.run(['start', 'app.yaml', '--restart', '--reload', '--json']);
    expect(both.code).toBe(2);
    expect(errorOf(both)).toMatchObject({ code: 'POOL_USAGE', message: expect.stringContaining('--restart and --reload: give one') });
    const help = (await current.run(['--help'])).stdout;
    expect(help).toContain('startOrRestart');
    expect(help).toContain('startOrReload');
  });
});

describe('pool restart --update-env', () => {
  it('replaces the env a job got from a shell with this command\'s, under the config\'s own env and envFile', async () => {
    const { current } = sandbox;
    current.file('.env', 'FROM_FILE=dotenv\n');
    current.file('env.json', JSON.stringify({ jobs: { web: { cmd: ['node', ticker], env: { OWN: 'config', SHARED: 'config' }, envFile: '.env' } } }));
    expect((await current.run(['start', 'env.json'])).code).toBe(0);
    const [first] = await ready('web');
    expect(environOf(first!.pid!)).not.toHaveProperty('SHELL_ONE');

    const shell = { SHELL_ONE: 'one', SHARED: 'shell', FROM_FILE: 'shell' };
    expect(await current.run(['restart', 'web', '--update-env'], { env: shell })).toMatchObject({ code: 0, stdout: 'restarted web (env updated from this shell)\n' });
    const [second] = await replaced('web', [first!.pid]);
    expect(environOf(second!.pid!)).toMatchObject({ SHELL_ONE: 'one', SHARED: 'config', FROM_FILE: 'dotenv', OWN: 'config' });
    const text = (await current.run(['info', 'web'])).stdout;
    expect(text).toMatch(/\nenv\s+OWN, SHARED \(values: --show-env\)\n/);
    expect(text).toMatch(/\nenv \(shell\)\s+\d+ variables of the shell of `pool restart --update-env` \(names and values: --show-env\)\n/);
    // The names it brought are no secret; their values stay hidden without --show-env.
    const record = await current.json<JobAnswer>(['info', 'web']);
    expect(record.config.env).toMatchObject({ SHELL_ONE: '***', OWN: '***' });
    expect(record.config.env!.POOL_UPDATE_ENV_KEYS!.split(',')).toContain('SHELL_ONE');

    // Scaled, then stopped: the next --update-env replaces what the first one brought, and starts the job at its scale.
    await current.run(['scale', 'web', '2']);
    await ready('web', 2);
    await current.run(['stop', 'web']);
    expect((await current.run(['restart', 'web', '--update-env'], { env: { SHELL_TWO: 'two' } })).code).toBe(0);
    const third = await ready('web', 2);
    for (const process of third) {
      const env = environOf(process.pid!);
      expect(env).toMatchObject({ SHELL_TWO: 'two', OWN: 'config', FROM_FILE: 'dotenv' });
      expect(env).not.toHaveProperty('SHELL_ONE');
    }
  });
});

describe('--restart-delay, logs --lines 0 -f, and the log files in pool info', () => {
  it('waits --restart-delay ms before restarting a script that failed again (backoff initial = max = ms, factor 1)', async () => {
    const { current } = sandbox;
    const started = await current.run(['start', `${fixtures}exit-with.mjs`, '--name', 'crash', '--restart-delay', '1000', '--', '1']);
    // It crashes at once: `pool start` says so (exit code 1) rather than "started".
    expect(started.stdout).toMatch(/^started crash: 1 of 1 process did not start/);
    expect(started.code).toBe(1);
    expect(started.stderr).toMatch(/crash\.0 did not start: it exited 0\.\d s after it started \(code 1\)/);
    expect((await current.json<JobAnswer>(['info', 'crash'])).config.backoff).toEqual({ initial: 1000, factor: 1, max: 1000 });
    const file = join(current.home, 'logs', 'default.crash.log');
    // Each process prints one line as it starts: the second comes at once (one crash is not a loop), the next ones a delay apart.
    const times = await waitFor(() => {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('exiting with 1')) : [];
      return lines.length >= 4 ? lines.map((line) => Date.parse(line.slice(0, line.indexOf(' ')))) : undefined;
    }, { timeout: 30_000, message: 'four starts of crash' });
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(900);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(900);

    current.file('pool.config.json', JSON.stringify({ jobs: { x: { cmd: ['node', ticker] } } }));
    for (const command of ['start', 'run']) {
      const config = await current.run([command, 'pool.config.json', '--restart-delay', '500', '--json']);
      expect(config.code, command).toBe(2);
      expect(errorOf(config).message, command).toContain('--restart-delay is for a script');
      const bad = await current.run([command, ticker, '--restart-delay', 'soon', '--json']);
      expect({ code: bad.code, error: errorOf(bad).code }, command).toEqual({ code: 2, error: 'POOL_USAGE' });
    }
  });

  it('follows only the new lines with --lines 0 -f', async () => {
    const { current } = sandbox;
    current.file('pool.config.json', JSON.stringify({ jobs: { web: { cmd: ['node', ticker], env: { LABEL: 'web' } } } }));
    expect((await current.run(['start', 'pool.config.json'])).code).toBe(0);
    const counts = (text: string) => [...text.matchAll(/tick web (\d+)/g)].map((match) => Number(match[1]));
    await waitFor(async () => counts((await current.run(['logs', 'web', '--lines', '100'])).stdout).length >= 3, { timeout: 30_000, message: 'a few lines' });
    expect(await current.run(['logs', 'web', '--lines', '0'])).toMatchObject({ code: 0, stdout: '' });
    const seen = Math.max(...counts((await current.run(['logs', 'web', '--lines', '100'])).stdout));

    const follow = current.start(['logs', 'web', '--lines', '0', '-f']);
    await follow.waitForOutput(/tick web \d+\n[^]*tick web \d+\n/);
    follow.child.kill('SIGINT');
    expect((await follow.exited).code).toBe(0);
    const printed = counts(follow.stdout());
    expect(printed[0]).toBeGreaterThan(seen);
    expect(printed).toEqual([...printed].sort((x, y) => x - y));

    expect(errorOf(await current.run(['logs', 'nope', '--lines', '0', '--json'])).code).toBe('POOL_UNKNOWN_JOB');
    const negative = await current.run(['logs', '--lines', '-1']);
    expect(negative.code).toBe(2);
  });

  it('shows a job\'s log files in pool info: pool\'s own, and those of its config\'s logs, resolved per process', async () => {
    const { current } = sandbox;
    current.file('pool.config.json', JSON.stringify({
      jobs: {
        lg: { cmd: ['node', ticker], numprocesses: 2, logs: { out: 'logs/out-{worker}.log', err: 'logs/err.log' } },
        plain: { cmd: ['node', ticker] },
      },
    }));
    expect((await current.run(['start', 'pool.config.json'])).code).toBe(0);
    await ready('lg', 2);
    await ready('plain');
    const own = join(current.home, 'logs', 'default.lg.log');
    const outs = [0, 1].map((id) => join(current.work, 'logs', `out-${id}.log`));
    const text = (await current.run(['info', 'lg'])).stdout;
    expect(text).toMatch(row('log file', own));
    expect(text).toMatch(row('log out', `${join(current.work, 'logs', 'out-{worker}.log')} (${outs.join(', ')})`));
    expect(text).toMatch(row('log err', join(current.work, 'logs', 'err.log')));
    for (const file of [own, ...outs]) await waitFor(() => existsSync(file) && /tick/.test(readFileSync(file, 'utf8')), { timeout: 30_000, message: file });

    expect((await current.json<JobAnswer>(['info', 'lg'])).logFiles).toEqual({
      pool: own,
      out: { path: join(current.work, 'logs', 'out-{worker}.log'), paths: outs },
      err: { path: join(current.work, 'logs', 'err.log'), paths: [join(current.work, 'logs', 'err.log')] },
    });
    const plain = (await current.run(['info', 'plain'])).stdout;
    expect(plain).toMatch(row('log file', join(current.home, 'logs', 'default.plain.log')));
    expect(plain).not.toContain('log out');
  });
});
