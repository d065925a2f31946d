// The numbered lines of src/apps/workers/lines.mjs, and how to check what arrived.
import { createHash } from 'node:crypto';

/** Mostly short lines; one in 200 is 8–64 KB, longer than a pipe's buffer, so it arrives in pieces. */
function payloadLength(pid, seq) {
  const mix = (pid * 2_654_435_761 + seq * 40_503) >>> 0;
  return seq % 200 === 199 ? 8_192 + (mix % 57_344) : 16 + (mix % 180);
}

function payload(pid, seq, length) {
  const seed = `${pid}:${seq}:`;
  return seed.repeat(Math.ceil(length / seed.length)).slice(0, length);
}

const checksum = (text) => createHash('sha1').update(text).digest('hex').slice(0, 12);

export function expectedLine(pid, seq) {
  const length = payloadLength(pid, seq);
  const body = `${pid} ${seq} ${length} ${payload(pid, seq, length)}`;
  return `${body} ${checksum(body)}\n`;
}

/** `{ pid, seq }` of a whole, intact line; undefined for anything else. */
export function parseLine(line) {
  const match = /^(\d+) (\d+) (\d+) /.exec(line);
  if (!match) return undefined;
  const pid = Number(match[1]);
  const seq = Number(match[2]);
  return expectedLine(pid, seq) === `${line}\n` ? { pid, seq } : undefined;
}
