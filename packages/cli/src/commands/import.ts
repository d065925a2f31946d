import { dirname, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors/cli-error.js';
import { classifyTarget } from '../targets.js';

export interface ImportOptions {
  env?: string;
  strict?: boolean;
  json?: boolean;
}

/**
 * `pool import ecosystem.config.js`: prints the pool.config.yaml that runs the same apps (the keys pool does not
 * support listed as comments on top, and as warnings), for a team that moves its config over for good.
 */
export async function importConfig({ output }: CommandContext, file: string, options: ImportOptions): Promise<number> {
  const target = await classifyTarget(file, { allowJob: false });
  if (target.kind !== 'config') throw usageError(`${file} is not a config file: pool import reads a PM2 ecosystem file (ecosystem.config.js, .json, .yaml)`, 'import');
  const { configYaml, loadConfigFile } = await import('@pool/core');
  const notes: string[] = [];
  const jobs = await loadConfigFile(target.file, {
    ...(options.env === undefined ? {} : { profile: options.env }),
    ...(options.strict ? { strict: true } : {}),
    onWarning: (warning) => notes.push(`${warning.path} ${warning.message}`),
  });
  if (output.json) {
    output.value({ jobs, warnings: notes });
    return 0;
  }
  for (const note of notes) output.warn(note);
  const header = [`pool.config.yaml, from ${target.file}${options.env === undefined ? '' : ` with --env ${options.env}`} (pool import)`];
  if (notes.length > 0) header.push('Not carried over:', ...notes.map((note) => `  ${note}`));
  process.stdout.write(configYaml(jobs, dirname(resolve(target.file)), header));
  return 0;
}
