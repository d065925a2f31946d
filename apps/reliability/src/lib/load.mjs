// Continuous HTTP load on loopback with autocannon, with every request accounted for.
//
// autocannon counts connection errors and non-2xx answers, but a request it wrote on a connection that the
// server then closed with a FIN is dropped silently (it reconnects and goes on). A real client sees
// "socket hang up" there, so each client's one outstanding request is tracked here: answered, failed on a
// connection error or timeout, or dropped. autocannon also ignores `Connection: close` and writes its next
// request on a connection the server announced it would close; that request's loss is autocannon's doing,
// so it is counted apart (`lostAfterClose`), not as a failure of the server.
import autocannon from 'autocannon';

export function startLoad({ port, path = '/', connections = 16, timeoutSeconds = 10 }) {
  const tally = {
    sent: 0,
    answered: 0,
    status2xx: 0,
    status5xx: 0,
    otherStatus: 0,
    connectionErrors: 0,
    timeouts: 0,
    dropped: 0,
    lostAfterClose: 0,
    errorCodes: {},
    failureTimes: [],
  };
  const failed = (kind, count = 1) => {
    tally[kind] += count;
    if (tally.failureTimes.length < 10_000) tally.failureTimes.push([Date.now(), kind]);
  };

  const setupClient = (client) => {
    let pending = false;
    let closeAnnounced = false;
    let timedOut = false;
    client.on('headers', (info) => {
      const headers = info.headers ?? [];
      closeAnnounced = false;
      for (let index = 0; index < headers.length; index += 2) {
        if (String(headers[index]).toLowerCase() === 'connection' && /close/i.test(String(headers[index + 1]))) closeAnnounced = true;
      }
    });
    client.on('request', () => {
      tally.sent += 1;
      if (pending) {
        const afterClose = closeAnnounced;
        closeAnnounced = false;
        // A timeout reconnects (and sends) before it reports itself: settle this loss once it has.
        queueMicrotask(() => {
          if (timedOut) timedOut = false;
          else if (afterClose) tally.lostAfterClose += 1;
          else failed('dropped');
        });
      }
      pending = true;
    });
    client.on('response', (statusCode) => {
      pending = false;
      tally.answered += 1;
      if (statusCode >= 200 && statusCode < 300) tally.status2xx += 1;
      else if (statusCode >= 500) failed('status5xx');
      else tally.otherStatus += 1;
    });
    client.on('connError', (error) => {
      const code = error?.code ?? error?.message ?? 'error';
      tally.errorCodes[code] = (tally.errorCodes[code] ?? 0) + 1;
      if (!pending) return;
      pending = false;
      if (closeAnnounced) {
        closeAnnounced = false;
        tally.lostAfterClose += 1;
      } else {
        failed('connectionErrors');
      }
    });
    client.on('timeout', () => {
      timedOut = true;
      failed('timeouts');
    });
  };

  const instance = autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections,
    pipelining: 1,
    duration: 24 * 3_600,
    timeout: timeoutSeconds,
    setupClient,
  });
  const finished = new Promise((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });
  finished.catch(() => {});
  const startedAt = Date.now();
  return {
    tally,
    /** Requests answered 2xx so far. */
    served: () => tally.status2xx,
    async stop() {
      instance.stop();
      const result = await finished;
      return summarize(tally, result, Date.now() - startedAt);
    },
  };
}

function summarize(tally, result, milliseconds) {
  const failed = tally.connectionErrors + tally.timeouts + tally.status5xx + tally.dropped;
  return {
    sent: tally.sent,
    answered: tally.answered,
    ok: tally.status2xx,
    failed,
    connectionErrors: tally.connectionErrors,
    timeouts: tally.timeouts,
    status5xx: tally.status5xx,
    dropped: tally.dropped,
    lostAfterClose: tally.lostAfterClose,
    otherStatus: tally.otherStatus,
    errorCodes: tally.errorCodes,
    failureTimes: tally.failureTimes,
    autocannon: { sent: result.requests.sent, completed: result.requests.total, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx },
    milliseconds,
    requestsPerSecond: Math.round((tally.status2xx * 1_000) / milliseconds),
  };
}

/** `12,345 sent, 3 failed (2 reset, 1 5xx)`. */
export function describeLoad(summary) {
  const parts = [];
  if (summary.connectionErrors) parts.push(`${summary.connectionErrors} conn. errors`);
  if (summary.timeouts) parts.push(`${summary.timeouts} timeouts`);
  if (summary.status5xx) parts.push(`${summary.status5xx} 5xx`);
  if (summary.dropped) parts.push(`${summary.dropped} dropped`);
  return `${summary.sent.toLocaleString('en-US')} sent, ${summary.failed.toLocaleString('en-US')} failed${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
