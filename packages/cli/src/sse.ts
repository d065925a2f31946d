import type { IncomingMessage } from 'node:http';

export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** Calls `onEvent` for each event of a `text/event-stream` body (comments, i.e. heartbeats, are skipped). */
export function readServerSentEvents(response: IncomingMessage, onEvent: (event: ServerSentEvent) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let current: { id?: string; event?: string; data: string[] } = { data: [] };
    const flush = () => {
      if (current.data.length > 0) onEvent({ id: current.id, event: current.event ?? 'message', data: current.data.join('\n') });
      current = { data: [] };
    };
    const finish = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const abort = () => {
      response.destroy();
      finish();
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') flush();
        else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') current.data.push(value);
          else if (field === 'event') current.event = value;
          else if (field === 'id') current.id = value;
        }
      }
    });
    response.on('end', finish);
    response.on('close', finish);
    response.on('error', (error) => (signal?.aborted ? finish() : reject(error)));
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}
