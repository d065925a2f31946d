import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { CliError, cliError } from './errors/cli-error.js';
import { checkHome, checkSocketPath, type PoolHome } from './home.js';
import { readServerSentEvents, type ServerSentEvent } from './sse.js';

// `require`, not `import`: on Node 22 and later, importing node:http as an ES module reads every export,
// http.WebSocket among them, whose getter loads undici (~30 ms of every command's start-up); require does not.
const { request } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Milliseconds; none by default, since stopping a job may take its graceful timeout. */
  timeout?: number;
}

export interface StreamOptions {
  signal?: AbortSignal;
  query?: RequestOptions['query'];
  /** Called once the daemon has answered: from then on, nothing it publishes is missed. */
  onOpen?: () => void;
}

interface ErrorBody {
  code?: string;
  message?: string;
  hint?: string;
}

/**
 * @pool/http's API on the daemon's Unix socket, with node:http alone (this module is on the path of every
 * client command, so it loads nothing else). Failures become CliErrors with the daemon's own codes.
 */
export class DaemonClient {
  constructor(readonly home: PoolHome) {}

  get<Answer>(path: string, options?: RequestOptions): Promise<Answer> {
    return this.request('GET', path, options);
  }

  post<Answer>(path: string, body?: unknown, options: RequestOptions = {}): Promise<Answer> {
    return this.request('POST', path, { ...options, body });
  }

  put<Answer>(path: string, body?: unknown, options: RequestOptions = {}): Promise<Answer> {
    return this.request('PUT', path, { ...options, body });
  }

  delete<Answer>(path: string, options?: RequestOptions): Promise<Answer> {
    return this.request('DELETE', path, options);
  }

  async request<Answer>(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const response = await this.#send(method, path, options);
    const text = await readBody(response);
    const value: unknown = text === '' ? undefined : parse(text);
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return value as Answer;
    throw this.#answerError(status, value);
  }

  /** True when the daemon answers `/healthz` within `timeout` ms. */
  async healthy(timeout = 2_000): Promise<boolean> {
    checkHome(this.home);
    try {
      await this.request('GET', '/healthz', { timeout });
      return true;
    } catch {
      return false;
    }
  }

  /** Reads a Server-Sent Events route until the stream ends or `signal` aborts (then resolves). */
  async stream(path: string, onEvent: (event: ServerSentEvent) => void, options: StreamOptions = {}): Promise<void> {
    const response = await this.#send('GET', path, { query: options.query }, options.signal);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = await readBody(response);
      throw this.#answerError(status, text === '' ? undefined : parse(text));
    }
    options.onOpen?.();
    await readServerSentEvents(response, onEvent, options.signal);
  }

  #send(method: string, path: string, options: RequestOptions, signal?: AbortSignal): Promise<IncomingMessage> {
    checkSocketPath(this.home);
    // Before anything is sent: a socket someone else put there would receive every job's config.
    checkHome(this.home);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const outgoing = request(
        { socketPath: this.home.socket, method, path: withQuery(path, options.query), headers, agent: false, ...(signal ? { signal } : {}) },
        resolve,
      );
      if (options.timeout !== undefined) {
        outgoing.setTimeout(options.timeout, () => outgoing.destroy(Object.assign(new Error(`no answer within ${options.timeout} ms`), { code: 'ETIMEDOUT' })));
      }
      outgoing.on('error', (error: NodeJS.ErrnoException) => reject(this.#connectionError(error)));
      outgoing.end(payload);
    });
  }

  #connectionError(error: NodeJS.ErrnoException): Error {
    if (error.name === 'AbortError') return error;
    const socket = this.home.socket;
    if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') return cliError('POOL_DAEMON_NOT_RUNNING', { socket }, error);
    return cliError('POOL_DAEMON_UNREACHABLE', { socket, detail: error.message, logFile: this.home.logFile }, error);
  }

  #answerError(status: number, value: unknown): CliError {
    const body = (typeof value === 'object' && value !== null ? value : {}) as ErrorBody;
    if (typeof body.code === 'string' && typeof body.message === 'string') {
      return new CliError(body.code, body.message, body.hint ?? '', { status });
    }
    return cliError('POOL_DAEMON_UNREACHABLE', {
      socket: this.home.socket,
      detail: `it answered ${status} ${typeof value === 'string' ? value : JSON.stringify(value)}`,
      logFile: this.home.logFile,
    });
  }
}

/** `/jobs/default.web`: a job name in a path. */
export function jobPath(job: string, rest = ''): string {
  return `/jobs/${encodeURIComponent(job)}${rest}`;
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const entries = Object.entries(query).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  if (entries.length === 0) return path;
  return `${path}?${new URLSearchParams(entries.map(([key, value]): [string, string] => [key, String(value)])).toString()}`;
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
