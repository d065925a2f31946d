import type { ChildHandler } from '../child/child-handler.js';
import type { MasterMessage } from '../protocol.js';

/**
 * The master's half of connection balancing (see sockets/balance.ts): keeps each worker's reported count of
 * connections and tells every reporting worker the fair share, ceil(total / workers), when it changes. A
 * worker that never reports (no `listenOn`) is not counted; one that exits is forgotten.
 */
export class ConnectionBalancer {
  #counts = new Map<ChildHandler, number>();
  #share: number | undefined;
  #pending = false;

  report(child: ChildHandler, count: number): void {
    const newcomer = !this.#counts.has(child);
    this.#counts.set(child, count);
    if (newcomer) this.#share = undefined; // everyone, the newcomer included, hears the share
    this.#schedule();
  }

  forget(child: ChildHandler): void {
    if (this.#counts.delete(child)) this.#schedule();
  }

  // Reports arrive in bursts (every worker at once after a wave of connections): answer them all once.
  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      this.#announce();
    });
  }

  #announce(): void {
    if (this.#counts.size === 0) return;
    let total = 0;
    for (const count of this.#counts.values()) total += count;
    const share = Math.ceil(total / this.#counts.size);
    if (share === this.#share) return;
    this.#share = share;
    const message: MasterMessage = { type: 'pool:balance', share };
    for (const child of this.#counts.keys()) child.send(message);
  }
}
