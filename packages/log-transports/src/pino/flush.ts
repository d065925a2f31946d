import type { Writable } from 'node:stream';
import { whenDrained } from '@pool/core/internal';
import { pino, type Logger } from 'pino';

/** A pino destination: a Node stream, pino's thread-stream (pino.transport) or sonic-boom (pino.destination). */
export type PinoDestination = NodeJS.EventEmitter & {
  writableNeedDrain?: boolean;
  _len?: number;
  _hwm?: number;
  _writing?: boolean;
};

/** Node streams and thread-stream say `writableNeedDrain`; sonic-boom only has its buffer length. */
export function isFull(destination: PinoDestination): boolean {
  if (destination.writableNeedDrain !== undefined) return destination.writableNeedDrain;
  return typeof destination._len === 'number' && typeof destination._hwm === 'number' && destination._len >= destination._hwm;
}

/** Only states that end with a 'drain' count (a Node stream emits it only after a refused write). */
function stillWriting(destination: PinoDestination): boolean {
  if (typeof destination._len === 'number') return destination._len > 0 || destination._writing === true;
  return destination.writableNeedDrain === true;
}

function flushOnce(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve(); // a destination already closed has nothing left to flush
    }
  });
}

/**
 * Waits until what was logged has left the logger's buffer. sonic-boom's flush calls back at once with
 * `minLength: 0`, and otherwise on a 'drain' that may leave up to `minLength` bytes behind, so wait for the
 * writing to stop too: for a bounded number of writes, since other processes may keep a shared logger busy.
 */
export async function flushLogger(logger: Logger, rounds = 64): Promise<void> {
  const destination = (logger as unknown as Record<symbol, PinoDestination | undefined>)[pino.symbols.streamSym];
  await flushOnce(logger);
  for (let round = 0; destination && round < rounds && stillWriting(destination); round++) {
    const drained = whenDrained(destination as unknown as Writable);
    await flushOnce(logger);
    await drained;
  }
}
