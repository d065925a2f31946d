// Writes numbered lines to stdout as fast as a busy app would, until stopped or killed. Each line is
// `<pid> <seq> <length> <payload> <checksum>`: the payload follows from pid and seq, so the reader can tell a
// whole line from a torn one. After each line's write has returned (stdout is a pipe: writes are
// synchronous, so the bytes are in the kernel), the count of lines written goes to LINES_PROGRESS/<pid>.
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerBase } from '@pool/core';
import { expectedLine } from '../../lib/lines.mjs';

export default class LineWriter extends WorkerBase {
  async main() {
    const progress = openSync(join(process.env.LINES_PROGRESS, String(this.pid)), 'w');
    const counter = Buffer.alloc(8);
    const batch = Number(process.env.LINES_BATCH ?? 40);
    let seq = 0;
    while (this.isRunning()) {
      for (let index = 0; index < batch; index++) {
        process.stdout.write(expectedLine(this.pid, seq));
        seq += 1;
        counter.writeBigUInt64LE(BigInt(seq));
        writeSync(progress, counter, 0, 8, 0);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
