// Runs one scenario in a process of its own (so that what it loads, listens to or leaks cannot touch the
// next one) and hands its rows to the harness over IPC.
import { pathToFileURL } from 'node:url';
import { tempDir } from '@pool/testing';
import { logger } from './lib/format.mjs';

const [file, ...flags] = process.argv.slice(2);
const quick = flags.includes('--quick');
const scenario = (await import(pathToFileURL(file).href)).default;
const directory = tempDir('pool-reliability-');
let message;
try {
  const rows = await scenario.run({ quick, directory: directory.path, log: logger(`[${scenario.id}]`) });
  message = { type: 'rows', rows };
} catch (error) {
  message = { type: 'error', error: error?.stack ?? String(error) };
} finally {
  directory.remove();
}
process.send(message, () => process.exit(0));
