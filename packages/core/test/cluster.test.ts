import { isAlive, httpGet, waitFor, waitForDeath } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { fixture, node, useManagers } from './fixtures/manager/harness.js';

// Issue 14: an unmodified Node app run N times shares its port through Node's cluster protocol (shared handles).

const { create } = useManagers();
const app = fixture('plain-http.cjs');

describe('cluster mode: unmodified Node apps share the port they listen on', () => {
  it('three processes of a plain http script listen on one port; each is ready at its listen(); a SIGKILL loses no request', async () => {
    const { manager, stdout } = create();
    await manager.start();
    const name = await manager.load({ name: 'web', cmd: [node, app], numprocesses: 3 });
    const info = manager.info(name);
    expect(info.processes.map((process) => process.state)).toEqual(['ready', 'ready', 'ready']);
    const listening = info.cluster!.listening;
    expect(listening).toHaveLength(1);
    const port = listening[0]!.port!;
    // Every process listened (no EADDRINUSE), on the port the manager bound for them all.
    await waitFor(() => stdout.text.split('\n').filter((line) => line.includes(`listening on ${port}`)).length === 3, { timeout: 30_000 });
    const pids = info.processes.map((process) => process.pid!);
    const answered = new Set<string>();
    for (let i = 0; i < 30; i++) answered.add((await httpGet(`http://127.0.0.1:${port}/`)).body);
    for (const pid of answered) expect(pids).toContain(Number(pid));

    // A process killed between requests held no connection: none is lost, the others answer at once.
    const victim = pids[0]!;
    process.kill(victim, 'SIGKILL');
    await waitForDeath(victim);
    for (let i = 0; i < 30; i++) expect((await httpGet(`http://127.0.0.1:${port}/`)).status).toBe(200);
    await waitFor(() => manager.info(name).processes.every((process) => process.state === 'ready' && process.pid !== victim), { timeout: 30_000 });

    // Stopped: the processes are gone (a cluster worker closes its server and exits), and so is the port.
    await manager.stopJob(name);
    for (const pid of pids.slice(1)) expect(isAlive(pid)).toBe(false);
    expect(manager.info(name).cluster!.listening).toEqual([]);
    await expect(httpGet(`http://127.0.0.1:${port}/`, 2_000)).rejects.toThrow();
  });

  it('every process gets its number as NODE_APP_INSTANCE and POOL_WORKER_ID, and cluster.worker.id', async () => {
    const { manager, stdout } = create();
    await manager.start();
    await manager.load({ name: 'ids', cmd: [node, fixture('cluster-ids.cjs')], numprocesses: 2 });
    await waitFor(() => stdout.text.includes('ids 0 0 true 1') && stdout.text.includes('ids 1 1 true 2'), { timeout: 30_000, message: `both ids; got ${stdout.text}` });
  });

  it('is off for one process, and `cluster: false` or a job with sockets keeps it off; cluster: true on a non-Node command is a config error', async () => {
    const { manager, stdout } = create();
    await manager.start();
    const script = "console.log('worker?', require('node:cluster').isWorker); setInterval(() => {}, 1000)";
    await manager.load({ name: 'single', cmd: [node, '-e', script] });
    await manager.load({ name: 'off', cmd: [node, '-e', script], numprocesses: 2, cluster: false });
    await waitFor(() => stdout.text.split('\n').filter((line) => line.includes('worker? false')).length === 3, { timeout: 30_000 });
    expect(stdout.text).not.toContain('worker? true');
    expect(manager.info('default.single').cluster).toBeUndefined();
    await expect(manager.load({ name: 'bad', cmd: ['sleep', '100'], cluster: true })).rejects.toThrow(/cluster.*Node program/s);
    await expect(
      manager.load({ name: 'both', cmd: [node, app], cluster: true, sockets: { web: { port: 0 } } }),
    ).rejects.toThrow(/cluster.*sockets/s);
  });
});
