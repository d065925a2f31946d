// The hello app as a program of its own: what the baseline, cluster, PM2 and supervisord run.
// HELLO_FD: listen on an inherited socket (supervisord's fcgi-program passes it as fd 0); else PORT.
// HELLO_SHUTDOWN: how it closes on SIGINT/SIGTERM (see closeApp).
import { buildHelloApp, closeApp, listenOptions, reportListening } from './hello.mjs';

const app = buildHelloApp();
const fd = process.env.HELLO_FD === undefined ? undefined : Number(process.env.HELLO_FD);
await app.listen(listenOptions({ fd, port: Number(process.env.PORT ?? 0) }));
reportListening(app);

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  closeApp(app).then(() => process.exit(0), () => process.exit(1));
};
// PM2 stops a process with SIGINT, supervisord and the others with SIGTERM.
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
