// Counting the lines of a log file, and waiting until one holds all of them.
import { existsSync, statSync } from 'node:fs';
import { countLines as countLinesIn } from '@pool/log-transports/bench/log-flood';
import { setTimeout as sleep } from 'node:timers/promises';

export function countLines(path) {
  return existsSync(path) ? countLinesIn(path) : 0;
}

const size = (path) => (existsSync(path) ? statSync(path).size : 0);

/**
 * Polls the file's size until it reaches `bytes` (every line has its fixed length), then counts its newlines.
 * Once `writerDone()` says the writer has exited, a file that stops growing for `stallMs` is final: lines were
 * lost. Resolves with { at, lines } (`at`: the moment the size was first complete or last grew).
 */
export async function waitForLines(path, { lines, bytes, writerDone, stallMs = 3_000, timeout = 180_000, now }) {
  const deadline = Date.now() + timeout;
  let last = -1;
  let lastGrewAt = now();
  for (;;) {
    const current = size(path);
    if (current !== last) {
      last = current;
      lastGrewAt = now();
    }
    if (current >= bytes) return { at: lastGrewAt, lines: countLines(path) };
    if (writerDone() && now() - lastGrewAt > stallMs) return { at: lastGrewAt, lines: countLines(path) };
    if (Date.now() > deadline) throw new Error(`${path}: ${countLines(path)} of ${lines} lines after ${timeout} ms`);
    await sleep(10);
  }
}
