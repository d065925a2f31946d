import { displayName } from '../jobs.js';
import type { ProcessRecord, ProcessStatsRecord } from '../records.js';
import type { Color, Paint } from './colors.js';
import type { Column } from './table.js';
import { formatBytes, formatDuration, formatPercent } from './units.js';

const stateColors: Record<string, Color> = {
  ready: 'green',
  starting: 'yellow',
  stopping: 'yellow',
  waiting: 'red',
  exited: 'gray',
  errored: 'red',
  'gave-up': 'red',
  stopped: 'gray',
  idle: 'gray',
};

export function paintState(paint: Paint, state: string): string {
  const color = stateColors[state];
  return color ? paint(color, state) : state;
}

/** `pool ps` and `pool info`: job, id, pid, state, uptime, restarts, CPU, memory. */
export function processColumns(paint: Paint): Column<ProcessStatsRecord>[] {
  return [
    { header: 'JOB', value: (row) => displayName(row.job) + (row.commit ? ' (one-off)' : '') },
    { header: 'ID', value: (row) => String(row.id), align: 'right' },
    { header: 'PID', value: (row) => (row.pid ? String(row.pid) : '-'), align: 'right' },
    { header: 'STATE', value: (row) => paintState(paint, row.state) + (row.waitingFor?.length ? ` for ${row.waitingFor.map(displayName).join(', ')}` : '') },
    { header: 'UPTIME', value: (row) => formatDuration(row.uptime), align: 'right' },
    { header: 'RESTARTS', value: (row) => String(row.restarts), align: 'right' },
    { header: 'CPU', value: (row) => formatPercent(row.cpu), align: 'right' },
    { header: 'MEMORY', value: (row) => formatBytes(row.rss), align: 'right' },
  ];
}

/** What `pool ps --json` prints for one process: the record, with `memory` (resident bytes) named plainly. */
export function processJson(process: ProcessStatsRecord | ProcessRecord): Record<string, unknown> {
  const { job, id, pid, state, restarts, uptime, commit, startedAt, readyAt, lastExit } = process;
  const stats = process as Partial<ProcessStatsRecord>;
  return {
    job,
    id,
    pid: pid ?? null,
    state,
    ...(process.waitingFor?.length ? { waitingFor: process.waitingFor } : {}),
    restarts,
    uptime,
    cpu: stats.cpu ?? null,
    memory: stats.rss ?? null,
    commit,
    startedAt: startedAt ?? null,
    readyAt: readyAt ?? null,
    lastExit: lastExit ?? null,
  };
}
