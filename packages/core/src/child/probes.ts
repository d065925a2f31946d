import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { toMilliseconds, type Duration } from '../duration.js';
import { poolError } from '../errors/index.js';

/**
 * A readiness or liveness probe as configured (`readiness:` / `liveness:` of a job or a Supervisor): exactly
 * one kind — `http` (a 2xx answer), `tcp` (a connection), `exec` (exit code 0, argv without a shell) or
 * `message` (`process.send('ready')`, PM2's wait_ready; readiness only).
 */
export interface ProbeConfig {
  /** A URL, or `{ port, path, host }`; `port` defaults to the process's `PORT`. */
  http?: string | { port?: number; path?: string; host?: string };
  /** A port, or `{ port, host }`; `port` defaults to the process's `PORT`. */
  tcp?: number | { port?: number; host?: string };
  exec?: string[];
  message?: boolean;
  /** Between two attempts. Default 250ms for readiness, 10s for liveness. */
  interval?: Duration;
  /** Readiness: a start not ready within this long fails (default 30s). Liveness: one attempt's limit (default 5s). */
  timeout?: Duration;
  /** Before the first attempt. Default 0. */
  initialDelay?: Duration;
  /** Liveness: failed attempts in a row that restart the process. Default 3. */
  failureThreshold?: number;
}

export type ProbeCheck =
  | { kind: 'http'; url?: string; port?: number; path: string; host: string }
  | { kind: 'tcp'; port?: number; host: string }
  | { kind: 'exec'; argv: string[] }
  | { kind: 'message' };

export interface Probe {
  check: ProbeCheck;
  interval: number;
  timeout: number;
  initialDelay: number;
  failureThreshold: number;
}

/** What a probe looks at: the process it belongs to. */
export interface ProbeTarget {
  pid: number;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

const kinds = ['http', 'tcp', 'exec', 'message'] as const;

/** Defaults applied, durations in ms; `path` names the key in errors (`readiness`, `jobs.web.liveness`). */
export function resolveProbe(config: ProbeConfig, purpose: 'readiness' | 'liveness', path: string = purpose): Probe {
  const given = kinds.filter((kind) => config[kind] !== undefined && config[kind] !== false);
  if (given.length !== 1) {
    throw poolError('POOL_INVALID_OPTION', { path, detail: given.length === 0 ? 'needs one of http, tcp, exec or message' : `has ${given.join(' and ')}: give one kind of probe` });
  }
  if (given[0] === 'message' && purpose === 'liveness') {
    throw poolError('POOL_INVALID_OPTION', { path: `${path}.message`, detail: 'is a readiness probe only (a process says it is ready once)' });
  }
  const failureThreshold = config.failureThreshold ?? 3;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) throw poolError('POOL_INVALID_OPTION', { path: `${path}.failureThreshold`, detail: 'must be an integer of 1 or more' });
  return {
    check: resolveCheck(config, path),
    interval: Math.max(10, toMilliseconds(config.interval ?? (purpose === 'readiness' ? 250 : 10_000), `${path}.interval`)),
    timeout: toMilliseconds(config.timeout ?? (purpose === 'readiness' ? 30_000 : 5_000), `${path}.timeout`),
    initialDelay: toMilliseconds(config.initialDelay ?? 0, `${path}.initialDelay`),
    failureThreshold,
  };
}

function resolveCheck(config: ProbeConfig, path: string): ProbeCheck {
  const port = (value: unknown, at: string) => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65_535) throw poolError('POOL_INVALID_OPTION', { path: at, detail: 'must be a port (1 to 65535)' });
    return value as number;
  };
  if (config.http !== undefined) {
    if (typeof config.http === 'string') {
      let url: URL;
      try {
        url = new URL(config.http);
      } catch {
        throw poolError('POOL_INVALID_OPTION', { path: `${path}.http`, detail: `is not a URL: ${config.http}` });
      }
      if (url.protocol !== 'http:') throw poolError('POOL_INVALID_OPTION', { path: `${path}.http`, detail: 'must be an http:// URL' });
      return { kind: 'http', url: url.href, path: `${url.pathname}${url.search}`, host: url.hostname };
    }
    const { path: urlPath = '/', host = '127.0.0.1' } = config.http;
    if (!urlPath.startsWith('/')) throw poolError('POOL_INVALID_OPTION', { path: `${path}.http.path`, detail: 'must start with "/"' });
    return { kind: 'http', port: port(config.http.port, `${path}.http.port`), path: urlPath, host };
  }
  if (config.tcp !== undefined) {
    const spec = typeof config.tcp === 'number' ? { port: config.tcp } : config.tcp;
    return { kind: 'tcp', port: port(spec.port, `${path}.tcp.port`), host: spec.host ?? '127.0.0.1' };
  }
  if (config.exec !== undefined) {
    if (!Array.isArray(config.exec) || config.exec.length === 0 || !config.exec.every((part) => typeof part === 'string')) {
      throw poolError('POOL_INVALID_OPTION', { path: `${path}.exec`, detail: 'must be a non-empty argv array (run without a shell)' });
    }
    return { kind: 'exec', argv: [...config.exec] };
  }
  return { kind: 'message' };
}

