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
  /** Put the time before each line: `true` for ISO 8601 (UTC), or a pattern (`timeFormatter`) in local time. */
  timestamps?: boolean | string;
  /** Put `web.1 | ` before each line (useful when several processes share a file); a function names the process itself. */
  label?: boolean | ((source: OutputSource) => string);
  /** With `label`, the stream too: `web.1 stderr | ` (for a file both streams share). */
  stream?: boolean;
}

/** Text lines, optionally timestamped and labelled; without either, the bytes pass through untouched. */
export function textFormat(options: TextFormatOptions): FormatFactory {
  const { timestamps = false, label = false, stream = false } = options;
  if (!timestamps && !label) return () => (batch) => batch.bytes;
  const time = typeof timestamps === 'string' ? timeFormatter(timestamps) : (ms: number) => new Date(ms).toISOString();
  return (source) => {
    const name = typeof label === 'function' ? label(source) : processLabel(source);
    const labelText = label ? `${name}${stream ? ` ${source.stream}` : ''} | ` : '';
    if (!timestamps) {
      const prefix = Buffer.from(labelText);
      return (batch) => prefixLines(batch.bytes, prefix);
    }
    return (batch) => prefixLines(batch.bytes, Buffer.from(`${time(batch.time)} ${labelText}`));
  };
}

const two = (value: number) => String(value).padStart(2, '0');
const timeTokens = /YYYY|SSS|MM|DD|HH|mm|ss|ZZ|Z/g;

/**
 * A time as `pattern` says, in local time: YYYY, MM, DD, HH, mm, ss, SSS, and Z (+01:00) or ZZ (+0100); any other
 * character is kept ("YYYY-MM-DD HH:mm:ss Z" as PM2's log_date_format and dayjs write it).
 */
export function timeFormatter(pattern: string): (ms: number) => string {
  return (ms) => {
    const date = new Date(ms);
    const offset = -date.getTimezoneOffset();
    const zone = (separator: string) => `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}${separator}${two(Math.abs(offset) % 60)}`;
    return pattern.replace(timeTokens, (token) => {
      switch (token) {
        case 'YYYY':
          return String(date.getFullYear());
        case 'MM':
          return two(date.getMonth() + 1);
        case 'DD':
          return two(date.getDate());
        case 'HH':
          return two(date.getHours());
        case 'mm':
          return two(date.getMinutes());
        case 'ss':
          return two(date.getSeconds());
        case 'SSS':
          return String(date.getMilliseconds()).padStart(3, '0');
        case 'ZZ':
          return zone('');
        default:
          return zone(':');
      }
    });
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
