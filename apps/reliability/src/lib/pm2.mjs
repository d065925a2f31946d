// A small PM2 driver: a private PM2_HOME in the scenario's directory, cluster mode, `pm2 kill` at the end.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@pool/testing';
import { pm2Paths } from './paths.mjs';
import { isAlive, run, signal } from './processes.mjs';

export function createPm2(directory) {
  const { bin, version } = pm2Paths();
  const home = join(directory, 'pm2-home');
  mkdirSync(home, { recursive: true });
  const pm2 = (args, env = {}) => run(process.execPath, [bin, ...args], { env: { PM2_HOME: home, ...env }, timeout: 120_000 });
  let daemonPid;
  return {
    version,
    pm2,
    async list() {
      const output = await pm2(['jlist']);
      return JSON.parse(output.slice(output.indexOf('[')));
    },
    async startCluster({ script, name, instances, env = {} }) {
      await pm2(['start', script, '--name', name, '-i', String(instances)], env);
      daemonPid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
      await waitFor(async () => {
        const list = await this.list();
        return list.filter((entry) => entry.name === name && entry.pm2_env?.status === 'online').length === instances;
      }, { timeout: 60_000, interval: 250, message: `${instances} PM2 instances online` });
    },
    async workerPids(name) {
      return (await this.list()).filter((entry) => entry.name === name).map((entry) => entry.pid).filter(Boolean);
    },
    async kill() {
      try {
        await pm2(['kill']);
      } catch {
        // ended below by pid
      }
      if (daemonPid && isAlive(daemonPid)) signal(daemonPid, 'SIGKILL');
    },
  };
}
