import type { Readable } from 'node:stream';
import type { OutputSource } from '@pool/core';
import type { SourceWriter } from '../transport.js';
import { LineSplitter, type LinePiece } from './line-splitter.js';
import { LineBatch, processLabel } from './record.js';

/**
 * Reads one process stream to its end and hands whole lines to the writer, waiting whenever it asks to (so a
 * full sink stops the reading, and the child waits on its pipe). Resolves once the last line, partial or
 * not, has been delivered. Never rejects.
 */
export function pump(readable: Readable, writer: SourceWriter, source: OutputSource, maxLineLength: number): Promise<void> {
  return pumpPieces(readable, writer, source, maxLineLength, (piece, time) => new LineBatch(source, time, piece.bytes, piece.continued));
}

/** Where `pumpBytes` puts whole lines: the bytes as they are to be written (no record, no format). */
export interface ByteWriter {
  /** Takes whole lines, each ending with a newline. Returns a promise when the caller must wait (back-pressure). */
  write(bytes: Buffer): void | Promise<unknown>;
  end(): void | Promise<unknown>;
}

/**
 * The pass-through form of `pump`, for a sink that needs nothing of a line but its bytes (a plain text file):
 * each chunk is written as it came, up to its last newline. Only the bytes after the last newline are held
 * back (until the next newline arrives, or the stream ends, when they get one), so lines of several streams
 * sharing the sink never mix. No record or batch is made; a line longer than
 * `maxLineLength` is cut exactly as `pump` cuts it (the same `LineSplitter`), each piece on a line of its own.
 */
export function pumpBytes(readable: Readable, writer: ByteWriter, source: OutputSource, maxLineLength: number): Promise<void> {
  return pumpPieces(readable, writer, source, maxLineLength, (piece) => piece.bytes);
}

/** The loop of both: each piece the splitter cuts, made into what the writer takes (`time`: when its chunk was read). */
async function pumpPieces<T>(
  readable: Readable,
  writer: Writer<T>,
  source: OutputSource,
  maxLineLength: number,
  make: (piece: LinePiece, time: number) => T,
): Promise<void> {
  const splitter = new LineSplitter(maxLineLength);
  const sink = guardWriter(writer, source);
  try {
    for await (const chunk of readable) {
      const time = Date.now();
      for (const piece of splitter.push(chunk as Buffer)) {
        const wait = sink.write(make(piece, time));
        if (wait) await wait;
      }
    }
  } catch {
    // The pipe was destroyed (a grandchild held it open past the owner's deadline): deliver what we have.
  }
  const rest = splitter.end();
  if (rest) await sink.write(make({ ...rest, continued: false }, Date.now()));
  await sink.end();
}

interface Writer<T> {
  write(item: T): void | Promise<unknown>;
  end(): void | Promise<unknown>;
}

/**
 * A sink that throws must not stop the reading: leaving the loop would destroy the pipe, and the child would
 * get EPIPE. The failure is reported once per stream and the reading goes on.
 */
export function guardWriter<T = LineBatch>(writer: Writer<T>, source: OutputSource): { write(item: T): void | Promise<unknown>; end(): Promise<void> } {
  let reported = false;
  const report = (error: unknown): void => {
    if (reported) return;
    reported = true;
    const detail = error instanceof Error ? error.message : String(error);
    process.emitWarning(`the output sink of ${processLabel(source)} (pid ${source.pid}, ${source.stream}) failed: ${detail}`, 'PoolLogTransportWarning');
  };
  return {
    write(item) {
      try {
        const wait = writer.write(item);
        if (wait) return Promise.resolve(wait).catch(report);
      } catch (error) {
        report(error);
      }
    },
    end: async () => {
      try {
        await writer.end();
      } catch (error) {
        report(error);
      }
    },
  };
}

/** Several writers as one: every batch to each (one failing does not keep the others from it), waiting for those that ask to. */
export function combineWriters(branches: readonly SourceWriter[], source: OutputSource): SourceWriter {
  const writers = branches.map((writer) => guardWriter<LineBatch>(writer, source));
  return {
    write(batch) {
      let waits: Promise<unknown>[] | undefined;
      for (const writer of writers) {
        const wait = writer.write(batch);
        if (wait) (waits ??= []).push(wait);
      }
      return waits && Promise.all(waits);
    },
    end: () => Promise.all(writers.map((writer) => writer.end())),
  };
}
