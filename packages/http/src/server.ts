import { chmodSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { poolError, type Manager } from '@pool/core';
import { poolHttp, type PoolHttpOptions } from './plugin.js';

type Shared = Omit<PoolHttpOptions, 'manager' | 'prefix' | 'token'> & {
  manager: Manager;
  /** Fastify's logger option (pino). Default: info level to stdout. */
  logger?: FastifyServerOptions['logger'];
};

export type PoolServerOptions =
  | (Shared & { socketPath: string })
  | (Shared & { host?: string; port: number; token: string });

export interface PoolServer {
  app: FastifyInstance;
  /** The Unix socket path, or `http://host:port`. */
  address: string;
  close(): Promise<void>;
}

/**
 * The plugin in a Fastify instance of its own, listening on a private Unix socket (mode 0600 in a 0700
 * directory) or on TCP, which requires a token.
 */
export async function createPoolServer(options: PoolServerOptions): Promise<PoolServer> {
  const { manager, logger = true, ...rest } = options;
  const tcp = !('socketPath' in options);
  if (tcp && !(options as { token?: string }).token) throw poolError('POOL_TOKEN_REQUIRED');
  const app = Fastify({ logger, forceCloseConnections: true });
  // On a Unix socket the file's mode (0600, in a 0700 directory) is the authentication.
  const pluginOptions: PoolHttpOptions = tcp ? { manager, ...pick(rest), token: (options as { token: string }).token } : { manager, ...pick(rest), auth: false };
  await app.register(poolHttp, pluginOptions);
  let address: string;
  try {
    if ('socketPath' in options) {
      prepareSocketPath(options.socketPath);
      await app.listen({ path: options.socketPath });
      chmodSync(options.socketPath, 0o600);
      address = options.socketPath;
    } else {
      address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port });
    }
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    app,
    address,
    close: async () => {
      await app.close();
      if ('socketPath' in options) rmSync(options.socketPath, { force: true });
    },
  };
}

function pick(rest: Record<string, unknown>): Partial<PoolHttpOptions> {
  const { logs, lostLines, bodyLimit, eventBuffer, heartbeatInterval, allowedHosts, allowedOrigins, redactEnv } = rest as Partial<PoolHttpOptions>;
  return Object.fromEntries(Object.entries({ logs, lostLines, bodyLimit, eventBuffer, heartbeatInterval, allowedHosts, allowedOrigins, redactEnv }).filter(([, value]) => value !== undefined));
}

const maxSocketPath = 107;

/** The socket's directory is ours alone (0700); a socket file left by a dead server is removed. */
function prepareSocketPath(socketPath: string): void {
  // Linux keeps 107 bytes of a socket path; Node would silently listen on a truncated one.
  if (Buffer.byteLength(socketPath) > maxSocketPath) {
    throw poolError('POOL_INVALID_OPTION', { path: 'socketPath', detail: `${socketPath} is longer than ${maxSocketPath} bytes, the limit of a Unix socket path: use a shorter one` });
  }
  const directory = dirname(socketPath);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const stat = statSync(directory);
  if (stat.uid === process.getuid?.() && (stat.mode & 0o077) !== 0) chmodSync(directory, 0o700);
  rmSync(socketPath, { force: true });
}
