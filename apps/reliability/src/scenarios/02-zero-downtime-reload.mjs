// 2. Zero-downtime reload: under the same load as scenario 1, rolling reloads of 4 workers. Goal: 0 failed
// requests. examples/sockets itself, reloaded by SIGHUP; and the same worker reloaded by SIGHUP and by the API
// (`supervisor.reload()`). Each beside PM2's cluster-mode reload (`pm2 reload`) of the same app under the
// same load. The full form adds workers that close at once (`app.close()` without drainServer), to show
// what draining is for, on both sides.
import net from 'node:net';
import { httpGet, waitFor } from '@pool/testing';
import { seconds } from '../lib/format.mjs';
import { startSupervisor, waitForReadyPool } from '../lib/hosts.mjs';
import { describeLoad, startLoad } from '../lib/load.mjs';
import { app, examplesSockets } from '../lib/paths.mjs';
import { createPm2 } from '../lib/pm2.mjs';
import { launch, signal } from '../lib/processes.mjs';

const workers = 4;

export default {
  id: 2,
  name: 'Zero-downtime reload',
  async run({ quick, directory, log }) {
    const reloads = quick ? 2 : 3;
    const example = await exampleReloads({ reloads: quick ? 1 : 3, log });
    const ways = quick ? ['SIGHUP', 'API'] : ['SIGHUP', 'API', 'SIGHUP', 'API', 'SIGHUP', 'API'];
    const pool = await hostReloads({ ways, shutdown: 'drain', log });
    const pm2 = await pm2Reloads({ reloads, shutdown: 'drain', directory, log }).catch((error) => ({ error }));
    const rows = [
      {
        scenario: 'Zero-downtime reload: examples/sockets, by SIGHUP',
        figures: `${example.milliseconds.length} rolling reloads, ${example.milliseconds.map(seconds).join(' / ')}; requests ${describeLoad(example.summary)}`,
        pm2: describePm2(pm2),
        pass: example.summary.failed === 0,
        details: { pool: example.summary, pm2: pm2.summary },
        note: `The example's workers drain (drainServer) before they close; PM2 runs the same app. ${afterClose(example, pm2)}`,
      },
      {
        scenario: 'Zero-downtime reload: by SIGHUP and by the API',
        figures: `${ways.length} rolling reloads (${ways.join(', ')}), ${pool.milliseconds.map(seconds).join(' / ')}; requests ${describeLoad(pool.summary)}`,
        pm2: 'the PM2 run of the row above',
        pass: pool.summary.failed === 0,
        details: { pool: pool.summary },
        note: `The example's worker (src/apps/workers/web.mjs) in a master driven over IPC, so that supervisor.reload() can be called. ${afterClose(pool, pm2)}`,
      },
    ];
    if (!quick) {
      const closing = await hostReloads({ ways: ['SIGHUP', 'API', 'SIGHUP'], shutdown: 'close', log });
      const pm2Closing = await pm2Reloads({ reloads: 3, shutdown: 'close', directory, log }).catch((error) => ({ error }));
      rows.push({
        scenario: 'Zero-downtime reload: workers that close without draining',
        figures: `3 rolling reloads, ${closing.milliseconds.map(seconds).join(' / ')}; requests ${describeLoad(closing.summary)}`,
        pm2: describePm2(pm2Closing),
        pass: null,
        details: { pool: closing.summary, pm2: pm2Closing.summary },
        note: `For comparison: Fastify's app.close() alone ends idle kept-alive connections at once, and a request the client is sending on one at that moment gets a FIN or a reset instead of an answer. ${afterClose(closing, pm2Closing)}`,
      });
    }
    return rows;
  },
};

const describePm2 = (result) =>
  result.error
    ? `could not run: ${result.error.message.split('\n')[0]}`
    : `${result.milliseconds.length} × pm2 reload (cluster mode), ${result.milliseconds.map(seconds).join(' / ')}; requests ${describeLoad(result.summary)}`;
const afterClose = (pool, pm2) =>
  `Requests autocannon lost only because it wrote them after a Connection: close answer are not counted (pool ${pool.summary.lostAfterClose}, PM2 ${pm2?.summary?.lostAfterClose ?? '–'}).`;

