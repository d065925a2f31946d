// 10. Security: the control socket is mode 0600 in a 0700 directory (the CLI's daemon, and createPoolServer
// in a directory that existed with 0755); over TCP, every route but the health probes answers 401 without the
// token, with a wrong token of the same length, or another length; a body over the limit gets 413; a log
// path outside the log directory is refused (`..`, an absolute path, a job name, a symbolic link).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { isPoolError, Manager } from '@pool/core';
import { createPoolServer } from '@pool/http';
import { fileTransport } from '@pool/log-transports';
import { startDaemon } from '../lib/daemon.mjs';
import { send } from '../lib/fuzz/requests.mjs';
import { app } from '../lib/paths.mjs';
import { launch, signal } from '../lib/processes.mjs';

export default {
  id: 10,
  name: 'Security',
  async run({ quick, directory, log }) {
    const rows = [await socketModes(directory, log)];
    const token = randomBytes(24).toString('hex');
    const server = launch(process.execPath, [app('http-host.mjs')], { env: { RELIABILITY_TOKEN: token } });
    const daemon = await startDaemon(join(directory, 'limit-home'));
    try {
      const port = Number((await server.waitForOutput(/listening (\d+)/))[1]);
      const target = { host: '127.0.0.1', port };
      rows.push(await tokens({ target, token, log }));
      rows.push(await bodyLimit({ targets: { 'TCP with the token': [target, { authorization: `Bearer ${token}` }], 'the CLI daemon\'s Unix socket': [daemon.target, {}] }, attempts: quick ? 10 : 50, log }));
    } finally {
      await daemon.stop();
      if (!server.hasExited()) {
        signal(server.pid, 'SIGTERM');
        const exited = await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
        if (!exited) signal(server.pid, 'SIGKILL', { group: true });
      }
    }
    rows.push(await logPaths(directory, log));
    return rows;
  },
};

const mode = (path) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

async function socketModes(directory, log) {
  const home = join(directory, 'pool-home');
  mkdirSync(home, { mode: 0o755 });
  chmodSync(home, 0o755);
  const daemon = await startDaemon(home);
  const daemonModes = { socket: mode(join(home, 'pool.sock')), directory: mode(home) };
  await daemon.stop();

  const loose = join(directory, 'loose');
  mkdirSync(loose, { mode: 0o755 });
  chmodSync(loose, 0o755);
  const manager = new Manager({ stdout: 'ignore', stderr: 'ignore', logger: false });
  const fresh = join(directory, 'fresh', 'nested', 'pool.sock');
  const servers = [];
  const modes = {};
  try {
    for (const [label, socketPath] of [['directory that existed with mode 0755', join(loose, 'pool.sock')], ['new directory', fresh]]) {
      const server = await createPoolServer({ manager, socketPath, logger: false });
      servers.push(server);
      modes[label] = { socket: mode(socketPath), directory: mode(join(socketPath, '..')) };
    }
  } finally {
    for (const server of servers) await server.close();
  }
  const all = [daemonModes, ...Object.values(modes)];
  log(`socket modes: daemon ${JSON.stringify(daemonModes)}, createPoolServer ${JSON.stringify(modes)}`);
  return {
    scenario: 'Security: control socket permissions',
    figures:
      `CLI daemon (POOL_HOME made 0755 beforehand): socket ${daemonModes.socket} in a ${daemonModes.directory} directory; ` +
      Object.entries(modes).map(([label, found]) => `createPoolServer in a ${label}: socket ${found.socket} in ${found.directory}`).join('; '),
    pass: all.every((found) => found.socket === '0600' && found.directory === '0700'),
  };
}

/** Every route of the OpenAPI document, with its parameters filled in. */
async function routes(target, token) {
  const answer = await send(target, { method: 'GET', path: '/openapi.json', headers: { authorization: `Bearer ${token}` } });
  const document = JSON.parse(answer.body);
  const found = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      found.push({ method: method.toUpperCase(), path: path.replace(/\{job\}|:job/, 'keeper').replace(/\{pid\}|:pid/, '1') });
    }
  }
  return found;
}

