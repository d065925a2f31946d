/** The part of pino's logger the daemon's own modules use (the Manager's logger, writing to pool.log). */
export interface DaemonLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
