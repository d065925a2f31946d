import type { CommandContext } from '../context.js';

/** PM2's `reloadLogs`: the daemon reopens the jobs' log files (after logrotate moved them), as on SIGUSR1. */
export async function reloadLogs({ client, output, home }: CommandContext): Promise<number> {
  await client.post('/logs/reopen');
  if (output.json) output.value({ reopened: true, directory: home.logsDirectory });
  else output.line(`reopened the log files in ${home.logsDirectory}`);
  return 0;
}
