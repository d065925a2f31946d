// Load on loopback with wrk (C: little CPU of its own on a small machine; it honours `Connection: close`,
// so a server that ends a kept-alive connection gracefully is not counted as failing a request).
import { spawn } from 'node:child_process';
import { runId } from './processes.mjs';

/**
 * Starts wrk against 127.0.0.1:port for at most `seconds`. `finished` resolves with its totals when it ends;
 * `stop()` ends it early (SIGINT: wrk then prints its totals as usual).
 */
export function startWrk({ port, seconds, connections = 64, threads = 1 }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', `http://127.0.0.1:${port}/`];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BENCH_RUN_ID: runId } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1_000);
  const finished = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseWrk(output));
      } catch (error) {
        reject(error);
      }
    });
  });
  finished.catch(() => {});
  return {
    finished,
    stop() {
      child.kill('SIGINT');
      return finished;
    },
  };
}

export const wrk = (options) => startWrk(options).finished;

function parseWrk(output) {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const requestsPerSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const p99 = toMilliseconds(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(output));
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const [connect, read, write, timeout] = socketErrors ? socketErrors.slice(1).map(Number) : [0, 0, 0, 0];
  if (!Number.isFinite(requests) || !Number.isFinite(requestsPerSecond)) throw new Error(`could not read wrk's output:\n${output}`);
  return { requests, requestsPerSecond, p99, errors: { connect, read, write, timeout, non2xx }, failed: connect + read + write + timeout + non2xx };
}

function toMilliseconds(match) {
  if (!match) return Number.NaN;
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1_000 }[match[2]];
}
