// supervisord (Debian's package) with a private config in a temp dir, never the system's service. The
// workers share one port the way supervisord shares one: an fcgi-program socket, inherited as fd 0.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launch, run, stopProcess } from '../lib/processes.mjs';
import { helloServer } from './paths.mjs';

const group = 'hello';
let directory;
let daemon;
let versionText;

const configFile = () => join(directory, 'supervisord.conf');
const supervisorctl = (...args) => run('supervisorctl', ['-c', configFile(), ...args], { timeout: 60_000 });

function writeConfig() {
  mkdirSync(join(directory, 'programs'), { recursive: true });
  mkdirSync(join(directory, 'logs'), { recursive: true });
  writeFileSync(
    configFile(),
    `[unix_http_server]
file=%(here)s/supervisor.sock
chmod=0700

[supervisord]
nodaemon=true
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s/logs

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/supervisor.sock

[include]
files = %(here)s/programs/*.conf
`,
  );
}

function writeProgram({ workers, port, env }) {
  const environment = Object.entries({ ...env, HELLO_FD: '0' }).map(([name, value]) => `${name}="${value}"`).join(',');
  writeFileSync(
    join(directory, 'programs', `${group}.conf`),
    `[fcgi-program:${group}]
socket=tcp://127.0.0.1:${port}
command=${process.execPath} ${helloServer}
process_name=%(program_name)s_%(process_num)02d
numprocs=${workers}
startsecs=0
autostart=true
autorestart=true
stopsignal=TERM
stopwaitsecs=10
environment=${environment}
stdout_logfile=%(here)s/../logs/${group}.log
redirect_stderr=true
`,
  );
}

export default {
  name: 'supervisord',
  label: 'supervisord',
  version: async () => (versionText ??= (await run('supervisord', ['--version'])).trim()),

  /** Starts the daemon once, with no program; each start adds the group with `supervisorctl update`. */
  async prepare({ directory: parent }) {
    directory = join(parent, 'supervisord');
    writeConfig();
    daemon = launch('supervisord', ['-n', '-c', configFile()], { logFile: join(directory, 'supervisord.out') });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await supervisorctl('pid');
        return;
      } catch (error) {
        if (Date.now() > deadline || daemon.exitCode !== null) throw error;
        await sleep(50);
      }
    }
  },

  daemonPids: () => (daemon && daemon.exitCode === null ? [daemon.pid] : []),
  daemonPid: () => daemon?.pid,
  /** Adds (or, with no text, removes) a program section and applies it with `supervisorctl update`. */
  async setProgram(name, text) {
    const file = join(directory, 'programs', `${name}.conf`);
    if (text) writeFileSync(file, text);
    else rmSync(file, { force: true });
    await supervisorctl('update');
  },
  ctl: (...args) => supervisorctl(...args),
  commandLine: (args) => ({ program: 'supervisorctl', args: ['-c', configFile(), ...args], env: {} }),
  programDirectory: () => join(directory, 'logs'),

  async cleanup() {
    if (!daemon) return;
    try {
      await supervisorctl('shutdown');
    } finally {
      await stopProcess(daemon, { timeout: 10_000 });
      daemon = undefined;
    }
  },

  start({ workers, port, env }) {
    writeProgram({ workers, port, env });
    const started = supervisorctl('update');
    started.catch(() => {});
    return {
      port,
      supervisorPid: daemon.pid,
      /** The `supervisorctl update` command has returned. */
      started,
      async stop() {
        await started.catch(() => {});
        rmSync(join(directory, 'programs', `${group}.conf`), { force: true });
        await supervisorctl('update'); // stops the group (TERM, then KILL after stopwaitsecs) and removes it
      },
    };
  },
};
