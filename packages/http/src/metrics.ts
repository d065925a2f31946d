import type { JobStats } from '@pool/core';

interface Metric {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels: Record<string, string | number>; value: number }[];
}

/** The Prometheus text exposition format (version 0.0.4) of the Manager's jobs. */
export function prometheusText(jobs: JobStats[], now = Date.now(), lostLines: Record<string, number> = {}): string {
  const metric = (name: string, type: Metric['type'], help: string): Metric => ({ name, type, help, samples: [] });
  const processes = metric('pool_processes', 'gauge', 'Processes of each job, by state.');
  const restarts = metric('pool_restarts_total', 'counter', 'Restarts of the processes of each job, by reason (the exit that caused it, or reload).');
  const cpu = metric('pool_cpu_percent', 'gauge', 'CPU use of each job, in % of one core.');
  const memory = metric('pool_memory_rss_bytes', 'gauge', 'Resident memory of each job.');
  const uptime = metric('pool_process_uptime_seconds', 'gauge', 'Uptime of each running process.');
  for (const job of jobs) {
    const byState = new Map<string, number>();
    for (const process of job.processes) byState.set(process.state, (byState.get(process.state) ?? 0) + 1);
    for (const [state, count] of byState) processes.samples.push({ labels: { job: job.job, state }, value: count });
    for (const [reason, count] of Object.entries(job.restartReasons ?? {})) restarts.samples.push({ labels: { job: job.job, reason }, value: count });
    cpu.samples.push({ labels: { job: job.job }, value: job.cpu });
    memory.samples.push({ labels: { job: job.job }, value: job.rss });
    for (const process of job.processes) {
      if (process.pid === undefined || process.startedAt === undefined) continue;
      uptime.samples.push({ labels: { job: job.job, id: process.id, pid: process.pid }, value: (now - process.startedAt) / 1_000 });
    }
  }
  const lost = metric('pool_log_lines_dropped_total', 'counter', 'Output lines that never reached their log file (a full disk, a file that cannot be opened, the drop policy), by job.');
  for (const [job, count] of Object.entries(lostLines)) lost.samples.push({ labels: { job }, value: count });
  return [processes, restarts, cpu, memory, uptime, ...(lost.samples.length > 0 ? [lost] : [])].map(render).join('');
}

function render(metric: Metric): string {
  const lines = [`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`];
  for (const { labels, value } of metric.samples) {
    const pairs = Object.entries(labels).map(([key, label]) => `${key}="${escapeLabel(String(label))}"`);
    lines.push(`${metric.name}{${pairs.join(',')}} ${Number.isFinite(value) ? value : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}
