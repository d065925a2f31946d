// A pool master as users run one: a Supervisor in its own process, until SIGTERM; SIGHUP reloads.
// When the bench started it with an IPC channel, it reports what the bench cannot see from outside: the
// moments it finished loading and spawned each worker, each worker's spawn → ready, a reload's end.
import { Supervisor } from '@pool/core';

const imported = performance.timeOrigin + performance.now();
const supervisor = new Supervisor({
  worker: new URL('./hello-worker.mjs', import.meta.url),
  workers: Number(process.env.WORKERS ?? 2),
  sockets: { web: { host: '127.0.0.1', port: Number(process.env.PORT ?? 0) } },
  logger: false,
});

const report = (message) => {
  if (process.connected) process.send(message);
};
process.channel?.unref(); // the channel to the bench must not keep the master alive after main()
report({ type: 'imported', at: imported });
supervisor.on('spawn', ({ id, pid }) => report({ type: 'spawn', id, pid, at: performance.timeOrigin + performance.now() }));
supervisor.on('ready', ({ id, pid, startDuration }) => report({ type: 'ready', id, pid, startDuration }));
supervisor.on('reload', ({ phase }) => report({ type: 'reload', phase }));

await supervisor.main();
