// examples/sockets' worker, in plain JavaScript (no loader, so a restart costs what a user's would): a
// Fastify app on the pool's shared socket answering GET / with `pong from #<id> <pid>`; on shutdown it drains
// (drainServer) and then closes, as the example does. WEB_SHUTDOWN=close closes at once instead (what the
// example did before drainServer), to show what draining is for. Two routes more for the scenarios: GET /slow
// answers after WEB_SLOW_MS (and prints `slow-start <pid>` as it begins), GET /hang answers, then blocks the
// event loop for good.
import Fastify from 'fastify';
import { drainServer, listenOn, WorkerBase } from '@pool/core';

const slowMilliseconds = Number(process.env.WEB_SLOW_MS ?? 1_000);

export default class WebWorker extends WorkerBase {
  app = Fastify();

  constructor() {
    super();
    this.app.get('/', async () => `pong from #${this.id} ${this.pid}`);
    this.app.get('/slow', async () => {
      process.stdout.write(`slow-start ${this.pid}\n`);
      await new Promise((resolve) => setTimeout(resolve, slowMilliseconds));
      return `slow from #${this.id} ${this.pid}`;
    });
    this.app.get('/hang', async (_request, reply) => {
      reply.raw.on('finish', () =>
        setImmediate(() => {
          for (;;);
        }),
      );
      return `hanging #${this.id} ${this.pid}`;
    });
    this.onStart(async () => {
      await this.app.ready();
      await listenOn(this.app.server, this.sockets.web);
    });
    this.onShutdown(async () => {
      if (process.env.WEB_SHUTDOWN !== 'close') await drainServer(this.app.server, { timeout: 5_000 });
      await this.app.close();
    });
  }

  async main() {
    await this.untilStopped();
  }
}
