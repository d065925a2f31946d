import type { Manager } from '@pool/core';
import type { DaemonLog } from './log.js';
import { startTimeOf } from './processes.js';
import { jobSetFile, savedJobs, writeFileAtomic, type JobSnapshot, type RecordedProcess } from './state.js';

// The events after which the job set or the set of live processes may differ.
const changes = ['load', 'unload', 'scale', 'stop', 'spawn', 'exit', 'flapping'] as const;

/**
 * Keeps `state.json` equal to what the daemon runs: rewritten (atomically) after any change, coalesced to one
 * write per turn of the event loop, and only when the content differs.
 */
export class StateKeeper {
  readonly #manager: Manager;
  readonly #file: string;
  readonly #log: DaemonLog;
  #scheduled = false;
  #last = '';
  readonly #schedule = () => {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.write();
    });
  };

  constructor(manager: Manager, file: string, log: DaemonLog) {
    this.#manager = manager;
    this.#file = file;
    this.#log = log;
  }

  start(): void {
    for (const type of changes) this.#manager.on(type, this.#schedule);
    this.write();
  }

  stop(): void {
    for (const type of changes) this.#manager.off(type, this.#schedule);
  }

  write(): void {
    const infos = this.#manager.jobs().map((name) => this.#manager.info(name));
    const processes: RecordedProcess[] = [];
    for (const info of infos) {
      for (const process of info.processes) {
        if (process.pid === undefined || process.state === 'exited') continue;
        const startTime = startTimeOf(process.pid);
        if (startTime !== undefined) processes.push({ pid: process.pid, startTime, job: info.name });
      }
    }
    const jobs = savedJobs(infos as unknown as JobSnapshot[]);
    const content = JSON.stringify({ jobs, processes });
    if (content === this.#last) return;
    try {
      writeFileAtomic(this.#file, `${JSON.stringify(jobSetFile(jobs, processes), null, 2)}\n`);
      this.#last = content;
    } catch (error) {
      this.#log.error({ err: error, file: this.#file }, 'could not write the state file');
    }
  }
}
