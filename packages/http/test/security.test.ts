import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { isPoolError, Manager } from '@pool/core';
import { createPoolServer, poolHttp, type PoolServer } from '@pool/http';
import { tempDir } from '@pool/testing';
import { cleanup, harness } from './helpers.js';

const servers: PoolServer[] = [];
const temps: { remove: () => void }[] = [];
const managers: Manager[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const manager of managers.splice(0)) await manager.stop({ gracefulTimeout: 0 });
  for (const temp of temps.splice(0)) temp.remove();
  await cleanup();
});

const newManager = async () => {
  const manager = new Manager({ logger: false, stdout: 'ignore', stderr: 'ignore' });
  await manager.start();
  managers.push(manager);
  return manager;
};

describe('@pool/http security', () => {
  it('with a token, refuses every route but the health probes without the right bearer token', async () => {
    const token = 'a'.repeat(40);
    const { app } = await harness({ token });
    const openApi = (await app.inject({ url: '/pool/openapi.json', headers: { authorization: `Bearer ${token}` } })).json();
    const routes: [string, string][] = [];
    for (const [path, methods] of Object.entries(openApi.paths as Record<string, object>)) {
      for (const method of Object.keys(methods)) routes.push([method.toUpperCase(), path.replace('{job}', 'web').replace('{pid}', '1')]);
    }
    expect(routes.length).toBeGreaterThan(20);
    for (const [method, url] of routes) {
      const open = url.endsWith('/healthz') || url.endsWith('/readyz');
      for (const authorization of [undefined, `Bearer ${'b'.repeat(40)}`, `Bearer ${token}x`, token, 'Bearer ']) {
        const response = await app.inject({ method: method as 'GET', url, headers: authorization ? { authorization } : {} });
        if (open) expect(response.statusCode, `${method} ${url}`).not.toBe(401);
        else expect({ route: `${method} ${url}`, status: response.statusCode, code: response.json().code }).toEqual({ route: `${method} ${url}`, status: 401, code: 'POOL_UNAUTHORIZED' });
      }
    }
    const allowed = await app.inject({ url: '/pool/jobs', headers: { authorization: `Bearer ${token}` } });
    expect(allowed.statusCode).toBe(200);
    // The app's own routes are not the plugin's business.
    expect((await app.inject('/own-route')).statusCode).toBe(200);
  });

  it('refuses a body over the limit with 413', async () => {
    const { app } = await harness({ bodyLimit: 1024 });
    const response = await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'big', cmd: ['x'.repeat(4096)] } });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'POOL_BODY_TOO_LARGE', message: 'The request body is larger than 1024 bytes' });
  });

  it('serves standalone on a Unix socket with mode 0600 in a 0700 directory', async () => {
    const dir = tempDir();
    temps.push(dir);
    const socketPath = join(dir.path, 'home', 'pool.sock');
    const server = await createPoolServer({ manager: await newManager(), socketPath, logger: false });
    servers.push(server);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir.path, 'home')).mode & 0o777).toBe(0o700);
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath, path: '/jobs' }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toEqual([]);
  });

  it('refuses a socket path too long for a Unix socket, rather than listening on a truncated one', async () => {
    const dir = tempDir();
    temps.push(dir);
    const socketPath = join(dir.path, 'x'.repeat(120), 'pool.sock');
    const error = await createPoolServer({ manager: await newManager(), socketPath, logger: false }).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
    expect((error as Error).message).toContain('107 bytes');
  });

  it('answers 413 over a real socket even to a client still sending a large body', async () => {
    const server = await createPoolServer({ manager: await newManager(), host: '127.0.0.1', port: 0, token: 'token-token-token', bodyLimit: 1024, logger: false });
    servers.push(server);
    const { port } = new URL(server.address);
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      outcomes.push(
        await new Promise<string>((resolve) => {
          const request = http.request(
            { host: '127.0.0.1', port, method: 'POST', path: '/jobs', headers: { authorization: 'Bearer token-token-token', 'content-type': 'application/json' } },
            (response) => {
              response.resume();
              response.on('end', () => resolve(String(response.statusCode)));
            },
          );
          request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
          // 24 MiB (more than the socket buffers hold), written in pieces while the server has already refused it.
          const piece = Buffer.alloc(64 * 1024, 0x20);
          let left = 384;
          const write = () => {
            while (left > 0) {
              left--;
              if (!request.write(piece)) return void request.once('drain', write);
            }
            request.end();
          };
          write();
        }),
      );
    }
    expect(outcomes.filter((outcome) => outcome !== '413')).toEqual([]);
  });

  it('refuses TCP without a token, and serves TCP with one', async () => {
    const manager = await newManager();
    const error = await createPoolServer({ manager, port: 0, token: '' }).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_TOKEN_REQUIRED')).toBe(true);
    const server = await createPoolServer({ manager, host: '127.0.0.1', port: 0, token: 'secret-token-of-some-length', logger: false });
    servers.push(server);
    expect((await fetch(`${server.address}/jobs`)).status).toBe(401);
    expect((await fetch(`${server.address}/jobs`, { headers: { authorization: 'Bearer secret-token-of-some-length' } })).status).toBe(200);
    expect((await fetch(`${server.address}/healthz`)).status).toBe(200);
  });

  it('refuses to mount without a token unless told `auth: false`, and warns when such a server listens on TCP', async () => {
    const manager = await newManager();
    const bare = Fastify({ logger: false });
    const error = await Promise.resolve(bare.register(poolHttp, { manager }).ready()).catch((caught: unknown) => caught);
    await bare.close();
    expect(isPoolError(error, 'POOL_AUTH_NOT_CONFIGURED')).toBe(true);
    expect((error as Error & { hint: string }).hint).toContain('auth: false');
    const both = Fastify({ logger: false });
    const conflicting = await Promise.resolve(both.register(poolHttp, { manager, auth: false, token: 'x'.repeat(32) }).ready()).catch((caught: unknown) => caught);
    await both.close();
    expect(isPoolError(conflicting, 'POOL_INVALID_OPTION')).toBe(true);

    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } } });
    await app.register(poolHttp, { manager, auth: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    await app.close();
    expect(lines.some((line) => line.includes('without a token (auth: false)'))).toBe(true);
  });
});

