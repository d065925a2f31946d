import http from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data: unknown;
}

/** A real Server-Sent Events client over a real socket: collects events until closed. */
export function sseClient(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  let comments = 0;
  let status = 0;
  let contentType = '';
  let buffer = '';
  const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (response) => {
    status = response.statusCode ?? 0;
    contentType = String(response.headers['content-type']);
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: Partial<SseEvent> & { raw?: string } = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments++;
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data = JSON.parse(line.slice(6));
        }
        if ('data' in event) events.push(event as SseEvent);
      }
    });
  });
  request.on('error', () => {});
  return {
    events,
    comments: () => comments,
    status: () => status,
    contentType: () => contentType,
    close: () => request.destroy(),
  };
}
