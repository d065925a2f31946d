import type { Writable } from 'node:stream';
import { FileTransport, type FileTransportOptions } from './file/file-transport.js';
import { ndjsonFormat } from './formats.js';
import { checkMaxLineLength, checkOptions, checkPolicy, invalidOption } from './options.js';
import { StreamTransport } from './stream-transport.js';
import type { FullPolicy } from './transport.js';

export interface NdjsonStreamOptions {
  /** Default: the master's stdout. */
  destination?: Writable;
  policy?: FullPolicy;
  maxLineLength?: number;
}

export type NdjsonFileOptions = Omit<FileTransportOptions, 'format' | 'timestamps' | 'label'>;

/**
 * One JSON object a line: `{"time","job","worker","pid","stream","line"}` (`lineBase64` for bytes that are not
 * UTF-8, `continued` for a piece of a cut line). To a Writable, or to files (with `path`, and every file option).
 */
export function ndjsonTransport(options: NdjsonFileOptions): FileTransport;
export function ndjsonTransport(options?: NdjsonStreamOptions): StreamTransport;
export function ndjsonTransport(options: NdjsonStreamOptions | NdjsonFileOptions = {}): FileTransport | StreamTransport {
  if ('path' in options) return new FileTransport({ ...options, format: 'ndjson' });
  checkOptions(options, ['destination', 'policy', 'maxLineLength'], 'ndjsonTransport');
  const { destination = process.stdout } = options;
  if (typeof destination?.write !== 'function') throw invalidOption('ndjsonTransport.destination', 'expected a Writable');
  const policy = checkPolicy(options.policy, 'ndjsonTransport.policy');
  return new StreamTransport(destination, ndjsonFormat, policy, checkMaxLineLength(options.maxLineLength, 'ndjsonTransport.maxLineLength'));
}
