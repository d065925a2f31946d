import { constants } from 'node:os';
import { poolError } from './errors/index.js';

/** Accepts "SIGTERM", "TERM", "term" or a number; returns the canonical name. */
export function toSignal(value: unknown): NodeJS.Signals {
  if (typeof value === 'number') {
    const name = Object.entries(constants.signals).find(([, number]) => number === value)?.[0];
    if (name) return name as NodeJS.Signals;
  } else if (typeof value === 'string') {
    const upper = value.trim().toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (name in constants.signals) return name as NodeJS.Signals;
  }
  throw poolError('POOL_INVALID_SIGNAL', { signal: value });
}

/** Installs signal handlers; returns the function that removes them. */
export function onSignals(handlers: Partial<Record<NodeJS.Signals, () => void>>): () => void {
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  };
}

/** SIGINT handling for a master: the first one stops gracefully, a second one kills at once. */
export function twiceToKill(first: () => void, second: () => void): () => void {
  let interrupted = false;
  return () => {
    if (interrupted) return second();
    interrupted = true;
    first();
  };
}
