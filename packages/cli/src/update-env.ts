import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The variable in a job's env that names those `pool restart --update-env` put there (comma-separated): so that
 * the next --update-env replaces them (a variable unset in the shell since is gone) and `pool info` tells them
 * apart from the config's own.
 */
export const importedKey = 'POOL_UPDATE_ENV_KEYS';

/** The shell's own state, not an environment to hand on: PWD and OLDPWD would contradict the job's cwd. */
const skipped = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', importedKey]);

type Env = Record<string, string | number | boolean>;

/** The names a job's env got from `pool restart --update-env` (none if it never had one). */
export function importedNames(env: Env | undefined): string[] {
  const list = env?.[importedKey];
  return typeof list === 'string' && list !== '' && list !== '***' ? list.split(',') : [];
}

/** A job's env without what `pool restart --update-env` put there: the config's own (and `--env` at start). */
export function ownEnv(env: Env | undefined): Env {
  const imported = new Set([...importedNames(env), importedKey]);
  return Object.fromEntries(Object.entries(env ?? {}).filter(([key]) => !imported.has(key)));
}

/**
 * PM2's --update-env, as pool has it: the job's env becomes every variable of `shell` (the environment of
 * `pool restart`; PWD, OLDPWD, SHLVL and _ aside), merged under the config's own env — its `env` (with the
 * `--env` given at start) and the variables of its `envFile` files win over the shell's. What an earlier
 * --update-env brought is replaced, not kept. The daemon's own environment stays under everything, as before.
 */
export function updatedEnv(config: { env?: Env; envFile?: string | string[]; cwd?: string }, shell: NodeJS.ProcessEnv): Env {
  const own = ownEnv(config.env);
  const fromFiles = envFileNames(config);
  const imported = Object.entries(shell).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !skipped.has(entry[0]) && !entry[0].includes(',') && !(entry[0] in own) && !fromFiles.has(entry[0]),
  );
  if (imported.length === 0) return own;
  return { ...Object.fromEntries(imported), ...own, [importedKey]: imported.map(([key]) => key).join(',') };
}

/** The names a job's `.env` files define (a file that cannot be read is the daemon's to report: none here). */
function envFileNames(config: { envFile?: string | string[]; cwd?: string }): Set<string> {
  const names = new Set<string>();
  for (const file of [config.envFile ?? []].flat()) {
    try {
      for (const name of Object.keys(parseEnv(readFileSync(resolve(config.cwd ?? '.', file), 'utf8')))) names.add(name);
    } catch {
      // Missing or unreadable: the daemon says so when it starts the job.
    }
  }
  return names;
}
