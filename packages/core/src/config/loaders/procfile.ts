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
 * `$VAR`/`${VAR}` are expanded from `env` when loading; `$PORT` and unknown variables are left to the shell.
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
    const cmd = expand(command.trim(), env);
    jobs.push({ config: { name, cmd, shell: true, port: basePort + 100 * jobs.length }, line });
  });
  if (problems.length > 0) throw invalidConfig(problems, file);
  return jobs;
}

function expand(command: string, env: NodeJS.ProcessEnv): string {
  return command.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    if (name === 'PORT') return whole;
    const value = env[name];
    return value === undefined ? whole : value;
  });
}
