import { Command } from 'commander';
import { environment, pid, positiveInteger, workers } from './arguments.js';
import { createContext, type CommandHandler } from './context.js';

type Loader = () => Promise<CommandHandler>;

/**
 * Every command's arguments, options and help, with its code loaded only when it runs: `pool ps` loads the
 * client and nothing of @pool/core, fastify or pino.
 */
export function buildProgram(version: string, setExitCode: (code: number) => void): Command {
  const program = new Command('pool')
    .description('Run and supervise Node.js processes: in the foreground (pool run), or in a background daemon (pool start).')
    .version(version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText('after', [
      '',
      'Examples:',
      '  pool run Procfile              run every job in the foreground; Ctrl-C stops them',
      '  pool start Procfile            load the jobs into the background daemon',
      '  pool ps                        list the processes',
      '  pool logs -f                   follow the output',
      '  pool scale web +2              two more web processes',
      '  pool save && pool shutdown     keep the job set, stop everything (pool resurrect brings it back)',
      '',
      'Environment: POOL_HOME (the daemon\'s files, default ~/.pool), NO_COLOR, FORCE_COLOR.',
      'Exit codes: 0 done, 1 failed, 2 usage error.',
    ].join('\n'));

  const define = (parent: Command, spec: string, description: string, load: Loader): Command => {
    const command = parent
      .command(spec)
      .description(description)
      .option('--json', 'print machine-readable JSON (errors too, on stderr)')
      .exitOverride()
      .configureOutput({ outputError: () => {} });
    command.action(async (...args: unknown[]) => {
      const self = args.at(-1) as Command;
      const options = self.opts();
      const handler = await load();
      setExitCode((await handler(createContext(options), ...args.slice(0, -2), options)) ?? 0);
    });
    return command;
  };
  const job = (action: 'stopJob' | 'restartJob' | 'reloadJob' | 'unloadJob'): Loader => async () => (await import('./commands/job-action.js'))[action];

  define(program, 'start <target>', 'load jobs into the daemon (starting it if needed): a config file, a Procfile, a script, or the name of a stopped job', async () => (await import('./commands/start.js')).start)
    .option('-n, --name <name>', 'the job name for a script; the session for a config file or Procfile')
    .option('-w, --workers <n>', 'processes per job ("max": one per CPU)', workers)
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', environment)
    .option('--worker', 'the script is a worker module (default export: a WorkerBase subclass), even if pool cannot tell');
  define(program, 'run <target>', 'run a config file, a Procfile or a script in the foreground, logs on the console; Ctrl-C stops it', async () => (await import('./commands/run.js')).run)
    .option('-n, --name <name>', 'the job name for a script')
    .option('-w, --workers <n>', 'processes per job ("max": one per CPU)', workers)
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', environment)
    .option('--worker', 'the script is a worker module (default export: a WorkerBase subclass), even if pool cannot tell')
    .option('--http <[host:]port>', 'serve the HTTP API and /metrics (token: $POOL_TOKEN) and the probes /healthz, /readyz (no token) on this port');
  define(program, 'ps [job]', 'list the processes: job, id, pid, state, uptime, restarts, CPU, memory', async () => (await import('./commands/ps.js')).ps);
  define(program, 'info <job>', 'show a job (or "all"): its command, state and processes (env values hidden)', async () => (await import('./commands/info.js')).info)
    .option('--show-env', 'show the env values in clear');
  define(program, 'scale <job> <n>', 'set the number of processes: 3 or =3 sets, +1 adds, -1 removes', async () => (await import('./commands/scale.js')).scale);
  define(program, 'stop <job>', 'stop a job\'s processes (not restarted until `pool start <job>`); job may be "all"', job('stopJob'));
  define(program, 'restart <job>', 'restart a job\'s processes, one after the other; job may be "all"', job('restartJob'));
  define(program, 'reload <job>', 'back to the configured number of processes, every one replaced; job may be "all"', job('reloadJob'));
  define(program, 'unload <job>', 'stop a job and remove it from the daemon; job may be "all"', job('unloadJob'));
  define(program, 'signal <job> <signal>', 'send a signal to every process of a job; job may be "all"', async () => (await import('./commands/signal.js')).signalJob);
  define(program, 'kill', 'send a signal (default SIGTERM) to one process of the daemon', async () => (await import('./commands/signal.js')).killProcess)
    .argument('<pid>', 'a process id (see `pool ps`)', pid)
    .argument('[signal]', 'a signal name or number', 'SIGTERM');
  define(program, 'send', 'write lines to a process\'s stdin (its job needs "redirectInput": true)', async () => (await import('./commands/send.js')).send)
    .argument('<pid>', 'a process id (see `pool ps`)', pid)
    .argument('<line...>', 'the lines to write');
  define(program, 'commit <job>', 'start a one-off process of a job (not restarted, not counted by scale)', async () => (await import('./commands/commit.js')).commit)
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', environment);
  define(program, 'logs [job]', 'print the last lines of the jobs\' output; -f follows it', async () => (await import('./commands/logs.js')).logs)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-l, --lines <n>', 'how many of the last lines', positiveInteger, 50);
  define(program, 'stats [job]', 'CPU and memory of the processes', async () => (await import('./commands/stats.js')).stats);
  define(program, 'events [topic]', 'print the daemon\'s events as they happen (a job name, or a topic such as "job.*.*.exit")', async () => (await import('./commands/events.js')).events);
  define(program, 'save', 'save the jobs the daemon runs, for `pool resurrect`', async () => (await import('./commands/save.js')).save);
  define(program, 'resurrect', 'load the saved jobs (starting the daemon if needed)', async () => (await import('./commands/resurrect.js')).resurrect);
  define(program, 'startup <system>', 'print a service unit that runs the daemon at boot (system: systemd)', async () => (await import('./commands/startup.js')).startup)
    .option('--user', 'a unit for `systemctl --user` instead of a system unit');
  define(program, 'shutdown', 'stop every job and the daemon (same as `pool daemon stop`)', async () => (await import('./commands/daemon.js')).daemonStop)
    .option('--timeout <ms>', 'how long to wait for the daemon to stop', positiveInteger);

  const daemon = program.command('daemon').description('start, stop or show the background daemon').exitOverride().configureOutput({ outputError: () => {} });
  define(daemon, 'start', 'start the daemon in the background; it brings back the jobs it ran before, and answers once they have started', async () => (await import('./commands/daemon.js')).daemonStart)
    .option('--foreground', 'run the daemon in this process (for systemd and containers)');
  define(daemon, 'stop', 'stop every job and the daemon', async () => (await import('./commands/daemon.js')).daemonStop)
    .option('--timeout <ms>', 'how long to wait for the daemon to stop', positiveInteger);
  define(daemon, 'status', 'say whether the daemon runs (exit code 0) or not (1)', async () => (await import('./commands/daemon.js')).daemonStatus);

  return program;
}
