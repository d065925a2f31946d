// Node's cluster as users run it: a primary that forks WORKERS copies of the hello app and replaces any
// that dies; connections are handed out round-robin by the primary (the default on Linux).
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

cluster.schedulingPolicy = cluster.SCHED_RR;
cluster.setupPrimary({ exec: fileURLToPath(new URL('./hello-server.mjs', import.meta.url)) });

let stopping = false;
for (let index = 0; index < Number(process.env.WORKERS ?? 2); index++) cluster.fork();
cluster.on('exit', () => {
  if (!stopping) cluster.fork();
  else if (Object.keys(cluster.workers).length === 0) process.exit(0);
});

const stop = () => {
  if (stopping) return;
  stopping = true;
  const workers = Object.values(cluster.workers);
  if (workers.length === 0) process.exit(0);
  for (const worker of workers) worker.process.kill('SIGTERM');
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
