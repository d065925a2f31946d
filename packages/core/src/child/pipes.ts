import type { Readable } from 'node:stream';

/** How many quiet periods an escaped grandchild may keep writing to the pipe before it is let go. */
const escapedWriterPeriods = 5;

/**
 * Resolves once a dead process's pipes have closed. Data our own sink has not taken yet is owed: while any is
 * buffered, wait on. A pipe held open by a process that escaped the group (its own session) is let go after
 * `period` ms without data, or after `escapedWriterPeriods` periods with data.
 */
export function whenPipesClosed(pipes: readonly (Readable | null | undefined)[], period: number): Promise<void> {
  const streams = pipes.filter((stream): stream is Readable => !!stream && !stream.closed);
  if (streams.length === 0) return Promise.resolve();
  const bytesRead = () => streams.reduce((sum, stream) => sum + ((stream as Readable & { bytesRead?: number }).bytesRead ?? 0), 0);
  return new Promise((resolve) => {
    let open = streams.length;
    let lastRead = bytesRead();
    let writingPeriods = 0;
    const check = () => {
      const owed = streams.some((stream) => !stream.closed && stream.readableLength > 0);
      const read = bytesRead();
      const written = read !== lastRead;
      lastRead = read;
      if (written) writingPeriods += 1;
      if (owed || (written && writingPeriods < escapedWriterPeriods)) {
        timer = setTimeout(check, period);
        return;
      }
      for (const stream of streams) stream.destroy();
    };
    let timer = setTimeout(check, period);
    for (const stream of streams) {
      stream.once('close', () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
