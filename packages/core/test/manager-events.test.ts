import { compilePattern, type JobStats, type ProcessStats, type TopicMessage } from '@pool/core';
import { waitFor } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers } from './fixtures/manager/harness.js';

const { create } = useManagers();

async function take(iterator: AsyncIterable<TopicMessage>, count: number): Promise<TopicMessage[]> {
  const taken: TopicMessage[] = [];
  if (count === 0) return taken;
  for await (const message of iterator) {
    taken.push(message);
    if (taken.length === count) break;
  }
  return taken;
}

describe('topic patterns', () => {
  it('match by segment; a last "*" matches the rest', () => {
    const cases: [string, string, boolean][] = [
      ['job.*', 'job.default.web.spawn', true],
      ['job.*', 'proc.12.spawn', false],
      ['job.default.web.*', 'job.default.web.exit', true],
      ['job.default.web.*', 'job.default.webby.exit', false],
      ['job.default.web.*', 'job.default.web', false],
      ['proc.*.exit', 'proc.12.exit', true],
      ['proc.*.exit', 'proc.12.spawn', false],
      ['job.*.*.exit', 'job.shop.api.exit', true],
      ['job.default.web.exit', 'job.default.web.exit', true],
      ['job.default.web.exit', 'job.default.web.exit.more', false],
      ['*', 'proc.1.stats', true],
    ];
    for (const [pattern, topic, expected] of cases) expect(compilePattern(pattern)(topic), `${pattern} ~ ${topic}`).toBe(expected);
    for (const bad of ['', 'job..exit', '.job', 'job.']) expect(() => compilePattern(bad)).toThrow(/topic/);
  });
});

describe('Manager: events', () => {
  it('publishes every change on job.<session>.<name>.<type> and proc.<pid>.<type>', async () => {
    const { manager } = create();
    const all = manager.subscribe('job.*');
    const web = manager.subscribe('job.shop.web.*');
    const exits = manager.subscribe('proc.*.exit');
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'] }, { session: 'shop' });
    await manager.load({ name: 'other', cmd: ['sleep', '1000'] });
    const [pid] = manager.pids('shop.web');
    const one = manager.subscribe(`proc.${pid}.*`);
    await manager.scale('shop.web', 0);
    await manager.unload('shop.web');

    const webMessages = await take(web, 6);
    expect(webMessages.map((message) => message.topic)).toEqual([
      'job.shop.web.load',
      'job.shop.web.spawn',
      'job.shop.web.ready',
      'job.shop.web.exit',
      'job.shop.web.scale',
      'job.shop.web.stop',
    ]);
    expect(webMessages[1]!.event).toMatchObject({ type: 'spawn', job: 'shop.web', id: 0, pid, commit: false });
    expect(webMessages[3]!.event).toMatchObject({ type: 'exit', pid, reason: 'stopped', signal: 'SIGTERM' });
    expect((await take(web, 1))[0]!.topic).toBe('job.shop.web.unload');
    expect(web.pending).toBe(0);

    const [exit] = await take(exits, 1);
    expect(exit).toMatchObject({ topic: `proc.${pid}.exit`, event: { type: 'exit', pid } });
    expect(await take(one, 1)).toEqual([expect.objectContaining({ topic: `proc.${pid}.exit` })]);
    const allTopics = (await take(all, all.pending)).map((message) => message.topic);
    expect(allTopics).toContain('job.default.other.spawn');
    expect(allTopics).toContain('job.shop.web.unload');
    expect(allTopics.every((topic) => topic.startsWith('job.'))).toBe(true);
    // One message per event even when both of its topics match.
    const everything = manager.subscribe('*');
    await manager.scale('other', 0);
    const messages = await take(everything, everything.pending);
    expect(messages.map((message) => message.event.type)).toEqual(['exit', 'scale']);
    expect(messages[0]!.topic).toMatch(/^job\.default\.other\.exit$/);
  });

  it('a slow subscriber does not slow the manager: it loses the oldest messages past its buffer, and counts them', async () => {
    const { manager } = create();
    const slow = manager.subscribe('job.*', { bufferSize: 5 });
    const prompt = manager.subscribe('job.*');
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'], numprocesses: 20 });
    await manager.scale('web', 0);
    const total = prompt.pending;
    expect(total).toBeGreaterThanOrEqual(1 + 20 * 3 + 1);
    expect(slow.pending).toBe(5);
    expect(slow.dropped).toBe(total - 5);
    const kept = await take(slow, 5);
    const latest = await take(prompt, total);
    expect(kept).toEqual(latest.slice(-5));
  });

  it('unsubscribe() ends the iteration of a waiting reader', async () => {
    const { manager } = create();
    const subscription = manager.subscribe('job.default.web.*');
    const read = (async () => {
      const seen: string[] = [];
      for await (const message of subscription) seen.push(message.event.type);
      return seen;
    })();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'] });
    await waitFor(() => subscription.pending === 0);
    manager.unsubscribe(subscription);
    expect(await read).toEqual(['load', 'spawn', 'ready']);
    expect(subscription.closed).toBe(true);
  });

  it('is an EventEmitter of the same events', async () => {
    const { manager, events } = create();
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'] });
    await manager.stopJob('web');
    // `stop` says the job is stopping, as the Supervisor's does: its processes' exits follow.
    expect(events.map((event) => event.type)).toEqual(['load', 'spawn', 'ready', 'stop', 'exit']);
    expect(events.every((event) => event.job === 'default.web' && typeof event.time === 'number')).toBe(true);
  });
});

