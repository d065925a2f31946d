// The app: a plain node:http server on PORT, as it would run anywhere. SIGTERM closes it (finishing the
// requests under way), then the process exits.
import http from 'node:http';

const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'text/plain');
  response.end(`hello from ${process.pid}\n`);
});
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '0.0.0.0', () => console.log(`web listening on ${process.env.PORT ?? 8080}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
