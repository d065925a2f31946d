import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '@pool/testing';
import { cleanup, harness, idle, node } from './helpers.js';
import { sseClient } from './sse-client.js';

const clients: { close: () => void }[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await cleanup();
});

async function listening() {
  const made = await harness();
  await made.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = made.app.server.address() as { port: number };
  return { ...made, base: `http://127.0.0.1:${port}/pool` };
}

describe('@pool/http event streams over a real socket', () => {
  it('streams a job\'s events in order, with heartbeats, and resumes after Last-Event-ID', async () => {
    const { app, manager, base } = await listening();
    const client = sseClient(`${base}/events?topic=job.default.web.*`);
    clients.push(client);
    await waitFor(() => client.status() === 200);
    expect(client.contentType()).toContain('text/event-stream');

    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle } });
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'other', cmd: idle } });
    const pid = await waitFor(() => manager.pids('web')[0]);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => client.events.filter((event) => event.event === 'ready').length === 2);

    const types = client.events.map((event) => event.event);
    expect(types.slice(0, 3)).toEqual(['load', 'spawn', 'ready']);
    expect(types).toContain('exit');
    expect(types.indexOf('exit')).toBeLessThan(types.lastIndexOf('spawn'));
    expect(client.events.every((event) => (event.data as { job: string }).job === 'default.web')).toBe(true);
    const ids = client.events.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await waitFor(() => client.comments() >= 2); // heartbeats every 200 ms in the harness

    // A client that reconnects with Last-Event-ID gets what came after it, then live events.
    const resumeFrom = client.events[1]!.id!;
    const resumed = sseClient(`${base}/events?topic=job.default.web.*`, { 'last-event-id': resumeFrom });
    clients.push(resumed);
    await waitFor(() => resumed.events.length === client.events.length - 2);
    expect(resumed.events.map((event) => event.id)).toEqual(client.events.slice(2).map((event) => event.id));

    const byPid = sseClient(`${base}/events?topic=proc.${manager.pids('web')[0]}.*`);
    clients.push(byPid);
    await waitFor(() => byPid.status() === 200);
    await app.inject({ method: 'POST', url: '/pool/jobs/web/stop' });
    await waitFor(() => byPid.events.some((event) => event.event === 'exit'));
  });

  it('streams a job\'s output as it is written', async () => {
    const { app, manager, base } = await listening();
    const echo = [node, '-e', 'process.stdin.on("data", (chunk) => process.stdout.write(chunk))'];
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'echo', cmd: echo, redirectInput: true } });
    const client = sseClient(`${base}/jobs/echo/logs/stream`);
    clients.push(client);
    await waitFor(() => client.status() === 200);
    const pid = manager.pids('echo')[0]!;
    await manager.send(pid, ['first line', 'second line']);
    await waitFor(() => client.events.length === 2);
    expect(client.events.map((event) => (event.data as { line: string }).line)).toEqual(['first line', 'second line']);
    expect(client.events[0]).toMatchObject({ event: 'log', data: { job: 'default.echo', pid, stream: 'stdout' } });
  });

  it('closes its streams when the server closes, leaving no process behind', async () => {
    const { app, manager, base } = await listening();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle } });
    const pid = await waitFor(() => manager.pids('web')[0]);
    const client = sseClient(`${base}/events`);
    clients.push(client);
    await waitFor(() => client.status() === 200);
    await app.close(); // would hang on the open stream if the plugin did not end it
    await manager.stop();
    expect(isAlive(pid)).toBe(false);
  });
});

describe('@pool/http metrics', () => {
  it('exposes Prometheus metrics per job that parse', async () => {
    const { app, manager } = await harness();
    await app.inject({ method: 'POST', url: '/pool/jobs', payload: { name: 'web', cmd: idle, numprocesses: 2 } });
    await waitFor(() => manager.list('web').every((process) => process.state === 'ready'));
    const response = await app.inject('/pool/metrics');
    expect(response.headers['content-type']).toContain('text/plain');
    const samples = new Map<string, number>();
    for (const line of response.body.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
      expect(match, line).not.toBeNull();
      samples.set(`${match![1]}{${match![2]}}`, Number(match![3]));
    }
    expect(samples.get('pool_processes{job="default.web",state="ready"}')).toBe(2);
    // No restart yet: no sample (a counter with a reason label is born at its first increment).
    expect([...samples.keys()].filter((key) => key.startsWith('pool_restarts_total'))).toEqual([]);
    expect(samples.get('pool_memory_rss_bytes{job="default.web"}')).toBeGreaterThan(1_000_000);
    expect([...samples.keys()].filter((key) => key.startsWith('pool_process_uptime_seconds'))).toHaveLength(2);
    for (const name of ['pool_processes', 'pool_restarts_total', 'pool_cpu_percent', 'pool_memory_rss_bytes']) {
      expect(response.body).toContain(`# TYPE ${name} `);
    }
  });
});
