// A worker that crashes. CRASH_MODE=start: exits 1 while starting (never ready), the crash loop of a broken
// deploy. CRASH_MODE=after-ready: reports ready, prints a line, then exits 1 (a restart per run, for leaks).
import { WorkerBase } from '@pool/core';

export default class CrashingWorker extends WorkerBase {
  constructor() {
    super();
    if (process.env.CRASH_MODE !== 'after-ready') this.onStart(() => process.exit(1));
  }

  async main() {
    process.stdout.write(`worker ${this.id} (pid ${this.pid}) is up and about to crash\n`);
    setImmediate(() => process.exit(1));
    await this.untilStopped();
  }
}
