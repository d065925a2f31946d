import { rmSync } from 'node:fs';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { poolError } from '../errors/index.js';
import type { SocketDescriptor } from '../protocol.js';
import { checkInteger, checkKeys, invalid } from '../validate.js';

/** A socket the master binds once for all its workers: TCP (`host`, `port`) or a Unix socket (`path`). */
export interface SocketOptions {
  host?: string;
  /** 0 picks a free port; read the bound one from `supervisor.sockets.<name>.port`. */
  port?: number;
  path?: string;
}

export interface BoundSocket extends SocketDescriptor {
  /** The master's own fd of the socket, passed to every child. */
  readonly fd: number;
  close(): void;
}

export interface ServerHandle {
  fd: number;
  getsockname?(out: { address?: string; port?: number }): number;
  close(): void;
}

// The master binds without listening: it holds the socket so that it outlives every worker, but it never
// accepts on it; each worker listens on its inherited copy and the kernel hands connections to them.
// `net._createServerHandle` is what Node's cluster uses for the same purpose.
export const createServerHandle = (net as unknown as {
  _createServerHandle(address: string | null, port: number, addressType: number, fd?: number, flags?: number): ServerHandle | number;
})._createServerHandle;

export function validateSockets(sockets: unknown, path = 'sockets'): Record<string, SocketOptions> {
  if (sockets === undefined) return {};
  if (typeof sockets !== 'object' || sockets === null) throw invalid(path, 'expected an object of named sockets');
  for (const [name, options] of Object.entries(sockets)) {
    const where = `${path}.${name}`;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw invalid(where, 'a socket name may hold letters, digits, "_", "." and "-"');
    if (typeof options !== 'object' || options === null) throw invalid(where, 'expected { host, port } or { path }');
    checkKeys(options, ['host', 'port', 'path'], where);
    const { host, port, path: socketPath } = options as SocketOptions;
    if (socketPath !== undefined) {
      if (typeof socketPath !== 'string' || socketPath === '') throw invalid(`${where}.path`, 'expected a file path');
      if (port !== undefined || host !== undefined) throw invalid(where, 'give either path, or host and port');
    } else {
      checkInteger(port, `${where}.port`, 0, 65_535);
      if (host !== undefined && typeof host !== 'string') throw invalid(`${where}.host`, 'expected a host name or address');
    }
  }
  return sockets as Record<string, SocketOptions>;
}

export function bindSocket(name: string, options: SocketOptions): BoundSocket {
  if (options.path !== undefined) return bindUnix(name, options.path);
  const host = options.host ?? '0.0.0.0';
  const family = net.isIP(host);
  const handle = createServerHandle(host, options.port ?? 0, family === 0 ? 4 : family);
  if (typeof handle === 'number') {
    throw poolError('POOL_SOCKET_BIND_FAILED', { name, address: `${host}:${options.port}`, detail: getSystemErrorName(handle) });
  }
  const address: { address?: string; port?: number } = {};
  handle.getsockname?.(address);
  // libuv defers EADDRINUSE from bind() to listen(), which would fail in every worker: a socket left
  // unbound (port 0 where a port was asked for) is that error, reported here instead.
  if (options.port && address.port !== options.port) {
    handle.close();
    throw poolError('POOL_SOCKET_BIND_FAILED', { name, address: `${host}:${options.port}`, detail: 'EADDRINUSE' });
  }
  return { name, fd: handle.fd, host: address.address ?? host, port: address.port ?? options.port ?? 0, close: () => handle.close() };
}

function bindUnix(name: string, path: string): BoundSocket {
  rmStale(path);
  const handle = createServerHandle(path, -1, -1);
  if (typeof handle === 'number') {
    throw poolError('POOL_SOCKET_BIND_FAILED', { name, address: path, detail: getSystemErrorName(handle) });
  }
  return {
    name,
    fd: handle.fd,
    path,
    close: () => {
      handle.close();
      rmStale(path);
    },
  };
}

function rmStale(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Not ours to remove (a directory, or no permission): bind reports the real problem.
  }
}

/** Binds every declared socket; if one fails, the ones already bound are closed. */
export function bindSockets(sockets: Record<string, SocketOptions>): BoundSocket[] {
  const bound: BoundSocket[] = [];
  try {
    for (const [name, options] of Object.entries(sockets)) bound.push(bindSocket(name, options));
    return bound;
  } catch (error) {
    for (const socket of bound) socket.close();
    throw error;
  }
}
