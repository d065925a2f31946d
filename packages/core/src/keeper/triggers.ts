import { watch, type FSWatcher } from 'node:fs';
import { createRequire } from 'node:module';
import { relative, resolve, sep } from 'node:path';
import { poolError } from '../errors/index.js';
import type { Logger } from '../logger.js';

// Loaded only for a job that has a schedule or watches files: most jobs, and the daemon's boot, never pay for them.
const require = createRequire(import.meta.url);
type CronClass = typeof import('croner').Cron;
type Picomatch = typeof import('picomatch');

export interface CronSchedule {
  /** Five or six fields (croner's syntax: `0 3 * * *`, `*\/15 * * * *`, `@daily`). */
  pattern: string;
  /** An IANA time zone (`Europe/Paris`); default the machine's. */
  timezone?: string;
}

export interface WatchOptions {
  /** Directories or files, absolute. */
  paths: string[];
  /** Globs matched against the path relative to the watched directory; node_modules and .git always. */
  ignore: string[];
  /** Quiet time after the last change before the reload. */
  delay: number;
}

/** Checks a schedule as the job is loaded: POOL_INVALID_OPTION at `path` for a pattern or zone croner refuses. */
export function checkCron(schedule: CronSchedule, path = 'cronRestart'): void {
  const Cron = require('croner').Cron as CronClass;
  let job: InstanceType<CronClass> | undefined;
  try {
    job = new Cron(schedule.pattern, { paused: true, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) });
    if (job.nextRun() === null) throw new Error('it never fires');
  } catch (error) {
    throw poolError('POOL_INVALID_OPTION', { path, detail: `${JSON.stringify(schedule.pattern)}${schedule.timezone ? ` in ${schedule.timezone}` : ''}: ${(error as Error).message}` });
  } finally {
    job?.stop();
  }
}

/** Calls `fire` at every time the schedule names, until the returned function is called. */
export function cronTrigger(schedule: CronSchedule, fire: () => void, logger: () => Logger): () => void {
  const Cron = require('croner').Cron as CronClass;
  const job = new Cron(
    schedule.pattern,
    {
      unref: true,
      // A run still going when the next time comes is not started twice: the next one waits for its time.
      protect: true,
      catch: (error: unknown) => logger().error({ err: error }, 'a scheduled restart failed'),
      ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
    },
    fire,
  );
  return () => job.stop();
}

const alwaysIgnored = ['node_modules', '.git'];

/**
 * Calls `change` once the watched paths have been quiet for `delay` after a change (a burst of writes is one
 * call). Changes under node_modules, .git and the `ignore` globs are not changes.
 */
export function watchTrigger(options: WatchOptions, change: (file: string) => void, logger: () => Logger): () => void {
  const picomatch = require('picomatch') as Picomatch;
  const ignored = options.ignore.length > 0 ? picomatch(options.ignore, { dot: true }) : () => false;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  for (const root of options.paths) {
    try {
      const watcher = watch(root, { recursive: true, persistent: false }, (_event, name) => {
        const file = name === null ? root : resolve(root, name.toString());
        const path = relative(root, file);
        if (path.split(sep).some((part) => alwaysIgnored.includes(part)) || (path !== '' && ignored(path))) return;
        last = file;
        clearTimeout(timer);
        timer = setTimeout(() => change(last), options.delay).unref();
      });
      watcher.on('error', (error) => logger().error({ err: error, path: root }, 'watching stopped for this path'));
      watchers.push(watcher);
    } catch (error) {
      logger().error({ err: error, path: root }, 'cannot watch this path');
    }
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
