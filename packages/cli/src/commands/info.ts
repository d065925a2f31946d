import type { CommandContext } from '../context.js';
import { processColumns } from '../format/processes.js';
import { jobPath, listJobs, namesAll, resolveJobs, single, type JobNames } from '../jobs.js';
import type { JobRecord, JobStatsRecord } from '../records.js';

/** One job, several, or `all`: each with its config, state and processes. */
export async function info(context: CommandContext, names: JobNames, options: { showEnv?: boolean } = {}): Promise<number> {
  const { client, output } = context;
  const env = options.showEnv === true;
  const query = env ? { query: { env } } : undefined;
  const records = namesAll(names) ? await listJobs(client, { env }) : await Promise.all((await resolveJobs(client, names)).map((job) => client.get<JobRecord>(jobPath(job), query)));
  if (output.json) {
    output.value(single(names) ? records[0] : records);
    return 0;
  }
  for (const [index, record] of records.entries()) {
    if (index > 0) output.line();
    await describe(context, record, env);
  }
  return 0;
}

async function describe({ client, output }: CommandContext, record: JobRecord, showEnv: boolean): Promise<void> {
  const stats = await client.get<JobStatsRecord>(jobPath(record.name, '/stats')).catch(() => undefined);
  const { paint } = output;
  const { config } = record;
  const status = record.failure ? paint('red', 'gave up') : record.running ? paint('green', 'running') : paint('gray', 'stopped');
  const rows: [string, string][] = [
    ['job', paint('bold', record.name)],
    ['status', status],
    ['processes', String(record.numprocesses)],
    ['command', describeCommand(config)],
    ['cwd', String(config.cwd ?? '-')],
    ['restart', String(config.restart ?? 'always')],
  ];
  if (config.port !== undefined) rows.push(['port', `${String(config.port)} (+ the process id)`]);
  for (const [socket, address] of Object.entries(record.sockets ?? {})) rows.push([`socket ${socket}`, JSON.stringify(address)]);
  const env = Object.entries((config.env ?? {}) as Record<string, unknown>);
  if (env.length > 0) rows.push(['env', showEnv ? env.map(([key, value]) => `${key}=${String(value)}`).join(' ') : `${env.map(([key]) => key).join(', ')} (values: --show-env)`]);
  if (record.dependsOn && record.dependsOn.length > 0) rows.push(['depends on', record.dependsOn.join(', ')]);
  if (record.waitingFor && record.waitingFor.length > 0) rows.push(['waiting for', paint('yellow', record.waitingFor.join(', '))]);
  if (record.logLinesLost) rows.push(['log lines lost', paint('red', `${record.logLinesLost} (its log file could not be written: see pool.log)`)]);
  if (record.failure) rows.push(['failure', `${record.failure.code}: ${record.failure.message}`]);
  const width = Math.max(...rows.map(([key]) => key.length));
  output.lines(rows.map(([key, value]) => `${paint('gray', key.padEnd(width))}  ${value}`));
  const processes = stats?.processes ?? record.processes.map((process) => ({ ...process, cpu: undefined, rss: undefined }));
  if (processes.length > 0) {
    output.line();
    output.table(processColumns(paint), processes);
  }
}

function describeCommand(config: Record<string, unknown>): string {
  if (config.worker !== undefined) {
    const worker = config.worker as string | { module: string };
    return `worker module ${typeof worker === 'string' ? worker : worker.module}`;
  }
  const cmd = config.cmd as string | string[] | undefined;
  if (cmd === undefined) return '-';
  return Array.isArray(cmd) ? cmd.map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part)).join(' ') : cmd;
}
