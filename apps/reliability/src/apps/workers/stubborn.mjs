// A worker that ignores SIGTERM (its terminate() does nothing) and has a `sleep 1000` child in its process
// group: the master must SIGKILL the group once gracefulTimeout has passed.
import { spawn } from 'node:child_process';
import { WorkerBase } from '@pool/core';

export default class StubbornWorker extends WorkerBase {
  constructor() {
    super();
    this.onStart(() => {
      const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
      process.stdout.write(`grandchild ${child.pid}\n`);
    });
  }

  terminate() {
    process.stdout.write(`ignoring SIGTERM\n`);
  }

  async main() {
    await new Promise(() => {});
  }
}
