// Reads the log the hello app appends to once it listens (see apps/hello.mjs): who listens since when.
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const now = () => performance.timeOrigin + performance.now();

export class ListeningLog {
  constructor(file) {
    this.file = file;
    writeFileSync(file, '');
  }

  entries() {
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [pid, at, port, processStartedAt] = line.split(' ').map(Number);
        return { pid, at, port, processStartedAt };
      });
  }

  /**
   * Waits until `count` processes not in `exclude` have reported listening at or after `since`; resolves
   * with them, and the moment the last one listened.
   */
  async waitFor({ count, since, exclude = new Set(), timeout = 60_000 }) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const fresh = new Map();
      for (const entry of this.entries()) if (entry.at >= since && !exclude.has(entry.pid)) fresh.set(entry.pid, entry);
      if (fresh.size >= count) {
        const listening = [...fresh.values()].sort((a, b) => a.at - b.at).slice(0, count);
        return { listening, pids: listening.map((entry) => entry.pid), lastAt: listening.at(-1).at };
      }
      if (Date.now() > deadline) throw new Error(`${fresh.size} of ${count} processes listened within ${timeout} ms`);
      await sleep(10);
    }
  }
}
