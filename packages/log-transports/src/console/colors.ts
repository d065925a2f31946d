/** cyan, yellow, green, magenta, blue, red, and their bright forms: foreman's and honcho's order. */
const palette = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94, 91];

/**
 * A colour per process that stays the same across restarts and runs: the job's name picks a starting colour,
 * and the workers of a job take the next ones in turn (so web.0 and web.1 differ).
 */
export function colorOf(job: string, worker: number): number {
  let hash = 0;
  for (let index = 0; index < job.length; index++) hash = (hash * 31 + job.charCodeAt(index)) >>> 0;
  return palette[(hash + worker) % palette.length]!;
}

export function paint(text: string, color: number): string {
  return `\u001b[${color}m${text}\u001b[0m`;
}

export { wantsColors } from '@pool/core/internal';