/** examples/sockets itself (through tsx, as `pnpm start` runs it), reloaded by SIGHUP. */
async function exampleReloads({ reloads, log }) {
  const master = launch(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: examplesSockets,
    env: { PORT: '0', WORKERS: String(workers), HOST: '127.0.0.1' },
  });
  try {
    const port = Number((await master.waitForOutput(/serving on http:\/\/127\.0\.0\.1:(\d+)\//, 90_000))[1]);
    await master.waitForOutput(/the pool is up/, 90_000);
    const load = startLoad({ port });
    const milliseconds = [];
    let summary;
    try {
      await waitFor(() => load.served() > 200, { timeout: 30_000, message: 'the load to be served' });
      for (let index = 0; index < reloads; index++) {
        const done = (master.output().match(/rolling reload done/g) ?? []).length;
        const startedAt = Date.now();
        signal(master.pid, 'SIGHUP');
        await waitFor(() => (master.output().match(/rolling reload done|reload failed/g) ?? []).length > done, { timeout: 120_000, message: 'the reload to end' });
        if (/reload failed/.test(master.output())) throw new Error(`the reload failed:\n${master.output().slice(-2_000)}`);
        milliseconds.push(Date.now() - startedAt);
        log(`examples/sockets: reload by SIGHUP in ${seconds(milliseconds.at(-1))}`);
      }
    } finally {
      summary = await load.stop();
    }
    return { summary, milliseconds };
  } finally {
    if (!master.hasExited()) {
      signal(master.pid, 'SIGTERM');
      const exited = await Promise.race([master.exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      if (!exited) signal(master.pid, 'SIGKILL', { group: true });
    }
  }
}

async function hostReloads({ ways, shutdown, log }) {
  const host = startSupervisor({
    worker: app('workers/web.mjs'),
    workers,
    sockets: { web: { host: '127.0.0.1', port: 0 } },
    env: { WEB_SHUTDOWN: shutdown },
    stdout: 'ignore',
  });
  try {
    const sockets = await host.waitForBound();
    await waitForReadyPool(host, workers);
    const load = startLoad({ port: sockets.web.port });
    const milliseconds = [];
    let summary;
    try {
      await waitFor(() => load.served() > 200, { timeout: 30_000, message: 'the load to be served' });
      for (const way of ways) {
        const since = host.events.length;
        const startedAt = Date.now();
        if (way === 'SIGHUP') {
          host.signal('SIGHUP');
          const end = await host.waitForEvent('reload', { since, filter: (payload) => payload.phase !== 'start', timeout: 120_000 });
          if (end.payload.phase !== 'done') throw new Error(`the reload failed: ${JSON.stringify(end.payload)}`);
        } else {
          await host.request('reload', undefined, 120_000);
        }
        milliseconds.push(Date.now() - startedAt);
        log(`pool (${shutdown}): reload by ${way} in ${seconds(milliseconds.at(-1))}`);
      }
      await waitForReadyPool(host, workers);
    } finally {
      summary = await load.stop();
    }
    return { summary, milliseconds };
  } finally {
    await host.stop();
  }
}

async function pm2Reloads({ reloads, shutdown, directory, log }) {
  const pm2 = createPm2(`${directory}/${shutdown}`);
  const port = await freePort();
  try {
    await pm2.startCluster({ script: app('pm2-web.mjs'), name: 'web', instances: workers, env: { PORT: String(port), WEB_SHUTDOWN: shutdown } });
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/`, 5_000)).status === 200, { timeout: 30_000, message: 'PM2 to serve' });
    const load = startLoad({ port });
    const milliseconds = [];
    let summary;
    try {
      await waitFor(() => load.served() > 200, { timeout: 30_000, message: 'the load to be served' });
      for (let index = 0; index < reloads; index++) {
        const startedAt = Date.now();
        await pm2.pm2(['reload', 'web']);
        milliseconds.push(Date.now() - startedAt);
        log(`PM2 (${shutdown}): pm2 reload in ${seconds(milliseconds.at(-1))}`);
      }
    } finally {
      summary = await load.stop();
    }
    return { summary, milliseconds };
  } finally {
    await pm2.kill();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
