export interface Interruption {
  /** Aborted at the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  interrupted: Promise<void>;
  stop(): void;
}

/** For commands that follow a stream: Ctrl-C (or SIGTERM) ends them cleanly, with exit code 0. */
export function untilInterrupted(): Interruption {
  const controller = new AbortController();
  let resolve!: () => void;
  const interrupted = new Promise<void>((done) => (resolve = done));
  const onSignal = () => {
    controller.abort();
    resolve();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    interrupted,
    stop() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      controller.abort();
    },
  };
}
