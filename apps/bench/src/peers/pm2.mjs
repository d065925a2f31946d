// PM2 in cluster mode (`-i N`) against a warm daemon with a private PM2_HOME; `pm2 kill` at the end.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isAlive, launch, run, signal, waitUntilGone } from '../lib/processes.mjs';
import { helloServer } from './paths.mjs';

const require = createRequire(import.meta.url);
const pm2Bin = join(require.resolve('pm2/package.json'), '..', 'bin', 'pm2');
const appName = 'hello';

let home;
let daemonPid;
const environment = () => ({ PM2_HOME: home });
const pm2 = (args, env = {}) => run(process.execPath, [pm2Bin, ...args], { env: { ...environment(), ...env }, timeout: 60_000 });

async function workerPids() {
  const list = JSON.parse((await pm2(['jlist'])).replace(/^[^[]*/, ''));
  return list.filter((entry) => entry.name === appName).map((entry) => entry.pid).filter(Boolean);
}

export default {
  name: 'pm2',
  label: 'PM2',
  version: () => require('pm2/package.json').version,

  /** Starts the daemon once (a warm daemon is how PM2 is used). */
  async prepare({ directory }) {
    home = join(directory, 'pm2-home');
    mkdirSync(home, { recursive: true });
    await pm2(['ping']);
    daemonPid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
  },

  daemonPids: () => (daemonPid ? [daemonPid] : []),
  daemonPid: () => daemonPid,
  /** Runs `pm2 <args>` against the private home (the log-flood, many-processes and CLI rows use it). */
  command: (args, env) => pm2(args, env),
  /** The CLI's command line, for timing it: [program, ...args] and its environment. */
  commandLine: (args) => ({ program: process.execPath, args: [pm2Bin, ...args], env: environment() }),

  async cleanup() {
    if (!home) return;
    try {
      await pm2(['kill']);
    } finally {
      if (daemonPid && !(await waitUntilGone([daemonPid], 5_000))) signal(daemonPid, 'SIGKILL');
      daemonPid = undefined;
    }
  },

  start({ workers, port, directory, env }) {
    const command = launch(process.execPath, [pm2Bin, 'start', helloServer, '--name', appName, '-i', String(workers)], {
      env: { ...env, ...environment(), PORT: String(port) },
      logFile: join(directory, 'pm2-cli.log'),
    });
    const started = command.exited.then(({ code }) => {
      if (code !== 0) throw new Error(`pm2 start exited with code ${code}`);
    });
    started.catch(() => {});
    return {
      port,
      supervisorPid: daemonPid,
      /** The `pm2 start` command has returned. */
      started,
      /** `pm2 reload`: PM2's zero-downtime reload of a cluster-mode app. */
      async reload() {
        await pm2(['reload', appName]);
      },
      async stop() {
        await command.exited;
        const pids = await workerPids().catch(() => []);
        await pm2(['delete', appName]);
        if (!(await waitUntilGone(pids, 10_000))) for (const pid of pids.filter(isAlive)) signal(pid, 'SIGKILL');
      },
    };
  },
};
