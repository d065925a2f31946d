import type { FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: { id?: number; event?: string; data: unknown }): void;
  /** Resolves when the client goes away (or the server closes the stream). */
  closed: Promise<void>;
  close(): void;
}

/**
 * Turns a reply into a Server-Sent Events stream: heartbeat comments keep proxies from timing it out, and
 * writes that the client cannot take are dropped rather than buffered without bound.
 */
function openStream(open: Set<EventStream>, request: FastifyRequest, reply: FastifyReply, heartbeatInterval: number): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': pool event stream\n\n');
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), heartbeatInterval);
  const stream: EventStream = {
    send({ id, event, data }) {
      if (raw.writableEnded || raw.writableNeedDrain) return;
      const lines = [id === undefined ? '' : `id: ${id}\n`, event ? `event: ${event}\n` : '', `data: ${JSON.stringify(data)}\n\n`];
      raw.write(lines.join(''));
    },
    closed,
    close() {
      if (!raw.writableEnded) raw.end();
    },
  };
  open.add(stream);
  const finish = () => {
    clearInterval(heartbeat);
    open.delete(stream);
    resolveClosed();
  };
  request.raw.once('close', finish);
  raw.once('close', finish);
  return stream;
}

/** The event streams of one plugin instance; `closeAll` ends them before the server closes (it would wait on them). */
export function eventStreams(heartbeatInterval: number) {
  const open = new Set<EventStream>();
  return {
    open: (request: FastifyRequest, reply: FastifyReply) => openStream(open, request, reply, heartbeatInterval),
    closeAll: () => {
      for (const stream of open) stream.close();
    },
  };
}
