import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { MasterMessage, WorkerMessage } from '../protocol.js';

/*
 * Evens out kept-alive connections between the workers that share a socket, with the master off the request
 * path. The kernel hands a burst of new connections to whichever worker wakes first, often all of them (64/0
 * was seen with wrk's 64), and a kept-alive connection stays where it landed: one worker saturates while the
 * other idles. So each worker reports how many connections its servers hold (coalesced, at most one message
 * per `reportDelay`); the master answers every worker with the fair share, ceil(total / workers); a worker
 * holding more than its share (and some slack) answers the next request on each connection too many with
 * `Connection: close`, and the client's reconnect lands anew. Only counts travel; no request waits on them.
 * HTTP/1 servers only (the `request` event and the `Connection` header); others are counted, never shed.
 */

const reportDelay = 50;

interface BalanceState {
  servers: number;
  connections: number;
  /** Connections answered with `Connection: close`, not closed yet. */
  closing: number;
  share: number;
  reported: number;
  timer: NodeJS.Timeout | undefined;
  onMessage: (message: MasterMessage | undefined) => void;
}

let state: BalanceState | undefined;
const closing = new WeakSet<Socket>();

/** How far above its share a worker may stay: churn costs a reconnect each, an imbalance of one costs nothing. */
const balanceSlack = (share: number): number => 1 + Math.floor(share / 16);

/**
 * Counts the server's connections for the master and sheds those above the worker's fair share. A no-op
 * outside a worker that has a master (no IPC channel).
 */
export function balanceConnections(server: Server): void {
  if (!process.send) return;
  const balance = (state ??= start());
  balance.servers += 1;
  scheduleReport(balance);
  server.once('close', () => {
    balance.servers -= 1;
    // Our 'message' listener holds the IPC channel open: let it go with the last server.
    if (balance.servers === 0 && state === balance) stop(balance);
  });
  server.on('connection', (socket: Socket) => {
    balance.connections += 1;
    scheduleReport(balance);
    socket.once('close', () => {
      balance.connections -= 1;
      scheduleReport(balance);
    });
  });
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (closing.has(socket) || response.headersSent || request.httpVersionMajor !== 1) return;
    if (balance.connections - balance.closing <= balance.share + balanceSlack(balance.share)) return;
    // request.socket, not the 'connection' one: under TLS it is the TLSSocket wrapping it.
    closing.add(socket);
    balance.closing += 1;
    socket.once('close', () => {
      balance.closing -= 1;
    });
    response.setHeader('connection', 'close');
  });
}

function start(): BalanceState {
  const balance: BalanceState = {
    servers: 0,
    connections: 0,
    closing: 0,
    share: Number.POSITIVE_INFINITY,
    reported: -1, // the first report goes out even at 0: a worker with no connection yet counts in the share
    timer: undefined,
    onMessage: (message) => {
      if (message?.type === 'pool:balance' && Number.isFinite(message.share) && message.share >= 0) balance.share = message.share;
    },
  };
  process.on('message', balance.onMessage);
  return balance;
}

function stop(balance: BalanceState): void {
  process.off('message', balance.onMessage);
  clearTimeout(balance.timer);
  state = undefined;
}

function scheduleReport(balance: BalanceState): void {
  balance.timer ??= setTimeout(() => {
    balance.timer = undefined;
    if (balance.connections === balance.reported || !process.connected) return;
    balance.reported = balance.connections;
    process.send?.({ type: 'pool:connections', count: balance.connections } satisfies WorkerMessage);
  }, reportDelay).unref();
}
