// pool as users run it: a master process (a Supervisor and main()) sharing one port with its workers.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { diedEarly, launch, signal, stopProcess } from '../lib/processes.mjs';
import { poolMaster } from './paths.mjs';

const require = createRequire(import.meta.url);

export default {
  name: 'pool',
  label: 'pool',
  version: () => require('@pool/core/package.json').version,

  start({ workers, port, directory, env, nodeOptions = [] }) {
    const master = launch(process.execPath, [...nodeOptions, poolMaster], {
      env: { ...env, WORKERS: String(workers), PORT: String(port) },
      ipc: true,
      logFile: join(directory, 'pool.log'),
      cwd: directory,
    });
    const readyEvents = [];
    const timeline = [];
    const reloadListeners = new Set();
    master.on('message', (message) => {
      if (message.type === 'ready') readyEvents.push(message);
      if (message.type === 'imported' || message.type === 'spawn') timeline.push(message);
      if (message.type === 'reload') for (const listener of reloadListeners) listener(message);
    });
    return {
      port,
      supervisorPid: master.pid,
      started: Promise.resolve(),
      failed: diedEarly(master),
      /** What the master measured itself: spawn → ready of each worker; when it had loaded, when it spawned. */
      readyEvents,
      timeline,
      /** SIGHUP, as an operator would send it; resolves when the master reports the reload done. */
      reload(timeout = 60_000) {
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => finish(new Error(`the reload did not finish within ${timeout} ms`)), timeout);
          const listener = ({ phase }) => {
            if (phase === 'done') finish();
            if (phase === 'failed') finish(new Error('the master reported a failed reload'));
          };
          const finish = (error) => {
            clearTimeout(timer);
            reloadListeners.delete(listener);
            if (error) reject(error);
            else resolve();
          };
          reloadListeners.add(listener);
          signal(master.pid, 'SIGHUP');
        });
      },
      stop: () => stopProcess(master),
    };
  },
};
