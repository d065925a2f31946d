import type { CommandContext } from '../context.js';
import { processColumns } from '../format/processes.js';
import { logFilesOf, type LogFiles } from '../log-files.js';
import { jobPath, listJobs, type JobNames } from '../jobs.js';
import type { JobRecord, JobStatsRecord } from '../records.js';
import { eachSelected, selectJobs, type SelectOptions } from '../selection.js';
import { importedNames, importedKey } from '../update-env.js';

/**
 * One job, several, `all`, a /regex/, a session or a config file's: each with its config, state, processes and
 * log files (`--json`: the daemon's record, with `logFiles`).
 */
export async function info(context: CommandContext, names: JobNames, options: SelectOptions & { showEnv?: boolean } = {}): Promise<number> {
  const { client, output, home } = context;
  const env = options.showEnv === true;
  const query = env ? { query: { env } } : undefined;
  const selection = await selectJobs(client, names, { ...options, command: 'info', warn: (text) => output.warn(text) });
  const records = selection.all ? await listJobs(client, { env }) : await eachSelected(selection, (job) => client.get<JobRecord>(jobPath(job), query));
  if (output.json) {
    const withFiles = records.map((record) => ({ ...record, logFiles: logFilesOf(record, home.logsDirectory) }));
    output.value(selection.single ? withFiles[0] : withFiles);
    return 0;
  }
  for (const [index, record] of records.entries()) {
    if (index > 0) output.line();
    await describe(context, record, env);
  }
  return 0;
}

async function describe({ client, output, home }: CommandContext, record: JobRecord, showEnv: boolean): Promise<void> {
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
  rows.push(...envRows(config.env as Record<string, string> | undefined, showEnv));
  if (record.dependsOn && record.dependsOn.length > 0) rows.push(['depends on', record.dependsOn.join(', ')]);
  if (record.waitingFor && record.waitingFor.length > 0) rows.push(['waiting for', paint('yellow', record.waitingFor.join(', '))]);
  if (record.logLinesLost) rows.push(['log lines lost', paint('red', `${record.logLinesLost} (its log file could not be written: see pool.log)`)]);
  if (record.failure) rows.push(['failure', `${record.failure.code}: ${record.failure.message}`]);
  rows.push(...logRows(logFilesOf(record, home.logsDirectory)));
  const width = Math.max(...rows.map(([key]) => key.length));
  output.lines(rows.map(([key, value]) => `${paint('gray', key.padEnd(width))}  ${value}`));
  const processes = stats?.processes ?? record.processes.map((process) => ({ ...process, cpu: undefined, rss: undefined }));
  if (processes.length > 0) {
    output.line();
    output.table(processColumns(paint), processes);
  }
}

/** The env's names (values with --show-env); those `pool restart --update-env` brought from a shell, counted apart. */
function envRows(env: Record<string, string> | undefined, showEnv: boolean): [string, string][] {
  const imported = new Set([...importedNames(env), importedKey]);
  const entries = Object.entries(env ?? {});
  const own = entries.filter(([key]) => !imported.has(key));
  const fromShell = entries.filter(([key]) => imported.has(key) && key !== importedKey);
  const rows: [string, string][] = [];
  if (own.length > 0) rows.push(['env', showEnv ? own.map(([key, value]) => `${key}=${String(value)}`).join(' ') : `${own.map(([key]) => key).join(', ')} (values: --show-env)`]);
  if (fromShell.length > 0) {
    const count = `${fromShell.length} variable${fromShell.length === 1 ? '' : 's'} of the shell of \`pool restart --update-env\``;
    rows.push(['env (shell)', showEnv ? `${count}: ${fromShell.map(([key, value]) => `${key}=${String(value)}`).join(' ')}` : `${count} (names and values: --show-env)`]);
  }
  return rows;
}

/** pool's own log file of the job, then the files its config's `logs` asks for, one path (or pattern) a row. */
function logRows(files: LogFiles): [string, string][] {
  const rows: [string, string][] = [['log file', files.pool]];
  for (const key of ['out', 'err', 'combined'] as const) {
    const file = files[key];
    if (file) rows.push([`log ${key}`, file.paths.length > 0 && file.paths.join(', ') !== file.path ? `${file.path} (${file.paths.join(', ')})` : file.path]);
  }
  return rows;
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
