// aioworkerpool's sockets.py, in TypeScript: the master binds one port, every worker serves on it.
//   pnpm --dir examples/sockets start          (PORT=8080 by default; Ctrl-C stops everything)
import Fastify, { type FastifyInstance } from 'fastify';
import { drainServer, listenOn, Supervisor, WorkerBase } from '@pool/core';

class WebWorker extends WorkerBase {
  readonly app: FastifyInstance = Fastify();

  constructor() {
    super();
    this.app.get('/', async () => `pong from #${this.id} ${this.pid}`);
    // Listen only once the worker runs; ready is reported after this, so a reload never drops a request.
    this.onStart(async () => {
      await this.app.ready();
      await listenOn(this.app.server, this.sockets.web);
    });
    // Finish what is in flight and let kept-alive clients go cleanly, then close the app: no request is lost
    // when the master reloads (SIGHUP) or stops the pool.
    this.onShutdown(async () => {
      await drainServer(this.app.server, { timeout: 5_000 });
      await this.app.close();
    });
  }

  async main(): Promise<void> {
    // Fastify serves on its own; the loop only waits for the stop request (SIGTERM from the master).
    await this.untilStopped();
  }
}

const port = Number(process.env.PORT ?? 8080);
const supervisor = new Supervisor({
  worker: () => new WebWorker(),
  workers: Number(process.env.WORKERS ?? 2),
  sockets: { web: { host: process.env.HOST ?? '127.0.0.1', port } },
});
supervisor.once('running', () => {
  const { host, port: bound } = supervisor.sockets.web!;
  console.log(`serving on http://${host}:${bound}/ — try: curl http://${host}:${bound}/`);
});
await supervisor.main();
