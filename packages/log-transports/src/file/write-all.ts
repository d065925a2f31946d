import type { FileHandle } from 'node:fs/promises';

/** A write that failed part-way: `written` bytes of the buffers reached the file before it did. */
export class PartialWriteError extends Error {
  constructor(
    override readonly cause: Error,
    readonly written: number,
  ) {
    super(cause.message);
    this.name = 'PartialWriteError';
  }
  get code(): string | undefined {
    return (this.cause as NodeJS.ErrnoException).code;
  }
}

/**
 * Writes every buffer, in order, with as few writev calls as the kernel allows (a short write goes on). A
 * failure (ENOSPC, EIO, …) throws a PartialWriteError saying how much was written before it.
 */
export async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<number> {
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  let written = 0;
  let pending = buffers;
  while (written < total) {
    let bytesWritten: number;
    try {
      ({ bytesWritten } = await handle.writev(pending));
    } catch (error) {
      throw new PartialWriteError(error as Error, written);
    }
    if (bytesWritten === 0) throw new PartialWriteError(new Error(`could not write to the log file (0 of ${total - written} bytes written)`), written);
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
