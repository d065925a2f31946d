// Node's cluster module: a primary that forks the workers and hands out connections round-robin.
import { join } from 'node:path';
import { diedEarly, launch, stopProcess } from '../lib/processes.mjs';
import { clusterPrimary } from './paths.mjs';

export default {
  name: 'cluster',
  label: 'cluster',
  version: () => process.version,

  start({ workers, port, directory, env }) {
    const primary = launch(process.execPath, [clusterPrimary], {
      env: { ...env, WORKERS: String(workers), PORT: String(port) },
      logFile: join(directory, 'cluster.log'),
    });
    return { port, supervisorPid: primary.pid, started: Promise.resolve(), failed: diedEarly(primary), stop: () => stopProcess(primary) };
  },
};
