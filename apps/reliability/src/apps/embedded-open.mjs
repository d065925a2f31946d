// A user's own Fastify app on TCP (127.0.0.1, a free port) with @pool/http mounted without a token
// (`auth: false`: a user who opted out of tokens), over a Manager running one job, `keeper` (a long-running
// node process). What a web page open in that user's browser could reach. Prints `listening <port>` once it answers.
import Fastify from 'fastify';
import { Manager } from '@pool/core';
import { poolHttp } from '@pool/http';

const manager = new Manager({ stdout: 'ignore', stderr: 'ignore', logger: false });
await manager.start();
await manager.load({ name: 'keeper', cmd: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] });
const app = Fastify({ logger: false, forceCloseConnections: true });
app.get('/', async () => ({ hello: "the app's own route" }));
await app.register(poolHttp, { manager, auth: false });
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${app.server.address().port}\n`);

const stop = async () => {
  await app.close();
  await manager.stop({ gracefulTimeout: 2_000 });
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
