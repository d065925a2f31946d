import { resolve } from 'node:path';
import { resolveProbe, type Probe, type ProbeConfig } from '../child/probes.js';
import { toMilliseconds, type Duration } from '../duration.js';
import { poolError } from '../errors/index.js';
import { toBytes, type Size } from '../size.js';
import { checkCron, type CronSchedule, type WatchOptions } from './triggers.js';

/** The lifecycle policies, with the same names for a Manager job's config and a Supervisor's options. */
export interface PolicyConfig {
  /** A process is ready once this probe first passes; a start that does not get there within its timeout fails. */
  readiness?: ProbeConfig;
  /** Once ready, `failureThreshold` failed attempts in a row restart the process (reason `liveness`). */
  liveness?: ProbeConfig;
  /** A process whose process group's resident memory is above this at two samples in a row is replaced (reason `memory`). */
  maxMemory?: Size;
  /** How often `maxMemory` is sampled. Default 5s. */
  memoryCheckInterval?: Duration;
  /** Each process is replaced this long after it got ready (reason `age`), one at a time. */
  maxAge?: Duration;
  /** A random part of this is added to each process's `maxAge`, so that they do not all go at once. */
  maxAgeJitter?: Duration;
  /** A rolling restart on this schedule (cron syntax, croner's: `0 3 * * *`), reason `cron`. */
  cronRestart?: string;
  /** The IANA time zone of `cronRestart`; default the machine's. */
  timezone?: string;
  /** A rolling restart when a file changes (reason `watch`): `true` watches `cwd`; or paths relative to it. */
  watch?: boolean | string[];
  /** Globs (relative to a watched directory) whose changes do not count; node_modules and .git never do. */
  watchIgnore?: string[];
  /** Quiet time after the last change before the restart. Default 1s. */
  watchDelay?: Duration;
}

/** The policies with their defaults, in milliseconds and bytes, as the Keeper takes them. */
export interface Policies {
  readiness: Probe | undefined;
  liveness: Probe | undefined;
  maxMemory: { bytes: number; interval: number } | undefined;
  maxAge: { age: number; jitter: number } | undefined;
  cron: CronSchedule | undefined;
  watch: WatchOptions | undefined;
}

/** Throws POOL_INVALID_OPTION (or POOL_INVALID_DURATION) with the path of the first bad value. */
export function resolvePolicies(config: PolicyConfig, cwd: string): Policies {
  const ms = (value: Duration | undefined, path: string, fallback: number) => (value === undefined ? fallback : toMilliseconds(value, path));
  if (config.timezone !== undefined && config.cronRestart === undefined) {
    throw poolError('POOL_INVALID_OPTION', { path: 'timezone', detail: 'is the time zone of cronRestart, which is not given' });
  }
  const cron = config.cronRestart === undefined ? undefined : { pattern: config.cronRestart, ...(config.timezone ? { timezone: config.timezone } : {}) };
  if (cron) checkCron(cron);
  const watch = config.watch === undefined || config.watch === false ? undefined : config.watch;
  return {
    readiness: config.readiness === undefined ? undefined : resolveProbe(config.readiness, 'readiness'),
    liveness: config.liveness === undefined ? undefined : resolveProbe(config.liveness, 'liveness'),
    maxMemory:
      config.maxMemory === undefined
        ? undefined
        : { bytes: toBytes(config.maxMemory, 'maxMemory'), interval: Math.max(100, ms(config.memoryCheckInterval, 'memoryCheckInterval', 5_000)) },
    maxAge: config.maxAge === undefined ? undefined : { age: ms(config.maxAge, 'maxAge', 0), jitter: ms(config.maxAgeJitter, 'maxAgeJitter', 0) },
    cron,
    watch:
      watch === undefined
        ? undefined
        : { paths: watch === true ? [cwd] : watch.map((path) => resolve(cwd, path)), ignore: config.watchIgnore ?? [], delay: ms(config.watchDelay, 'watchDelay', 1_000) },
  };
}

const defined = <Value extends object>(value: Value): Partial<Value> =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<Value>;

/** The Keeper's share: what it does with its processes while they run. */
export function keeperPolicies({ maxMemory, maxAge, cron, watch }: Policies): Partial<Pick<Policies, 'maxMemory' | 'maxAge' | 'cron' | 'watch'>> {
  return defined({ maxMemory, maxAge, cron, watch });
}

/** A process's share: its probes (ChildHandler options). */
export function probeOptions({ readiness, liveness }: Policies): Partial<Pick<Policies, 'readiness' | 'liveness'>> {
  return defined({ readiness, liveness });
}
