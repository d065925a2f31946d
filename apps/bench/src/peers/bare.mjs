// The physical baseline: N plain fork()s of the hello app, each on a port of its own, no supervisor.
import { join } from 'node:path';
import { launch, stopProcess } from '../lib/processes.mjs';
import { helloServer } from './paths.mjs';

export default {
  name: 'bare',
  label: 'baseline',
  version: () => process.version,

  start({ workers, directory, env }) {
    const children = Array.from({ length: workers }, () =>
      launch(process.execPath, [helloServer], { env: { ...env, PORT: '0' }, logFile: join(directory, 'bare.log') }),
    );
    return {
      port: undefined, // one per process: read it from the listening log
      supervisorPid: undefined,
      started: Promise.resolve(),
      stop: () => Promise.all(children.map((child) => stopProcess(child))),
    };
  },
};
