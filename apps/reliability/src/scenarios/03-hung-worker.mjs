// 3. Hung worker: one of 4 workers blocks its event loop for good (GET /hang answers, then spins). It must be
// killed and replaced within workerTimeout + 1 s, while the other workers keep serving: requests on fresh
// connections run all along, from the moment the worker hangs until its replacement is ready.
import { httpGet } from '@pool/testing';
import { seconds } from '../lib/format.mjs';
import { startSupervisor, waitForReadyPool } from '../lib/hosts.mjs';
import { app } from '../lib/paths.mjs';
import { isAlive } from '../lib/processes.mjs';

const workers = 4;

export default {
  id: 3,
  name: 'Hung worker',
  async run({ quick, log }) {
    const workerTimeout = quick ? 2_000 : 3_000;
    const host = startSupervisor({
      worker: app('workers/web.mjs'),
      workers,
      workerTimeout,
      sockets: { web: { host: '127.0.0.1', port: 0 } },
      stdout: 'ignore',
    });
    try {
      const { web } = await host.waitForBound();
      await waitForReadyPool(host, workers);
      const url = `http://127.0.0.1:${web.port}`;
      const since = host.events.length;
      const hang = await httpGet(`${url}/hang`);
      const hungAt = Date.now();
      const [, hungId, hungPid] = /^hanging #(\d+) (\d+)$/.exec(hang.body).map(Number);
      log(`worker ${hungId} (pid ${hungPid}) hangs; workerTimeout ${workerTimeout} ms`);

      let replaced = false;
      const probe = { ok: 0, failed: 0, fromHung: 0, ids: new Set() };
      const probing = Array.from({ length: 4 }, async () => {
        while (!replaced) {
          try {
            const answer = await httpGet(`${url}/`, 10_000);
            const match = /^pong from #(\d+) (\d+)$/.exec(answer.body);
            if (answer.status !== 200 || !match) probe.failed += 1;
            else {
              probe.ok += 1;
              probe.ids.add(Number(match[1]));
              if (Number(match[2]) === hungPid) probe.fromHung += 1;
            }
          } catch {
            probe.failed += 1;
          }
        }
      });
      const timeout = await host.waitForEvent('timeout', { since, filter: (payload) => payload.pid === hungPid, timeout: workerTimeout + 30_000 });
      const exit = await host.waitForEvent('exit', { since, filter: (payload) => payload.pid === hungPid, timeout: 30_000 });
      const ready = await host.waitForEvent('ready', { since, filter: (payload) => payload.id === hungId && payload.pid !== hungPid, timeout: 30_000 });
      replaced = true;
      await Promise.all(probing);
      await waitForReadyPool(host, workers);

      const killedAfter = timeout.at - hungAt;
      const exitedAfter = exit.at - hungAt;
      const replacedAfter = ready.at - hungAt;
      const limit = workerTimeout + 1_000;
      log(`killed after ${killedAfter} ms, replaced after ${replacedAfter} ms; probes ${probe.ok} ok, ${probe.failed} failed`);
      return [
        {
          scenario: 'Hung worker',
          figures:
            `workerTimeout ${seconds(workerTimeout)}: detected and SIGKILLed after ${seconds(killedAfter)}, exit reported after ${seconds(exitedAfter)} (reason ${exit.payload.reason}), ` +
            `replacement #${hungId} ready after ${seconds(replacedAfter)} (limit ${seconds(limit)}); meanwhile ${probe.ok} requests served by ids ${[...probe.ids].sort().join(',')}, ${probe.failed} failed`,
          pass: replacedAfter <= limit && exit.payload.reason === 'timeout' && probe.failed === 0 && probe.fromHung === 0 && !isAlive(hungPid),
          details: { killedAfter, exitedAfter, replacedAfter, probe: { ...probe, ids: [...probe.ids] } },
        },
      ];
    } finally {
      await host.stop();
    }
  },
};
