// 10. Security: the control socket is mode 0600 in a 0700 directory (the CLI's daemon, and createPoolServer
// in a directory that existed with 0755); over TCP, every route but the health probes answers 401 without the
// token, with a wrong token of the same length, or another length; a body over the limit gets 413; a log
// path outside the log directory is refused (`..`, an absolute path, a job name, a symbolic link).
// Then what a web page, a shared directory and a planted file can do: @pool/http mounted without a token in an
// app of one's own refuses a rebound Host and a foreign Origin; the CLI refuses a POOL_HOME others may write
// to or whose log is a link, and sets aside a state.json that is a link; a Procfile variable stays data, a
// state.json's negative pid and a stale pid file signal nobody, and job env values are shown as `***`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Fastify from 'fastify';
import { isPoolError, Manager } from '@pool/core';
import { createPoolServer, poolHttp } from '@pool/http';
import { fileTransport } from '@pool/log-transports';
import { waitFor } from '@pool/testing';
import { startDaemon } from '../lib/daemon.mjs';
import { send } from '../lib/fuzz/requests.mjs';
import { app, cliBin } from '../lib/paths.mjs';
import { commandOf, isAlive, launch, runMarker, signal } from '../lib/processes.mjs';

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
      await endLaunched(server);
    }
    rows.push(await logPaths(directory, log));
    rows.push(await embeddedPlugin(directory, log));
    rows.push(await unsafeHomes(directory, log));
    rows.push(await hostileFiles(directory, log));
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

