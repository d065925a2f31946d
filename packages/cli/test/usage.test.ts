import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBin, errorOf, Sandbox } from './helpers/sandbox.js';

// Everything here runs without a daemon: usage, help, and what a command says when the daemon is not there.
describe('pool without a daemon', () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = new Sandbox();
  });
  afterAll(() => sandbox.cleanup());

  it('prints its version and help', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await sandbox.run(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(await sandbox.run(['--version', '--json'])).toMatchObject({ code: 0, stdout: `${JSON.stringify({ version })}\n` });
    const help = await sandbox.run(['help', 'scale']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: pool scale [options] <job> <n>');
    expect(help.stdout).toContain('--json');
    const overview = await sandbox.run(['--help']);
    for (const command of ['start', 'run', 'ps', 'logs', 'save', 'resurrect', 'startup', 'shutdown', 'daemon']) expect(overview.stdout).toContain(`  ${command} `);
  });

  it('answers a usage error with POOL_USAGE, a hint and exit code 2', async () => {
    const unknown = await sandbox.run(['stats2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error POOL_USAGE: unknown command 'stats2'/);
    expect(unknown.stderr).toContain('hint Run `pool help` for the list of commands.');
    // A typo of a command: commander's suggestion, and a hint that names a command that exists.
    const typo = await sandbox.run(['strat', 'app.js']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(Did you mean start?)');
    expect(typo.stderr).not.toContain('pool help strat');
    const missing = await sandbox.run(['scale', 'web']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'n'");
    expect(missing.stderr).toContain('pool help scale');
    const badPid = await sandbox.run(['kill', 'abc', '--json']);
    expect(badPid.code).toBe(2);
    expect(errorOf(badPid)).toMatchObject({ code: 'POOL_USAGE', hint: expect.stringContaining('pool help kill') });
    expect((await sandbox.run(['logs', '--lines', 'zero'])).code).toBe(2);
    expect((await sandbox.run(['start', 'x.json', '--env', 'NO EQUALS'])).code).toBe(2);
    expect((await sandbox.run([])).code).toBe(2);
  });

  it('says how to start the daemon when it is not running, with exit code 1', async () => {
    for (const args of [['ps'], ['logs', 'web'], ['scale', 'web', '2'], ['info', 'web'], ['save'], ['events']]) {
      const result = await sandbox.run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/^error POOL_DAEMON_NOT_RUNNING: The pool daemon is not running/);
      expect(result.stderr).toContain('`pool daemon start`');
    }
    const json = await sandbox.run(['ps', '--json']);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe('');
    expect(errorOf(json)).toEqual({
      code: 'POOL_DAEMON_NOT_RUNNING',
      message: `The pool daemon is not running (nothing answers on ${join(sandbox.home, 'pool.sock')})`,
      hint: expect.stringContaining('pool start <config>'),
    });
  });

  it('reports the daemon status and an idle shutdown', async () => {
    const status = await sandbox.run(['daemon', 'status', '--json']);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false, home: sandbox.home });
    expect(await sandbox.run(['shutdown'])).toMatchObject({ code: 0, stdout: 'the pool daemon was not running\n' });
  });

  it('refuses config files it cannot read or that hold a wrong type, before starting any daemon', async () => {
    const missing = await sandbox.run(['start', 'nothere.json', '--json']);
    expect(missing.code).toBe(1);
    expect(errorOf(missing)).toMatchObject({ code: 'POOL_CONFIG_NOT_FOUND', message: `Config file ${join(sandbox.work, 'nothere.json')} not found` });
    sandbox.file('broken.json', '{ "jobs": ');
    const broken = await sandbox.run(['start', 'broken.json']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error POOL_CONFIG_PARSE_FAILED: Could not read .*broken\.json:/);
    sandbox.file('wrong-type.yaml', 'jobs:\n  web:\n    cmd: [node, server.js]\n    numprocesses: two\n');
    const wrong = await sandbox.run(['start', 'wrong-type.yaml']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error POOL_INVALID_CONFIG: .*jobs\.web\.numprocesses \(line 4\) must be an integer/);
    expect(wrong.stderr).toContain('hint Fix the value at each path listed');
    expect(existsSync(join(sandbox.home, 'pool.pid'))).toBe(false);
    expect((await sandbox.run(['resurrect', '--json'])).stderr).toContain('POOL_NOTHING_SAVED');
  });

  it('prints a systemd unit for this node, this pool and this POOL_HOME, and installs nothing', async () => {
    const result = await sandbox.run(['startup', 'systemd']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`ExecStart=${process.execPath} ${builtBin} daemon start --foreground\n`);
    expect(result.stdout).toContain(`Environment=POOL_HOME=${sandbox.home}\n`);
    expect(result.stdout).toContain('KillMode=mixed');
    expect(result.stdout).toContain('Delegate=yes\n');
    expect(result.stdout).toContain('LimitNOFILE=65536\n');
    const path = /^Environment=PATH=(.*)$/m.exec(result.stdout)![1]!.split(':');
    expect(new Set(path).size).toBe(path.length);
    expect(result.stdout).toContain('WantedBy=multi-user.target');
    expect(result.stderr).toContain('systemctl enable --now pool');
    const user = await sandbox.json<{ unit: string; path: string }>(['startup', 'systemd', '--user']);
    expect(user.unit).toContain('WantedBy=default.target');
    expect(user.path).toContain('.config/systemd/user');
    expect((await sandbox.run(['startup', 'upstart'])).code).toBe(2);
    expect(existsSync(sandbox.home)).toBe(false);
  });

  it('colours only when asked to, never with NO_COLOR', async () => {
    const plain = await sandbox.run(['ps']);
    expect(plain.stderr).not.toContain('\u001b[');
    const forced = await sandbox.run(['ps'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stderr).toContain('\u001b[31merror');
  });
});
