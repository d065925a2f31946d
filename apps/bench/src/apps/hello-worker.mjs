// The hello app as a pool worker: the same app, listening on the socket the master shares with `listenOn`
// (pool's documented way, which also evens out kept-alive connections between the workers).
import { listenOn, WorkerBase } from '@pool/core/worker'; // the worker's side only, as the README advises
import { buildHelloApp, closeApp, reportListening } from './hello.mjs';

export default class HelloWorker extends WorkerBase {
  app = buildHelloApp();

  constructor() {
    super();
    this.onStart(async () => {
      await this.app.ready();
      await listenOn(this.app.server, this.sockets.web);
      reportListening(this.app);
    });
    this.onShutdown(() => closeApp(this.app));
  }

  async main() {
    await this.untilStopped();
  }
}
