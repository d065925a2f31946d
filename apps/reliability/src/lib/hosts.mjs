// The suite's side of src/apps/supervisor-host.mjs and manager-host.mjs: start one, follow its events, ask it
// things over IPC, and stop it (SIGTERM, then SIGKILL to its group if it does not go).
import { waitFor } from '@pool/testing';
import { app } from './paths.mjs';
import { isAlive, launch, signal } from './processes.mjs';

function startHost(script, variable, options, { execArgv = [], env = {} } = {}) {
  const host = launch(process.execPath, [...execArgv, app(script)], { ipc: true, env: { ...env, [variable]: JSON.stringify(options) } });
  const events = [];
  const listeners = new Set();
  const replies = new Map();
  let sequence = 0;
  let bound;
  let finished;
  host.child.on('message', (message) => {
    if (message.type === 'event') {
      events.push(message);
      for (const listener of listeners) listener(message);
    } else if (message.type === 'reply') {
      replies.get(message.id)?.(message);
      replies.delete(message.id);
    } else if (message.type === 'bound') {
      bound = message;
    } else if (message.type === 'finished') {
      finished = message;
    }
  });
  host.child.on('error', () => {});

  const api = {
    pid: host.pid,
    child: host.child,
    exited: host.exited,
    output: host.output,
    events,
    /** What main() resolved with, once it has. */
    finished: () => finished,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** The first event named `name` (from index `since` on) whose payload passes `filter`. */
    waitForEvent(name, { filter = () => true, since = 0, timeout = 60_000 } = {}) {
      return waitFor(() => events.slice(since).find((event) => event.name === name && filter(event.payload)), {
        timeout,
        message: `the ${script} to report "${name}"; its output ends:\n${host.output().slice(-2_000)}`,
      });
    },
    async waitForBound(timeout = 60_000) {
      await waitFor(() => bound ?? (host.hasExited() ? Promise.reject(new Error(`the host exited:\n${host.output().slice(-2_000)}`)) : undefined), {
        timeout,
        message: `the ${script} to bind its sockets`,
      });
      return bound.sockets;
    },
    request(action, args, timeout = 60_000) {
      const id = ++sequence;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          replies.delete(id);
          reject(new Error(`no answer to ${action} within ${timeout} ms`));
        }, timeout);
        replies.set(id, (message) => {
          clearTimeout(timer);
          if (message.ok) resolve(message.result);
          else reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
        });
        if (!host.child.connected) {
          clearTimeout(timer);
          replies.delete(id);
          reject(new Error(`the ${script} is gone`));
          return;
        }
        host.child.send({ type: 'request', id, action, args });
      });
    },
    signal: (name) => signal(host.pid, name),
    /** SIGTERM, then (after `timeout`) SIGKILL to its process group. Resolves with its exit. */
    async stop({ timeout = 30_000 } = {}) {
      if (!host.hasExited()) {
        signal(host.pid, 'SIGTERM');
        const exited = await Promise.race([host.exited, new Promise((resolve) => setTimeout(resolve, timeout, undefined))]);
        if (!exited) signal(host.pid, 'SIGKILL', { group: true });
      }
      return host.exited;
    },
    isAlive: () => isAlive(host.pid),
  };
  return api;
}

export const startSupervisor = (options, launchOptions) => startHost('supervisor-host.mjs', 'RELIABILITY_SUPERVISOR', options, launchOptions);
export const startManager = (options, launchOptions) => startHost('manager-host.mjs', 'RELIABILITY_MANAGER', options, launchOptions);

/** Waits until the pool has `workers` ready workers with ids 0 … workers-1; resolves with them. */
export async function waitForReadyPool(host, workers, timeout = 60_000) {
  return waitFor(
    async () => {
      const processes = await host.request('processes');
      const ready = processes.filter((worker) => worker.state === 'ready' && worker.pid && isAlive(worker.pid));
      const ids = ready.map((worker) => worker.id).sort((a, b) => a - b);
      return ready.length === workers && ids.every((id, index) => id === index) ? ready : undefined;
    },
    { timeout, interval: 100, message: `${workers} ready workers with ids 0–${workers - 1}` },
  );
}
