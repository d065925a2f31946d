import type { FileHandle } from 'node:fs/promises';

/** Writes every buffer, in order, with as few writev calls as the kernel allows (a short write goes on). */
export async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<number> {
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  let written = 0;
  let pending = buffers;
  while (written < total) {
    const { bytesWritten } = await handle.writev(pending);
    if (bytesWritten === 0) throw new Error(`could not write to the log file (0 of ${total - written} bytes written)`);
    written += bytesWritten;
    pending = skip(pending, bytesWritten);
  }
  return total;
}

/** The buffers left once `count` bytes of them are written. */
function skip(buffers: Buffer[], count: number): Buffer[] {
  let index = 0;
  while (index < buffers.length && count >= buffers[index]!.length) count -= buffers[index++]!.length;
  const rest = buffers.slice(index);
  if (count > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(count);
  return rest;
}
