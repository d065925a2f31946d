import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LogLineRecord } from './records.js';

/**
 * The lines of a job that the daemon wrote to `$POOL_HOME/logs/<job>.log` (and its rotated copies `.1`, `.2`, …),
 * for `pool logs` when the daemon's memory holds fewer than asked (a daemon restarted since, or more lines than
 * its tail keeps). Each line of those files reads `<ISO time> <job>.<n> <stream> | <line>` (run-daemon.ts); a
 * line of an older format (`<ISO time> <line>`) is taken as stdout of no known process. Gzipped copies are
 * skipped. The last `count` lines, oldest first; `stream` keeps one stream only.
 */
export function linesFromFiles(file: string, job: string, count: number, stream?: 'stdout' | 'stderr'): LogLineRecord[] {
  const found: LogLineRecord[][] = [];
  let total = 0;
  for (const path of [file, ...rotated(file)]) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // not there (yet), or gone meanwhile
    }
    const records = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => parse(line, job))
      .filter((record) => stream === undefined || record.stream === stream);
    found.unshift(records);
    total += records.length;
    if (total >= count) break;
  }
  return found.flat().slice(-count);
}

/** `web.log.1`, `web.log.2`, … newest first. */
function rotated(file: string): string[] {
  const name = basename(file);
  let entries: string[];
  try {
    entries = readdirSync(dirname(file));
  } catch {
    return [];
  }
  return entries
    .map((entry) => ({ entry, index: entry.startsWith(`${name}.`) ? Number(entry.slice(name.length + 1)) : Number.NaN }))
    .filter(({ index }) => Number.isInteger(index) && index > 0)
    .sort((a, b) => a.index - b.index)
    .map(({ entry }) => join(dirname(file), entry));
}

const labelled = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\S+)\.(\d+) (stdout|stderr) \| (.*)$/;
const timed = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (.*)$/;

function parse(line: string, job: string): LogLineRecord {
  const match = labelled.exec(line);
  if (match) return { job, worker: Number(match[3]), pid: null, stream: match[4] as 'stdout' | 'stderr', time: Date.parse(match[1]!), line: match[5]! };
  const old = timed.exec(line);
  return { job, worker: null, pid: null, stream: 'stdout', time: old ? Date.parse(old[1]!) : 0, line: old ? old[2]! : line };
}
