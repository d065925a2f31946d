// A pool host for the many-processes row: a Manager of @pool/core running ONE job of N `sleep 1000`
// processes (numprocesses: N), as a user's script would. Over IPC it reports when it has loaded @pool/core,
// and when all N pids exist; SIGTERM stops the processes and ends it.
import { Manager } from '@pool/core';

const count = Number(process.env.SLEEPERS ?? 100);
const report = (message) => {
  if (process.connected) process.send(message);
};
process.channel?.unref();
const at = () => performance.timeOrigin + performance.now();
report({ type: 'imported', at: at() });

const manager = new Manager({ logger: false, stdout: 'ignore', stderr: 'ignore' });
let stopping;
const stop = () =>
  (stopping ??= manager.stop().finally(() => {
    process.exit(0);
  }));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

await manager.load({ name: 'sleepers', cmd: ['sleep', '1000'], numprocesses: count });
await manager.start();
// start() resolves once every process has started; check that N pids exist all the same.
for (;;) {
  const pids = manager.pids('sleepers');
  if (pids.length >= count) {
    report({ type: 'running', at: at(), pids });
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
}
setInterval(() => {}, 1 << 30); // until SIGTERM
