import { DaemonClient } from './client.js';
import { Output } from './format/output.js';
import { poolHome, type PoolHome } from './home.js';

/** What every command gets: where to write, where the daemon lives, and a client for it. */
export interface CommandContext {
  output: Output;
  home: PoolHome;
  client: DaemonClient;
}

export function createContext(options: { json?: boolean }): CommandContext {
  const home = poolHome();
  return { output: new Output({ json: options.json === true }), home, client: new DaemonClient(home) };
}

/** A command: the context, its arguments in order, then its options; resolves with the exit code (0 if none). */
export type CommandHandler = (context: CommandContext, ...args: any[]) => Promise<number | void>;
