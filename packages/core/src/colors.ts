import type { Writable } from 'node:stream';

/** Colours only on a terminal that has them, never with NO_COLOR (https://no-color.org); FORCE_COLOR forces them. */
export function wantsColors(stream: Writable, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  const terminal = stream as Writable & { isTTY?: boolean; hasColors?: () => boolean };
  return terminal.isTTY === true && (terminal.hasColors?.() ?? false);
}
