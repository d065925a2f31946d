// An app as a PM2 user brings it (issue 14): Fastify on PORT, answering GET / with its pid, and nothing
// about its supervisor — no signal handler, no process.send('ready'), no inherited fd. Run N times by
// `pool start -w N` (cluster mode) and by `pm2 start -i N` (PM2's cluster mode).
const Fastify = require('fastify');

const app = Fastify({ logger: false });
app.get('/', async () => String(process.pid));
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
