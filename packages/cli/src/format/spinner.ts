import type { Writable } from 'node:stream';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const silent: Spinner = { update() {}, stop() {} };

/** A one-line spinner on a terminal (stderr); nothing at all elsewhere, so pipes and logs stay clean. */
export function startSpinner(stream: Writable & { isTTY?: boolean }, text: string, enabled: boolean): Spinner {
  if (!enabled || stream.isTTY !== true) return silent;
  let frame = 0;
  let current = text;
  const draw = () => stream.write(`\r\u001b[2K${frames[frame++ % frames.length]} ${current}`);
  draw();
  const timer = setInterval(draw, 80);
  timer.unref();
  return {
    update(next) {
      current = next;
      draw();
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\u001b[2K');
    },
  };
}
