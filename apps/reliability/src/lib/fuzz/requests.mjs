// Bad HTTP requests for @pool/http's routes, how to send one (TCP or Unix socket) and what a right answer is:
// 2xx with JSON, or 4xx with `{ statusCode, code: "POOL_…", message }`; never 5xx, never no answer.
// Bodies over the size limit are scenario 10's business (they race the server's close; see there).
// The jobs named `keeper-*` must outlive the run, so what could end them (start, stop, reload, update,
// unload, commit) is only ever aimed at other names; signals go to processes only with a harmless SIGCONT.
import net from 'node:net';
import fc from 'fast-check';
import { jobConfigs, pidValues, scaleValues, signalValues } from './inputs.mjs';

export function httpRequests({ directory, workerModule, ownPid }) {
  const text = fc.string({ maxLength: 16 });
  const jobParam = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('keeper-idle', 'default.keeper-idle', 'missing-job', 'fuzz.x', '..', '.', 'a.b.c', '%2e%2e', '*', 'default.', '.keeper-idle', 'keeper-idle.') },
    { weight: 3, arbitrary: text },
  );
  const anyBody = fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ text: JSON.stringify(value) ?? '', type: 'application/json' })) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map((value) => ({ text: value, type: 'application/json' })) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 40 }), fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', '', 'application/json; charset=latin1')).map(([value, type]) => ({ text: value, type })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const json = (value) => ({ text: JSON.stringify(value) ?? '', type: 'application/json' });
  const configBody = fc.oneof({ weight: 3, arbitrary: jobConfigs({ directory, workerModule }).map(json) }, { weight: 1, arbitrary: anyBody });
  const harmlessSignal = fc.constantFrom('SIGCONT', 'cont', 18, 'SIGWINCH', 28);
  const isKeeper = (job) => /keeper/.test(job);
  const safe = (job) => (isKeeper(job) ? 'missing-job' : job);
  const path = (...segments) => `/${segments.map((segment) => encodeURIComponent(String(segment))).join('/')}`;
  const query = fc.option(fc.dictionary(fc.constantFrom('session', 'start', 'wait', 'lines', 'topic', 'lastEventId', 'x', ''), fc.oneof(text, fc.constantFrom('true', 'false', '1', '-1', ''))), { freq: 3 });
  const withQuery = (base, values) => (values ? `${base}?${new URLSearchParams(values)}` : base);

  return fc.oneof(
    fc.constantFrom('/jobs', '/processes', '/sessions', '/metrics', '/healthz', '/readyz', '/openapi.json', '/nope', '/jobs/', '//jobs').map((url) => ({ method: 'GET', path: url })),
    fc.tuple(jobParam, fc.constantFrom('', '/stats', '/logs')).map(([job, suffix]) => ({ method: 'GET', path: `${path('jobs', job)}${suffix}` })),
    fc.tuple(jobParam, query).map(([job, values]) => ({ method: 'GET', path: withQuery(`${path('jobs', job)}/logs`, values) })),
    fc.tuple(configBody, fc.option(fc.oneof(text, fc.constantFrom('fuzz', 'bad session', '..')), { freq: 4 }), fc.option(fc.constantFrom('true', 'false', 'yes', '1', ''))).map(([body, session, wait]) => ({
      method: 'POST',
      path: withQuery('/jobs', { session: session ?? 'fuzz', start: 'false', ...(wait === null ? {} : { wait }) }),
      body,
    })),
    // Now and then the body names another job than the URL (one that exists: keeper-idle).
    {
      weight: 3,
      arbitrary: fc.tuple(jobParam, configBody, fc.nat(3)).map(([job, body, other]) => ({
        method: 'PUT',
        path: path('jobs', safe(job)),
        job: safe(job),
        body: other === 0 ? renamed(body, 'keeper-idle') : body,
      })),
    },
    jobParam.map((job) => ({ method: 'DELETE', path: path('jobs', safe(job)) })),
    fc.tuple(jobParam, fc.constantFrom('start', 'stop', 'restart', 'reload', 'commit')).map(([job, action]) => ({ method: 'POST', path: `${path('jobs', safe(job))}/${action}`, body: json({}) })),
    fc.tuple(jobParam, fc.oneof({ weight: 3, arbitrary: scaleValues.map((n) => json({ n })) }, { weight: 1, arbitrary: anyBody })).map(([job, body]) => ({ method: 'POST', path: `${path('jobs', job)}/scale`, body })),
    fc.tuple(jobParam, fc.oneof({ weight: 3, arbitrary: signalValues.map((signal) => json({ signal })) }, { weight: 1, arbitrary: anyBody })).map(([job, body]) => ({ method: 'POST', path: `${path('jobs', job)}/signal`, body })),
    pidValues(ownPid).map((pid) => ({ method: 'GET', path: path('processes', pid) })),
    pidValues(-1).map((pid) => ({ method: 'DELETE', path: path('processes', pid) })),
    fc.tuple(pidValues(ownPid), harmlessSignal).map(([pid, signal]) => ({ method: 'POST', path: `${path('processes', pid)}/signal`, body: json({ signal }) })),
    fc.tuple(pidValues(ownPid), fc.oneof(fc.array(text, { maxLength: 3 }), text, fc.jsonValue({ maxDepth: 2 }))).map(([pid, lines]) => ({ method: 'POST', path: `${path('processes', pid)}/stdin`, body: json({ lines }) })),
    fc.tuple(query).map(([values]) => ({ method: 'GET', path: withQuery('/events', values), stream: true })),
    jobParam.map((job) => ({ method: 'GET', path: `${path('jobs', job)}/logs/stream`, stream: true })),
    fc.tuple(fc.constantFrom('PATCH', 'OPTIONS', 'HEAD', 'PUT', 'DELETE'), fc.constantFrom('/jobs', '/healthz', '/processes', '/sessions')).map(([method, url]) => ({ method, path: url })),
  );
}

