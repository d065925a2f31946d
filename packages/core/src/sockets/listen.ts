import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import net, { type Server } from 'node:net';
import type { SocketDescriptor } from '../protocol.js';
import { invalid } from '../validate.js';
import { balanceConnections } from './balance.js';

export interface ListenOnOptions {
  /**
   * Even out kept-alive connections with the other workers (default true): the worker reports its count to
   * the master and answers `Connection: close` on the connections it holds above the fair share, so that
   * the clients reconnect. HTTP/1 servers only; the master never touches a request.
   */
  balance?: boolean;
}

/**
 * Listens on a socket the master bound (`this.sockets.<name>` in a worker). Works for any net.Server:
 * node:http, Fastify's `app.server` (after `await app.ready()`), Express's server, …
 */
export function listenOn(server: Server, socket: SocketDescriptor | undefined, options: ListenOnOptions = {}): Promise<void> {
  if (!socket) {
    return Promise.reject(invalid('sockets', 'no such socket was declared: add it to the Supervisor\'s `sockets` option'));
  }
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ fd: socket.fd }, () => {
      server.off('error', onError);
      if (options.balance !== false) balanceConnections(server);
      resolve();
    });
  });
}

/**
 * Stops a server without dropping a request (for `onShutdown`): it stops accepting, answers each further
 * request on a kept-alive connection with `Connection: close`, and resolves once every connection has ended,
 * ending the rest after `timeout` ms. (`http.Server#close` alone also drops idle kept-alive connections at
 * once, racing the requests clients are sending on them.)
 */
export function drainServer(server: Server, options: { timeout?: number } = {}): Promise<void> {
  const { timeout = 10_000 } = options;
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (!response.headersSent) response.setHeader('connection', 'close');
    });
    const stragglers = setTimeout(() => (server as Partial<HttpServer>).closeAllConnections?.(), timeout);
    net.Server.prototype.close.call(server, () => {
      clearTimeout(stragglers);
      resolve();
    });
  });
}
