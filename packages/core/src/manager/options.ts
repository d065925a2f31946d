import { toMilliseconds, type Duration } from '../duration.js';
import type { Logger } from '../logger.js';
import { toOutputTarget, writableTarget, type OutputOption, type OutputTarget } from '../output/target.js';
import { checkKeys, invalid } from '../validate.js';

export interface ManagerOptions {
  /** Where the jobs' redirected stdout goes: a Writable, an output target (@pool/log-transports) or "ignore". */
  stdout?: OutputOption;
  stderr?: OutputOption;
  /** Added to `process.env` for every job (a job's own `env` goes over it). */
  env?: Record<string, string>;
  /** The manager's own log (pino); false for none. */
  logger?: Logger | false;
  /** How often monitored jobs and processes are sampled. Default 1s. */
  statsInterval?: Duration;
}

export interface ManagerConfig {
  stdout: OutputTarget | null;
  stderr: OutputTarget | null;
  env: Record<string, string>;
  statsInterval: number;
}

const known = ['stdout', 'stderr', 'env', 'logger', 'statsInterval'];

export function resolveManagerOptions(options: ManagerOptions): ManagerConfig {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'expected an object');
  checkKeys(options, known, '');
  const env = options.env ?? {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== 'string') throw invalid(`env.${key}`, 'expected a string');
  }
  return {
    stdout: outputTarget(options.stdout, 'stdout'),
    stderr: outputTarget(options.stderr, 'stderr'),
    env,
    statsInterval: toMilliseconds(options.statsInterval ?? 1_000, 'statsInterval') || 1_000,
  };
}

/** By default each line goes to the manager's own stream, prefixed with `session.name.N | `. */
function outputTarget(option: OutputOption | undefined, stream: 'stdout' | 'stderr'): OutputTarget | null {
  if (option === undefined) return writableTarget(process[stream], { prefix: (source) => `${source.job}.${source.worker} | ` });
  return toOutputTarget(option, stream, stream);
}
