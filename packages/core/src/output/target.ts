import type { Readable, Writable } from 'node:stream';
import { invalid } from '../validate.js';
import { pipeLines } from './lines.js';

export const OUTPUT_TARGET = Symbol.for('pool.output-target');

/** Which process an output stream belongs to. */
export interface OutputSource {
  readonly job: string;
  /** The logical worker id (Supervisor) or process number in its job (Manager). */
  readonly worker: number;
  readonly pid: number;
  readonly stream: 'stdout' | 'stderr';
}

/**
 * Where a child's stdout or stderr goes. `attach` consumes the child's pipe until it ends and resolves once
 * every byte it carried has been delivered (so the exit of a process is reported after its last line).
 * It must respect back-pressure: while the destination is full, stop reading (the child then waits on its pipe).
 * @pool/log-transports' transports are OutputTargets; so is any object made with `defineOutputTarget`.
 */
export interface OutputTarget {
  readonly [OUTPUT_TARGET]: true;
  attach(readable: Readable, source: OutputSource): Promise<void>;
  /** Reopen files (after an external logrotate moved them away). The Supervisor calls it on SIGUSR1. */
  reopen?(): void | Promise<void>;
  /** Release what the target holds (files, timers) once no process writes to it any more. */
  close?(): Promise<void>;
}

/** A child's output may go to a Writable, an OutputTarget, or nowhere. */
export type OutputOption = Writable | OutputTarget | 'ignore';

export function defineOutputTarget(attach: OutputTarget['attach']): OutputTarget {
  return { [OUTPUT_TARGET]: true, attach };
}

export function isOutputTarget(value: unknown): value is OutputTarget {
  return typeof value === 'object' && value !== null && OUTPUT_TARGET in value;
}

/** Whole lines to a Writable, optionally prefixed per process. */
export function writableTarget(
  destination: Writable,
  options: { prefix?: (source: OutputSource) => string; maxLineLength?: number } = {},
): OutputTarget {
  const { prefix, maxLineLength } = options;
  return defineOutputTarget((readable, source) =>
    pipeLines(readable, destination, {
      ...(prefix ? { prefix: Buffer.from(prefix(source)) } : {}),
      ...(maxLineLength ? { maxLineLength } : {}),
    }),
  );
}

/** The default: the master's own stream, each line prefixed with the worker id. */
export function masterStreamTarget(stream: 'stdout' | 'stderr'): OutputTarget {
  return writableTarget(process[stream], { prefix: (source) => `[${source.worker}] ` });
}

/** Resolves an `stdout`/`stderr` option to a target (`null` = discard). */
export function toOutputTarget(option: OutputOption | undefined, stream: 'stdout' | 'stderr', path: string): OutputTarget | null {
  if (option === undefined) return masterStreamTarget(stream);
  if (option === 'ignore') return null;
  if (isOutputTarget(option)) return option;
  if (typeof option === 'object' && option !== null && typeof (option as Writable).write === 'function') {
    return writableTarget(option as Writable);
  }
  throw invalid(path, 'expected a Writable, an output target (e.g. from @pool/log-transports) or "ignore"');
}
