// The same app as src/apps/workers/web.mjs (examples/sockets' worker: default Fastify, drainServer then
// `app.close()`, or with WEB_SHUTDOWN=close `app.close()` alone), as a program of its own for PM2's cluster
// mode. PM2 stops a process with SIGINT.
import Fastify from 'fastify';
import { drainServer } from '@pool/core';

const app = Fastify();
app.get('/', async () => `pong from pm2 ${process.pid}`);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  try {
    if (process.env.WEB_SHUTDOWN !== 'close') await drainServer(app.server, { timeout: 5_000 });
    await app.close();
    process.exit(0);
  } catch {
    process.exit(1);
  }
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
