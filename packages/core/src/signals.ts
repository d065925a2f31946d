import { constants } from 'node:os';
import { isPoolError, poolError } from './errors/index.js';
import type { Logger } from './logger.js';

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

/** What a master (Supervisor, `Manager.run()`, the CLI's daemon and foreground runs) does on a signal. */
export interface SignalTarget {
  /** SIGTERM and SIGINT; `gracefulTimeout: 0` on a second Ctrl-C. */
  stop(options?: { gracefulTimeout?: number; signal?: NodeJS.Signals }): Promise<void>;
  /** SIGHUP: replace every process, without downtime where they share sockets. */
  reload?(): Promise<void>;
  /** SIGUSR1: reopen the log files (after an external logrotate moved them). */
  reopenLogs?(): Promise<void>;
  /** SIGTTIN / SIGTTOU: one worker more / less (a Supervisor). */
  resize?(value: '+1' | '-1'): Promise<unknown>;
}

export interface SignalOptions {
  logger: Logger;
  /** What its processes are: "the workers", "every job". */
  subject: string;
  /** Ctrl-C passes SIGINT itself on (a Supervisor's workers abort main()); otherwise each process gets its stop signal. */
  interruptWithSigint?: boolean;
  /** Also says each step in plain words (a terminal, for the CLI's foreground runs). */
  say?: (message: string) => void;
}

export interface SignalHandling {
  /** Removes the handlers. */
  remove(): void;
  /** The exit code to end with: 130 after a Ctrl-C (128 + SIGINT, the shell convention), else `code`. */
  exitCode(code: number): number;
}

/**
 * The same SIGINT again within this long is one press: a terminal sends Ctrl-C to its whole foreground group,
 * and a launcher in that group (tsx, npm) may pass it on to the master again a few milliseconds later.
 */
export const samePressWithin = 300;

/**
 * The one signal table of every pool master (docs/signals.md):
 * - SIGTERM: stop every process gracefully (its stop signal, SIGKILL after its graceful timeout); a second
 *   SIGTERM changes nothing.
 * - SIGINT (Ctrl-C): the same, interrupting; a second Ctrl-C (more than `samePressWithin` ms later) kills at
 *   once. The master then exits 130.
 * - SIGHUP: replace every process (rolling where processes share sockets: no dropped connection).
 * - SIGUSR1: reopen log files.
 * - SIGTTIN / SIGTTOU: one worker more / less (a Supervisor only).
 */
export function handleSignals(target: SignalTarget, options: SignalOptions): SignalHandling {
  const { logger, subject, say = () => {} } = options;
  let interruptedAt: number | undefined;
  let stopping = false;
  const report = (level: 'info' | 'warn', message: string) => {
    logger[level](message);
    say(message);
  };
  const failed = (what: string) => (error: unknown) => {
    if (isPoolError(error, 'POOL_STOPPED')) logger.info(`the ${what} ended with the stop`);
    else logger.error({ err: error }, `${what} failed`);
  };
  const handlers: Partial<Record<NodeJS.Signals, () => void>> = {
    SIGTERM: () => {
      if (stopping) return;
      stopping = true;
      report('info', `SIGTERM: stopping ${subject} gracefully`);
      target.stop().catch(failed('stop'));
    },
    SIGINT: () => {
      const now = Date.now();
      if (interruptedAt !== undefined) {
        if (now - interruptedAt < samePressWithin) return;
        report('warn', `second Ctrl-C: killing ${subject} now`);
        target.stop({ gracefulTimeout: 0 }).catch(failed('stop'));
        return;
      }
      interruptedAt = now;
      stopping = true;
      report('info', `Ctrl-C: stopping ${subject} (Ctrl-C again to kill at once)`);
      target.stop(options.interruptWithSigint ? { signal: 'SIGINT' } : {}).catch(failed('stop'));
    },
  };
  const { reload, reopenLogs, resize } = target;
  if (reload) {
    handlers.SIGHUP = () => {
      report('info', `SIGHUP: replacing ${subject}`);
      reload.call(target).catch(failed('reload'));
    };
  }
  if (reopenLogs) handlers.SIGUSR1 = () => void reopenLogs.call(target).catch(failed('reopening the log files'));
  if (resize) {
    handlers.SIGTTIN = () => void resize.call(target, '+1').catch(failed('adding a worker'));
    handlers.SIGTTOU = () => void resize.call(target, '-1').catch(failed('removing a worker'));
  }
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  return {
    remove: () => {
      for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
    },
    exitCode: (code) => (interruptedAt !== undefined && code === 0 ? 128 + constants.signals.SIGINT : code),
  };
}
