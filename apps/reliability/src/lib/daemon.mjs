// The CLI's daemon (`pool daemon start --foreground`) with a private POOL_HOME, and two jobs of its own:
// `keeper-live` (running) and `keeper-idle` (loaded, stopped), which must outlive whatever is sent to it.
import { waitFor } from '@pool/testing';
import { send } from './fuzz/requests.mjs';
import { cliBin } from './paths.mjs';
import { isAlive, launch, signal } from './processes.mjs';

export async function startDaemon(home) {
  const daemon = launch(process.execPath, [cliBin, 'daemon', 'start', '--foreground'], { env: { POOL_HOME: home } });
  const target = { socketPath: `${home}/pool.sock` };
  const json = (value) => ({ text: JSON.stringify(value), type: 'application/json' });
  const call = (method, path, body) => send(target, { method, path, ...(body ? { body: json(body) } : {}) });
  try {
    await waitFor(async () => (await call('GET', '/healthz')).status === 200 || (daemon.hasExited() && Promise.reject(new Error('the daemon exited'))), {
      timeout: 60_000,
      message: `the daemon to answer; it printed:\n${daemon.output().slice(-1_500)}`,
    });
    for (const [query, name] of [['', 'keeper-live'], ['?start=false', 'keeper-idle']]) {
      const answer = await call('POST', `/jobs${query}`, { name, cmd: ['sleep', '1000'] });
      if (answer.status !== 201) throw new Error(`the daemon refused ${name}: ${answer.status} ${answer.body}`);
    }
  } catch (error) {
    signal(daemon.pid, 'SIGKILL', { group: true });
    throw error;
  }
  const livePid = async () => JSON.parse((await call('GET', '/jobs/keeper-live')).body).processes[0]?.pid;
  const firstPid = await livePid();
  return {
    pid: daemon.pid,
    home,
    /** What it printed (its log, in the foreground). */
    output: () => daemon.output(),
    target,
    async unloadSession(session) {
      const jobs = JSON.parse((await call('GET', '/jobs')).body);
      for (const job of jobs) if (!job.name.startsWith('default.keeper-')) await call('DELETE', `/jobs/${encodeURIComponent(job.name)}`);
      await call('POST', '/jobs/keeper-idle/scale', { n: 1 });
      return session;
    },
    async check() {
      const alive = isAlive(daemon.pid);
      const health = await call('GET', '/healthz').catch(() => ({ status: 0 }));
      const pid = health.status === 200 ? await livePid().catch(() => undefined) : undefined;
      const list = health.status === 200 ? JSON.parse((await call('GET', '/jobs')).body) : [];
      const jobs = list.map((job) => job.name);
      const idle = list.find((job) => job.name === 'default.keeper-idle');
      const idleIntact = JSON.stringify(idle?.config?.cmd) === JSON.stringify(['sleep', '1000']);
      const ok = alive && health.status === 200 && pid === firstPid && isAlive(pid) && idleIntact;
      return {
        ok,
        description: `${alive ? 'alive' : 'gone'}, /healthz ${health.status}, keeper job pid ${pid ?? '–'} (was ${firstPid}), jobs ${jobs.join(', ')}${idle && !idleIntact ? ' (keeper-idle\'s config was replaced)' : ''}`,
      };
    },
    async stop() {
      if (daemon.hasExited()) return;
      signal(daemon.pid, 'SIGTERM');
      const exited = await Promise.race([daemon.exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (!exited) signal(daemon.pid, 'SIGKILL', { group: true });
    },
  };
}
