// The hello app as a pool worker: the same app, listening on the socket the master shares.
import { WorkerBase } from '@pool/core';
import { buildHelloApp, closeApp, listenOptions, reportListening } from './hello.mjs';

export default class HelloWorker extends WorkerBase {
  app = buildHelloApp();

  constructor() {
    super();
    this.onStart(async () => {
      await this.app.listen(listenOptions({ fd: this.sockets.web.fd }));
      reportListening(this.app);
    });
    this.onShutdown(() => closeApp(this.app));
  }

  async main() {
    await this.untilStopped();
  }
}
