// A request refused before its body is read (a media type with no parser: 415, too large: 413) still gets its
// answer: the server reads and drops the rest of the body before the connection closes. The server runs in a
// process of its own, as the daemon does: in-process the race that lost the answer does not show.
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ProcessTracker, tempDir } from '@pool/testing';

const tracker = new ProcessTracker();
const temps: { remove: () => void }[] = [];
afterEach(async () => {
  await tracker.cleanup();
  for (const temp of temps.splice(0)) temp.remove();
});

/** One request on a fresh connection, head and body written at once; resolves with the status line, or what went wrong. */
function send(socketPath: string, head: string, body: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(received.split('\r\n')[0] || `no answer (${error.code})`));
    socket.on('close', () => resolve(received.split('\r\n')[0] || 'no answer'));
    socket.on('connect', () => {
      socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n`);
      socket.write(body);
    });
  });
}

it('answers every request whose body it refuses unread, however fast the client writes it', async () => {
  const directory = tempDir('pool-http-');
  temps.push(directory);
  const socketPath = join(directory.path, 'pool.sock');
  const server = tracker.spawn(process.execPath, [fileURLToPath(new URL('./fixtures/server.mjs', import.meta.url)), socketPath]);
  await server.waitForOutput(/READY/);
  const head = 'POST /jobs?session=fuzz&start=false HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/x-www-form-urlencoded\r\n';
  const answers = new Map<string, number>();
  for (let index = 0; index < 2_000; index++) {
    const answer = await send(socketPath, head, 'zIzzR")%U');
    answers.set(answer, (answers.get(answer) ?? 0) + 1);
  }
  expect(Object.fromEntries(answers)).toEqual({ 'HTTP/1.1 400 Bad Request': 2_000 });
});
