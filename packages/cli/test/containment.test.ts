import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { cgroups } from '@pool/core/internal';
import { descendants, isAlive, waitFor, waitForDeath, zombieChildren } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { errorOf, fixtures } from './helpers/sandbox.js';
import { useSandbox } from './helpers/sandbox.js';

// Issue 20: a broken or hostile job must never take the daemon (and every other job) down with it.

const sandboxes = useSandbox();

describe('garbage on a control channel (issue 20, item 1)', () => {
  it('the daemon runs on: the job that wrote it is stopped and restarted (reason fault), the other job keeps its process', async () => {
    const sandbox = sandboxes.current;
    const evil = `process.send('ready'); setTimeout(() => require('fs').writeSync(process.channel.fd, 'garbage\\n'), 100); setInterval(() => {}, 1000)`;
    sandbox.file(
      'pool.config.json',
      JSON.stringify({ jobs: { good: { cmd: ['sleep', '1000'] }, evil: { cmd: [process.execPath, '-e', evil], readiness: { message: true }, backoff: { initial: 100, max: 100 } } } }),
    );
    const started = await sandbox.run(['start', 'pool.config.json']);
    // `pool start` sees evil's process replaced within its first second: a failed start, said (exit code 1).
    expect(started.code).toBe(1);
    expect(started.stdout).toMatch(/^started good: 1 process \(pid \d+\)\nstarted evil: 1 of 1 process did not start\n$/);
    expect(started.stderr).toMatch(/evil\.0 did not start/);
    const daemon = sandbox.daemonPid()!;
    const [good] = (await sandbox.json<PsRecord[]>(['ps'])).filter((record) => record.job === 'default.good');
    const events = sandbox.start(['events', 'evil', '--json']);
    // Three faults in a row: each replacement writes garbage again, and each time the daemon survives.
    await events.waitForOutput(/("type":"fault"[^]*){3}/, 30_000);
    expect(isAlive(daemon)).toBe(true);
    expect(sandbox.daemonPid()).toBe(daemon);
    expect(events.stdout()).toContain('a message that is not JSON: \\"garbage\\"');
    const info = await sandbox.json<{ restartReasons: Record<string, number> }>(['info', 'evil']);
    expect(info.restartReasons.fault).toBeGreaterThanOrEqual(2);
    const after = (await sandbox.json<PsRecord[]>(['ps'])).find((record) => record.job === 'default.good');
    expect(after).toMatchObject({ pid: good!.pid, state: 'ready' });
  });

  it('pool run worker.mjs -w 4 runs on when one worker writes garbage, and says which', async () => {
    const sandbox = sandboxes.current;
    const run = sandbox.start(['run', `${fixtures}garbage-worker.mjs`, '-w', '4']);
    await run.waitForOutput(/(worker 1 up[^]*){3}/, 30_000);
    expect(run.stdout() + run.stderr()).toMatch(/garbage-worker\.1 \(pid \d+\) exited with code \d+ \(fault\): Process \d+ \(\S+\) sent a message that is not JSON: "this is not JSON" on its control channel/);
    expect(isAlive(run.pid)).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(await sandbox.leftovers()).toEqual([]);
  });
});

const escaper = `
  const { spawn } = require('child_process');
  const a = spawn('setsid', ['sleep', '1000'], { stdio: 'ignore' });
  const b = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
  require('fs').writeFileSync(process.env.ESCAPES, JSON.stringify([a.pid, b.pid]));
  setInterval(() => {}, 1 << 30);`;

describe.skipIf(cgroups.mode !== 'cgroup')('escapes from the process group (issue 20, item 2)', () => {
  it('pool stop ends what a job started with setsid or detached; so does a SIGKILL of the daemon', async () => {
    const sandbox = sandboxes.current;
    const file = join(sandbox.root, 'escapes.json');
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { escaper: { cmd: [process.execPath, '-e', escaper], env: { ESCAPES: file } } } }));
    expect((await sandbox.run(['start', 'pool.config.json'])).code).toBe(0);
    const read = () => waitFor(() => { try { return JSON.parse(readFileSync(file, 'utf8')) as number[]; } catch { return undefined; } });
    const first = await read();
    expect(readFileSync(join(sandbox.home, 'pool.log'), 'utf8')).toContain('containment: each process in a cgroup of its own');
    expect((await sandbox.run(['stop', 'escaper'])).code).toBe(0);
    await waitForDeath(first, 10_000);
    // Again, and this time the daemon itself is SIGKILLed: its watchdog ends the escapes.
    const { rmSync } = await import('node:fs');
    rmSync(file);
    expect((await sandbox.run(['start', 'escaper'])).code).toBe(0);
    const second = await read();
    expect(second.every(isAlive)).toBe(true);
    process.kill(sandbox.daemonPid()!, 'SIGKILL');
    await waitForDeath(second, 15_000);
  });
});

