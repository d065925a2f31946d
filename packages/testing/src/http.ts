import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One GET on a fresh connection (no keep-alive, so each request may reach another worker). */
export function httpGet(url: string, timeout = 10_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, headers: { connection: 'close' }, timeout }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeout} ms`)));
    request.on('error', reject);
  });
}
