import { resolve } from 'node:path';
import type { Manager } from '@pool/core';
import type { JobFilesTransport } from '@pool/log-transports';
import { displayName } from './jobs.js';

/**
 * The files jobs ask for in their config (`logs`: out, err, combined), for the daemon and `pool run`: looked up
 * in the manager when a process starts; 10 MB files, 5 kept, as pool's own.
 */
export async function jobLogFiles(manager: () => Manager | undefined, onError: (error: Error) => void): Promise<JobFilesTransport> {
  const { jobFilesTransport } = await import('@pool/log-transports');
  return jobFilesTransport({
    logsOf: (job) => {
      let config;
      try {
        config = manager()?.get(job);
      } catch {
        return undefined; // unloaded meanwhile
      }
      return config?.logs ? { logs: config.logs, cwd: resolve(config.cwd ?? '.') } : undefined;
    },
    rotate: { size: '10M', keep: 5 },
    onError,
    labelOf: (source) => `${displayName(source.job)}.${source.worker}`,
  });
}
