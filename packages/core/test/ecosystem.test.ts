import { chmodSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ecosystemFileSchema, isPoolError, loadConfigFile, splitArgs, type ConfigWarning } from '@pool/core';
import { tempDir } from '@pool/testing';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { node, useManagers } from './fixtures/manager/harness.js';

// Issue 14: PM2's ecosystem files read as pool jobs (loaders/ecosystem.ts), from real files in every format; and
// .env files for a job (envFile).

let directory: { path: string; remove: () => void };
beforeEach(() => {
  directory = tempDir('pool-ecosystem-');
});
afterEach(() => directory.remove());
const write = (name: string, text: string) => {
  const file = join(directory.path, name);
  writeFileSync(file, text);
  return file;
};

describe('PM2 ecosystem files', () => {
  it('maps every key pool has to its job key', async () => {
    const file = write(
      'ecosystem.config.js',
      `module.exports = { apps: [{
        name: 'api', script: 'server.js', cwd: 'srv', node_args: '--max-old-space-size=512', args: ['--port', '3000'],
        instances: 'max', exec_mode: 'cluster', autorestart: false, max_restarts: 4, min_uptime: '5s',
        exp_backoff_restart_delay: 100, kill_timeout: 3000, wait_ready: true, listen_timeout: 8000,
        max_memory_restart: '1G', cron_restart: '0 3 * * *', watch: ['src'], ignore_watch: 'node_modules', watch_delay: 500,
        port: 8080, uid: 1000, gid: 1000, stop_exit_codes: [0, 2], shutdown_with_message: true,
      }, {
        script: 'tasks/cleanup.py', instances: -1, exec_mode: 'fork', restart_delay: 2000, listen_timeout: 4000, max_restarts: 0,
      }] };`,
    );
    const [api, cleanup] = await loadConfigFile(file);
    expect(api).toEqual({
      name: 'api',
      cmd: ['node', '--max-old-space-size=512', 'server.js', '--port', '3000'],
      cwd: join(directory.path, 'srv'),
      stopSignal: 'SIGINT',
      numprocesses: availableParallelism(),
      cluster: true,
      env: { PORT: 8080 },
      restart: 'never',
      flapping: { attempts: 4, maxRetry: 1 },
      minUptime: '5s',
      backoff: { initial: 100, factor: 1.5, max: 15_000 },
      gracefulTimeout: 3000,
      readiness: { message: true, timeout: 8000 },
      maxMemory: '1G',
      cronRestart: '0 3 * * *',
      watch: ['src'],
      watchIgnore: ['node_modules'],
      watchDelay: 500,
      uid: 1000,
      gid: 1000,
      stopExitCodes: [0, 2],
      stopMessage: 'shutdown',
    });
    expect(cleanup).toEqual({
      name: 'cleanup',
      cmd: ['python3', 'tasks/cleanup.py'],
      cwd: directory.path,
      stopSignal: 'SIGINT',
      numprocesses: Math.max(1, availableParallelism() - 1),
      cluster: false,
      backoff: { initial: 2000, factor: 1, max: 2000 },
      readyDelay: 4000,
      flapping: false,
    });
  });

  it('maps PM2\'s log files to logs: a file per instance unless merge_logs, log_date_format, time, log_type', async () => {
    const file = write(
      'ecosystem.json',
      JSON.stringify({
        apps: [
          { name: 'a', script: 'a.js', instances: 2, out_file: 'logs/a.out.log', error_file: 'logs/a.err', log_date_format: 'YYYY-MM-DD HH:mm Z' },
          { name: 'b', script: 'b.js', instances: 2, merge_logs: true, output: 'b.log', log: 'all.log', log_type: 'json' },
          { name: 'c', script: 'c.js', err: '/dev/null', time: true },
          { name: 'd', script: 'd.js', time: true, log_file: true },
        ],
      }),
    );
    const warnings: ConfigWarning[] = [];
    const jobs = await loadConfigFile(file, { onWarning: (warning) => warnings.push(warning) });
    expect(jobs.map((job) => job.logs)).toEqual([
      { out: 'logs/a.out-{worker}.log', err: 'logs/a-{worker}.err', timestamps: 'YYYY-MM-DD HH:mm Z' },
      { out: 'b.log', combined: 'all.log', format: 'json' },
      { err: '/dev/null', timestamps: true },
      undefined,
    ]);
    expect(warnings.map((warning) => warning.path)).toEqual(['apps[3].log_file', 'apps[3].time']);
  });

  it('picks env_<profile> over env for --env <profile>, and refuses a profile no app has', async () => {
    const file = write(
      'ecosystem.yaml',
      'apps:\n  - name: web\n    script: web.js\n    env: { NODE_ENV: development, DEBUG: "1" }\n    env_production: { NODE_ENV: production }\n  - name: jobs\n    script: jobs.js\n',
    );
    const [web, jobs] = await loadConfigFile(file, { profile: 'production' });
    expect(web!.env).toEqual({ NODE_ENV: 'production', DEBUG: '1' });
    expect(jobs!.env).toBeUndefined();
    expect((await loadConfigFile(file))[0]!.env).toEqual({ NODE_ENV: 'development', DEBUG: '1' });
    const error = await loadConfigFile(file, { profile: 'staging' }).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_CONFIG') && error.message).toMatch(/no app has env_staging \(--env staging\); it has env_production/);
    // A pool config has no profiles: asking for one is a mistake, said.
    const pool = write('pool.config.json', JSON.stringify({ jobs: { web: { cmd: ['node', 'web.js'] } } }));
    await expect(loadConfigFile(pool, { profile: 'production' })).rejects.toThrow(/not one \(use --env KEY=VALUE for a variable\)/);
  });

  it('names each key pool does not support in a warning (with its line), or refuses them with strict', async () => {
    const text = JSON.stringify({ apps: [{ name: 'web', script: 'web.js', pid_file: 'web.pid', treekill: false, colour: 'blue' }], deploy: {} }, null, 2);
    const file = write('ecosystem.json', text);
    const warnings: ConfigWarning[] = [];
    const [web] = await loadConfigFile(file, { onWarning: (warning) => warnings.push(warning) });
    expect(web!.name).toBe('web');
    expect(warnings.map(({ path, line }) => [path, line])).toEqual([
      ['deploy', 11],
      ['apps[0].pid_file', 6],
      ['apps[0].colour', 8],
      ['apps[0].treekill', 7],
    ]);
    expect(warnings.find((warning) => warning.path === 'apps[0].colour')!.message).toBe('is not a PM2 key pool knows: ignored');
    const error = await loadConfigFile(file, { strict: true }).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_CONFIG') && (error.context.problems as { path: string }[]).map((problem) => problem.path)).toEqual([
      'deploy',
      'apps[0].pid_file',
      'apps[0].colour',
      'apps[0].treekill',
    ]);
  });

  it('refuses bad values with their PM2 path: a missing script, a wrong type, a name pool cannot take, two apps of one name', async () => {
    const file = write(
      'ecosystem.json',
      JSON.stringify({ apps: [{ name: 'a' }, { name: 'b', script: 'b.js', instances: 'lots', autorestart: 'yes' }] }, null, 2),
    );
    const error = await loadConfigFile(file).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_CONFIG')).toBe(true);
    const problems = (error as { context: { problems: { path: string; message: string; line?: number }[] } }).context.problems;
    expect(problems.map(({ path, message, line }) => `${path}@${line} ${message}`)).toEqual([
      'apps[0]@3 needs script (the app to run)',
      'apps[1].instances@9 must be a number, "max" (one per CPU) or -N (all CPUs but N)',
      'apps[1].autorestart@10 must be a boolean',
    ]);
    const names = write('names.json', JSON.stringify({ apps: [{ name: 'my api', script: 'a.js' }, { script: 'x.js' }, { name: 'x', script: 'y.js' }] }));
    const named = await loadConfigFile(names).catch((caught: unknown) => caught);
    expect((named as Error).message).toMatch(/apps\[0\]\.name makes the job name "my api".*apps\[2\]\.name "x" is the name of an app before it/);
  });

  it('runs a script by its extension, an executable file itself, a command from PATH, and interpreter "none" as is', async () => {
    const executable = write('tool', '#!/bin/sh\nexec sleep 1\n');
    chmodSync(executable, 0o755);
    write('plain', 'console.log(1)\n');
    const file = write(
      'ecosystem.json',
      JSON.stringify({
        apps: [
          { name: 'a', script: 'run.sh' },
          { name: 'b', script: './tool', args: "--flag 'two words' three\\ four" },
          { name: 'c', script: 'npm', args: 'start' },
          { name: 'd', script: 'plain' },
          { name: 'e', script: 'app.rb', interpreter: 'none' },
          { name: 'f', script: 'app.js', interpreter: '/opt/node22/bin/node', interpreter_args: ['--inspect'] },
        ],
      }),
    );
    const commands = (await loadConfigFile(file)).map((job) => job.cmd);
    expect(commands).toEqual([
      ['bash', 'run.sh'],
      [executable, '--flag', 'two words', 'three four'],
      ['npm', 'start'],
      ['node', 'plain'],
      ['app.rb'],
      ['/opt/node22/bin/node', '--inspect', 'app.js'],
    ]);
  });

  it('has a JSON Schema another validator compiles', () => {
    const validate = new Ajv({ allowUnionTypes: true }).compile(ecosystemFileSchema);
    expect(validate({ apps: [{ script: 'a.js', instances: 'max', env_production: { A: 1 } }] })).toBe(true);
    expect(validate({ apps: [{ name: 'no script' }] })).toBe(false);
    expect(splitArgs('a "b c" \'d e\' f\\ g ""')).toEqual(['a', 'b c', 'd e', 'f g', '']);
  });
});

