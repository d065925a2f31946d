// 7. Log integrity under faults: 4 workers write numbered lines (mostly short, one in 200 longer than a pipe's
// buffer) to stdout, which the master writes to one merged file, while a random worker is SIGKILLed every
// 250 ms. Every line whose write had returned before the kill must be in the file exactly once, and whole.
// A line cut by the kill in the middle of its write is not "written": it may arrive as a prefix, counted apart.
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { count, megabytes } from '../lib/format.mjs';
import { startSupervisor, waitForReadyPool } from '../lib/hosts.mjs';
import { expectedLine, parseLine } from '../lib/lines.mjs';
import { app } from '../lib/paths.mjs';
import { killStorm } from '../lib/storm.mjs';

const workers = 4;

export default {
  id: 7,
  name: 'Log integrity under faults',
  async run({ quick, directory, log }) {
    const duration = quick ? 4_000 : 15_000;
    const progress = join(directory, 'progress');
    mkdirSync(progress);
    const file = join(directory, 'out.log');
    const host = startSupervisor({
      worker: app('workers/lines.mjs'),
      workers,
      stdout: { file },
      flapping: false,
      minUptime: 0,
      env: { LINES_PROGRESS: progress },
    });
    let storm;
    try {
      await host.waitForBound();
      await waitForReadyPool(host, workers);
      log(`killing a random writer every 250 ms for ${duration / 1_000} s`);
      storm = await killStorm({ masterPid: host.pid, duration, interval: 250 });
      await waitForReadyPool(host, workers);
    } finally {
      await host.stop();
    }
    const verdict = check(readFileSync(file), progress, new Set(storm.killed.map((kill) => kill.pid)));
    log(`${count(verdict.lines)} lines from ${verdict.writers} writers; ${verdict.missing} missing, ${verdict.duplicated} duplicated, ${verdict.torn} torn`);
    return [
      {
        scenario: 'Log integrity under faults',
        figures:
          `${storm.killed.length} writers SIGKILLed; ${count(verdict.lines)} lines (${megabytes(verdict.bytes)}) from ${verdict.writers} processes: ` +
          `${verdict.missing} written but missing, ${verdict.duplicated} duplicated, ${verdict.reordered} writers out of order, ${verdict.torn} torn or mixed; ` +
          `${verdict.partial} lines cut mid-write by a kill arrived as prefixes`,
        pass: verdict.missing === 0 && verdict.duplicated === 0 && verdict.reordered === 0 && verdict.torn === 0 && verdict.writers > workers,
        details: verdict,
      },
    ];
  },
};

/**
 * Per writer: its lines must be 0, 1, 2 … with no gap or repeat, reach at least the count its progress file
 * holds, and be whole. The one exception is a killed writer's last record, which may be the start of the line
 * it was writing when the SIGKILL came.
 */
function check(content, progressDirectory, killedPids) {
  const records = content.toString('latin1').split('\n');
  if (records.at(-1) === '') records.pop();
  const byPid = new Map();
  const verdict = { lines: 0, bytes: content.length, writers: 0, missing: 0, duplicated: 0, reordered: 0, torn: 0, partial: 0, examples: [] };
  const pending = [];
  for (const record of records) {
    const parsed = parseLine(record);
    if (!parsed) {
      pending.push(record);
      continue;
    }
    verdict.lines += 1;
    const seen = byPid.get(parsed.pid) ?? [];
    seen.push(parsed.seq);
    byPid.set(parsed.pid, seen);
  }
  for (const record of pending) {
    const pid = Number(/^(\d+) /.exec(record)?.[1]);
    const next = byPid.get(pid)?.length ?? 0;
    if (killedPids.has(pid) && record.length > 0 && expectedLine(pid, next).startsWith(record)) {
      verdict.partial += 1;
    } else {
      verdict.torn += 1;
      if (verdict.examples.length < 3) verdict.examples.push(record.slice(0, 120));
    }
  }
  for (const entry of readdirSync(progressDirectory)) {
    const pid = Number(entry);
    const counter = readFileSync(join(progressDirectory, entry));
    const written = counter.length >= 8 ? Number(counter.readBigUInt64LE(0)) : 0;
    const seen = byPid.get(pid) ?? [];
    verdict.writers += 1;
    const unique = new Set(seen);
    verdict.duplicated += seen.length - unique.size;
    for (let seq = 0; seq < Math.max(written, seen.length); seq++) if (!unique.has(seq) && seq < written) verdict.missing += 1;
    if (seen.some((seq, index) => seq !== index) && seen.length === unique.size) verdict.reordered += 1;
  }
  return verdict;
}
