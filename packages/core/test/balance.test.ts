import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { onceEvent, waitFor } from '@pool/testing';
import { fixture, Pools } from './helpers.js';

const pools = new Pools();
const clients: KeptAlive[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await pools.cleanup();
});

/**
 * One kept-alive HTTP/1.1 connection, as a load generator holds it: one request at a time; when the server
 * answers `Connection: close`, the next request goes over a new connection (wrk does the same).
 */
class KeptAlive {
  #socket: net.Socket | undefined;
  #buffer = '';
  #waiting: ((answer: { pid: number; close: boolean }) => void) | undefined;
  #failed: ((error: Error) => void) | undefined;
  constructor(
    readonly port: number,
    readonly secure = false,
  ) {}

  async request(): Promise<number> {
    const socket = (this.#socket ??= this.#connect());
    const answer = await new Promise<{ pid: number; close: boolean }>((resolve, reject) => {
      this.#waiting = resolve;
      this.#failed = reject;
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    if (answer.close) this.close();
    return answer.pid;
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#buffer = '';
  }

  #connect(): net.Socket {
    const socket = this.secure
      ? tls.connect({ port: this.port, host: '127.0.0.1', ca: readFileSync(fixture('tls-cert.pem')) })
      : net.connect(this.port, '127.0.0.1');
    socket.setEncoding('utf8');
    socket.on('error', (error) => this.#failed?.(error));
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.#buffer.slice(0, end).toLowerCase();
      const length = Number(/content-length: *(\d+)/.exec(head)?.[1] ?? 0);
      if (this.#buffer.length < end + 4 + length) return;
      const body = this.#buffer.slice(end + 4, end + 4 + length);
      this.#buffer = this.#buffer.slice(end + 4 + length);
      this.#waiting?.({ pid: Number(body), close: /\r\nconnection: *close/.test(`\r\n${head}`) });
    });
    return socket;
  }
}

/** One request on every connection; how many connections each worker pid holds afterwards. */
async function round(connections: KeptAlive[]): Promise<Map<number, number>> {
  const pids = await Promise.all(connections.map((connection) => connection.request()));
  const held = new Map<number, number>();
  for (const pid of pids) held.set(pid, (held.get(pid) ?? 0) + 1);
  return held;
}

describe('listenOn: kept-alive connections are evened out between the workers', () => {
  const count = 40;

  async function lopsided(env: Record<string, string>) {
    const secure = env.TLS !== undefined;
    // One worker takes every connection; a second one then joins the pool with none.
    const pool = pools.create({ worker: fixture('balance-worker.mjs'), workers: 1, sockets: { web: { host: '127.0.0.1', port: 0 } }, env, stdout: 'ignore' });
    await pool.start();
    const port = pool.sockets.web!.port!;
    const connections = Array.from({ length: count }, () => new KeptAlive(port, secure));
    clients.push(...connections);
    const first = await round(connections);
    expect([...first.values()]).toEqual([count]);
    const joined = onceEvent(pool, 'ready', { filter: (event: { id: number }) => event.id === 1 });
    await pool.resize(2);
    await joined;
    return { pool, connections };
  }

  it.each([
    ['HTTP', {}],
    ['HTTPS', { TLS: '1' }],
  ])('sheds the connections a worker holds above its share until each holds about half (%s)', async (_name, env: Record<string, string>) => {
    const { pool, connections } = await lopsided(env);
    const newcomer = pool.processes().find((worker) => worker.id === 1)!.pid!;
    let held = new Map<number, number>();
    const even = () => (held.get(newcomer) ?? 0) >= 18 && Math.max(...held.values()) <= 22;
    await waitFor(async () => {
      held = await round(connections);
      // The share is 20 each; a worker may keep 1 + share/16 more before it sheds.
      return even();
    }, { timeout: 45_000, interval: 0, message: 'each worker to hold about half the connections' }).catch((error: Error) => {
      throw new Error(`${error.message}; connections per worker pid: ${JSON.stringify([...held])}`);
    });
  });

  it('leaves them where they landed with { balance: false }', async () => {
    const { pool, connections } = await lopsided({ BALANCE: 'off' });
    const [first] = pool.processes();
    for (let index = 0; index < 5; index += 1) {
      expect(await round(connections)).toEqual(new Map([[first!.pid!, count]]));
    }
  });
});