function renamed(body, name) {
  try {
    const value = JSON.parse(body.text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { ...body, text: JSON.stringify({ ...value, name }) };
  } catch {
    // not JSON: left as it is
  }
  return body;
}

/**
 * Sends one request on a fresh connection and resolves with `{ status, type, body }`; an event stream resolves
 * as soon as its head arrives. `target` is `{ host, port }` or `{ socketPath }`. Plain sockets rather than
 * node:http: a server may answer (413) and close before a large body is all written, and a client must then
 * still read the answer instead of failing on EPIPE.
 */
export function send(target, { method, path, body, headers = {} }, timeout = 10_000) {
  return new Promise((resolve, reject) => {
    const socket = target.socketPath ? net.connect(target.socketPath) : net.connect(target.port, target.host);
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeout} ms`)), timeout);
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error, answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer);
    };
    const lines = [`${method} ${path} HTTP/1.1`, `host: ${target.host ?? 'localhost'}`, 'connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    const payload = body ? Buffer.from(body.text) : undefined;
    if (payload) {
      lines.push(body.chunked ? 'transfer-encoding: chunked' : `content-length: ${payload.length}`);
      if (body.type) lines.push(`content-type: ${body.type}`);
    }
    socket.on('connect', () => {
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (!payload) return;
      if (!body.chunked) {
        // No write of zero bytes: it sends nothing, yet fails with EPIPE once the server has answered and
        // closed, and the failed socket is then destroyed with the answer unread (a client artefact, 1 % of
        // empty bodies on a Unix socket, which no HTTP client does).
        if (payload.length > 0) socket.write(payload);
        return;
      }
      for (let offset = 0; offset < payload.length; offset += 65_536) {
        const piece = payload.subarray(offset, offset + 65_536);
        socket.write(`${piece.length.toString(16)}\r\n`);
        socket.write(piece);
        socket.write('\r\n');
      }
      socket.write('0\r\n\r\n');
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = parseAnswer(received, method, false);
      if (answer) finish(undefined, answer);
    });
    // A write cut short by the server's close is not a failure: what it answered is read below.
    let writeError;
    socket.on('error', (error) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') finish(error);
      writeError = error.code;
    });
    socket.on('close', () => {
      const answer = parseAnswer(received, method, true);
      if (answer) finish(undefined, answer);
      else {
        const detail = `${received.length} bytes${writeError ? `, ${writeError}` : ''}`;
        finish(Object.assign(new Error(`the connection closed without an answer (${detail})`), { code: `NO_ANSWER (${detail})` }));
      }
    });
  });
}

/** The answer in `bytes` once it is complete (at the end of the stream, whatever came); undefined before. */
function parseAnswer(bytes, method, ended) {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine, ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const type = headers['content-type'] ?? '';
  if (type.startsWith('text/event-stream')) return { status, type, body: '' };
  const rest = bytes.subarray(headEnd + 4);
  if (method === 'HEAD' || status === 204 || status === 304) return { status, type, body: '' };
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    return rest.length >= length ? { status, type, body: rest.subarray(0, length).toString('utf8') } : undefined;
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks = [];
    let offset = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', offset);
      if (lineEnd < 0) return undefined;
      const size = parseInt(rest.subarray(offset, lineEnd).toString('latin1'), 16);
      if (size === 0) return { status, type, body: Buffer.concat(chunks).toString('utf8') };
      if (rest.length < lineEnd + 2 + size) return undefined;
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
  }
  return ended ? { status, type, body: rest.toString('utf8') } : undefined;
}

/** Why an answer is wrong, or undefined when it is right. */
export function answerProblem(answer, request) {
  const { status } = answer;
  if (status >= 500 || status < 200) return `status ${status}`;
  if (request.method === 'HEAD' || status === 204) return undefined;
  if (answer.type.startsWith('text/event-stream')) return undefined;
  if (request.path.startsWith('/metrics') && status === 200) return answer.type.startsWith('text/plain') ? undefined : `metrics as ${answer.type}`;
  let value;
  try {
    value = JSON.parse(answer.body);
  } catch {
    return `${status} with a body that is not JSON`;
  }
  if (request.method === 'PUT' && request.job !== undefined && status < 300) {
    const wanted = request.job.includes('.') ? request.job : `default.${request.job}`;
    if (value?.name !== wanted) return `PUT ${request.path} replaced another job (${value?.name})`;
  }
  if (status >= 400) {
    if (typeof value?.code !== 'string' || !/^POOL_[A-Z_]+$/.test(value.code)) return `${status} without a POOL_ code (${String(value?.code ?? value?.error ?? '').slice(0, 40)})`;
    if (value.statusCode !== status) return `${status} whose body says ${value.statusCode}`;
  }
  return undefined;
}
