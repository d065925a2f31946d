import { existsSync, readFileSync } from 'node:fs';
import { freePort, httpGet, isAlive, waitFor } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { errorOf, fixtures, useSandbox } from './helpers/sandbox.js';

// Issue 14: a PM2 user's ecosystem file and habits, through the built CLI and a real daemon.

const sandbox = useSandbox();

const ecosystem = (port: number) => `module.exports = {
  apps: [
    {
      name: 'api',
      script: '${fixtures}echo-http.cjs',
      instances: 2,
      exec_mode: 'cluster',
      max_memory_restart: '300M',
      env: { NODE_ENV: 'development', PORT: ${port} },
      env_production: { NODE_ENV: 'production' },
      out_file: './logs/api.log',
      log_date_format: 'YYYY-MM-DD HH:mm Z',
    },
    {
      name: 'ticker',
      script: '${fixtures}ticker.mjs',
      args: '--label "tick tock"',
      kill_timeout: 5000,
      env_production: { NODE_ENV: 'production', LABEL: 'prod-ticker' },
      vizion: false,
      pid_file: './ticker.pid',
    },
  ],
  deploy: { production: { user: 'node' } },
};
`;

describe('PM2 ecosystem files', () => {
  it('runs both apps of an ecosystem.config.js with --env production, on one port for the cluster app, and says what it did not carry over', async () => {
    const { current } = sandbox;
    const port = await freePort();
    current.file('ecosystem.config.js', ecosystem(port));
    const started = await current.run(['start', 'ecosystem.config.js', '--env', 'production']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^started api: 2 processes \(pid \d+, \d+\)\nstarted ticker: 1 process \(pid \d+\)\n$/);
    // Every key pool does not do is named, with its app's path.
    for (const path of ['deploy', 'apps[1].vizion', 'apps[1].pid_file']) expect(started.stderr).toContain(`ecosystem.config.js: ${path} `);

    const processes = await current.json<PsRecord[]>(['ps']);
    const api = processes.filter((process) => process.job === 'default.api').map((process) => process.pid);
    expect(api).toHaveLength(2);
    const seen = new Set<number>();
    await waitFor(
      async () => {
        const answer = JSON.parse((await httpGet(`http://127.0.0.1:${port}/`)).body) as { pid: number; env: string };
        expect(answer.env).toBe('production');
        seen.add(answer.pid);
        return seen.size === 2;
      },
      { timeout: 30_000, message: 'both api processes answer on the one port' },
    );
    expect([...seen].sort()).toEqual([...api].sort());
    await waitFor(async () => (await current.run(['logs', 'ticker', '--lines', '50'])).stdout.includes('prod-ticker'), { timeout: 30_000 });
    // out_file with 2 instances (no merge_logs): a file per process, as PM2 writes them, in log_date_format.
    for (const id of [0, 1]) {
      const file = `${current.work}/logs/api-${id}.log`;
      await waitFor(() => existsSync(file) && /listening \d+/.test(readFileSync(file, 'utf8')), { timeout: 30_000, message: file });
      expect(readFileSync(file, 'utf8')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d listening \d+\n/);
    }

    // The job keys it became: PM2's SIGINT, kill_timeout as the graceful timeout, the args split as a shell would,
    // and node found on the daemon's PATH (as PM2's daemon runs its own node).
    const info = await current.json<{ config: Record<string, unknown> }>(['info', 'ticker']);
    expect(info.config).toMatchObject({ stopSignal: 'SIGINT', gracefulTimeout: 5000, cmd: ['node', `${fixtures}ticker.mjs`, '--label', 'tick tock'] });
  });

  it('refuses an unknown profile (naming those there are), unsupported keys with --strict, and a bad value with its path and line', async () => {
    const { current } = sandbox;
    current.file('ecosystem.config.js', ecosystem(await freePort()));
    const profile = await current.run(['start', 'ecosystem.config.js', '--env', 'prod', '--json']);
    expect(profile.code).toBe(1);
    expect(errorOf(profile)).toMatchObject({ code: 'POOL_INVALID_CONFIG', message: expect.stringContaining('no app has env_prod (--env prod); it has env_production') });

    const strict = await current.run(['start', 'ecosystem.config.js', '--strict', '--json']);
    expect(strict.code).toBe(1);
    expect(errorOf(strict).message).toMatch(/deploy .*\(--strict\).*apps\[1\]\.vizion .*\(--strict\).*apps\[1\]\.pid_file/);

    current.file('ecosystem.json', JSON.stringify({ apps: [{ name: 'web', script: 'app.js' }, { name: 'bad', script: 'app.js', instances: 'lots' }] }, null, 2));
    const bad = await current.run(['start', 'ecosystem.json', '--json']);
    expect(bad.code).toBe(1);
    expect(errorOf(bad).message).toMatch(/apps\[1\]\.instances \(line 10\) must be a number, "max"/);
    // Nothing was loaded by any of them: no daemon was even needed.
    expect(current.daemonPid()).toBeUndefined();
  });

  it('`pool run` of an ecosystem file writes its log_file (both streams, labelled) and exits when its apps end', async () => {
    const { current } = sandbox;
    current.file('once.cjs', "console.log('to stdout'); console.error('to stderr');\n");
    current.file('ecosystem.json', JSON.stringify({ apps: [{ name: 'once', script: 'once.cjs', autorestart: false, log_file: 'out/once.log' }] }));
    const run = await current.run(['run', 'ecosystem.json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('to stdout');
    expect(readFileSync(`${current.work}/out/once.log`, 'utf8').split('\n').sort()).toEqual(['', 'once.0 stderr | to stderr', 'once.0 stdout | to stdout']);
  });

  it('`pool import` prints a pool.config.yaml that runs the same jobs', async () => {
    const { current } = sandbox;
    current.file('ecosystem.config.js', ecosystem(8080));
    const imported = await current.run(['import', 'ecosystem.config.js', '--env', 'production']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^# pool\.config\.yaml, from .*ecosystem\.config\.js with --env production/);
    expect(imported.stdout).toContain('#   apps[1].pid_file has no effect in pool');
    const yamlFile = current.file('pool.config.yaml', imported.stdout);
    const { loadConfigFile } = await import('@pool/core');
    const fromYaml = await loadConfigFile(yamlFile);
    const fromEcosystem = await loadConfigFile(`${current.work}/ecosystem.config.js`, { profile: 'production' });
    expect(fromYaml).toEqual(fromEcosystem);
    expect(fromYaml.map((job) => job.name)).toEqual(['api', 'ticker']);
    expect(readFileSync(yamlFile, 'utf8')).toContain('NODE_ENV: production');
  });
});

describe("PM2's habits for a script", () => {
  it('-i is -w; arguments after -- reach the script; --only picks apps; a missing script is said to be a script', async () => {
    const { current } = sandbox;
    const port = await freePort();
    const started = await current.run(['start', `${fixtures}echo-http.cjs`, '-i', '2', '--name', 'echo', '--env', `PORT=${port}`, '--', '--mode', 'fast lane']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^started echo: 2 processes/);
    const answer = JSON.parse((await httpGet(`http://127.0.0.1:${port}/`)).body) as { args: string[] };
    expect(answer.args).toEqual(['--mode', 'fast lane']);

    current.file('ecosystem.config.js', ecosystem(await freePort()));
    const only = await current.run(['start', 'ecosystem.config.js', '--only', 'ticker']);
    expect(only.code, only.stderr).toBe(0);
    expect(only.stdout).toMatch(/^started ticker: 1 process/);
    const unknown = await current.run(['start', 'ecosystem.config.js', '--only', 'nope', '--json']);
    expect(errorOf(unknown)).toMatchObject({ code: 'POOL_USAGE', message: expect.stringContaining('has no such job (it has api, ticker)') });

    const missing = await current.run(['start', 'missing.js', '--json']);
    expect(missing.code).toBe(1);
    expect(errorOf(missing)).toMatchObject({ code: 'POOL_SCRIPT_NOT_FOUND', message: expect.stringContaining('missing.js') });
  });

  it('starts several scripts in one command, one job each; arguments after -- are for one script only', async () => {
    const { current } = sandbox;
    const started = await current.run(['start', `${fixtures}ticker.mjs`, `${fixtures}plain-script.mjs`]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^started ticker: 1 process \(pid \d+\)\nstarted plain-script: 1 process \(pid \d+\)\n$/);
    const both = await current.run(['start', `${fixtures}ticker.mjs`, `${fixtures}plain-script.mjs`, '--json', '--', '--flag']);
    expect(both.code).toBe(2);
    expect(errorOf(both).message).toContain('arguments after -- go to one script');
  });

  it('a .sh script runs with bash (not executable, as PM2 would), a command on PATH by its name, with its arguments', async () => {
    const { current } = sandbox;
    current.file('hello.sh', 'echo "hello from $0 with $1"\nexec sleep 600\n');
    const script = await current.run(['start', 'hello.sh', '--', 'one']);
    expect(script.code, script.stderr).toBe(0);
    await waitFor(async () => (await current.run(['logs', 'hello', '--lines', '10'])).stdout.includes(`hello from ${current.work}/hello.sh with one`), { timeout: 30_000 });

    const command = await current.run(['start', 'sleep', '--', '600']);
    expect(command.code, command.stderr).toBe(0);
    const [sleeper] = await current.json<PsRecord[]>(['ps', 'sleep']);
    expect(readFileSync(`/proc/${sleeper!.pid}/cmdline`, 'utf8').split('\0').filter(Boolean)).toEqual(['sleep', '600']);
    expect(isAlive(sleeper!.pid!)).toBe(true);
  });
});
