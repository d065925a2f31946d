// A worker with a child of its own (`sleep 1000`, in the worker's process group), as apps that spawn
// helpers have: when the master dies, neither may be left running.
import { spawn } from 'node:child_process';
import { WorkerBase } from '@pool/core';

export default class WorkerWithChild extends WorkerBase {
  constructor() {
    super();
    this.onStart(() => {
      spawn('sleep', ['1000'], { stdio: 'ignore' });
    });
  }

  async main() {
    await this.untilStopped();
  }
}
