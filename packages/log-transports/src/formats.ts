import { isUtf8 } from 'node:buffer';
import type { OutputSource } from '@pool/core';
import { processLabel, type LineBatch, type LogRecord } from './framing/record.js';
import type { BatchFormat, FormatFactory } from './stream-sink.js';

const newline = 0x0a;

/** Puts `prefix` before every line of `lines` (which ends with a newline), in one allocation. */
export function prefixLines(lines: Buffer, prefix: Buffer): Buffer {
  let count = 0;
  for (let index = lines.indexOf(newline); index !== -1; index = lines.indexOf(newline, index + 1)) count++;
  const result = Buffer.allocUnsafe(lines.length + count * prefix.length);
  let from = 0;
  let to = 0;
  while (from < lines.length) {
    const end = lines.indexOf(newline, from) + 1;
    to += prefix.copy(result, to);
    to += lines.copy(result, to, from, end);
    from = end;
  }
  return result;
}

export interface TextFormatOptions {
  /** Put the ISO time before each line. */
  timestamps?: boolean;
  /** Put `web.1 | ` before each line (useful when several processes share a file). */
  label?: boolean;
}

/** Text lines, optionally timestamped and labelled; without either, the bytes pass through untouched. */
export function textFormat(options: TextFormatOptions): FormatFactory {
  const { timestamps = false, label = false } = options;
  if (!timestamps && !label) return () => (batch) => batch.bytes;
  return (source) => {
    const labelText = label ? `${processLabel(source)} | ` : '';
    if (!timestamps) {
      const prefix = Buffer.from(labelText);
      return (batch) => prefixLines(batch.bytes, prefix);
    }
    return (batch) => prefixLines(batch.bytes, Buffer.from(`${new Date(batch.time).toISOString()} ${labelText}`));
  };
}

/**
 * A record as a plain JSON object: `line` as text when it is UTF-8, otherwise `lineBase64` carries the exact
 * bytes (decoding them would replace the invalid bytes).
 */
export function recordToJSON(record: LogRecord): Record<string, unknown> {
  const { job, worker, pid, stream, time, line, continued } = record;
  const text = isUtf8(line) ? { line: line.toString('utf8') } : { lineBase64: line.toString('base64') };
  return { time, job, worker, pid, stream, ...text, ...(continued ? { continued } : {}) };
}

/** One JSON object a line: `{"time":…,"job":…,"worker":…,"pid":…,"stream":…,"line":…}`. */
export const ndjsonFormat: FormatFactory = (source: OutputSource): BatchFormat => {
  const fields = `"job":${JSON.stringify(source.job)},"worker":${source.worker},"pid":${source.pid},"stream":"${source.stream}",`;
  return (batch: LineBatch) => {
    let text = '';
    const head = `{"time":${batch.time},${fields}`;
    for (const record of batch.records()) {
      const line = isUtf8(record.line)
        ? `"line":${JSON.stringify(record.line.toString('utf8'))}`
        : `"lineBase64":"${record.line.toString('base64')}"`;
      text += `${head}${line}${record.continued ? ',"continued":true' : ''}}\n`;
    }
    return Buffer.from(text);
  };
};