describe('envFile: .env files for a job', () => {
  const { create } = useManagers();

  it('gives a process the variables of its .env files, in order, under its env; a file that cannot be read is a config error', async () => {
    write('.env', '# shared\nGREETING=hello\nexport TARGET="the world"\nSECRET=one\n');
    write('local.env', 'SECRET=two\n');
    const { manager, stdout } = create();
    await manager.start();
    const script = 'console.log(`env ${process.env.GREETING} ${process.env.TARGET} ${process.env.SECRET} ${process.env.LEVEL}`); setInterval(() => {}, 1000)';
    await manager.load({ name: 'env', cmd: [node, '-e', script], cwd: directory.path, envFile: ['.env', 'local.env'], env: { LEVEL: 'debug', GREETING: 'hi' } });
    await stdout.waitFor(/env hi the world two debug/);
    const error = await manager.load({ name: 'missing', cmd: [node, '-e', '0'], cwd: directory.path, envFile: 'nope.env' }).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_CONFIG') && error.message).toMatch(/envFile cannot be read: .*nope\.env \(ENOENT\)/);
    await expect(manager.load({ name: 'typed', cmd: [node, '-e', '0'], envFile: [3] as unknown as string[] })).rejects.toThrow(/envFile\[0\] must be a string/);
  });
});
