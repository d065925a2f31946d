import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { poolError } from '@pool/core';

export interface RequestGuardOptions {
  /** Host names the API answers to, besides loopback names and IP addresses; `true` answers any Host. */
  allowedHosts?: readonly string[] | true;
  /** Browser origins (`https://admin.example.com`) allowed to send state-changing requests, besides the server's own. */
  allowedOrigins?: readonly string[];
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * An onRequest hook against the two ways a web page reaches a control API it should not:
 * - DNS rebinding: a page of `evil.example` whose name now resolves to 127.0.0.1 sends its requests with
 *   `Host: evil.example`. Only loopback names (`localhost`, `*.localhost`), IP literals (no rebinding goes
 *   through an address) and the names in `allowedHosts` are answered.
 * - Cross-site requests: a browser sends `Origin` with every state-changing request; one that is neither the
 *   server's own origin nor in `allowedOrigins` is refused (`Origin: null`, from sandboxed frames and files, too).
 * Requests over a Unix socket are not checked: no browser reaches one. Routes marked `config.public` (health
 * probes) are not checked either.
 */
export function requestGuard(options: RequestGuardOptions = {}) {
  const hosts = options.allowedHosts === true ? true : (options.allowedHosts ?? []).map(normalHost);
  const origins = new Set((options.allowedOrigins ?? []).map(normalOrigin));
  return async (request: FastifyRequest): Promise<void> => {
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    if (typeof request.raw.socket.remoteAddress !== 'string') return;
    const host = request.headers.host;
    if (host !== undefined && hosts !== true && !hostAllowed(hostName(host), hosts)) {
      throw poolError('POOL_HOST_NOT_ALLOWED', { host });
    }
    const origin = request.headers.origin;
    if (origin === undefined || safeMethods.has(request.method)) return;
    const own = host === undefined ? undefined : normalOrigin(`${request.protocol}://${host}`);
    const given = normalOrigin(origin);
    if (given !== own && !origins.has(given)) throw poolError('POOL_ORIGIN_NOT_ALLOWED', { origin, method: request.method });
  };
}

function hostAllowed(name: string, allowed: readonly string[]): boolean {
  if (name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0) return true;
  // "example.com" allows that name; ".example.com" allows it and every name under it.
  return allowed.some((entry) => (entry.startsWith('.') ? name === entry.slice(1) || name.endsWith(entry) : name === entry));
}

/** The name in a Host header: without the port, brackets, case or a final dot. */
function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  const name = value.startsWith('[') ? value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined) : value.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

function normalHost(entry: string): string {
  return entry.trim().toLowerCase().replace(/\.$/, '');
}

function normalOrigin(origin: string): string {
  const value = origin.trim().toLowerCase();
  try {
    const url = new URL(value);
    return url.origin === 'null' ? value : url.origin;
  } catch {
    return value;
  }
}
