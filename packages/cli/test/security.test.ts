import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, waitFor } from '@pool/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from './helpers/sandbox.js';

// The attacks of a local adversary, as the CLI and its daemon meet them (docs/security.md).
describe('pool against hostile input', () => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = new Sandbox();
  });
  afterEach(async () => {
    await sandbox.run(['shutdown']);
    await sandbox.cleanup();
  });

  it('a Procfile variable holding quotes and ";" is data, not shell: the injected command never runs', async () => {
    const marker = join(sandbox.root, 'injected');
    const value = `hi"; touch ${marker}; echo "`;
    sandbox.file('Procfile', 'say: echo "greeting=$GREETING" && exec sleep 1000\n');
    const started = await sandbox.run(['start', 'Procfile'], { env: { GREETING: value } });
    expect(started.code, started.stderr).toBe(0);
    const logs = await waitFor(async () => {
      const { stdout } = await sandbox.run(['logs', 'say']);
      return stdout.includes('greeting=') ? stdout : undefined;
    }, 30_000);
    expect(logs).toContain(`greeting=${value}`);
    expect(existsSync(marker)).toBe(false);
  });

  /** A long-running process whose command line says "daemon", as another program's daemon's would. */
  const otherDaemon = () => sandbox.tracker.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'daemon']);
  const writeHomeFile = (name: string, content: string) => {
    mkdirSync(sandbox.home, { recursive: true, mode: 0o700 });
    writeFileSync(join(sandbox.home, name), content, { mode: 0o600 });
    return join(sandbox.home, name);
  };
  const setAside = () => readdirSync(sandbox.home).filter((name) => name.startsWith('state.json.unreadable-'));

  it('a stale pid file whose pid now names another daemon: pool shutdown leaves that process alone', async () => {
    const other = otherDaemon();
    await waitFor(() => readFileSync(`/proc/${other.pid}/cmdline`, 'utf8').includes('daemon'));
    // Written by a pool daemon that died a minute ago; its pid was since given to the other program.
    const pidFile = writeHomeFile('pool.pid', `${other.pid}\n`);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(pidFile, aMinuteAgo, aMinuteAgo);
    const shutdown = await sandbox.run(['shutdown']);
    expect([shutdown.code, shutdown.stdout]).toEqual([0, 'the pool daemon was not running\n']);
    const status = await sandbox.run(['daemon', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false, pid: null });
    expect(isAlive(other.pid)).toBe(true);
    // A daemon starting now takes the stale file over.
    expect((await sandbox.run(['daemon', 'start'])).code).toBe(0);
    expect(sandbox.daemonPid()).not.toBe(other.pid);
    expect(isAlive(other.pid)).toBe(true);
  });

  it('state.json naming a negative pid (a process group) is set aside: the daemon signals nothing and starts', async () => {
    const other = otherDaemon();
    writeHomeFile('state.json', JSON.stringify({ version: 1, savedAt: new Date().toISOString(), jobs: [], processes: [{ pid: -other.pid, job: 'default.x' }] }));
    const started = await sandbox.run(['daemon', 'start']);
    expect(started.code, started.stderr).toBe(0);
    expect(setAside()).toHaveLength(1);
    expect(readFileSync(join(sandbox.home, 'pool.log'), 'utf8')).toMatch(/processes\[0\]\.pid must be a process id/);
    // Given time to have signalled it, had it meant to: the daemon is up and answers.
    expect((await sandbox.run(['ps'])).code).toBe(0);
    expect(isAlive(other.pid)).toBe(true);
  });

  it.each([
    ['jobs of the wrong shape', '{"version":1,"jobs":[{}]}', /jobs\[0\]\.session must be/],
    ['a list of nulls', '[null]', /the top level must be an object/],
    ['processes that are a string', '{"version":1,"jobs":[],"processes":"abc"}', /processes must be an array/],
  ])('state.json of valid JSON but %s is set aside with a log line, and the daemon starts', async (_, content, logged) => {
    writeHomeFile('state.json', content);
    const started = await sandbox.run(['daemon', 'start']);
    expect(started.code, started.stderr).toBe(0);
    expect(setAside()).toHaveLength(1);
    expect(readFileSync(join(sandbox.home, 'pool.log'), 'utf8')).toMatch(logged);
    expect(JSON.parse((await sandbox.run(['ps', '--json'])).stdout)).toEqual([]);
  });

  it('state.json that is a symbolic link, or belongs to another user, is not read: its commands never run', async () => {
    const marker = join(sandbox.root, 'ran');
    const job = { session: 'default', active: true, config: { name: 'planted', cmd: ['touch', marker] } };
    const planted = join(sandbox.root, 'planted.json');
    writeFileSync(planted, JSON.stringify({ version: 1, savedAt: new Date().toISOString(), jobs: [job] }));
    mkdirSync(sandbox.home, { recursive: true, mode: 0o700 });
    symlinkSync(planted, join(sandbox.home, 'state.json'));
    expect((await sandbox.run(['daemon', 'start'])).code).toBe(0);
    expect(setAside()).toHaveLength(1);
    expect(readFileSync(join(sandbox.home, 'pool.log'), 'utf8')).toContain('is a symbolic link');
    expect(JSON.parse((await sandbox.run(['ps', '--json'])).stdout)).toEqual([]);
    await sandbox.run(['shutdown']);
    if (process.getuid?.() === 0) {
      // As root (a daemon run as root is the one worth attacking): a file of uid 65534's.
      const file = writeHomeFile('state.json', readFileSync(planted, 'utf8'));
      chownSync(file, 65534, 65534);
      expect((await sandbox.run(['daemon', 'start'])).code).toBe(0);
      expect(readFileSync(join(sandbox.home, 'pool.log'), 'utf8')).toContain('belongs to uid 65534');
      expect(JSON.parse((await sandbox.run(['ps', '--json'])).stdout)).toEqual([]);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
