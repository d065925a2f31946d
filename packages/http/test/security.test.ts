import { statSync } from 'node:fs';
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

  it('warns when it listens beyond loopback without a token', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } } });
    await app.register(poolHttp, { manager: await newManager() });
    await app.listen({ host: '0.0.0.0', port: 0 });
    await app.close();
    expect(lines.some((line) => line.includes('without a token'))).toBe(true);
  });
});