/** What a probe checks, in words: for logs and errors. */
export function describeProbe(check: ProbeCheck, target?: ProbeTarget): string {
  switch (check.kind) {
    case 'http':
      return `GET ${check.url ?? `http://${check.host}:${portOf(check, target) ?? '$PORT'}${check.path}`}`;
    case 'tcp':
      return `a TCP connection to ${check.host}:${portOf(check, target) ?? '$PORT'}`;
    case 'exec':
      return `\`${check.argv.join(' ')}\``;
    case 'message':
      return "process.send('ready')";
  }
}

function portOf(check: { port?: number }, target?: ProbeTarget): number | undefined {
  if (check.port !== undefined) return check.port;
  const port = Number(target?.env.PORT);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** One attempt, bounded by `timeout` ms; never rejects. */
export function attempt(check: ProbeCheck, target: ProbeTarget, timeout: number): Promise<ProbeResult> {
  switch (check.kind) {
    case 'http':
      return httpAttempt(check, target, timeout);
    case 'tcp':
      return tcpAttempt(check, target, timeout);
    case 'exec':
      return execAttempt(check, target, timeout);
    case 'message':
      return Promise.resolve({ ok: false, detail: 'a message probe is not polled' });
  }
}

function httpAttempt(check: Extract<ProbeCheck, { kind: 'http' }>, target: ProbeTarget, timeout: number): Promise<ProbeResult> {
  const port = check.url ? undefined : portOf(check, target);
  if (!check.url && port === undefined) return Promise.resolve({ ok: false, detail: 'no port: give http.port, or run the process with PORT' });
  return new Promise((resolve) => {
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      resolve(result);
    };
    const options = { method: 'GET', agent: false, headers: { 'user-agent': 'pool-probe' } } as const;
    const outgoing = check.url ? request(check.url, options) : request({ ...options, host: check.host, port, path: check.path });
    const timer = setTimeout(() => {
      outgoing.destroy();
      done({ ok: false, detail: `no answer within ${timeout} ms` });
    }, timeout);
    outgoing.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      done({ ok: status >= 200 && status < 300, detail: `HTTP ${status}` });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, detail: error.code ?? error.message }));
    outgoing.end();
  });
}

function tcpAttempt(check: Extract<ProbeCheck, { kind: 'tcp' }>, target: ProbeTarget, timeout: number): Promise<ProbeResult> {
  const port = portOf(check, target);
  if (port === undefined) return Promise.resolve({ ok: false, detail: 'no port: give tcp.port, or run the process with PORT' });
  return new Promise((resolve) => {
    const socket = connect({ host: check.host, port });
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `no connection within ${timeout} ms` }), timeout);
    socket.once('connect', () => done({ ok: true, detail: 'connected' }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, detail: error.code ?? error.message }));
  });
}

function execAttempt(check: Extract<ProbeCheck, { kind: 'exec' }>, target: ProbeTarget, timeout: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const [program, ...args] = check.argv as [string, ...string[]];
    const child = spawn(program, args, { cwd: target.cwd, env: { ...target.env, POOL_PROBED_PID: String(target.pid) }, stdio: 'ignore' });
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ ok: false, detail: `still running after ${timeout} ms (killed)` });
    }, timeout);
    child.once('error', (error) => done({ ok: false, detail: error.message }));
    child.once('exit', (code, signal) => done({ ok: code === 0, detail: signal ? `killed by ${signal}` : `exit code ${code}` }));
  });
}

/**
 * Runs attempts one after another (never two at once), `interval` apart after `initialDelay`, until
 * `onResult` returns false or `stop()` is called. Readiness stops at the first pass; liveness counts failures.
 */
export function probeLoop(probe: Probe, target: ProbeTarget, attemptTimeout: number, onResult: (result: ProbeResult) => boolean): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const next = (delay: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      void attempt(probe.check, target, attemptTimeout).then((result) => {
        if (stopped) return;
        if (onResult(result)) next(probe.interval);
      });
    }, delay);
  };
  next(probe.initialDelay);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
