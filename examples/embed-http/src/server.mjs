// Your Fastify app, with its own routes, and pool's control API mounted under /pool.
//   pnpm --dir examples/embed-http start        (PORT=3000 by default)
//   curl -H "authorization: Bearer $POOL_TOKEN" localhost:3000/pool/jobs
//   curl -X POST -H "authorization: Bearer $POOL_TOKEN" localhost:3000/pool/jobs/clock/scale -H 'content-type: application/json' -d '{"n":"+1"}'
// Without POOL_TOKEN, a random token is made and printed once: the control routes always need one.
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { Manager } from '@pool/core';
import { poolHttp } from '@pool/http';
import { consoleTransport, memoryTransport, tee } from '@pool/log-transports';

const logs = memoryTransport(); // what GET /pool/jobs/:job/logs reads
const output = tee(consoleTransport(), logs);
const manager = new Manager({ stdout: output, stderr: output });

const app = Fastify({ logger: true });
app.get('/', async () => ({ hello: 'this is your app; pool lives under /pool' }));
const token = process.env.POOL_TOKEN || randomBytes(24).toString('hex');
if (!process.env.POOL_TOKEN) console.log(`pool's control API token (set POOL_TOKEN to choose one): ${token}`);
await app.register(poolHttp, { manager, prefix: '/pool', logs, token });

await manager.start();
await manager.load({ name: 'clock', cmd: [process.execPath, '-e', 'setInterval(() => console.log(new Date().toISOString()), 1000)'] });

const close = async () => {
  await app.close();
  await manager.stop();
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