describe('Manager: listeners', () => {
  it('a listener that throws does not break the manager', async () => {
    const { manager, events } = create();
    manager.on('exit', () => {
      throw new Error('a careless listener');
    });
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'], numprocesses: 2 });
    await manager.stopJob('web');
    expect(eventsOf(events, 'exit')).toHaveLength(2);
    await manager.startJob('web');
    expect(manager.pids('web')).toHaveLength(2);
  });
});

describe('Manager: stats and monitors', () => {
  it('stats() samples CPU and memory of each process now, and sums them', async () => {
    const { manager } = create();
    await manager.start();
    await manager.load({ name: 'busy', cmd: [node, fixture('busy.mjs')] });
    await manager.load({ name: 'idle', cmd: ['sleep', '1000'], numprocesses: 2 });
    // A process's first sample is its average since it started; later ones, the use since the previous sample.
    // Past its first second, a busy loop spends most of each ~250 ms window between two samples in user time.
    await waitFor(
      async () => {
        const stats = await manager.stats('busy');
        return stats.processes[0]!.uptime > 1_000 && stats.cpu > 25;
      },
      { interval: 250, message: 'the busy loop to show CPU use' },
    );
    const busy = await manager.stats('busy');
    expect(busy.processes[0]).toMatchObject({ job: 'default.busy', id: 0, state: 'ready', restarts: 0 });
    expect(busy.rss).toBeGreaterThan(10 * 1024 * 1024);
    const idle = await manager.stats('idle');
    expect(idle.processes).toHaveLength(2);
    for (const process of idle.processes) {
      expect(process.rss).toBeGreaterThan(0);
      expect(process.cpu).toBeGreaterThanOrEqual(0);
    }
    expect(idle.rss).toBe(idle.processes[0]!.rss! + idle.processes[1]!.rss!);
    await manager.stopJob('idle');
    expect((await manager.stats('idle')).processes.map(({ state, cpu, rss }) => ({ state, cpu, rss }))).toEqual([
      { state: 'stopped', cpu: undefined, rss: undefined },
      { state: 'stopped', cpu: undefined, rss: undefined },
    ]);
  });

  it('monitor() samples a job or a process only while someone monitors it', async () => {
    const { manager, events } = create({ statsInterval: 50 });
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'], numprocesses: 2 });
    expect(manager.monitoring).toEqual([]);
    const jobStats: JobStats[] = [];
    const processStats: ProcessStats[] = [];
    const onJob = (stats: JobStats | ProcessStats) => jobStats.push(stats as JobStats);
    const onProcess = (stats: JobStats | ProcessStats) => processStats.push(stats as ProcessStats);
    const [pid] = manager.pids('web');
    manager.monitor(onJob, 'web');
    manager.monitor(onProcess, pid!);
    expect(manager.monitoring).toEqual(['default.web', pid]);
    await waitFor(() => jobStats.length >= 2 && processStats.length >= 2);
    expect(jobStats[0]).toMatchObject({ job: 'default.web', processes: [expect.objectContaining({ id: 0 }), expect.objectContaining({ id: 1 })] });
    expect(jobStats[0]!.rss).toBeGreaterThan(0);
    expect(processStats[0]).toMatchObject({ pid, job: 'default.web', id: 0 });
    expect(eventsOf(events, 'stats').some((event) => event.pid === pid)).toBe(true);
    manager.unmonitor(onJob, 'web');
    expect(manager.monitoring).toEqual([pid]);
    // A process monitor ends with its process.
    await manager.stopProcess(pid!);
    await waitFor(() => manager.monitoring.length === 0);
    const seen = processStats.length;
    const statsEvents = eventsOf(events, 'stats').length;
    manager.monitor(onJob, 'web');
    await waitFor(() => jobStats.length >= 3);
    manager.unmonitor(onJob, 'default.web');
    expect(manager.monitoring).toEqual([]);
    expect(processStats).toHaveLength(seen);
    expect(eventsOf(events, 'stats').length).toBeGreaterThan(statsEvents);
    expect(() => manager.monitor(onJob, 'nope')).toThrow(/No job named default.nope/);
    expect(() => manager.monitor(onJob, 1)).toThrow(/No process with pid 1/);
  });

  it('publishes stats on the topics of the monitored job and process', async () => {
    const { manager } = create({ statsInterval: 50 });
    await manager.start();
    await manager.load({ name: 'web', cmd: ['sleep', '1000'] });
    const [pid] = manager.pids('web');
    const jobTopic = manager.subscribe('job.default.web.stats');
    const procTopic = manager.subscribe(`proc.${pid}.stats`);
    const listener = () => {};
    manager.monitor(listener, pid!);
    const [message] = await take(procTopic, 1);
    expect(message!.event).toMatchObject({ type: 'stats', job: 'default.web', pid, stats: { pid, id: 0 } });
    expect(jobTopic.pending).toBeGreaterThan(0);
    manager.unmonitor(listener, pid!);
    expect(manager.monitoring).toEqual([]);
  });
});
