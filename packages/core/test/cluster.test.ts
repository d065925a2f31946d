import { Agent, request } from 'node:http';
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

  it('a process stopped mid-request finishes it, says Connection: close, and exits', async () => {
    const { manager, stdout } = create();
    await manager.start();
    const name = await manager.load({ name: 'slow', cmd: [node, fixture('slow-http.cjs')], numprocesses: 2 });
    const port = manager.info(name).cluster!.listening[0]!.port!;
    const agent = new Agent({ keepAlive: true });
    try {
      const answer = get(agent, port, '/slow');
      const serving = await waitFor(() => /serving \/slow in (\d+)/.exec(stdout.text)?.[1], { timeout: 30_000 });
      const stopped = manager.stopProcess(Number(serving));
      const { status, body, headers } = await answer;
      expect({ status, body, connection: headers.connection }).toEqual({ status: 200, body: serving, connection: 'close' });
      await stopped;
      expect(isAlive(Number(serving))).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('rolling reloads under keep-alive load fail no request (the just-accepted connections are served, not reset)', async () => {
    const { manager } = create();
    await manager.start();
    const name = await manager.load({ name: 'web', cmd: [node, app], numprocesses: 3 });
    const port = manager.info(name).cluster!.listening[0]!.port!;
    const before = manager.info(name).processes.map((process) => process.pid);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const failures: string[] = [];
    let answered = 0;
    let running = true;
    const client = async () => {
      while (running) {
        try {
          const { status } = await get(agent, port, '/');
          if (status === 200) answered++;
          else failures.push(`status ${status}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    try {
      await waitFor(() => answered > 200, { timeout: 30_000 });
      await manager.reload(name);
      await manager.reload(name);
      const atReload = answered;
      await waitFor(() => answered > atReload + 200, { timeout: 30_000 });
    } finally {
      running = false;
      await Promise.all(clients);
      agent.destroy();
    }
    expect(failures).toEqual([]);
    const after = manager.info(name).processes.map((process) => process.pid);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    for (const pid of before) expect(isAlive(pid!)).toBe(false);
  });

  it('every process gets its number as NODE_APP_INSTANCE and POOL_WORKER_ID, and cluster.worker.id; NODE_OPTIONS is the job\'s', async () => {
    const { manager, stdout } = create();
    await manager.start();
    const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=200' };
    await manager.load({ name: 'ids', cmd: [node, fixture('cluster-ids.cjs')], numprocesses: 2, env });
    const seen = () => stdout.text.includes('ids 0 0 true 1 options=--max-old-space-size=200') && stdout.text.includes('ids 1 1 true 2 options=--max-old-space-size=200');
    await waitFor(seen, { timeout: 30_000, message: `both ids; got ${stdout.text}` });
  });

  it('is off for one process and for `node -e`, and `cluster: false` or a job with sockets keeps it off; cluster: true on a non-Node command is a config error', async () => {
    const { manager, stdout } = create();
    await manager.start();
    const script = "console.log('worker?', require('node:cluster').isWorker); setInterval(() => {}, 1000)";
    await manager.load({ name: 'single', cmd: [node, '-e', script] });
    await manager.load({ name: 'off', cmd: [node, '-e', script], numprocesses: 2, cluster: false });
    // `node -e` has no script for Node to make a cluster worker of: off by default, however many processes.
    await manager.load({ name: 'eval', cmd: [node, '-e', script], numprocesses: 2 });
    await waitFor(() => stdout.text.split('\n').filter((line) => line.includes('worker? false')).length === 5, { timeout: 30_000 });
    expect(stdout.text).not.toContain('worker? true');
    expect(manager.info('default.single').cluster).toBeUndefined();
    expect(manager.info('default.eval').cluster).toBeUndefined();
    await expect(manager.load({ name: 'bad', cmd: ['sleep', '100'], cluster: true })).rejects.toThrow(/cluster.*Node program/s);
    await expect(
      manager.load({ name: 'both', cmd: [node, app], cluster: true, sockets: { web: { port: 0 } } }),
    ).rejects.toThrow(/cluster.*sockets/s);
  });
});

function get(agent: Agent, port: number, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body, headers: response.headers }));
    });
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer within 30 s')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
