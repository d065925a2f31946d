import type { Paint } from '../format/colors.js';
import { displayName } from '../jobs.js';

interface ExitFacts {
  code: number | null;
  signal: string | null;
  reason: string;
  /** Why, when pool knows more than the exit code (a start timeout, a fault on the channel, …). */
  error?: { message: string } | undefined;
}

/** pool's own lines among the processes' output, foreman's `system | …`: spawns, exits, give-ups, signals. */
export class Reporter {
  constructor(
    private readonly write: (text: string) => void,
    private readonly paint: Paint,
    private readonly labelWidth = 4,
  ) {}

  say(text: string): void {
    this.write(`${this.paint('bold', 'pool'.padEnd(this.labelWidth))} | ${text}\n`);
  }

  spawned(job: string, id: number, pid: number): void {
    this.say(`${displayName(job)}.${id} started (pid ${pid})`);
  }

  exited(job: string, id: number, pid: number | undefined, exit: ExitFacts): void {
    const how = exit.signal ? `killed by ${exit.signal}` : exit.code === null ? 'could not start' : `exited with code ${exit.code}`;
    const why = exit.error && exit.reason !== 'stopped' ? `: ${exit.error.message}` : '';
    const line = `${displayName(job)}.${id}${pid ? ` (pid ${pid})` : ''} ${how} (${exit.reason})${why}`;
    this.say(exit.reason === 'stopped' || exit.code === 0 ? line : this.paint('yellow', line));
  }

  flapping(subject: string, retryIn: number | undefined, gaveUp: boolean): void {
    const name = displayName(subject);
    const line = gaveUp ? `${name} kept crashing: giving up` : `${name} is crashing in a loop: next try in ${retryIn} ms`;
    this.say(this.paint('red', line));
  }
}
