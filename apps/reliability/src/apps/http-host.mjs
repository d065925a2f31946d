// @pool/http's standalone server on TCP (127.0.0.1, a free port), with its token from RELIABILITY_TOKEN,
// over a Manager running one job, `keeper` (`sleep 1000`). Prints `listening <port>` once it answers.
import { Manager } from '@pool/core';
import { createPoolServer } from '@pool/http';

const manager = new Manager({ stdout: 'ignore', stderr: 'ignore', logger: false });
await manager.start();
await manager.load({ name: 'keeper', cmd: ['sleep', '1000'] });
const server = await createPoolServer({ manager, host: '127.0.0.1', port: 0, token: process.env.RELIABILITY_TOKEN, logger: false });
process.stdout.write(`listening ${new URL(server.address).port}\n`);

const stop = async () => {
  await server.close();
  await manager.stop({ gracefulTimeout: 2_000 });
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
