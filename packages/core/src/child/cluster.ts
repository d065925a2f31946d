import dgram from 'node:dgram';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createServerHandle, type ServerHandle } from '../sockets/shared-sockets.js';
import type { Channel, HandleType, InternalMessage } from './channel.js';
import { loadNative, nativeMissing } from './native.js';

/**
 * Node's cluster protocol, master side, in shared-handle mode: how an unmodified Node program run N times shares
 * its ports. Each process is started as a cluster worker (`NODE_UNIQUE_ID`, a channel on `NODE_CHANNEL_FD`), so
 * its `server.listen(port)` — node:http, Express, Fastify, Koa, net, and dgram's bind — asks the master for the
 * socket (`queryServer`) instead of binding it. The master binds it once (`net._createServerHandle`, as Node's own
 * primary does, without listening) and hands the same socket to every process, which listens and accepts on it:
 * the kernel queues connections on the one socket and any process accepts them, so a process that dies loses only
 * the connections it had accepted, and the master is never on the request path (Node's default round-robin mode
 * puts it there: it accepts every connection and passes it on).
 *
 * Unlike Node's primary, which closes a socket with the last worker that listened on it, a job keeps its sockets
 * while any of its processes may need them (until the job is stopped): a restart of a one-process job queues
 * connections rather than refusing them.
 */
/**
 * The module every process of a cluster-mode job preloads (preload/cluster-worker.cjs: a server stopped by
 * worker.disconnect() serves the connections it has accepted and closes keep-alive ones after their response).
 * From dist/child/, dist/bundle/ and src/child/ alike, the package's root is two levels up.
 */
const preload = fileURLToPath(new URL('../../preload/cluster-worker.cjs', import.meta.url));

/** NODE_OPTIONS with the preload added (quoted as Node parses NODE_OPTIONS; the preload removes it again). */
export function withClusterPreload(nodeOptions: string | undefined): string {
  const option = `--require "${preload.replace(/[\\"]/g, '\\$&')}"`;
  return nodeOptions ? `${nodeOptions} ${option}` : option;
}

export class ClusterListeners {
  readonly #listeners = new Map<string, Listener>();

  /** Why a job cannot run in cluster mode here, or undefined when it can (handles travel through @pool/native). */
  static unavailable(): string | undefined {
    return loadNative() ? undefined : nativeMissing();
  }

  /** Serves the cluster requests of one process on its channel. */
  serve(channel: Channel): void {
    channel.on('internal', (message) => {
      if (message.cmd === 'NODE_CLUSTER' && message.act === 'queryServer') void this.#query(channel, message as Query);
      // 'online', 'listening', 'close': nothing to do; the sockets stay bound while the job runs.
    });
  }

  /** What the processes listen on, as bound. */
  describe(): { address: string; port?: number; type: string }[] {
    return [...this.#listeners.values()].map(({ address, port, type }) => ({ address, ...(port === undefined ? {} : { port }), type }));
  }

  close(): void {
    for (const listener of this.#listeners.values()) listener.handle.close();
    this.#listeners.clear();
  }

  async #query(channel: Channel, query: Query): Promise<void> {
    const key = `${query.address}:${query.port}:${query.addressType}:${query.fd}:${query.index}`;
    const reply = (errno: number, data: unknown = null) => ({ cmd: 'NODE_CLUSTER', ack: query.seq, errno, key, data });
    if (typeof query.fd === 'number' && query.fd >= 0) {
      // listen({ fd }): an fd of the process's own, which this master cannot reach. Give the job `sockets` instead.
      channel.send(reply(-constants.errno.EBADF));
      return;
    }
    const listener = this.#listeners.get(key) ?? this.#bind(key, query);
    if (typeof listener === 'number') {
      channel.send(reply(listener));
      return;
    }
    listener.data ??= query.data ?? null; // a TLS server's session ticket keys: the first process's, for all
    const sent = await channel.sendHandle(reply(0, listener.data), listener.handle.fd, listener.type);
    if (!sent && channel.open) channel.send(reply(-constants.errno.ENOTSUP));
  }

  /** A bound socket, or the negative errno of the failure (which the process's listen() reports as EADDRINUSE, …). */
  #bind(key: string, query: Query): Listener | number {
    const udp = query.addressType === 'udp4' || query.addressType === 'udp6';
    const handle = udp
      ? createSocketHandle(query.address, query.port, query.addressType as string, -1, query.flags ?? 0)
      : createServerHandle(query.address, query.port, query.addressType as number, -1, query.flags ?? 0);
    if (typeof handle === 'number') return handle;
    const bound: { address?: string; port?: number } = {};
    handle.getsockname?.(bound);
    const listener: Listener = {
      handle,
      type: udp ? 'dgram.Native' : 'net.Native',
      address: bound.address ?? query.address ?? '',
      ...(bound.port === undefined ? {} : { port: bound.port }),
      data: undefined,
    };
    this.#listeners.set(key, listener);
    return listener;
  }
}

/** A cluster worker's `queryServer` (lib/internal/cluster/child.js). */
interface Query extends InternalMessage {
  seq: number;
  address: string | null;
  /** -1 for a Unix socket path. */
  port: number;
  /** 4, 6, -1 (a path), 'udp4', 'udp6'. */
  addressType: number | 'udp4' | 'udp6';
  fd?: number;
  index: number;
  flags?: number;
  data?: unknown;
}

interface Listener {
  handle: ServerHandle;
  type: HandleType;
  address: string;
  port?: number;
  data: unknown;
}

// What Node's own primary binds a UDP socket with (lib/internal/cluster/shared_handle.js): a raw handle or an errno.
const createSocketHandle = (dgram as unknown as {
  _createSocketHandle(address: string | null, port: number, type: string, fd: number, flags: number): ServerHandle | number;
})._createSocketHandle;
