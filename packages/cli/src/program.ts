import { Command, Help } from 'commander';
import { environment, environmentOrProfile, files, milliseconds, names, pid, positiveInteger, wholeNumber, workers } from './arguments.js';
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
    .configureHelp({ subcommandTerm, subcommandDescription })
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
  const job = (action: 'stopJob' | 'restartJob' | 'reloadJob' | 'unloadJob' | 'resetJob'): Loader => async () => (await import('./commands/job-action.js'))[action];

  const targetOptions = (command: Command): Command =>
    command
      .option('-w, --workers <n>', 'processes per job ("max": one per CPU)', workers)
      .option('-i, --instances <n>', 'the same as -w (PM2\'s name)', workers)
      .option('-e, --env <KEY=VALUE|profile>', 'set an environment variable (repeatable); a name alone picks an ecosystem file\'s env_<profile> (PM2\'s --env production)', environmentOrProfile)
      .option('--env-file <path>', 'read variables from a .env file (repeatable; KEY=value lines, as Node\'s --env-file reads them); --env wins', files)
      .option('--only <jobs>', 'only these jobs of a config file (apps of an ecosystem file), separated by commas', names)
      .option('--strict', 'an ecosystem key pool does not support is an error, not a warning')
      .option('--interpreter <program>', 'the program that runs the script (default: by its extension, node for .js; "none": the script itself)')
      .option('--worker', 'the script is a worker module (default export: a WorkerBase subclass), even if pool cannot tell')
      .option('--restart-delay <ms>', 'for a script: wait this long before restarting a process that failed again (PM2\'s flag; backoff { initial: ms, factor: 1, max: ms })', milliseconds);
  targetOptions(
    define(program, 'start <target> [args...]', 'load jobs into the daemon (starting it if needed): a config file (pool\'s, or PM2\'s ecosystem file; "-": read from stdin), a Procfile, a script or command with its arguments after --, or the name of a stopped job; several, one after the other', async () => (await import('./commands/start.js')).start)
      .option('-n, --name <name>', 'the job name for a script; the session for a config file or Procfile')
      .option('--no-wait', 'answer once the processes are spawned, without waiting a second to see them hold')
      .option('--restart', 'restart the jobs that are loaded already (updated if their config changed), load the others (PM2\'s startOrRestart)')
      .option('--reload', 'reload the jobs that are loaded already (updated if their config changed), load the others (PM2\'s startOrReload)'),
  );
  for (const [alias, flag] of [['startOrRestart', 'restart'], ['startOrReload', 'reload']] as const) {
    const load: Loader = async () => {
      const { start } = await import('./commands/start.js');
      return (context, target: string, args: string[], options: Record<string, unknown>) => start(context, target, args, { ...options, [flag]: true });
    };
    targetOptions(
      define(program, `${alias} <target> [args...]`, `PM2's name for \`pool start <target> --${flag}\`: ${flag} the target's jobs that are loaded (updated if their config changed), load the others`, load)
        .option('-n, --name <name>', 'the job name for a script; the session for a config file or Procfile'),
    );
  }
  targetOptions(
    define(program, 'run <target> [args...]', 'run a config file, a Procfile or a script in the foreground, logs on the console; Ctrl-C stops it', async () => (await import('./commands/run.js')).run)
      .option('-n, --name <name>', 'the job name for a script'),
  )
    .option('--http <[host:]port>', 'serve the HTTP API and /metrics (token: $POOL_TOKEN) and the probes /healthz, /readyz (no token) on this port');
  define(program, 'import <file>', 'print the pool.config.yaml equivalent of a PM2 ecosystem file (ecosystem.config.js, .json, .yaml)', async () => (await import('./commands/import.js')).importConfig)
    .option('--env <profile>', 'apply the apps\' env_<profile>')
    .option('--strict', 'a key pool does not support is an error, not a warning');
  define(program, 'ps [job]', 'list the processes: job, id, pid, state, uptime, restarts, CPU, memory', async () => (await import('./commands/ps.js')).ps)
    .aliases(['ls', 'list', 'status']);
  /** Jobs named, "all", a /regex/, a session or a config file (selection.ts): -n and --only narrow a file's. */
  const selectOptions = (command: Command): Command =>
    command
      .option('-n, --name <session>', 'for a config file: the session its jobs were started in (`pool start <file> -n <session>`)')
      .option('--only <jobs>', 'for a config file: only these of its jobs, separated by commas', names);
  selectOptions(define(program, 'info <job...>', 'show jobs (or "all", a /regex/, a session, a config file\'s): their command, state, processes and log files (env values hidden)', async () => (await import('./commands/info.js')).info))
    .aliases(['describe', 'show'])
    .option('--show-env', 'show the env values in clear');
  define(program, 'scale <job> <n>', 'set the number of processes: 3 or =3 sets, +1 adds, -1 removes', async () => (await import('./commands/scale.js')).scale);
  const several = 'several jobs, "all", a /regex/, a session or a config file';
  selectOptions(define(program, 'stop <job...>', `stop jobs' processes (not restarted until \`pool start <job>\`); ${several}`, job('stopJob')));
  selectOptions(define(program, 'restart <job...>', `restart jobs' processes, one after the other (a stopped job is started); ${several}`, job('restartJob')))
    .option('--update-env', 'first replace the env a job got from a shell with this command\'s environment, under the job config\'s own env (PM2\'s flag)');
  selectOptions(define(program, 'reload <job...>', `back to the configured number of processes, every one replaced; ${several}`, job('reloadJob')));
  selectOptions(define(program, 'unload <job...>', `stop jobs and remove them from the daemon; ${several}`, job('unloadJob')))
    .alias('delete');
  selectOptions(define(program, 'signal <job...>', `send a signal to every process of jobs (the signal comes last); ${several}`, async () => (await import('./commands/signal.js')).signalJob))
    .usage('[options] <job...> <signal>');
  selectOptions(define(program, 'reset <job...>', `set jobs' restart counters (the RESTARTS of \`pool ps\`) back to 0; ${several}`, job('resetJob')));
  selectOptions(define(program, 'pid <job...>', `print the pids of jobs' processes, one a line; ${several}`, async () => (await import('./commands/pid.js')).pid));
  define(program, 'flush [job...]', 'empty the log files (in $POOL_HOME/logs) and the kept output of jobs; no job, or "all": of every job', async () => (await import('./commands/flush.js')).flush);
  define(program, 'reloadLogs', 'reopen the jobs\' log files (after logrotate moved them), as SIGUSR1 to the daemon does', async () => (await import('./commands/reload-logs.js')).reloadLogs)
    .alias('reload-logs');
  define(program, 'kill', 'send a signal (default SIGTERM) to one process of the daemon', async () => (await import('./commands/signal.js')).killProcess)
    .argument('<pid>', 'a process id (see `pool ps`)', pid)
    .argument('[signal]', 'a signal name or number', 'SIGTERM');
  define(program, 'send', 'write lines to a process\'s stdin (its job needs "redirectInput": true)', async () => (await import('./commands/send.js')).send)
    .argument('<pid>', 'a process id (see `pool ps`)', pid)
    .argument('<line...>', 'the lines to write');
  define(program, 'commit <job>', 'start a one-off process of a job (not restarted, not counted by scale)', async () => (await import('./commands/commit.js')).commit)
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', environment);
  define(program, 'logs [job]', 'print the last lines of the jobs\' output (from the log files when the daemon\'s memory has fewer); -f follows it', async () => (await import('./commands/logs.js')).logs)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-l, --lines <n>', 'how many of the last lines of each job (0 with -f: only new lines)', wholeNumber, 50)
    .option('--err', 'only the lines the processes wrote to stderr')
    .option('--out', 'only the lines the processes wrote to stdout');
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

/** Our commands (they all take --json) show their own usage line, custom ones too (`signal <job...> <signal>`). */
function subcommandTerm(this: Help, command: Command): string {
  const ours = command.options.some((option) => option.long === '--json');
  return ours ? `${command.name()} ${command.usage()}` : Help.prototype.subcommandTerm.call(this, command);
}

/** Every alias in the overview (commander shows the first alone): `ps` is also `ls`, `list`, `status` (PM2's names). */
function subcommandDescription(this: Help, command: Command): string {
  const description = Help.prototype.subcommandDescription.call(this, command);
  const aliases = command.aliases();
  return aliases.length > 0 ? `${description} (also: ${aliases.join(', ')})` : description;
}