/** One request over a real TCP connection, with whatever Host and Origin a browser (or an attacker) would send. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      { host: '127.0.0.1', port, method, path, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

describe('@pool/http against web pages: DNS rebinding and cross-site requests', () => {
  const mount = async (options: Partial<Parameters<typeof poolHttp>[1]> = {}) => {
    const manager = await newManager();
    const app = Fastify({ logger: false });
    await app.register(poolHttp, { manager, prefix: '/pool', auth: false, ...options });
    await app.listen({ host: '127.0.0.1', port: 0 });
    servers.push({ app, address: '', close: () => app.close() });
    const { port } = app.server.address() as { port: number };
    await manager.load({ name: 'web', cmd: idleCommand });
    return { manager, port };
  };
  const idleCommand = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];

  it('a page of another name resolved to 127.0.0.1 (Host: evil.example) cannot load a job: 403, and the command never runs', async () => {
    const dir = tempDir();
    temps.push(dir);
    const { manager, port } = await mount();
    const marker = join(dir.path, 'ran');
    const job = { name: 'evil', cmd: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`] };
    const refused = await send(port, 'POST', '/pool/jobs', { host: `evil.example:${port}`, origin: `http://evil.example:${port}` }, job);
    expect([refused.status, JSON.parse(refused.body).code]).toEqual([403, 'POOL_HOST_NOT_ALLOWED']);
    // Even a read: the page would see every job's config.
    const read = await send(port, 'GET', '/pool/jobs', { host: 'evil.example' });
    expect([read.status, JSON.parse(read.body).code]).toEqual([403, 'POOL_HOST_NOT_ALLOWED']);
    expect(manager.jobs()).toEqual(['default.web']);
    expect(existsSync(marker)).toBe(false);
    // The names a local client uses are answered, and so are IP addresses (no name, no rebinding).
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`, 'LOCALHOST.']) {
      expect((await send(port, 'GET', '/pool/jobs', { host })).status, host).toBe(200);
    }
    // The health probes answer any Host (a Kubernetes probe may send the Service's name).
    expect((await send(port, 'GET', '/pool/healthz', { host: 'evil.example' })).status).toBe(200);
  });

  it('names listed in allowedHosts are answered (".example.com" with its subdomains); `true` answers any', async () => {
    const { port } = await mount({ allowedHosts: ['pool.internal', '.example.com'] });
    for (const host of ['pool.internal', 'example.com:8080', 'a.b.example.com']) expect((await send(port, 'GET', '/pool/jobs', { host })).status, host).toBe(200);
    for (const host of ['pool.internal.evil', 'badexample.com', 'example.com.evil']) expect((await send(port, 'GET', '/pool/jobs', { host })).status, host).toBe(403);
    const { port: open } = await mount({ allowedHosts: true });
    expect((await send(open, 'GET', '/pool/jobs', { host: 'anything.example' })).status).toBe(200);
  });

  it('a cross-site POST from a browser (Origin of another site, or null) cannot stop a job; the server\'s own origin and allowedOrigins can', async () => {
    const { manager, port } = await mount({ allowedOrigins: ['https://admin.example.com'] });
    for (const origin of ['https://evil.example', 'null', `http://localhost:${port + 1}`]) {
      const refused = await send(port, 'POST', `/pool/jobs/web/stop`, { host: `localhost:${port}`, origin });
      expect([origin, refused.status, JSON.parse(refused.body).code]).toEqual([origin, 403, 'POOL_ORIGIN_NOT_ALLOWED']);
    }
    const deleted = await send(port, 'DELETE', '/pool/jobs/web', { host: `localhost:${port}`, origin: 'https://evil.example' });
    expect(deleted.status).toBe(403);
    expect(manager.info('web').active).toBe(true);
    expect(manager.info('web').processes.filter((process) => process.state === 'ready')).toHaveLength(1);
    // A GET from another origin is answered (the browser does not let the page read it without CORS).
    expect((await send(port, 'GET', '/pool/jobs', { host: `localhost:${port}`, origin: 'https://evil.example' })).headers['access-control-allow-origin']).toBeUndefined();
    expect((await send(port, 'POST', '/pool/jobs/web/stop', { host: `localhost:${port}`, origin: `http://localhost:${port}` })).status).toBe(200);
    expect((await send(port, 'POST', '/pool/jobs/web/start', { host: `localhost:${port}`, origin: 'https://admin.example.com' })).status).toBe(200);
    // curl, the CLI and other programs send no Origin.
    expect((await send(port, 'POST', '/pool/jobs/web/stop', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('never answers a CORS preflight: a page cannot send JSON or a token cross-origin', async () => {
    const { port } = await mount();
    const preflight = await send(port, 'OPTIONS', '/pool/jobs', {
      host: `localhost:${port}`,
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(Object.keys(preflight.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('on its Unix socket, the standalone server answers whatever Host a local client sends (no browser reaches a socket)', async () => {
    const dir = tempDir();
    temps.push(dir);
    const socketPath = join(dir.path, 'pool.sock');
    const server = await createPoolServer({ manager: await newManager(), socketPath, logger: false });
    servers.push(server);
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ socketPath, path: '/jobs', headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      }).on('error', reject);
    });
    expect(status).toBe(200);
  });
});

describe('@pool/http keeps env values out of its answers', () => {
  it('GET /jobs shows env names with *** for values unless ?env=true; redactEnv picks names by pattern, or none', async () => {
    const config = { name: 'db', cmd: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], env: { DB_PASSWORD: 'hunter2', STRIPE_KEY: 'sk_live_x', NODE_ENV: 'production' } };
    const token = 't'.repeat(32);
    const authorization = `Bearer ${token}`;
    const { app } = await harness({ token });
    const loaded = await app.inject({ method: 'POST', url: '/pool/jobs', headers: { authorization }, payload: config });
    expect(loaded.statusCode).toBe(201);
    expect(loaded.body).not.toContain('hunter2');
    for (const url of ['/pool/jobs', '/pool/jobs/db']) {
      const hidden = await app.inject({ url, headers: { authorization } });
      expect(hidden.body, url).not.toMatch(/hunter2|sk_live_x|production/);
      expect(hidden.body).toContain('"DB_PASSWORD":"***"');
      const shown = await app.inject({ url: `${url}?env=true`, headers: { authorization } });
      expect(shown.body).toContain('"DB_PASSWORD":"hunter2"');
    }
    const picked = await harness({ redactEnv: ['*password*', '*_KEY'] });
    await picked.app.inject({ method: 'POST', url: '/pool/jobs', payload: config });
    expect((await picked.app.inject('/pool/jobs/db')).json().config.env).toEqual({ DB_PASSWORD: '***', STRIPE_KEY: '***', NODE_ENV: 'production' });
    const none = await harness({ redactEnv: false });
    await none.app.inject({ method: 'POST', url: '/pool/jobs', payload: config });
    expect((await none.app.inject('/pool/jobs/db')).json().config.env).toEqual(config.env);
  });
});
