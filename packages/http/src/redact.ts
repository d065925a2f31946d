/** What `GET /jobs` shows of env values: every one hidden (the default), those of matching names, or none. */
export type RedactEnv = boolean | readonly string[];

export const redacted = '***';

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
  const hidden = (name: string) => patterns === undefined || patterns.some((pattern) => pattern.test(name));
  return (config) => {
    const env = config.env as Record<string, unknown> | undefined;
    if (env === undefined || env === null || typeof env !== 'object') return config;
    return { ...config, env: Object.fromEntries(Object.entries(env).map(([name, value]) => [name, hidden(name) ? redacted : value])) };
  };
}
