// A Supervisor's master in a process of its own, driven by the suite over IPC: it runs `supervisor.main()`
// (so SIGTERM, SIGINT and SIGHUP behave as for any user), forwards every event with its time, and answers
// requests: processes, reload, resize, stop, and `measure` (heap and RSS after GC, fds, listeners).
// Its options arrive as JSON in RELIABILITY_SUPERVISOR.
import { readdirSync } from 'node:fs';
import v8 from 'node:v8';
import { Supervisor } from '@pool/core';
import { fileTransport } from '@pool/log-transports';

const options = JSON.parse(process.env.RELIABILITY_SUPERVISOR ?? '{}');
delete process.env.RELIABILITY_SUPERVISOR;

const output = (value) => {
  if (value && typeof value === 'object' && value.file) return fileTransport({ path: value.file });
  return value;
};
const { stdout, stderr, ...rest } = options;
const shared = stdout && stdout === stderr ? output(stdout) : undefined;
const supervisor = new Supervisor({
  ...rest,
  ...(stdout === undefined ? {} : { stdout: shared ?? output(stdout) }),
  ...(stderr === undefined ? {} : { stderr: shared ?? output(stderr) }),
});

const plain = (value) =>
  JSON.parse(
    JSON.stringify(value, (_key, item) => (item instanceof Error ? { name: item.name, code: item.code, message: item.message } : item)),
  );
const send = (message) => {
  if (process.connected) process.send(message);
};

const events = ['start', 'spawn', 'ready', 'exit', 'restart', 'timeout', 'flapping', 'reload', 'scale', 'stop'];
for (const name of events) supervisor.on(name, (payload) => send({ type: 'event', name, payload: plain(payload ?? {}), at: Date.now() }));

function listenerCounts(emitter) {
  let total = 0;
  const byEvent = {};
  for (const name of emitter.eventNames()) {
    const count = emitter.listenerCount(name);
    byEvent[String(name)] = count;
    total += count;
  }
  return { total, byEvent };
}

const actions = {
  processes: () => supervisor.processes(),
  state: () => ({ state: supervisor.state, size: supervisor.size, sockets: supervisor.sockets }),
  reload: () => supervisor.reload().then(() => ({ reloaded: true })),
  resize: ({ workers }) => supervisor.resize(workers).then((size) => ({ size })),
  stop: (stopOptions) => supervisor.stop(stopOptions ?? {}).then(() => ({ stopped: true })),
  measure: () => {
    if (globalThis.gc) {
      globalThis.gc();
      globalThis.gc();
    }
    const memory = process.memoryUsage();
    const resources = {};
    for (const resource of process.getActiveResourcesInfo()) resources[resource] = (resources[resource] ?? 0) + 1;
    // Where the heap's committed memory sits: the young generation grows with the allocation rate (up to
    // --max-semi-space-size) and stays grown, which shows in RSS without being a leak.
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size]));
    const heap = v8.getHeapStatistics();
    return {
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      heapCommitted: heap.total_physical_size,
      mallocedMemory: heap.malloced_memory,
      spaces,
      fds: readdirSync('/proc/self/fd').length - 1, // less the one readdir opened
      processListeners: listenerCounts(process),
      supervisorListeners: listenerCounts(supervisor),
      resources,
      gc: Boolean(globalThis.gc),
    };
  },
};

process.on('message', async (message) => {
  if (message?.type !== 'request') return;
  try {
    const result = await actions[message.action](message.args);
    send({ type: 'reply', id: message.id, ok: true, result: plain(result ?? null) });
  } catch (error) {
    send({ type: 'reply', id: message.id, ok: false, error: { code: error.code, message: error.message } });
  }
});
// The suite went away: nothing of this pool may outlive it.
process.on('disconnect', () => void supervisor.stop({ gracefulTimeout: 1_000 }));

supervisor.once('start', () => send({ type: 'bound', sockets: plain(supervisor.sockets), at: Date.now() }));
const code = await supervisor.main();
send({ type: 'finished', code, failure: plain(supervisor.failure ?? null), at: Date.now() });
if (process.connected) process.disconnect();
process.exitCode = code;
