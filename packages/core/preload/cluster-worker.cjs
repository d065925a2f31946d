'use strict';
// Preloaded (`--require`, through NODE_OPTIONS) into every process of a job that pool runs in cluster mode: an
// unmodified Node program run N times on shared ports (src/child/cluster.ts). It changes one thing, how an HTTP
// server closes, so that stopping one process (Node's worker.disconnect(), which closes every server) fails no
// request, keep-alive or not:
// - Node's own server.close() (since Node 19) destroys every idle connection at once, and a connection the
//   process has just accepted, whose request it has not read yet, counts as idle: the client that sent it gets a
//   reset. Here the server stops accepting, and those connections are served.
// - Every response from then on, including those already in flight, says `Connection: close`, so a keep-alive
//   client takes its next request to another process instead of losing it on a closed connection.
// - A connection that stays idle (a keep-alive client with nothing to ask) is closed after a second, and each
//   second after that; the server's 'close' follows once every connection has ended, and the process exits.
// Nothing else is touched, and a process that is not a cluster worker (a child the program spawns) is left as is.
const marker = `--require ${quote(__filename)}`;
if (process.env.NODE_OPTIONS?.includes(marker)) {
  const rest = process.env.NODE_OPTIONS.replace(marker, '').trim();
  if (rest) process.env.NODE_OPTIONS = rest;
  else delete process.env.NODE_OPTIONS;
}

if (process.env.NODE_UNIQUE_ID !== undefined || require('node:cluster').isWorker) drainOnClose();

function drainOnClose() {
  const http = require('node:http');
  const https = require('node:https');
  const draining = Symbol('pool.draining');
  const idlePass = 1000;

  const writeHead = http.ServerResponse.prototype.writeHead;
  http.ServerResponse.prototype.writeHead = function (...args) {
    if (this.socket?.server?.[draining]) this.shouldKeepAlive = false;
    return writeHead.apply(this, args);
  };

  for (const Server of new Set([http.Server, https.Server])) {
    const close = Server.prototype.close;
    const closeIdle = Server.prototype.closeIdleConnections;
    Server.prototype.close = function (...args) {
      if (this[draining] || typeof closeIdle !== 'function') return close.apply(this, args);
      this[draining] = true;
      // Node's close() calls closeIdleConnections() first: here it does not, for the connections just accepted.
      this.closeIdleConnections = () => {};
      try {
        close.apply(this, args);
      } finally {
        delete this.closeIdleConnections;
      }
      const timer = setInterval(() => closeIdle.call(this), idlePass).unref();
      this.once('close', () => clearInterval(timer));
      return this;
    };
  }
}

// As NODE_OPTIONS quotes a path (src/child/cluster.ts writes it the same way).
function quote(path) {
  return `"${path.replace(/[\\"]/g, '\\$&')}"`;
}
