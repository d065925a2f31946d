// Starting a peer and waiting, without sending traffic, until its workers listen; then one request to prove
// that the port is served by them.
import { join } from 'node:path';
import { freePort, servingPid } from './http.mjs';
import { ListeningLog, now } from './listening.mjs';

let counter = 0;

export async function startServing(peer, { workers, directory, timeout = 60_000, nodeOptions, env = {} }) {
  const log = new ListeningLog(join(directory, `listening-${++counter}.log`));
  const port = await freePort();
  const since = now();
  const instance = peer.start({ workers, port, directory, env: { ...env, HELLO_LISTENING_LOG: log.file }, nodeOptions });
  try {
    // A master that dies before its workers listen (a crash at import, say) fails the start at once.
    const { pids, lastAt, listening } = await Promise.race([log.waitFor({ count: workers, since, timeout }), ...(instance.failed ? [instance.failed] : [])]);
    await instance.started;
    const servedPort = instance.port ?? listening[0].port;
    const answeredBy = await servingPid(servedPort);
    if (!pids.includes(answeredBy)) throw new Error(`port ${servedPort} was answered by pid ${answeredBy}, not by a worker that listened`);
    return { instance, log, since, pids, lastAt, listening, port: servedPort };
  } catch (error) {
    await instance.stop().catch(() => {});
    throw error;
  }
}

/** Starts, runs `use`, and stops the peer whatever happens. */
export async function withServing(peer, options, use) {
  const serving = await startServing(peer, options);
  try {
    return await use(serving);
  } finally {
    await serving.instance.stop();
  }
}
