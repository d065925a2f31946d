import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBin, fixtures, Sandbox, type PoolResult } from './helpers/sandbox.js';

const packageDirectory = fileURLToPath(new URL('../', import.meta.url));
const unbundled = join(fixtures, 'unbundled-pool.mjs');

interface Answer {
  status: number;
  body: unknown;
}

const process0 = { job: 'default.web', id: 0, pid: 4242, state: 'ready', restarts: 0, uptime: 3_725_000, cpu: 12.345, rss: 45_678_901, commit: false, startedAt: 1_700_000_000_000, readyAt: 1_700_000_000_150, lastExit: null };
const process1 = { ...process0, id: 1, pid: null, state: 'waiting', restarts: 3, uptime: 0, cpu: null, rss: null, lastExit: { code: 1, signal: null, reason: 'exit', uptime: 20, error: null } };
const oneOff = { ...process0, id: 2, pid: 4300, state: 'starting', uptime: 900, cpu: 0, rss: 1_000, commit: true, readyAt: null };
const worker = { ...process0, job: 'jobs.worker', pid: 4250, state: 'stopped', uptime: 90_061_000, cpu: 0.04, rss: 512 };
const jobs = (...names: string[]) => ({ status: 200, body: names.map((name) => ({ name, processes: [] })) });
const stats = (job: string, processes: object[]) => ({ status: 200, body: { job, cpu: 0, rss: 0, processes } });
/** GET /stats: every job's stats in one answer (a daemon older than that route answers 404, as by default here). */
const allStats = { status: 200, body: [stats('default.web', [process0, process1, oneOff]).body, stats('jobs.worker', [worker]).body] };
const unknownJob = (name: string) => ({ status: 404, body: { code: 'POOL_UNKNOWN_JOB', message: `No job named ${name}`, hint: 'List the jobs with jobs().' } });

/** What the stand-in daemon answers, by path: the daemon's JSON, fixed, so that two runs print the same bytes. */
const answersWith = (overrides: Record<string, Answer> = {}): Record<string, Answer> => ({
  '/jobs': jobs('default.web', 'jobs.worker'),
  '/jobs/default.web/stats': stats('default.web', [process0, process1, oneOff]),
  '/jobs/jobs.worker/stats': stats('jobs.worker', [worker]),
  ...overrides,
});

