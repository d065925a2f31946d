import { isIP, type AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { poolError, type Manager } from '@pool/core';
import { bearerAuth } from './auth.js';
import { requestGuard } from './guard.js';
import { envRedactor, type RedactEnv } from './redact.js';
import { errorHandler } from './errors.js';
import { EventLog } from './event-log.js';
import { openApiCollector } from './openapi.js';
import { jobRoutes } from './routes/jobs.js';
import { observeRoutes } from './routes/observe.js';
import { processRoutes } from './routes/processes.js';
import { streamRoutes, type LogSource } from './routes/streams.js';
import { eventStreams } from './sse.js';
import { strictValidatorCompiler } from './validation.js';

export interface PoolHttpOptions {
  manager: Manager;
  /** Where the routes live, e.g. "/pool". Default: at the root of the scope it is registered in. */
  prefix?: string;
  /** Require `Authorization: Bearer <token>` on every route but /healthz and /readyz. Required unless `auth: false`. */
  token?: string;
  /**
   * `false` serves the control routes without a token: for a server whose own hooks authenticate requests, or
   * that listens only on a private Unix socket. Logged as a warning when the server listens on TCP.
   */
  auth?: false;
  /** Host names answered besides loopback names and IP addresses (".example.com" takes its subdomains too); `true`: any. */
  allowedHosts?: readonly string[] | true;
  /** Browser origins allowed to send state-changing requests, besides the server's own. */
  allowedOrigins?: readonly string[];
  /** Job env values shown as `***` (unless `?env=true`): `true` every one (default), names matching these patterns, or `false` none. */
  redactEnv?: RedactEnv;
  /** A `memoryTransport()` from @pool/log-transports that the Manager writes to: enables the logs routes. */
  logs?: LogSource;
  /** Lines that never reached their log file, by job (a `fileTransport()`'s `lostByJob`): `pool_log_lines_dropped_total`. */
  lostLines?: () => Record<string, number>;
  /** Largest request body in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Events kept for `Last-Event-ID` resumption. Default 1000. */
  eventBuffer?: number;
  /** Milliseconds between heartbeat comments on event streams. Default 15000. */
  heartbeatInterval?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Manager that @pool/http exposes. */
    pool: Manager;
  }
  interface FastifySchema {
    /** OpenAPI: what the route does (GET /openapi.json). */
    summary?: string;
    produces?: readonly string[];
  }
}

const version = '0.1.0';

const routes: FastifyPluginAsync<PoolHttpOptions> = async (scope, options) => {
  const { manager, token, logs, lostLines, allowedHosts, allowedOrigins, redactEnv, bodyLimit = 1024 * 1024, eventBuffer = 1_000, heartbeatInterval = 15_000 } = options;
  const openApi = openApiCollector(scope, '@pool/http', version);
  scope.setValidatorCompiler(strictValidatorCompiler());
  scope.setErrorHandler(errorHandler(bodyLimit));
  scope.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, code: 'POOL_ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url}`, hint: 'See GET /openapi.json for the routes.' }),
  );
  scope.addHook('onRequest', requestGuard({ allowedHosts, allowedOrigins }));
  if (token) scope.addHook('onRequest', bearerAuth(token));

  const events = new EventLog(eventBuffer);
  const subscription = manager.subscribe('job.*', { bufferSize: eventBuffer });
  void (async () => {
    for await (const message of subscription) events.append(message.topic, message.event.type, message.event);
  })();
  const streams = eventStreams(heartbeatInterval);
  scope.addHook('preClose', async () => {
    streams.closeAll();
    manager.unsubscribe(subscription);
  });

  scope.register(async (api) => {
    api.addHook('onRoute', (route) => {
      route.bodyLimit ??= bodyLimit;
    });
    jobRoutes(api, manager, envRedactor(redactEnv), lostLines);
    processRoutes(api, manager);
    streamRoutes(api, manager, events, streams, logs);
    observeRoutes(api, manager, lostLines);
    api.get('/openapi.json', { schema: { summary: 'This API, as OpenAPI 3' } }, async () => openApi.document());
  });
};

/**
 * The Fastify plugin: `app.register(poolHttp, { manager, prefix: '/pool', token })`. Decorates the app with
 * `app.pool` (the Manager) and serves the control API under `prefix`.
 */
export const poolHttp = fastifyPlugin<PoolHttpOptions>(
  async (app: FastifyInstance, options: PoolHttpOptions) => {
    if (!options?.manager) throw new Error('@pool/http: the `manager` option is required');
    if (!app.hasDecorator('pool')) app.decorate('pool', options.manager);
    if (options.auth === false && options.token) {
      throw poolError('POOL_INVALID_OPTION', { path: 'auth', detail: 'is false while a token is given: pass one or the other' });
    }
    if (options.auth !== false && !options.token) throw poolError('POOL_AUTH_NOT_CONFIGURED');
    if (options.auth === false) warnOnTcp(app);
    await app.register(routes, { ...options, prefix: options.prefix ?? '' });
  },
  { name: '@pool/http', fastify: '5.x' },
);

/** Without a token, anyone who reaches a TCP port controls the processes (a Unix socket has its file's permissions). */
function warnOnTcp(app: FastifyInstance): void {
  app.addHook('onListen', async () => {
    const tcp = app.addresses().filter((address): address is AddressInfo => typeof address === 'object' && isIP(address.address) !== 0);
    if (tcp.length > 0) {
      app.log.warn(
        { addresses: tcp.map((address) => `${address.address}:${address.port}`) },
        '@pool/http serves its control routes without a token (auth: false): whoever reaches this port controls your processes unless your own hooks authenticate the requests',
      );
    }
  });
}
