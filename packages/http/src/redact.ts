/** What `GET /jobs` shows of env values: every one hidden (the default), those of matching names, or none. */
export type RedactEnv = boolean | readonly string[];

export const redacted = '***';

/**
 * The variable in which `pool restart --update-env` lists the names it brought from a shell (the CLI's
 * update-env.ts): a list of names, which are no secret, so shown as they are; `pool info` counts them apart.
 */
export const importedNamesKey = 'POOL_UPDATE_ENV_KEYS';

/**
 * A function that hides a job config's env values: `true` every value, a list only the names that match one
 * of its patterns (case-insensitive, `*` for any run of characters: `"*_KEY"`, `"*PASSWORD*"`), `false` none.
 * Names stay visible: what a job is given is no secret, its values may be.
 */
export function envRedactor(option: RedactEnv = true): (config: Record<string, unknown>) => Record<string, unknown> {
  if (option === false) return (config) => config;
  const patterns =
    option === true
      ? undefined
      : option.map((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i'));
  const hidden = (name: string) => name !== importedNamesKey && (patterns === undefined || patterns.some((pattern) => pattern.test(name)));
  return (config) => {
    const env = config.env as Record<string, unknown> | undefined;
    if (env === undefined || env === null || typeof env !== 'object') return config;
    return { ...config, env: Object.fromEntries(Object.entries(env).map(([name, value]) => [name, hidden(name) ? redacted : value])) };
  };
}
