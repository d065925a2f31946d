import type { JobConfig } from '../schema.js';
import { invalidConfig, type ConfigProblem } from '../validate.js';
import { parseFailed } from './text.js';

export interface ProcfileOptions {
  /** Variables for `$VAR` / `${VAR}`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The first job's base port; default `$PORT` from `env`, else 5000 (foreman's). */
  port?: number;
}

export interface ProcfileJob {
  config: JobConfig;
  line: number;
}

const entry = /^([A-Za-z0-9_-]+):\s*(.*)$/;

/**
 * foreman's format: `name: command` a line, `#` comments. Each job runs its command through /bin/sh in the
 * Procfile's directory. Job k (from 0) gets `port: base + 100·k`, so its process N has PORT = base + 100·k + N.
 * `$VAR`/`${VAR}` are left in the command for its shell to expand, and the value each has in `env` when loading
 * goes with the job as data (its `env`): a value holding `"`, `;` or `$(…)` is never read as shell syntax, which
 * pasting it into the command would do. `$PORT` (set per process) and variables `env` lacks are the shell's.
 */
export function parseProcfile(text: string, file: string, options: ProcfileOptions = {}): ProcfileJob[] {
  const env = options.env ?? process.env;
  const basePort = options.port ?? (env.PORT && /^\d+$/.test(env.PORT) ? Number(env.PORT) : 5000);
  const jobs: ProcfileJob[] = [];
  const problems: ConfigProblem[] = [];
  const firstLine = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    const match = entry.exec(content);
    if (!match) {
      throw parseFailed(file, line, 1, 'expected `name: command` (a name of letters, digits, "_" or "-")');
    }
    const [, name, command] = match as unknown as [string, string, string];
    if (command.trim() === '') {
      problems.push({ path: name, message: 'has no command', file, line });
      return;
    }
    const earlier = firstLine.get(name);
    if (earlier !== undefined) {
      problems.push({ path: name, message: `is defined twice (first on line ${earlier})`, file, line });
      return;
    }
    firstLine.set(name, line);
    const cmd = command.trim();
    const values = referenced(cmd, env);
    jobs.push({ config: { name, cmd, shell: true, port: basePort + 100 * jobs.length, ...(values ? { env: values } : {}) }, line });
  });
  if (problems.length > 0) throw invalidConfig(problems, file);
  return jobs;
}

/** The variables the command names that `env` defines (PORT aside), with their values. */
function referenced(command: string, env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (const [, braced, bare] of command.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    const name = (braced ?? bare)!;
    const value = env[name];
    if (name !== 'PORT' && value !== undefined) values[name] = value;
  }
  return Object.keys(values).length > 0 ? values : undefined;
}
