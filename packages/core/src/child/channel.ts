import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';

/** The longest message a process may send on its channel (a heartbeat is ~30 bytes). */
export const maxMessageBytes = 1024 * 1024;

const newline = 0x0a;

export interface ChannelEvents {
  message: [unknown];
  /** The process broke the protocol (not JSON, too long): nothing more is read from it. */
  fault: [string];
}

/**
 * A process's control channel, read by pool rather than by Node. The process gets a plain socket and
 * `NODE_CHANNEL_FD`, so a Node program's `process.send()` and `process.on('message')` work as with `fork()`;
 * but what it sends is untrusted input: Node's own parser throws a line that is not JSON out of the
 * master's event loop (nodejs/node#10131), which would take every job down with the one that wrote it. Here
 * the line is the process's fault (`fault`), and the master reads on. Node's JSON framing: one
 * `JSON.stringify()` per line; Node's internal messages (`{ cmd: 'NODE_…' }`) are dropped. Handles cannot
 * be passed.
 */
export class Channel extends EventEmitter<ChannelEvents> {
  readonly #socket: Socket;
  readonly #limit: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #broken = false;

  constructor(socket: Socket, limit = maxMessageBytes) {
    super();
    this.#socket = socket;
    this.#limit = limit;
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', () => {}); // EPIPE/ECONNRESET as the process dies: its exit is what counts
  }

  /** The socket, to wait for it to close with the process's pipes. */
  get socket(): Socket {
    return this.#socket;
  }

  get open(): boolean {
    return !this.#broken && this.#socket.writable && !this.#socket.destroyed;
  }

  /** Sends one message as JSON; false when the channel is closed. Throws on a value JSON cannot carry. */
  send(message: unknown): boolean {
    if (!this.open) return false;
    const line = JSON.stringify(message);
    if (line === undefined) throw new TypeError(`a message must be a JSON value, not ${typeof message}`);
    this.#socket.write(`${line}\n`);
    return true;
  }

  close(): void {
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    if (this.#broken) return;
    let start = 0;
    for (let end = chunk.indexOf(newline); end !== -1; end = chunk.indexOf(newline, start)) {
      const tail = chunk.subarray(start, end);
      const line = this.#pendingBytes > 0 ? Buffer.concat([...this.#pending, tail]) : tail;
      this.#pending = [];
      this.#pendingBytes = 0;
      start = end + 1;
      if (!this.#deliver(line)) return;
    }
    if (start === chunk.length) return;
    const rest = chunk.subarray(start);
    if (this.#pendingBytes + rest.length > this.#limit) {
      this.#fault(`a message longer than ${this.#limit} bytes`);
      return;
    }
    this.#pending.push(Buffer.from(rest)); // a copy: the chunk is not kept for its tail
    this.#pendingBytes += rest.length;
  }

  #deliver(line: Buffer): boolean {
    if (line.length > this.#limit) return this.#fault(`a message longer than ${this.#limit} bytes`);
    let message: unknown;
    try {
      message = JSON.parse(line.toString('utf8'));
    } catch {
      return this.#fault(`a message that is not JSON: ${preview(line)}`);
    }
    if (!isNodeInternal(message)) this.emit('message', message);
    return !this.#broken;
  }

  #fault(detail: string): false {
    this.#broken = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.emit('fault', detail);
    return false;
  }
}

/** Node's own messages (`NODE_HANDLE_ACK`, cluster's `NODE_CLUSTER`, …): not the program's. */
function isNodeInternal(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const cmd = (message as { cmd?: unknown }).cmd;
  return typeof cmd === 'string' && cmd.startsWith('NODE_');
}

function preview(line: Buffer): string {
  const text = JSON.stringify(line.subarray(0, 60).toString('utf8'));
  return line.length > 60 ? `${text}…` : text;
}
