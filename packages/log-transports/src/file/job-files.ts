import { resolve } from 'node:path';
import type { JobLogs, OutputSource } from '@pool/core';
import { combineWriters } from '../framing/pump.js';
import { BaseTransport, type SourceWriter } from '../transport.js';
import { FileTransport } from './file-transport.js';
import type { RotateOptions } from './rotate-options.js';

export interface JobFilesOptions {
  /** A job's `logs` and its cwd (relative paths start there), or undefined when it has none. Asked once per process stream. */
  logsOf: (job: string) => { logs: JobLogs; cwd: string } | undefined;
  rotate?: RotateOptions;
  mode?: number;
  onError?: (error: Error) => void;
  /** How a labelled line names its process (default `web.1`, the job's full name). */
  labelOf?: (source: OutputSource) => string;
}

const nothing: SourceWriter = { write: () => {}, end: () => {} };

/**
 * The files each job's config asks for (`logs`: out, err, combined — PM2's out_file, error_file, log_file), beside
 * whatever else its output goes to. The config is read when a process starts (a job updated with other paths
 * writes to those from its next processes on); a file is shared by everything that writes to the same path with
 * the same format, and closed once nothing does.
 */
export class JobFilesTransport extends BaseTransport {
  readonly #options: JobFilesOptions;
  readonly #files = new Map<string, FileTransport>();

  constructor(options: JobFilesOptions) {
    super();
    this.#options = options;
  }

  openWriter(source: OutputSource): SourceWriter {
    const found = this.#options.logsOf(source.job);
    if (!found) return nothing;
    const { logs, cwd } = found;
    const own = source.stream === 'stdout' ? logs.out : logs.err;
    const writers = [
      ...(own ? [this.#transport(resolve(cwd, own), logs, false).openWriter(source)] : []),
      ...(logs.combined ? [this.#transport(resolve(cwd, logs.combined), logs, true).openWriter(source)] : []),
    ];
    if (writers.length === 0) return nothing;
    return writers.length === 1 ? writers[0]! : combineWriters(writers, source);
  }

  #transport(path: string, logs: JobLogs, combined: boolean): FileTransport {
    const label = (logs.label ?? combined) && (this.#options.labelOf ?? true);
    const format = logs.format === 'json' ? 'ndjson' : 'text';
    const timestamps = format === 'text' ? (logs.timestamps ?? false) : false;
    const key = JSON.stringify([path, format, timestamps, Boolean(label), combined]);
    let transport = this.#files.get(key);
    if (!transport) {
      const { rotate, mode, onError } = this.#options;
      transport = new FileTransport({
        path,
        format,
        timestamps,
        label,
        stream: combined,
        ...(rotate ? { rotate } : {}),
        ...(mode === undefined ? {} : { mode }),
        ...(onError ? { onError } : {}),
      });
      this.#files.set(key, transport);
    }
    return transport;
  }

  override async reopen(): Promise<void> {
    await Promise.all([...this.#files.values()].map((transport) => transport.reopen()));
  }

  override async close(): Promise<void> {
    await Promise.all([...this.#files.values()].map((transport) => transport.close()));
  }

  /** Lines these files could not take, by job (see FileTransport.lostByJob). */
  lostByJob(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const transport of this.#files.values()) {
      for (const [job, count] of Object.entries(transport.lostByJob())) counts[job] = (counts[job] ?? 0) + count;
    }
    return counts;
  }
}

export function jobFilesTransport(options: JobFilesOptions): JobFilesTransport {
  return new JobFilesTransport(options);
}