describe('the watchdog (issue 20, item 4)', () => {
  it('killed alone, it is replaced and the replacement is logged; a SIGKILL of the daemon then still ends every job', async () => {
    const sandbox = sandboxes.current;
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { napper: { cmd: ['sleep', '1000'], numprocesses: 2 } } }));
    expect((await sandbox.run(['start', 'pool.config.json'])).code).toBe(0);
    const daemon = sandbox.daemonPid()!;
    const isWatchdog = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('forget()'); } catch { return false; } };
    const first = await waitFor(() => descendants(daemon).find(isWatchdog));
    process.kill(first, 'SIGKILL');
    const second = await waitFor(() => descendants(daemon).find((pid) => pid !== first && isWatchdog(pid)), { message: 'a new watchdog' });
    const log = await waitFor(() => { const text = readFileSync(join(sandbox.home, 'pool.log'), 'utf8'); return text.includes('the watchdog') ? text : undefined; });
    expect(log).toMatch(new RegExp(`the watchdog \\(pid ${first}\\) killed by SIGKILL: replaced by pid ${second}, told 2 process groups`));
    const sleepers = descendants(daemon).filter((pid) => pid !== second);
    process.kill(daemon, 'SIGKILL');
    await waitForDeath(sleepers, 15_000);
  });
});

describe('one daemon per POOL_HOME (issue 20, item 5)', () => {
  it('with its pid file removed, a second daemon is refused (POOL_DAEMON_RUNNING names the first), which keeps its socket and can still be stopped', async () => {
    const sandbox = sandboxes.current;
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { once: { cmd: ['sleep', '1000'] } } }));
    expect((await sandbox.run(['start', 'pool.config.json'])).code).toBe(0);
    const first = sandbox.daemonPid()!;
    const { rmSync } = await import('node:fs');
    rmSync(join(sandbox.home, 'pool.pid'));
    const second = await sandbox.run(['daemon', 'start', '--foreground', '--json']);
    expect(second.code).toBe(1);
    expect(errorOf(second)).toMatchObject({ code: 'POOL_DAEMON_RUNNING', message: `A pool daemon (pid ${first}) already runs on ${sandbox.home}` });
    // `pool daemon start` (detached) and status find it through the lock, and the job runs once.
    expect((await sandbox.run(['daemon', 'start'])).stdout).toContain(`the pool daemon runs already (pid ${first})`);
    expect((await sandbox.json<{ pid: number }>(['daemon', 'status'])).pid).toBe(first);
    const records = await sandbox.json<PsRecord[]>(['ps']);
    expect(records.filter((record) => record.job === 'default.once')).toHaveLength(1);
    expect(sandbox.processes().filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon'))).toEqual([first]);
    expect((await sandbox.run(['daemon', 'stop'])).stdout).toContain(`stopped the pool daemon (pid ${first})`);
    expect(await sandbox.leftovers()).toEqual([]);
  });
});

const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
/** A job that leaves `count` orphans behind, each touching `<dir>/done.<n>` as it ends, then sleeps. */
const orphaner = (dir: string, count: number) =>
  ['sh', '-c', `i=0; while [ $i -lt ${count} ]; do i=$((i+1)); (sh -c "sleep 0.05; touch ${dir}/done.$i" &); done; exec sleep 1000`];

