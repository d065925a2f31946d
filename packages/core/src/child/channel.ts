import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { loadNative } from './native.js';

/** The longest message a process may send on its channel (a heartbeat is ~30 bytes). */
export const maxMessageBytes = 1024 * 1024;

const newline = 0x0a;

/** One of Node's own messages (`{ cmd: 'NODE_…' }`), such as a cluster worker's request for a listening socket. */
export type InternalMessage = { cmd: string } & Record<string, unknown>;

/** How Node names a raw handle in a `NODE_HANDLE` message. */
export type HandleType = 'net.Native' | 'dgram.Native';

interface PendingHandle {
  line: Buffer;
  fd: number;
  attempts: number;
  done: (sent: boolean) => void;
}

export interface ChannelEvents {
  message: [unknown];
  /** Node's own messages, but for the handle acknowledgements the channel keeps to itself. */
  internal: [InternalMessage];
  /** The process broke the protocol (not JSON, too long): nothing more is read from it. */
  fault: [string];
}

/**
 * A process's control channel, read by pool rather than by Node. The process gets a plain socket and
 * `NODE_CHANNEL_FD`, so a Node program's `process.send()` and `process.on('message')` work as with `fork()`;
 * but what it sends is untrusted input: Node's own parser throws a line that is not JSON out of the
 * master's event loop (nodejs/node#10131), which would take every job down with the one that wrote it. Here
 * the line is the process's fault (`fault`), and the master reads on. Node's JSON framing: one
 * `JSON.stringify()` per line; Node's internal messages (`{ cmd: 'NODE_…' }`) are `internal` events.
 *
 * A handle (a listening socket for a Node cluster worker: see cluster.ts) goes as Node sends one: the message
 * `{ cmd: 'NODE_HANDLE', type, msg }` with the fd attached to its first byte (SCM_RIGHTS, through
 * @pool/native), one at a time, the next once the process has sent `NODE_HANDLE_ACK`.
 */
export class Channel extends EventEmitter<ChannelEvents> {
  readonly #socket: Socket;
  readonly #limit: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #broken = false;
  /** Writes handed to the socket whose callback has not run: a handle waits for them, to keep the order. */
  #writing = 0;
  readonly #handles: PendingHandle[] = [];
  #handleInFlight: PendingHandle | undefined;

  constructor(socket: Socket, limit = maxMessageBytes) {
    super();
    this.#socket = socket;
    this.#limit = limit;
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', () => {}); // EPIPE/ECONNRESET as the process dies: its exit is what counts
    socket.on('close', () => this.#dropHandles());
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
    this.#write(`${line}\n`);
    return true;
  }

  /**
   * Sends `message` with the file descriptor `fd` (which the process gets as its own copy): resolves true once
   * the process has acknowledged it, false if the channel closed first, the process refused it three times, or
   * handles cannot be sent here (no @pool/native).
   */
  sendHandle(message: unknown, fd: number, type: HandleType): Promise<boolean> {
    if (!this.open || !loadNative() || this.#socketFd() === undefined) return Promise.resolve(false);
    const line = Buffer.from(`${JSON.stringify({ cmd: 'NODE_HANDLE', type, msg: message })}\n`);
    return new Promise((done) => {
      this.#handles.push({ line, fd, attempts: 0, done });
      this.#pumpHandles();
    });
  }

  close(): void {
    this.#socket.destroy();
    this.#dropHandles();
  }

  #write(data: string | Buffer): void {
    this.#writing += 1;
    this.#socket.write(data, () => {
      this.#writing -= 1;
      if (this.#writing === 0) this.#pumpHandles();
    });
  }

  #socketFd(): number | undefined {
    const fd = (this.#socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }

  /** The next handle, once the last was acknowledged and every earlier write has reached the socket. */
  #pumpHandles(): void {
    if (this.#handleInFlight || this.#writing > 0) return;
    const next = this.#handles[0];
    if (!next) return;
    const socketFd = this.#socketFd();
    if (!this.open || socketFd === undefined) return this.#dropHandles();
    let sent: number;
    try {
      sent = loadNative()!.sendWithHandle(socketFd, next.line, next.fd);
    } catch {
      return this.#dropHandles(); // EPIPE and the like: the process is going
    }
    if (sent < 0) {
      setTimeout(() => this.#pumpHandles(), 5).unref(); // the socket is full: the process is not reading yet
      return;
    }
    this.#handles.shift();
    next.attempts += 1;
    this.#handleInFlight = next;
    if (sent < next.line.length) this.#write(next.line.subarray(sent));
  }

  #acknowledged(ok: boolean): void {
    const handle = this.#handleInFlight;
    if (!handle) return;
    this.#handleInFlight = undefined;
    // NACK: the fd was lost on the way (MSG_CTRUNC in the process); Node's own sender tries three times.
    if (!ok && handle.attempts < 3) this.#handles.unshift(handle);
    else handle.done(ok);
    this.#pumpHandles();
  }

  #dropHandles(): void {
    const dropped = [...(this.#handleInFlight ? [this.#handleInFlight] : []), ...this.#handles.splice(0)];
    this.#handleInFlight = undefined;
    for (const handle of dropped) handle.done(false);
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
    else if (message.cmd === 'NODE_HANDLE_ACK' || message.cmd === 'NODE_HANDLE_NACK') this.#acknowledged(message.cmd === 'NODE_HANDLE_ACK');
    else this.emit('internal', message);
    return !this.#broken;
  }

  #fault(detail: string): false {
    this.#broken = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#dropHandles();
    this.emit('fault', detail);
    return false;
  }
}

/** Node's own messages (`NODE_HANDLE_ACK`, cluster's `NODE_CLUSTER`, …): not the program's. */
function isNodeInternal(message: unknown): message is InternalMessage {
  if (typeof message !== 'object' || message === null) return false;
  const cmd = (message as { cmd?: unknown }).cmd;
  return typeof cmd === 'string' && cmd.startsWith('NODE_');
}

function preview(line: Buffer): string {
  const text = JSON.stringify(line.subarray(0, 60).toString('utf8'));
  return line.length > 60 ? `${text}…` : text;
}
