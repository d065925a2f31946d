import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { poolError } from '@pool/core';

/**
 * An onRequest hook that requires `Authorization: Bearer <token>`, except on routes marked `config.public`
 * (health probes). Both sides are hashed first, so the comparison takes the same time whatever the length.
 */
export function bearerAuth(token: string) {
  const expected = digest(token);
  return async (request: FastifyRequest): Promise<void> => {
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!timingSafeEqual(digest(given), expected) || given === '') throw poolError('POOL_UNAUTHORIZED');
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
