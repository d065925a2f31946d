import Fastify, { type FastifyInstance } from 'fastify';
import { Manager, type ManagerOptions } from '@pool/core';
import { memoryTransport, type MemoryTransport } from '@pool/log-transports';
import { poolHttp, type PoolHttpOptions } from '@pool/http';

export const node = process.execPath;
/** A process that stays up until stopped. */
export const idle = [node, '-e', 'setInterval(() => {}, 1000)'];

export interface Harness {
  app: FastifyInstance;
  manager: Manager;
  logs: MemoryTransport;
}

const harnesses: Harness[] = [];

/** A Fastify app with the plugin mounted under /pool, over a started Manager whose output is kept in memory. */
export async function harness(options: Partial<PoolHttpOptions> = {}, managerOptions: ManagerOptions = {}): Promise<Harness> {
  const logs = memoryTransport();
  const manager = new Manager({ logger: false, stdout: logs, stderr: logs, ...managerOptions });
  await manager.start();
  const app = Fastify({ logger: false });
  app.get('/own-route', async () => ({ mine: true }));
  await app.register(poolHttp, { manager, prefix: '/pool', logs, heartbeatInterval: 200, ...(options.token ? {} : { auth: false as const }), ...options });
  await app.ready();
  const made = { app, manager, logs };
  harnesses.push(made);
  return made;
}

export async function cleanup(): Promise<void> {
  for (const { app, manager } of harnesses.splice(0)) {
    // The Manager first: a request still waiting on it (a load awaiting readiness) ends, then the app can close.
    await manager.stop({ gracefulTimeout: 0 });
    await app.close();
  }
}
