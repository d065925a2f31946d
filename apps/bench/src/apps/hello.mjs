// The one app every peer runs: Fastify answering GET / with the pid of the process that served it.
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import Fastify from 'fastify';

export function buildHelloApp() {
  // Requests that arrive on a kept-alive connection while the app closes are still served (with
  // `Connection: close`), not answered 503: a rolling reload should not fail them.
  const app = Fastify({ logger: false, return503OnClosing: false });
  app.get('/', async () => ({ hello: 'world', pid: process.pid }));
  return app;
}

/** `{ fd }` for an inherited listening socket, else `{ port, host }`; always an explicit host. */
export function listenOptions({ fd, port, host = '127.0.0.1' }) {
  // Without a host Fastify assumes "localhost", looks it up and binds a second server on ::1.
  return fd === undefined ? { port, host } : { fd, host };
}

/**
 * Appends `<pid> <epoch ms> <port> <epoch ms the process started>` to HELLO_LISTENING_LOG once the app
 * listens: the same fact from the same code under every peer, read by the bench without sending any
 * traffic while the workers start.
 */
export function reportListening(app) {
  const file = process.env.HELLO_LISTENING_LOG;
  if (!file) return;
  const now = performance.timeOrigin + performance.now();
  appendFileSync(file, `${process.pid} ${now.toFixed(3)} ${app.server.address().port} ${performance.timeOrigin.toFixed(3)}\n`);
}

/**
 * How the app ends, by HELLO_SHUTDOWN: `close` (default) is Fastify's `app.close()`; `drain` first stops
 * accepting and answers the next request on each open connection with `Connection: close`, so clients move
 * to another worker, and closes once they have (or after `timeout` ms).
 */
export function closeApp(app, { timeout = 1_000 } = {}) {
  return process.env.HELLO_SHUTDOWN === 'drain' ? drainAndClose(app, timeout) : app.close();
}

async function drainAndClose(app, timeout) {
  const { server } = app;
  server.prependListener('request', (_request, response) => {
    response.shouldKeepAlive = false;
  });
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, timeout);
    // http.Server#close would also end the idle kept-alive connections at once, racing a client that is
    // sending its next request on one; net.Server#close only stops accepting.
    net.Server.prototype.close.call(server, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await app.close();
}
