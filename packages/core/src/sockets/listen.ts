import type { Server } from 'node:net';
import type { SocketDescriptor } from '../protocol.js';
import { invalid } from '../validate.js';

/**
 * Listens on a socket the master bound (`this.sockets.<name>` in a worker). Works for any net.Server:
 * node:http, Fastify's `app.server` (after `await app.ready()`), Express's server, …
 */
export function listenOn(server: Server, socket: SocketDescriptor | undefined): Promise<void> {
  if (!socket) {
    return Promise.reject(invalid('sockets', 'no such socket was declared: add it to the Supervisor\'s `sockets` option'));
  }
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ fd: socket.fd }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
