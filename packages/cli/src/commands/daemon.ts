import type { CommandContext } from '../context.js';
import { ensureDaemon } from '../daemon/launch.js';
import { daemonPid } from '../daemon/pid-file.js';
import { defaultStopTimeout, stopDaemon } from '../daemon/stop.js';
import type { JobRecord } from '../records.js';

export async function daemonStart(context: CommandContext, options: { foreground?: boolean }): Promise<number> {
  const { output, home } = context;
  if (options.foreground) {
    process.title = 'pool daemon';
    const { runDaemon } = await import('../daemon/run-daemon.js');
    try {
      return await runDaemon(home);
    } finally {
      // A daemon that has stopped (or failed to start) exits, even if some library left a handle open.
      setTimeout(() => process.exit(), 5_000).unref();
    }
  }
  const { pid, started } = await ensureDaemon(home, output);
  if (output.json) output.value({ running: true, started, pid: pid ?? null, home: home.directory });
  else output.line(started ? `started the pool daemon (pid ${pid ?? '?'}, ${home.directory})` : `the pool daemon runs already (pid ${pid ?? '?'})`);
  return 0;
}

/** `pool daemon stop` and `pool shutdown`: every job stopped, then the daemon; a daemon that is not running is no error. */
export async function daemonStop({ output, home }: CommandContext, options: { timeout?: number }): Promise<number> {
  const spinner = output.spinner('Stopping every job and the pool daemon…');
  let pid: number | undefined;
  try {
    pid = await stopDaemon(home, options.timeout ?? defaultStopTimeout);
  } finally {
    spinner.stop();
  }
  if (output.json) output.value({ stopped: pid !== undefined, pid: pid ?? null });
  else output.line(pid === undefined ? 'the pool daemon was not running' : `stopped the pool daemon (pid ${pid})`);
  return 0;
}

/** Exit code 0 when the daemon answers, 1 when it does not. */
export async function daemonStatus({ client, output, home }: CommandContext): Promise<number> {
  const running = await client.healthy();
  const jobs = running ? await client.get<JobRecord[]>('/jobs').catch(() => undefined) : undefined;
  const processes = jobs?.reduce((sum, job) => sum + job.processes.filter((process) => process.pid && process.state !== 'exited').length, 0);
  const status = {
    running,
    pid: running ? ((await daemonPid(home)) ?? null) : null,
    home: home.directory,
    socket: home.socket,
    logFile: home.logFile,
    jobs: jobs?.length ?? null,
    processes: processes ?? null,
  };
  if (output.json) output.value(status);
  else {
    const { paint } = output;
    const state = running
      ? `${paint('green', 'running')} (pid ${status.pid ?? '?'}, ${status.jobs ?? '?'} jobs, ${status.processes ?? '?'} processes)`
      : `${paint('red', 'not running')} (start it with \`pool daemon start\`)`;
    output.lines([`${paint('gray', 'daemon')}  ${state}`, `${paint('gray', 'home  ')}  ${home.directory}`, `${paint('gray', 'log   ')}  ${home.logFile}`]);
  }
  return running ? 0 : 1;
}
