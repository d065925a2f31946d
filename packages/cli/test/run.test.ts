import { samePressWithin } from '@pool/core';
import { isAlive, waitForDeath } from '@pool/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtures, Sandbox } from './helpers/sandbox.js';

/** The pids pool reported as `… started (pid N)`. */
function startedPids(output: string): number[] {
  return [...output.matchAll(/started \(pid (\d+)\)/g)].map((match) => Number(match[1]));
}

describe('pool run, in the foreground', () => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = new Sandbox();
  });
  afterEach(() => sandbox.cleanup());

  it('runs a Procfile with console logs, and stops everything on SIGTERM with exit code 0', async () => {
    sandbox.file('Procfile', `web: LABEL=web exec node ${fixtures}ticker.mjs\nclock: LABEL=clock exec node ${fixtures}ticker.mjs\n`);
    const run = sandbox.start(['run', 'Procfile']);
    await run.waitForOutput(/web\.0 +\| tick web 1\n[^]*clock\.0 +\| tick clock 1\n|clock\.0 +\| tick clock 1\n[^]*web\.0 +\| tick web 1\n/, 30_000);
    const pids = startedPids(run.stdout());
    expect(pids).toHaveLength(2);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toMatch(/pool +\| SIGTERM: stopping every process/);
    expect(pids.some(isAlive)).toBe(false);
    expect(await sandbox.leftovers()).toEqual([]);
  });

  it('kills at once on a second Ctrl-C', async () => {
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { stubborn: { cmd: ['node', `${fixtures}ignore-term.mjs`], gracefulTimeout: '10m' } } }));
    const run = sandbox.start(['run', '.']);
    await run.waitForOutput(/stubborn\.0 \| stubborn up/, 30_000);
    run.child.kill('SIGINT');
    await run.waitForOutput(/ignoring SIGTERM/, 30_000);
    // A second press comes later than samePressWithin (the same SIGINT sooner is one press passed on twice).
    await new Promise((resolve) => setTimeout(resolve, samePressWithin + 100));
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 130, signal: null });
    expect(run.stdout()).toContain('second Ctrl-C: killing every process now');
    await waitForDeath(startedPids(run.stdout()), 30_000);
  });

  it('runs a worker module under a Supervisor with -w workers', async () => {
    const run = sandbox.start(['run', `${fixtures}worker.mjs`, '-w', '2']);
    await run.waitForOutput(/worker\.0 \| worker 0 up[^]*worker\.1 \| worker 1 up|worker\.1 \| worker 1 up[^]*worker\.0 \| worker 0 up/, 30_000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toMatch(/worker 0 down/);
    expect(await sandbox.leftovers()).toEqual([]);
  });

  it('runs any other script as a one-job Manager, with --env', async () => {
    sandbox.file('server.mjs', "console.log(`server up, GREETING=${process.env.GREETING}`); setInterval(() => {}, 60_000);\n");
    const run = sandbox.start(['run', 'server.mjs', '--env', 'GREETING=hello']);
    await run.waitForOutput(/server\.0 \| server up, GREETING=hello/, 30_000);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT'); // the same press passed on twice (a launcher in the terminal's group): still graceful
    expect(await run.exited).toEqual({ code: 130, signal: null });
    expect(run.stdout()).not.toContain('killing every process now');
  });

  it('exits 1 with POOL_FLAPPING when a job keeps crashing', async () => {
    const flapping = { attempts: 2, window: '30s', retryIn: '50ms', maxRetry: 1 };
    sandbox.file('crash.json', JSON.stringify({ jobs: { crasher: { cmd: ['node', `${fixtures}exit-with.mjs`, '3'], flapping } } }));
    const result = await sandbox.run(['run', 'crash.json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/pool +\| crasher kept crashing: giving up/);
    expect(result.stderr).toMatch(/^error POOL_FLAPPING: Job default\.crasher kept crashing/);
  });

  it('exits when every process has ended for good: 0 if all ended well, else 1', async () => {
    sandbox.file('once.json', JSON.stringify({ jobs: { once: { cmd: ['node', `${fixtures}exit-with.mjs`, '0'], restart: 'never' } } }));
    const done = await sandbox.run(['run', 'once.json']);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('once.0 | exiting with 0');
    const json = await sandbox.run(['run', 'once.json', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ job: 'default.once', worker: 0, stream: 'stdout', line: 'exiting with 0' });
    sandbox.file('fails.json', JSON.stringify({ jobs: { fails: { cmd: ['node', `${fixtures}exit-with.mjs`, '4'], restart: 'never' } } }));
    expect((await sandbox.run(['run', 'fails.json'])).code).toBe(1);
  });

  it('exits 1 when a command cannot be started, and on a config it cannot use', async () => {
    sandbox.file('missing.json', JSON.stringify({ jobs: { ghost: { cmd: ['pool-test-no-such-command'] } } }));
    const missing = await sandbox.run(['run', 'missing.json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error POOL_SPAWN_FAILED: Could not start pool-test-no-such-command/);
    const wrong = await sandbox.run(['run', sandbox.file('wrong.json', JSON.stringify({ jobs: { web: { cmd: ['node'], numprocesses: -1 } } }))]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('jobs.web.numprocesses');
    expect((await sandbox.run(['run', 'nothing-here.yaml'])).stderr).toContain('error POOL_CONFIG_NOT_FOUND');
  });
});