async function tokens({ target, token, log }) {
  const list = await routes(target, token);
  const wrongSameLength = randomBytes(token.length / 2).toString('hex');
  const attempts = [
    ['no token', {}],
    ['a wrong token of the same length', { authorization: `Bearer ${wrongSameLength}` }],
    ['a shorter token', { authorization: `Bearer ${token.slice(0, -1)}` }],
    ['a longer token', { authorization: `Bearer ${token}x` }],
    ['the token in Basic', { authorization: `Basic ${Buffer.from(`pool:${token}`).toString('base64')}` }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
  ];
  const keeperPid = await keeperOf(target, token);
  const probes = new Set(['/healthz', '/readyz']);
  const wrong = [];
  let refused = 0;
  let probesAnswered = 0;
  for (const route of list) {
    for (const [label, headers] of attempts) {
      const body = route.method === 'POST' || route.method === 'PUT' ? { text: '{}', type: 'application/json' } : undefined;
      const answer = await send(target, { ...route, headers, ...(body ? { body } : {}) }).catch((error) => ({ status: 0, body: error.message }));
      if (probes.has(route.path)) {
        if (answer.status === 200 || answer.status === 503) probesAnswered += 1;
        else wrong.push(`${route.method} ${route.path} with ${label}: ${answer.status}`);
      } else if (answer.status === 401 && /POOL_UNAUTHORIZED/.test(answer.body)) refused += 1;
      else wrong.push(`${route.method} ${route.path} with ${label}: ${answer.status}`);
    }
  }
  const unknownRoute = await send(target, { method: 'GET', path: '/no-such-route' });
  const keeperIntact = keeperPid !== undefined && (await keeperOf(target, token)) === keeperPid;
  log(`${list.length} routes × ${attempts.length} ways without the right token: ${refused} refused with 401, ${wrong.length} not`);
  return {
    scenario: 'Security: TCP needs the token',
    figures:
      `${list.length} routes (from /openapi.json) × ${attempts.length} requests without the right token (none, same length, shorter, longer, Basic, empty): ` +
      `${refused} answered 401 POOL_UNAUTHORIZED, ${wrong.length} not${wrong.length ? ` (${wrong.slice(0, 3).join('; ')})` : ''}; ` +
      `/healthz and /readyz answered without it ${probesAnswered} times; an unknown route without it: ${unknownRoute.status}; the keeper job untouched: ${keeperIntact ? 'yes' : 'no'}`,
    pass: wrong.length === 0 && refused > 0 && keeperIntact,
  };
}

/** The pid of the `keeper` job's process, asked over HTTP. */
async function keeperOf(target, token) {
  const answer = await send(target, { method: 'GET', path: '/jobs/keeper', headers: { authorization: `Bearer ${token}` } });
  return answer.status === 200 ? JSON.parse(answer.body).processes[0]?.pid : undefined;
}

/**
 * Bodies over the limit (just over, and 8 MiB), declared with Content-Length and chunked, sent to a server in
 * another process: the client must get the 413, not a connection closed under its write. A body just under
 * the limit must get through to validation.
 */
async function bodyLimit({ targets, attempts, log }) {
  const limit = 1024 * 1024;
  const sizes = [limit + 40, 8 * limit];
  const code = (answer) => {
    try {
      return JSON.parse(answer.body).code;
    } catch {
      return '?';
    }
  };
  const parts = [];
  let pass = true;
  for (const [label, [target, headers]] of Object.entries(targets)) {
    const outcomes = {};
    for (const size of sizes) {
      const text = `{"name":"big","cmd":["true"],"env":{"X":"${'x'.repeat(size - 40)}"}}`;
      for (let index = 0; index < attempts; index++) {
        const chunked = index % 2 === 1;
        const answer = await send(target, { method: 'POST', path: '/jobs?start=false', headers, body: { text, type: 'application/json', chunked } }).catch((error) => ({ status: 0, body: '', error }));
        const key = answer.status === 413 && code(answer) === 'POOL_BODY_TOO_LARGE' ? '413' : answer.error ? 'connection closed before the client read an answer' : `${answer.status} ${code(answer)}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    }
    const underLimit = await send(target, { method: 'POST', path: '/jobs/keeper/signal', headers, body: { text: JSON.stringify({ signal: 'SIGCONT', pad: 'x'.repeat(limit - 100) }), type: 'application/json' } }).catch(() => ({ status: 0, body: '' }));
    log(`over the limit on ${label}: ${JSON.stringify(outcomes)}; just under: ${underLimit.status}`);
    const sent = attempts * sizes.length;
    pass &&= outcomes['413'] === sent && underLimit.status === 400;
    parts.push(
      `${label}: ${sent} bodies over the limit (1 MiB + 40 B and 8 MiB, half chunked) → ${Object.entries(outcomes).map(([outcome, number]) => `${number} × ${outcome}`).join(', ')}; ` +
        `just under the limit → ${underLimit.status} ${code(underLimit)}`,
    );
  }
  return {
    scenario: 'Security: request body over the limit',
    figures: parts.join('; '),
    pass,
    note: 'The server answers 413 and closes the connection at once (Fastify sets Connection: close); a client still writing its body then gets EPIPE or a reset and may never read the 413. Reading and dropping the rest of the body (bounded in bytes and time) before answering lets every client read its 413.',
  };
}

async function logPaths(directory, log) {
  const logs = join(directory, 'logs');
  const outside = join(directory, 'outside');
  mkdirSync(logs);
  mkdirSync(outside);
  symlinkSync(outside, join(logs, 'link'));
  const refusedAtOnce = {};
  for (const [label, path] of [['..', '../escape.log'], ['absolute path elsewhere', join(outside, 'escape.log')], ['.. inside a template', '{job}/../../escape.log']]) {
    try {
      fileTransport({ directory: logs, path });
      refusedAtOnce[label] = 'accepted';
    } catch (error) {
      refusedAtOnce[label] = isPoolError(error) ? error.code : `${error.name}`;
    }
  }
  // A value placed into the path (a job named ../..) and a symbolic link that leads out: refused when written.
  const errors = [];
  const byJob = fileTransport({ directory: logs, path: '{job}.log', onError: (error) => errors.push(error) });
  const jobPath = byJob.pathFor({ job: '../../escape', worker: 0, pid: 1, stream: 'stdout' });
  await writeLine(byJob, { job: '../../escape', worker: 0, pid: 1, stream: 'stdout' });
  const linked = fileTransport({ directory: logs, path: 'link/escape.log', onError: (error) => errors.push(error) });
  await writeLine(linked, { job: 'web', worker: 0, pid: 1, stream: 'stdout' });
  const escaped = readdirSync(outside).length + (existsSync(join(directory, 'escape.log')) ? 1 : 0);
  const jobPathInside = jobPath.startsWith(`${logs}/`);
  log(`log paths: ${JSON.stringify(refusedAtOnce)}; job path ${jobPath}; symlink errors ${errors.length}; files outside ${escaped}`);
  return {
    scenario: 'Security: log paths outside the log directory',
    figures:
      `${Object.entries(refusedAtOnce).map(([label, outcome]) => `${label}: ${outcome === 'accepted' ? 'accepted' : `refused (${outcome})`}`).join('; ')}; ` +
      `a job named ../../escape writes to ${jobPathInside ? 'a file inside the directory' : jobPath}; a symbolic link leading out: ${errors.length ? 'refused when opened' : 'followed'}; files written outside: ${escaped}`,
    pass: Object.values(refusedAtOnce).every((outcome) => outcome === 'POOL_INVALID_OPTION') && jobPathInside && errors.length > 0 && escaped === 0,
  };
}

async function writeLine(transport, source) {
  const stream = new PassThrough();
  const delivered = transport.attach(stream, source);
  stream.end('a line that must not leave the log directory\n');
  await delivered;
  await transport.close();
}
