import type { SocketDescriptor } from '../protocol.js';
import { bindSockets, type BoundSocket, type SocketOptions } from '../sockets/shared-sockets.js';
import { inheritedDescriptors } from '../supervisor/worker-spawn.js';

/** A job's sockets: bound when its first process needs them, closed once none of its processes is left. */
export class JobSockets {
  #bound: BoundSocket[] = [];

  constructor(readonly options: Record<string, SocketOptions>) {}

  get bound(): readonly BoundSocket[] {
    return this.#bound;
  }

  /** As the processes see them (fds from 3), with the port actually bound. */
  describe(): Record<string, SocketDescriptor> {
    return Object.fromEntries(inheritedDescriptors(this.#bound).map((socket) => [socket.name, socket]));
  }

  bind(): void {
    if (this.#bound.length === 0 && Object.keys(this.options).length > 0) this.#bound = bindSockets(this.options);
  }

  close(): void {
    for (const socket of this.#bound) socket.close();
    this.#bound = [];
  }
}
