// A web worker that leaks, for the recycling scenario (11): the Fastify app of web.mjs on the pool's shared
// socket (GET / → `pong from #<id> <pid>`), draining (drainServer) on shutdown, which also keeps 1 MB (filled,
// so that it is resident) for every LEAK_EVERY requests it has answered, and never lets go of it — a cache
// that is never evicted. Each process draws its own rate: LEAK_EVERY times a factor between 1/LEAK_SPREAD and
// LEAK_SPREAD (log-uniform), so that some of a pool's processes reach `maxMemory` before `maxAge` and others
// do not. LEAK_EVERY=0 (or unset): no leak. It keeps no more than LEAK_CAP_MB (default 512), so that a worker
// whose recycle waits its turn cannot take the machine's memory.
import Fastify from 'fastify';
import { drainServer, listenOn, WorkerBase } from '@pool/core';

const base = Number(process.env.LEAK_EVERY ?? 0);
const spread = Math.max(1, Number(process.env.LEAK_SPREAD ?? 1));
const cap = Number(process.env.LEAK_CAP_MB ?? 512);
const megabyte = 1_048_576;

export default class LeakyWebWorker extends WorkerBase {
  app = Fastify();
  retained = [];
  answered = 0;
  every = base > 0 ? Math.max(1, Math.round(base * spread ** (2 * Math.random() - 1))) : 0;

  constructor() {
    super();
    this.app.get('/', async () => {
      this.answered += 1;
      if (this.every > 0 && this.answered % this.every === 0 && this.retained.length < cap) this.retained.push(Buffer.alloc(megabyte, this.retained.length & 0xff));
      return `pong from #${this.id} ${this.pid}`;
    });
    this.onStart(async () => {
      if (process.env.LEAK_VERBOSE) process.stdout.write(`leak: 1 MB every ${this.every} requests\n`);
      await this.app.ready();
      await listenOn(this.app.server, this.sockets.web);
    });
    this.onShutdown(async () => {
      await drainServer(this.app.server, { timeout: 5_000 });
      await this.app.close();
    });
  }

  async main() {
    await this.untilStopped();
  }
}
