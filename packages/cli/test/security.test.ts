import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isAlive, waitFor } from '@pool/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorOf, useSandbox, type Sandbox } from './helpers/sandbox.js';

// The attacks of a local adversary, as the CLI and its daemon meet them (docs/security.md).
describe('pool against hostile input', () => {
  const sandboxes = useSandbox();
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = sandboxes.current;
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
    }, { timeout: 30_000 });
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
    // Written by a pool daemon that died ten minutes ago; its pid was since given to the other program.
    const pidFile = writeHomeFile('pool.pid', `${other.pid}\n`);
    const earlier = new Date(Date.now() - 600_000);
    utimesSync(pidFile, earlier, earlier);
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

  it('a POOL_HOME that others may write to is refused with the fix, before anything is created or sent', async () => {
    mkdirSync(sandbox.home, { mode: 0o700 });
    chmodSync(sandbox.home, 0o777);
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { secret: { cmd: ['sleep', '1000'], env: { STRIPE_KEY: 'sk_live_x' } } } }));
    for (const args of [['start', 'pool.config.json', '--json'], ['daemon', 'start', '--json'], ['ps', '--json']]) {
      const refused = await sandbox.run(args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(errorOf(refused)).toMatchObject({ code: 'POOL_HOME_UNSAFE' });
      expect(errorOf(refused).hint).toContain(`Check its files, then make it private: chmod 700 ${sandbox.home}`);
    }
    expect(readdirSync(sandbox.home)).toEqual([]);
    expect(sandbox.daemonPid()).toBeUndefined();
  });

  it('a pool.log planted as a symbolic link is never appended to', async () => {
    const target = join(sandbox.root, 'root-only');
    writeFileSync(target, 'precious\n');
    mkdirSync(sandbox.home, { mode: 0o700 });
    symlinkSync(target, join(sandbox.home, 'pool.log'));
    const refused = await sandbox.run(['daemon', 'start', '--json']);
    expect(errorOf(refused)).toMatchObject({ code: 'POOL_HOME_UNSAFE' });
    expect(errorOf(refused).message).toContain('is a symbolic link');
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it.runIf(process.getuid?.() === 0)('as root: a POOL_HOME of another user, and a socket another user swapped in, are refused; the socket receives nothing', async () => {
    mkdirSync(sandbox.home, { mode: 0o700 });
    chownSync(sandbox.home, 65534, 65534);
    const foreign = await sandbox.run(['daemon', 'start', '--json']);
    expect(errorOf(foreign)).toMatchObject({ code: 'POOL_HOME_UNSAFE' });
    expect(errorOf(foreign).message).toContain('belongs to uid 65534');
    chownSync(sandbox.home, 0, 0);
    // A listening socket of uid 65534's in our home (as if swapped in while the daemon was down).
    let received = 0;
    const impostor = createServer((connection) => connection.on('data', (chunk) => (received += chunk.length)));
    await new Promise<void>((resolve) => impostor.listen(join(sandbox.home, 'pool.sock'), resolve));
    try {
      chownSync(join(sandbox.home, 'pool.sock'), 65534, 65534);
      sandbox.file('pool.config.json', JSON.stringify({ jobs: { secret: { cmd: ['sleep', '1000'], env: { STRIPE_KEY: 'sk_live_x' } } } }));
      const refused = await sandbox.run(['start', 'pool.config.json', '--json']);
      expect(errorOf(refused)).toMatchObject({ code: 'POOL_HOME_UNSAFE' });
      expect(errorOf(refused).message).toContain('pool.sock is not yours');
      expect(received).toBe(0);
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  it('pool info hides env values unless --show-env; pool save keeps them', async () => {
    sandbox.file('pool.config.json', JSON.stringify({ jobs: { db: { cmd: ['sleep', '1000'], env: { DB_PASSWORD: 'hunter2', PORT_HINT: '1' } } } }));
    expect((await sandbox.run(['start', 'pool.config.json'])).code).toBe(0);
    const plain = await sandbox.run(['info', 'db']);
    expect(plain.stdout).toMatch(/env +DB_PASSWORD, PORT_HINT \(values: --show-env\)/);
    const json = await sandbox.json<{ config: { env: Record<string, string> } }>(['info', 'db']);
    expect(json.config.env).toEqual({ DB_PASSWORD: '***', PORT_HINT: '***' });
    expect((await sandbox.run(['info', 'all', '--json'])).stdout).not.toContain('hunter2');
    expect((await sandbox.run(['info', 'db', '--show-env'])).stdout).toContain('DB_PASSWORD=hunter2');
    expect((await sandbox.json<{ config: { env: Record<string, string> } }>(['info', 'db', '--show-env'])).config.env.DB_PASSWORD).toBe('hunter2');
    // What is saved is the job as it runs, values included (in a file of mode 0600).
    expect((await sandbox.run(['save'])).code).toBe(0);
    expect(readFileSync(join(sandbox.home, 'dump.json'), 'utf8')).toContain('"DB_PASSWORD": "hunter2"');
    // Starting the same file again is no change (the comparison sees the values).
    const again = await sandbox.run(['start', 'pool.config.json']);
    expect(again.code, again.stderr).toBe(0);
  });
});
