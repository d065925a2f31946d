export { consoleTransport, ConsoleTransport, type ConsoleTransportOptions } from './console/console-transport.js';
export { wantsColors } from './console/colors.js';
export { fileTransport, FileTransport, type FileTransportOptions } from './file/file-transport.js';
export { jobFilesTransport, JobFilesTransport, type JobFilesOptions } from './file/job-files.js';
export type { RotateOptions } from './file/rotate-options.js';
export { prefixLines, recordToJSON, timeFormatter, type TextFormatOptions } from './formats.js';
export { LineSplitter, type LinePiece } from './framing/line-splitter.js';
export { combineWriters, pump } from './framing/pump.js';
export { LineBatch, processLabel, type LogRecord } from './framing/record.js';
export {
  memoryTransport,
  MemoryTransport,
  type MemoryRecord,
  type MemoryStats,
  type MemoryTransportOptions,
  type RecordFilter,
  type SubscribeOptions,
  type TailOptions,
} from './memory/memory-transport.js';
export type { LineListener } from './memory/subscription.js';
export { ndjsonTransport, type NdjsonFileOptions, type NdjsonStreamOptions } from './ndjson.js';
export { pinoTransport, PinoTransport, type PinoTransportOptions } from './pino/pino-transport.js';
export { StreamTransport } from './stream-transport.js';
export { tee, TeeTransport, type TeeBranch } from './tee.js';
export {
  defaultMaxLineLength,
  defineTransport,
  isTransport,
  TRANSPORT,
  type FullPolicy,
  type SourceWriter,
  type Transport,
  type TransportSpec,
} from './transport.js';