// Rows of several checks: each says what it found (`figure`) and whether it held (`ok`).
const rowOf = (scenario, checks) => ({ scenario, figures: checks.map((check) => check.figure).join('; '), pass: checks.every((check) => check.ok) });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const parsed = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** A job that leaves a file behind when it runs, then stays up (a job that exits would be restarted over and over). */
const markerJob = (name, marker) => ({ name, cmd: [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); setInterval(() => {}, 1000)`] });

async function endLaunched(child) {
  if (child.hasExited()) return;
  signal(child.pid, 'SIGTERM');
  const exited = await Promise.race([child.exited, sleep(20_000)]);
  if (!exited) signal(child.pid, 'SIGKILL', { group: true });
}

// ——— @pool/http mounted in an app of one's own, without a token, as a web page in the user's browser meets it ———

/** One request over TCP with node:http, so that Host and Origin are whatever a browser would send. */
function request(port, { method = 'GET', path, headers = {}, body }) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const typed = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: '127.0.0.1', port, method, path, agent: false, timeout: 10_000, headers: { ...typed, ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, code: parsed(text)?.code, body: text }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 10 s')));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const answered = (answer) => `${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
const refused = (answer, code) => answer.status === 403 && answer.code === code;
const local = (port) => ({ host: `localhost:${port}` });

async function embeddedPlugin(directory, log) {
  const checks = [await mountWithoutToken()];
  const server = launch(process.execPath, [app('embedded-open.mjs')]);
  let port;
  try {
    port = Number((await server.waitForOutput(/listening (\d+)/))[1]);
    checks.push(await dnsRebinding(port, directory), await crossSite(port), await corsPreflight(port), await allowedRequests(port, directory));
  } finally {
    const jobPids = port === undefined ? [] : await processPids(port).catch(() => []);
    await endLaunched(server);
    for (const pid of jobPids) if (isAlive(pid)) signal(pid, 'SIGKILL');
  }
  const row = rowOf('Security: web pages against the embedded plugin', checks);
  log(row.figures);
  return row;
}

async function mountWithoutToken() {
  const manager = new Manager({ stdout: 'ignore', stderr: 'ignore', logger: false });
  const fastify = Fastify({ logger: false });
  fastify.register(poolHttp, { manager });
  const outcome = await fastify.ready().then(
    () => 'mounted',
    (error) => error.code ?? error.message,
  );
  await fastify.close().catch(() => {});
  return {
    figure: `poolHttp registered with neither a token nor auth: false: ready() ${outcome === 'mounted' ? 'resolved (routes served without a token)' : `rejected with ${outcome}`}`,
    ok: outcome === 'POOL_AUTH_NOT_CONFIGURED',
  };
}

/** A page of evil.example whose name now resolves to 127.0.0.1: its requests carry its own Host. */
async function dnsRebinding(port, directory) {
  const marker = join(directory, 'rebound-job-ran');
  const rebound = { host: `evil.example:${port}` };
  const posted = await request(port, { method: 'POST', path: '/jobs', headers: rebound, body: markerJob('rebound', marker) });
  const listed = await request(port, { path: '/jobs', headers: rebound });
  await sleep(1_000); // the job, had it been loaded, given time to run
  const ran = existsSync(marker);
  return {
    figure: `Host evil.example:<port> (DNS rebinding): POST /jobs of a job that makes a file → ${answered(posted)}, the file there 1 s later: ${ran ? 'yes' : 'no'}; GET /jobs → ${answered(listed)}`,
    ok: refused(posted, 'POOL_HOST_NOT_ALLOWED') && !ran && refused(listed, 'POOL_HOST_NOT_ALLOWED'),
  };
}

async function keeperPid(port) {
  const answer = await request(port, { path: '/jobs/keeper', headers: local(port) });
  return answer.status === 200 ? parsed(answer.body)?.processes?.[0]?.pid : undefined;
}

async function processPids(port) {
  const answer = await request(port, { path: '/processes', headers: local(port) });
  return (parsed(answer.body) ?? []).map((entry) => entry.pid);
}

/** A page of another site (or a sandboxed frame: Origin null) posting to the local port. */
async function crossSite(port) {
  const before = await keeperPid(port);
  const stops = [];
  for (const origin of ['https://evil.example', 'null']) {
    stops.push([origin, await request(port, { method: 'POST', path: '/jobs/keeper/stop', headers: { ...local(port), origin }, body: {} })]);
  }
  const after = await keeperPid(port);
  const intact = before !== undefined && after === before && isAlive(before);
  return {
    figure: `POST /jobs/keeper/stop with Host localhost:<port> and ${stops.map(([origin, answer]) => `Origin ${origin} → ${answered(answer)}`).join(', ')}; the keeper's process ${intact ? 'the same (pid unchanged) and running' : `pid ${before ?? '–'} before, ${after ?? '–'} after, ${isAlive(before) ? 'running' : 'gone'}`}`,
    ok: stops.every(([, answer]) => refused(answer, 'POOL_ORIGIN_NOT_ALLOWED')) && intact,
  };
}

async function corsPreflight(port) {
  const headers = { ...local(port), origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
  const answer = await request(port, { method: 'OPTIONS', path: '/jobs', headers });
  const allowing = Object.keys(answer.headers).filter((name) => name.startsWith('access-control-allow-'));
  return {
    figure: `a CORS preflight (OPTIONS /jobs from https://evil.example) → ${answer.status}, access-control-allow-* headers: ${allowing.length > 0 ? allowing.join(', ') : 'none'}`,
    ok: allowing.length === 0,
  };
}

/** What must still work: the checks above must refuse for the Host and Origin, not for everything. */
async function allowedRequests(port, directory) {
  const marker = join(directory, 'local-job-ran');
  const sigcont = { method: 'POST', path: '/jobs/keeper/signal', body: { signal: 'SIGCONT' } };
  const listed = await request(port, { path: '/jobs', headers: local(port) });
  const signalled = await request(port, { ...sigcont, headers: local(port) });
  const ownOrigin = await request(port, { ...sigcont, headers: { ...local(port), origin: `http://localhost:${port}` } });
  const loaded = await request(port, { method: 'POST', path: '/jobs', headers: local(port), body: markerJob('local', marker) });
  const ran = await waitFor(() => existsSync(marker), { timeout: 15_000 }).catch(() => false);
  return {
    figure:
      `with Host localhost:<port>: GET /jobs → ${answered(listed)}, POST /jobs/keeper/signal SIGCONT without Origin → ${answered(signalled)}, with its own Origin → ${answered(ownOrigin)}, ` +
      `the same file-making POST /jobs → ${answered(loaded)} and the file made: ${ran ? 'yes' : 'no'}`,
    ok: listed.status === 200 && signalled.status === 200 && ownOrigin.status === 200 && loaded.status === 201 && ran,
  };
}

// ——— the CLI and its POOL_HOME ———

/** `pool …` run to its end with this POOL_HOME: its exit code, and stdout and stderr apart. */
function pool(home, args, { env = {}, cwd = join(home, '..') } = {}) {
  runMarker();
  const childEnv = { ...process.env, POOL_HOME: home, NO_COLOR: '1', ...env };
  delete childEnv.FORCE_COLOR;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', (error) => (stderr += error.message));
    child.once('close', (code, exitSignal) => resolve({ code: code ?? exitSignal, stdout, stderr }));
  });
}

const errorCode = (result) => parsed(result.stderr)?.error?.code;
const exitOf = (result) => `exit ${result.code}${errorCode(result) ? ` ${errorCode(result)}` : ''}`;
const unsafe = (result) => result.code !== 0 && errorCode(result) === 'POOL_HOME_UNSAFE';

function privateHome(directory, name) {
  const home = join(directory, name);
  mkdirSync(home, { mode: 0o700 });
  return home;
}

function daemonPid(home) {
  try {
    return Number.parseInt(readFileSync(join(home, 'pool.pid'), 'utf8'), 10) || undefined;
  } catch {
    return undefined;
  }
}

/** `pool shutdown`, then SIGKILL for a daemon that outlived it (only a process that runs the pool CLI). */
async function stopDaemon(home) {
  await pool(home, ['shutdown']);
  const pid = daemonPid(home);
  if (pid === undefined || !isAlive(pid) || !commandOf(pid).includes(cliBin)) return;
  signal(pid, 'SIGKILL', { group: true });
  await waitFor(() => !isAlive(pid), { timeout: 10_000 }).catch(() => {});
}

const jobSet = (config) => JSON.stringify({ version: 1, savedAt: new Date().toISOString(), jobs: [{ session: 'default', active: true, config }] });

async function unsafeHomes(directory, log) {
  const checks = [await writableHome(directory), await linkedLog(directory), await linkedState(directory)];
  if (process.getuid?.() === 0) checks.push(await foreignHome(directory));
  const row = rowOf('Security: a POOL_HOME others can write to', checks);
  log(row.figures);
  return row;
}

async function writableHome(directory) {
  const home = join(directory, 'open-home');
  mkdirSync(home);
  chmodSync(home, 0o777); // after mkdir: the umask took bits off the mode it was given
  try {
    const started = await pool(home, ['daemon', 'start', '--json']);
    const created = readdirSync(home);
    return {
      figure: `a POOL_HOME of mode 0777: pool daemon start → ${exitOf(started)}, files created in it: ${created.length}`,
      ok: unsafe(started) && created.length === 0,
    };
  } finally {
    await stopDaemon(home);
  }
}

async function linkedLog(directory) {
  const home = privateHome(directory, 'linked-log-home');
  const target = join(directory, 'precious.txt');
  writeFileSync(target, 'precious\n');
  symlinkSync(target, join(home, 'pool.log'));
  try {
    const started = await pool(home, ['daemon', 'start', '--json']);
    const unchanged = readFileSync(target, 'utf8') === 'precious\n';
    return {
      figure: `a pool.log that is a symbolic link to another file: pool daemon start → ${exitOf(started)}, that file unchanged: ${unchanged ? 'yes' : 'no'}`,
      ok: unsafe(started) && unchanged,
    };
  } finally {
    await stopDaemon(home);
  }
}

/** A state.json linked to a job set of someone else's choosing; the same job set as a plain file shows the job would run. */
async function linkedState(directory) {
  const marker = join(directory, 'planted-job-ran');
  const planted = join(directory, 'planted-state.json');
  writeFileSync(planted, jobSet(markerJob('planted', marker)));
  const home = privateHome(directory, 'linked-state-home');
  symlinkSync(planted, join(home, 'state.json'));
  const control = privateHome(directory, 'plain-state-home');
  const controlMarker = join(directory, 'plain-job-ran');
  writeFileSync(join(control, 'state.json'), jobSet(markerJob('planted', controlMarker)), { mode: 0o600 });
  try {
    const started = await pool(home, ['daemon', 'start']);
    const running = parsed((await pool(home, ['ps', '--json'])).stdout);
    await sleep(1_000); // the planted job, had it been loaded, given time to run
    const aside = readdirSync(home).filter((name) => name.startsWith('state.json.unreadable-')).length;
    const ran = existsSync(marker);
    const controlStarted = await pool(control, ['daemon', 'start']);
    const controlRan = await waitFor(() => existsSync(controlMarker), { timeout: 15_000 }).catch(() => false);
    return {
      figure:
        `a state.json that is a symbolic link to a job set whose job makes a file: pool daemon start → ${exitOf(started)}, set aside as state.json.unreadable-*: ${aside}, ` +
        `processes running: ${running?.length ?? '?'}, the file made: ${ran ? 'yes' : 'no'} (the same job set as a plain state.json: daemon start → ${exitOf(controlStarted)}, the file made: ${controlRan ? 'yes' : 'no'})`,
      ok: started.code === 0 && aside === 1 && running?.length === 0 && !ran && controlStarted.code === 0 && controlRan,
    };
  } finally {
    await stopDaemon(home);
    await stopDaemon(control);
  }
}

async function foreignHome(directory) {
  const home = privateHome(directory, 'foreign-home');
  chownSync(home, 65534, 65534);
  try {
    const started = await pool(home, ['daemon', 'start', '--json']);
    const created = readdirSync(home);
    return {
      figure: `as root, a POOL_HOME of uid 65534's: pool daemon start → ${exitOf(started)}, files created in it: ${created.length}`,
      ok: unsafe(started) && created.length === 0,
    };
  } finally {
    await stopDaemon(home);
  }
}

// ——— hostile files and variables ———

async function hostileFiles(directory, log) {
  const checks = [await procfileValue(directory), await negativePid(directory), await stalePidFile(directory), await hiddenSecrets(directory)];
  const row = rowOf('Security: hostile files and variables', checks);
  log(row.figures);
  return row;
}

async function procfileValue(directory) {
  const home = privateHome(directory, 'procfile-home');
  const work = join(directory, 'procfile-work');
  mkdirSync(work);
  const marker = join(directory, 'procfile-injected');
  const value = `hi"; touch ${marker}; echo "`;
  writeFileSync(join(work, 'Procfile'), 'say: echo "greeting=$GREETING" && exec sleep 1000\n');
  try {
    const started = await pool(home, ['start', 'Procfile'], { cwd: work, env: { GREETING: value } });
    const greeting = async () => (await pool(home, ['logs', 'say'])).stdout.split('\n').find((line) => line.includes('greeting='));
    const line = await waitFor(greeting, { timeout: 30_000, interval: 200 }).catch(() => undefined);
    const injected = existsSync(marker);
    const literal = line?.includes(`greeting=${value}`) === true;
    return {
      figure:
        `a Procfile line echoing $GREETING, GREETING set to a value holding '"; touch <file>; echo "': pool start → exit ${started.code}, ` +
        `its log line ${line === undefined ? 'never came' : literal ? 'holds the value literally' : `reads ${JSON.stringify(line.trim())}`}, the file made: ${injected ? 'yes' : 'no'}`,
      ok: started.code === 0 && literal && !injected,
    };
  } finally {
    await stopDaemon(home);
  }
}

/** A long-running process that is not pool's, whose command line says "daemon" as another program's daemon's would. */
async function startBystander() {
  const bystander = launch(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'daemon']);
  await waitFor(() => commandOf(bystander.pid).includes('daemon'), { timeout: 10_000 });
  return bystander;
}

async function endBystander(bystander) {
  signal(bystander.pid, 'SIGKILL');
  await bystander.exited;
}

async function negativePid(directory) {
  const home = privateHome(directory, 'negative-pid-home');
  // launch() puts it in a process group of its own: -pid names that group to kill(2).
  const bystander = await startBystander();
  try {
    const state = { version: 1, savedAt: new Date().toISOString(), jobs: [], processes: [{ pid: -bystander.pid, job: 'default.x' }] };
    writeFileSync(join(home, 'state.json'), JSON.stringify(state), { mode: 0o600 });
    const started = await pool(home, ['daemon', 'start']);
    const listed = await pool(home, ['ps']);
    const alive = isAlive(bystander.pid);
    return {
      figure: `a state.json listing the negative of a bystander's pid (its process group): pool daemon start → exit ${started.code}, pool ps → exit ${listed.code}, the bystander alive: ${alive ? 'yes' : 'no'}`,
      ok: started.code === 0 && listed.code === 0 && alive,
    };
  } finally {
    await stopDaemon(home);
    await endBystander(bystander);
  }
}

async function stalePidFile(directory) {
  const home = privateHome(directory, 'stale-pid-home');
  const bystander = await startBystander();
  try {
    const pidFile = join(home, 'pool.pid');
    writeFileSync(pidFile, `${bystander.pid}\n`, { mode: 0o600 });
    // Written by a daemon that died ten minutes ago; its pid has since been given to the bystander.
    const earlier = new Date(Date.now() - 600_000);
    utimesSync(pidFile, earlier, earlier);
    const shutdown = await pool(home, ['shutdown']);
    await sleep(500); // a signal, had one been sent, given time to end it
    const alive = isAlive(bystander.pid);
    const said = shutdown.stdout.trim();
    return {
      figure: `a pool.pid ten minutes old naming a bystander whose command line says "daemon": pool shutdown → exit ${shutdown.code}, "${said}", the bystander alive: ${alive ? 'yes' : 'no'}`,
      ok: shutdown.code === 0 && said === 'the pool daemon was not running' && alive,
    };
  } finally {
    await endBystander(bystander);
  }
}

async function hiddenSecrets(directory) {
  const home = privateHome(directory, 'secrets-home');
  const work = join(directory, 'secrets-work');
  mkdirSync(work);
  writeFileSync(join(work, 'pool.config.json'), JSON.stringify({ jobs: { db: { cmd: ['sleep', '1000'], env: { DB_PASSWORD: 'hunter2' } } } }));
  try {
    const started = await pool(home, ['start', 'pool.config.json'], { cwd: work });
    const info = (await pool(home, ['info', 'db', '--json'])).stdout;
    const listed = (await send({ socketPath: join(home, 'pool.sock') }, { method: 'GET', path: '/jobs' })).body;
    const shown = (await pool(home, ['info', 'db', '--show-env', '--json'])).stdout;
    const values = {
      'pool info db --json': parsed(info)?.config?.env?.DB_PASSWORD,
      'GET /jobs on the daemon socket': parsed(listed)?.find?.((job) => job.name === 'default.db')?.config?.env?.DB_PASSWORD,
      'pool info db --show-env --json': parsed(shown)?.config?.env?.DB_PASSWORD,
    };
    const [infoValue, listedValue, shownValue] = Object.values(values);
    return {
      figure: `a job with env DB_PASSWORD=hunter2: ${Object.entries(values).map(([where, value]) => `${where} shows ${value === undefined ? 'nothing' : JSON.stringify(value)}`).join(', ')}`,
      ok: started.code === 0 && infoValue === '***' && !info.includes('hunter2') && listedValue === '***' && !listed.includes('hunter2') && shownValue === 'hunter2',
    };
  } finally {
    await stopDaemon(home);
  }
}
