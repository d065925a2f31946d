// Figures as people read them.
export const megabytes = (bytes) => `${(bytes / 1_048_576).toFixed(1)} MB`;
export const signedMegabytes = (bytes) => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1_048_576).toFixed(2)} MB`;
export const seconds = (milliseconds) => `${(milliseconds / 1_000).toFixed(milliseconds < 10_000 ? 2 : 1)} s`;
export const count = (value) => Number(value).toLocaleString('en-US');
export const percent = (value) => `${value.toFixed(value < 10 ? 2 : 1)} %`;

/** Progress lines of a scenario, on stderr (the table goes to stdout). */
export function logger(prefix) {
  return (...parts) => process.stderr.write(`  ${prefix} ${parts.join(' ')}\n`);
}
