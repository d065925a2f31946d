// Counting the lines of a log file, and waiting until one holds all of them.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function countLines(path) {
  if (!existsSync(path)) return 0;
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  let count = 0;
  try {
    for (let read; (read = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
      for (let index = buffer.indexOf(10); index !== -1 && index < read; index = buffer.indexOf(10, index + 1)) count++;
    }
  } finally {
    closeSync(fd);
  }
  return count;
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