describe('orphans (issue 20, item 3)', () => {
  it.skipIf(!canUnshare)('as PID 1 of a PID namespace, pool run reaps every orphan, stops on SIGTERM with exit code 0 and leaves nothing', async () => {
    const sandbox = sandboxes.current;
    const dir = join(sandbox.root, 'orphans');
    mkdirSync(dir);
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { orphaner: { cmd: orphaner(dir, 50) } } }));
    const init = sandbox.tracker.spawn('unshare', ['--pid', '--fork', '--mount-proc', ...sandbox.command, 'run', 'pool.config.json'], { cwd: sandbox.work, env: sandbox.env() });
    await init.waitForOutput(/orphaner\.0 started/, 30_000);
    const run = await waitFor(() => descendants(init.pid)[0]);
    expect(readFileSync(`/proc/${run}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    // Every orphan has ended (and was given to PID 1): none is left a zombie.
    await waitFor(() => readdirSync(dir).length === 50, { timeout: 30_000, message: '50 orphans ended' });
    await waitFor(() => zombieChildren(run).length === 0, { timeout: 15_000, message: `no zombie left under PID 1 (${zombieChildren(run).length} now)` });
    process.kill(run, 'SIGTERM');
    expect(await init.exited).toEqual({ code: 0, signal: null });
    expect(init.stdout()).toContain('SIGTERM: stopping every process');
    expect(await sandbox.leftovers()).toEqual([]);
  });

  it('pool run is the subreaper of its jobs: without cgroups, an orphan that escaped its group is ended, and logged', async () => {
    const sandbox = sandboxes.current;
    const file = join(sandbox.root, 'escaped.pid');
    const job = ['sh', '-c', `(setsid sh -c 'echo $$ > ${file}; exec sleep 1000' &); exec sleep 1000`];
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { daemonizer: { cmd: job } } }));
    const run = sandbox.start(['run', 'pool.config.json'], { env: { POOL_CGROUP: 'off' } });
    const escaped = await waitFor(() => { try { return Number(readFileSync(file, 'utf8')) || undefined; } catch { return undefined; } }, { timeout: 30_000 });
    sandbox.tracker.track(escaped);
    await waitForDeath([escaped], 15_000);
    expect(run.stdout()).toMatch(new RegExp(`process ${escaped} \\(sleep 1000\\) left its job's process group and outlived its parent: ending it`));
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(await sandbox.leftovers()).toEqual([]);
  });
});

const canMount = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s']).status === 0;

describe('output on a full disk (issue 20, item 7)', () => {
  it.skipIf(!canMount)('the daemon tears no line, says once that a log file cannot be written, and counts the lines lost per job in /metrics', async () => {
    const sandbox = sandboxes.current;
    // POOL_HOME/logs on a 64 KiB disk of its own (private, as pool wants it).
    const logs = join(sandbox.home, 'logs');
    mkdirSync(logs, { recursive: true, mode: 0o700 });
    chmodSync(sandbox.home, 0o700);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', logs]).status).toBe(0);
    try {
      const lines = 3000;
      const script = `let i = 0; const write = () => { while (i < ${lines}) { if (!process.stdout.write('line ' + String(i++).padStart(6, '0') + ' ' + 'x'.repeat(100) + '\\n')) return process.stdout.once('drain', write); } }; write(); setInterval(() => {}, 1000)`;
      sandbox.file('pool.config.json', JSON.stringify({ jobs: { chatty: { cmd: [process.execPath, '-e', script] } } }));
      expect((await sandbox.run(['start', 'pool.config.json'])).code).toBe(0);
      const metrics = await waitFor(async () => {
        const text = await metricsOf(join(sandbox.home, 'pool.sock'));
        const lost = Number(/^pool_log_lines_dropped_total\{job="default\.chatty"\} (\d+)$/m.exec(text)?.[1] ?? 0);
        const written = readFileSync(join(logs, 'default.chatty.log'), 'utf8').split('\n').length - 1;
        return lost > 0 && lost + written === lines ? { lost, written } : undefined;
      }, { timeout: 30_000, message: 'every line written or counted lost' });
      expect(metrics.written).toBeGreaterThan(100);
      // Whole lines only, in order (timestamps before each).
      const text = readFileSync(join(logs, 'default.chatty.log'), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      text.split('\n').slice(0, -1).forEach((entry, index) => expect(entry).toMatch(new RegExp(`line ${String(index).padStart(6, '0')} x{100}$`)));
      const said = readFileSync(join(sandbox.home, 'pool.log'), 'utf8').match(/a job's log file could not be written \(ENOSPC/g) ?? [];
      expect(said).toHaveLength(1);
      // pool info says so too.
      expect((await sandbox.json<{ logLinesLost: number }>(['info', 'chatty'])).logLinesLost).toBe(metrics.lost);
      expect((await sandbox.run(['info', 'chatty'])).stdout).toMatch(new RegExp(`log lines lost\\s+${metrics.lost} \\(its log file could not be written`));
      expect((await sandbox.run(['shutdown'])).code).toBe(0);
    } finally {
      spawnSync('umount', ['-l', logs]);
    }
  });
});

function metricsOf(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ socketPath, path: '/metrics' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('error', reject);
    request.end();
  });
}
