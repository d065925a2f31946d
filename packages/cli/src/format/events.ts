import { displayName } from '../jobs.js';
import type { EventRecord } from '../records.js';
import type { Paint } from './colors.js';
import { formatClock } from './units.js';

/** One line for a Manager event: `12:00:01 web exit #1 pid 4242 code 1 (crashed)`. */
export function formatEvent(event: EventRecord, paint: Paint): string {
  const parts = [paint('gray', formatClock(event.time)), displayName(event.job), paint('bold', event.type)];
  if (typeof event.id === 'number') parts.push(`#${event.id}`);
  if (typeof event.pid === 'number') parts.push(`pid ${event.pid}`);
  parts.push(...details(event));
  return parts.join(' ');
}

function details(event: EventRecord): string[] {
  switch (event.type) {
    case 'exit': {
      const how = event.signal ? `signal ${String(event.signal)}` : `code ${String(event.code)}`;
      return [how, `(${String(event.reason)})`];
    }
    case 'ready':
      return [`in ${String(event.startDuration)} ms`];
    case 'restart':
      return [`in ${String(event.delay)} ms`];
    case 'scale':
      return [`${String(event.from)} → ${String(event.to)}`];
    case 'flapping':
      return event.gaveUp ? ['gave up'] : [`retry in ${String(event.retryIn)} ms`];
    case 'timeout':
      return [`${String(event.kind)} after ${String(event.after)} ms`];
    case 'fault':
      return [String(event.detail)];
    case 'unhealthy':
      return [`${String(event.probe)} failed ${String(event.failures)} times (${String(event.detail)})`];
    default:
      return [];
  }
}
