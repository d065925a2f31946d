// A Manager's host process (what the CLI's foreground runner or a user's script is): it creates a Manager,
// loads the jobs given as JSON in RELIABILITY_MANAGER, and `run()`s until a signal. It forwards every event
// with its time and answers requests over IPC: list, info, pids, scale, stop, measure.
import { readdirSync } from 'node:fs';
import { Manager } from '@pool/core';
import { fileTransport } from '@pool/log-transports';

const { jobs = [], output = 'ignore' } = JSON.parse(process.env.RELIABILITY_MANAGER ?? '{}');
delete process.env.RELIABILITY_MANAGER;

const target = output && typeof output === 'object' ? fileTransport({ path: output.file }) : output;
const manager = new Manager({ stdout: target, stderr: target });

const plain = (value) =>
  JSON.parse(
    JSON.stringify(value, (_key, item) => (item instanceof Error ? { name: item.name, code: item.code, message: item.message } : item)),
  );
const send = (message) => {
  if (process.connected) process.send(message);
};

for (const name of ['spawn', 'ready', 'exit', 'restart', 'stop', 'timeout', 'flapping', 'scale', 'load', 'unload']) {
  manager.on(name, (event) => send({ type: 'event', name, payload: plain(event), at: Date.now() }));
}

const actions = {
  list: (args) => manager.list(args?.name),
  info: ({ name }) => manager.info(name),
  pids: (args) => manager.pids(args?.name),
  scale: ({ name, value }) => manager.scale(name, value),
  stop: (args) => manager.stop(args ?? {}).then(() => ({ stopped: true })),
  measure: () => ({ rss: process.memoryUsage().rss, fds: readdirSync('/proc/self/fd').length - 1 }),
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
process.on('disconnect', () => void manager.stop({ gracefulTimeout: 1_000 }));

await manager.start();
for (const job of jobs) {
  const { session, ...config } = job;
  await manager.load(config, session ? { session } : {});
}
send({ type: 'bound', sockets: {}, at: Date.now() });
await manager.run();
await target?.close?.();
send({ type: 'finished', code: 0, at: Date.now() });
if (process.connected) process.disconnect();
