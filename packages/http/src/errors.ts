import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isPoolError, poolError, type PoolError } from '@pool/core';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  hint?: string;
}

export const errorBodySchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    message: { type: 'string' },
    hint: { type: 'string' },
  },
  required: ['statusCode', 'code', 'message'],
} as const;

/** Every error leaves as `{ statusCode, code, message, hint }` with core's stable POOL_ codes. */
export function toPoolError(error: FastifyError | Error, bodyLimit: number): PoolError {
  if (isPoolError(error)) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return poolError('POOL_INVALID_REQUEST', { detail: `${fastifyError.validationContext ?? 'request'}${error.message.replace(/^(body|params|querystring|headers)/, '')}` });
  }
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return poolError('POOL_BODY_TOO_LARGE', { limit: bodyLimit });
  if (fastifyError.statusCode && fastifyError.statusCode < 500) {
    return poolError('POOL_INVALID_REQUEST', { detail: error.message });
  }
  return poolError('POOL_INVALID_STATE', { action: 'answer', subject: 'the server', state: `failing (${error.message})` }, error);
}

export function errorHandler(bodyLimit: number) {
  return async (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    // Refused before its body was read (too large, a media type with no parser): read the rest first.
    await discardBody(request.raw);
    const known = isPoolError(error) || (error as FastifyError).validation || (error as FastifyError).statusCode;
    const poolFailure = toPoolError(error, bodyLimit);
    const statusCode = known ? poolFailure.status : 500;
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = { statusCode, code: poolFailure.code, message: poolFailure.message, hint: poolFailure.hint };
    return reply.code(statusCode).send(body);
  };
}

/**
 * A client still sending a body the server refused (413, 415, …) would get EPIPE, not the answer, if the
 * connection closed at once: read and drop the rest first, up to a bound in bytes and in time.
 */
function discardBody(raw: IncomingMessage, limit = 64 * 1024 * 1024, timeout = 5_000): Promise<void> {
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) done();
    };
    const timer = setTimeout(done, timeout);
    raw.on('data', onData).once('end', done).once('error', done).once('close', done);
    raw.resume();
  });
}
