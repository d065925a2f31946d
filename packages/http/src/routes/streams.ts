import type { FastifyInstance } from 'fastify';
import { compilePattern, topicsOf, type Manager, type ManagerEvent } from '@pool/core';
import type { EventLog } from '../event-log.js';
import { errors, jobParams, okSchema } from '../schemas.js';
import type { eventStreams } from '../sse.js';

/** One line of output, as the logs routes give it. */
export interface LogRecordLike {
  job: string;
  worker: number;
  pid: number;
  stream: 'stdout' | 'stderr';
  time: number;
  line: Buffer;
  /** The order lines were kept in (a memoryTransport's records have it): what a flush of the tail cuts by. */
  seq?: number;
}

/** What the logs routes read: a `memoryTransport()` of @pool/log-transports that the Manager writes to. */
export interface LogSource {
  tail(options: { job?: string; lines?: number }): LogRecordLike[];
  subscribe(listener: (record: LogRecordLike) => void, options?: { job?: string }): () => void;
}

const logLineSchema = {
  type: 'object',
  properties: {
    job: { type: 'string' },
    worker: { type: 'integer' },
    pid: { type: 'integer' },
    stream: { type: 'string' },
    time: { type: 'integer' },
    line: { type: 'string' },
  },
  required: ['job', 'worker', 'pid', 'stream', 'time', 'line'],
} as const;

const asJson = ({ job, worker, pid, stream, time, line }: LogRecordLike) => ({ job, worker, pid, stream, time, line: line.toString('utf8') });

export function streamRoutes(
  app: FastifyInstance,
  manager: Manager,
  events: EventLog,
  streams: ReturnType<typeof eventStreams>,
  logs: LogSource | undefined,
): void {
  const requireLogs = (): LogSource => {
    if (logs) return logs;
    throw Object.assign(new Error('logs are not kept: pass a memoryTransport() from @pool/log-transports as the `logs` option'), { statusCode: 400 });
  };

  app.get<{ Querystring: { topic?: string; lastEventId?: number } }>('/events', {
    schema: {
      summary: 'Live events (Server-Sent Events); resumes after Last-Event-ID from a bounded buffer',
      querystring: {
        type: 'object',
        properties: { topic: { type: 'string', minLength: 1 }, lastEventId: { type: 'integer', minimum: 0 } },
        additionalProperties: false,
      },
      response: errors,
    },
    handler: async (request, reply) => {
      const matches = request.query.topic ? compilePattern(request.query.topic) : () => true;
      const wanted = (event: ManagerEvent) => topicsOf(event).some(matches);
      const header = Number(request.headers['last-event-id']);
      const lastId = Number.isInteger(header) ? header : (request.query.lastEventId ?? undefined);
      const stream = streams.open(request, reply);
      let sent = lastId ?? 0;
      const forward = (entry: { id: number; event: string; data: unknown }) => {
        if (entry.id <= sent || !wanted(entry.data as ManagerEvent)) return;
        sent = entry.id;
        stream.send(entry);
      };
      const stop = events.listen(forward);
      if (lastId !== undefined) for (const entry of events.since(lastId)) forward(entry);
      await stream.closed;
      stop();
    },
  });

  // Per job, the newest line its last flush emptied the tail of: that line and older ones are not shown again
  // (the memory goes back as new lines take their place in the tail).
  const flushed = new Map<string, { seq: number | undefined; time: number }>();
  const sinceFlush = (job: string, records: LogRecordLike[]): LogRecordLike[] => {
    const mark = flushed.get(job);
    if (!mark) return records;
    return records.filter((record) => (mark.seq !== undefined && record.seq !== undefined ? record.seq > mark.seq : record.time > mark.time));
  };

  app.get<{ Params: { job: string }; Querystring: { lines?: number } }>('/jobs/:job/logs', {
    schema: {
      summary: 'The last lines of a job\'s processes',
      params: jobParams,
      querystring: { type: 'object', properties: { lines: { type: 'integer', minimum: 1, maximum: 100_000 } }, additionalProperties: false },
      response: { 200: { type: 'array', items: logLineSchema }, ...errors },
    },
    handler: async (request) => {
      const job = manager.info(request.params.job).name;
      return sinceFlush(job, requireLogs().tail({ job, lines: request.query.lines ?? 100 })).map(asJson);
    },
  });

  app.post<{ Params: { job: string } }>('/jobs/:job/logs/flush', {
    schema: {
      summary: 'Empty the tail of a job\'s output kept in memory (`pool flush`; the daemon\'s log files are emptied by the CLI)',
      params: jobParams,
      response: { 200: { type: 'object', properties: { lines: { type: 'integer', description: 'The lines emptied.' } }, required: ['lines'] }, ...errors },
    },
    handler: async (request) => {
      const job = manager.info(request.params.job).name;
      const kept = sinceFlush(job, requireLogs().tail({ job }));
      const newest = kept.at(-1);
      if (newest) flushed.set(job, { seq: newest.seq, time: newest.time });
      return { lines: kept.length };
    },
  });

  app.post('/logs/reopen', {
    schema: { summary: 'Reopen the log files the jobs\' output is written to (after logrotate moved them; SIGUSR1 does the same)', response: { 200: okSchema, ...errors } },
    handler: async () => {
      await manager.reopenLogs();
      return { ok: true };
    },
  });

  app.get<{ Params: { job: string } }>('/jobs/:job/logs/stream', {
    schema: { summary: 'A job\'s output as it comes (Server-Sent Events)', params: jobParams, response: errors },
    handler: async (request, reply) => {
      const job = manager.info(request.params.job).name;
      const source = requireLogs();
      const stream = streams.open(request, reply);
      const stop = source.subscribe((record) => stream.send({ event: 'log', data: asJson(record) }), { job });
      await stream.closed;
      stop();
    },
  });
}