// bin.js runs `pool ps [job] [--json]` from dist/ps.bundle.cjs (made by scripts/bundle-ps.mjs from tsc's output):
// it must print what main() prints from the modules one by one, byte for byte, for every answer of the
// daemon and every error, and load nothing else of dist/.
describe('`pool ps` from the bundle', () => {
  let sandbox: Sandbox;
  let server: Server;
  let answers = answersWith();
  let copy: { path: string; remove: () => void };

  /** `pool …` to its end, all output read: with `program` (a script for node) in the sandbox. */
  const run = (program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<PoolResult> => {
    const child = spawn(process.execPath, [program, ...args], { cwd: sandbox.work, env: sandbox.env(env), stdio: ['ignore', 'pipe', 'pipe'] });
    sandbox.tracker.track(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  };
  const both = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const bundled = await run(builtBin, args, env);
    return { bundled, unbundled: await run(unbundled, args, env) };
  };

  beforeAll(async () => {
    sandbox = new Sandbox();
    mkdirSync(sandbox.home, { mode: 0o700 });
    // A stand-in for the daemon on its socket, so that both runs get the same answers (no uptime ticking).
    server = createServer((request, response) => {
      const answer = answers[request.url ?? ''] ?? { status: 404, body: { code: 'POOL_ROUTE_NOT_FOUND', message: `No route GET ${request.url}`, hint: '' } };
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json' });
      response.end(text);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(join(sandbox.home, 'pool.sock'), resolve);
    });
    // bin.js with the bundle and what bin.js itself imports, nothing else: no main.js, no node_modules.
    copy = tempDir('pool-ps-bundle-');
    mkdirSync(join(copy.path, 'dist'));
    copyFileSync(join(packageDirectory, 'package.json'), join(copy.path, 'package.json'));
    for (const file of ['bin.js', 'fast-path.js', 'ps.bundle.cjs']) copyFileSync(join(packageDirectory, 'dist', file), join(copy.path, 'dist', file));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    copy?.remove();
    await sandbox?.cleanup();
  });

  it('is all that bin.js loads for `pool ps`', async () => {
    answers = answersWith();
    const copiedBin = join(copy.path, 'dist', 'bin.js');
    for (const args of [['ps'], ['ps', '--json'], ['ps', 'web']]) {
      const alone = await run(copiedBin, args);
      expect(alone).toEqual(await run(builtBin, args));
      expect(alone.code).toBe(0);
    }
    // The copy has no main.js: any other command fails there, so `ps` above did not go through it.
    const other = await run(copiedBin, ['--version']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('main.js');
  });

  const cases: [string, string[], Record<string, Answer>?, NodeJS.ProcessEnv?][] = [
    ['the table', ['ps']],
    ['JSON', ['ps', '--json']],
    ['--json twice, before a job', ['ps', '--json', '--json', 'web']],
    ['one job by its short name', ['ps', 'web']],
    ['one job by its full name, as JSON', ['ps', 'jobs.worker', '--json']],
    ['all', ['ps', 'all']],
    ['colours forced', ['ps'], {}, { NO_COLOR: undefined, FORCE_COLOR: '1' }],
    ['a job unloaded meanwhile', ['ps'], { '/jobs/jobs.worker/stats': unknownJob('jobs.worker') }],
    ['no jobs', ['ps'], { '/jobs': jobs() }],
    ['no jobs, as JSON', ['ps', '--json'], { '/jobs': jobs() }],
    ['an unknown job', ['ps', 'nope'], { '/jobs/default.nope/stats': unknownJob('default.nope') }],
    ['an unknown job, as JSON, colours forced', ['ps', 'nope', '--json'], { '/jobs/default.nope/stats': unknownJob('default.nope') }, { NO_COLOR: undefined, FORCE_COLOR: '1' }],
    ['a name that cannot be a job', ['ps', 'no such job!']],
    ['an answer that is no JSON', ['ps'], { '/jobs': { status: 502, body: 'bad gateway' } }],
    ['an answer that is no JSON, as JSON', ['ps', '--json'], { '/jobs': { status: 500, body: { oops: true } } }],
    ['no daemon', ['ps'], {}, { POOL_HOME: '/nonexistent/pool-home' }],
    ['no daemon, as JSON', ['ps', '--json'], {}, { POOL_HOME: '/nonexistent/pool-home' }],
    ['a POOL_HOME too long for a socket', ['ps'], {}, { POOL_HOME: `/tmp/${'x'.repeat(120)}` }],
    ['every job in one answer', ['ps'], { '/stats': allStats }],
    ['every job in one answer, as JSON', ['ps', '--json'], { '/stats': allStats }],
    ['GET /stats failing otherwise than with a 404', ['ps'], { '/stats': { status: 500, body: { code: 'POOL_INTERNAL_ERROR', message: 'boom', hint: '' } } }],
    ['too many arguments (not the fast path)', ['ps', 'a', 'b']],
    ['an option of its own (not the fast path)', ['ps', '--help']],
  ];

  it.each(cases)('prints what main() prints: %s', async (_name, args, overrides = {}, env = {}) => {
    answers = answersWith(overrides);
    const { bundled, unbundled } = await both(args, env);
    expect(bundled).toEqual(unbundled);
    // And something worth comparing: not two identical crashes.
    expect(bundled.stdout + bundled.stderr).not.toMatch(/POOL_UNEXPECTED|ERR_MODULE_NOT_FOUND|node:internal/);
    expect(bundled.stdout + bundled.stderr).not.toBe('');
  });

  it('prints the same from GET /stats as from asking job by job (a daemon without that route)', async () => {
    for (const args of [['ps'], ['ps', '--json']]) {
      answers = answersWith({ '/stats': allStats });
      const once = await run(builtBin, args);
      answers = answersWith();
      const jobByJob = await run(builtBin, args);
      expect(once).toEqual(jobByJob);
      expect(once.code).toBe(0);
    }
  });

  it('prints the table the daemon answers for', async () => {
    answers = answersWith();
    const { stdout, code } = await run(builtBin, ['ps']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'web\t0\t4242\tready\t1h 2m\t0\t12.3%\t43.6 MB',
        'web\t1\t-\twaiting\t-\t3\t-\t-',
        'web (one-off)\t2\t4300\tstarting\t0s\t0\t0.0%\t1000 B',
        'jobs.worker\t0\t4250\tstopped\t1d 1h\t0\t0.0%\t512 B',
        '',
      ].join('\n'),
    );
  });

  it('reports an unexpected error with the package version, as main() does', async () => {
    answers = answersWith({ '/jobs': { status: 200, body: { not: 'a list' } } });
    const { bundled, unbundled } = await both(['ps', '--json']);
    expect(bundled.code).toBe(1);
    expect(unbundled.code).toBe(1);
    const report = (result: PoolResult) => (JSON.parse(result.stderr) as { error: { code: string; message: string; details: string } }).error;
    const [fromBundle, fromModules] = [report(bundled), report(unbundled)];
    expect(fromBundle.code).toBe('POOL_UNEXPECTED');
    expect(fromBundle.message).toBe(fromModules.message);
    // The stacks name different files; the lines before them do not.
    const head = (details: string) => details.split('\n').slice(0, 3);
    expect(head(fromBundle.details)).toEqual(head(fromModules.details));
    const { version } = JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8')) as { version: string };
    expect(head(fromBundle.details)[0]).toBe(`pool ${version}`);
  });
});
