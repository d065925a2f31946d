import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { invalidConfig } from '../validate.js';
import { parseFailed } from './text.js';

/**
 * A config module's default export: the config object, or a function (sync or async) that returns it.
 * The modification time is part of the URL, so that loading an edited file again reads the new version.
 */
export async function importConfig(file: string): Promise<unknown> {
  const url = `${pathToFileURL(file).href}?mtime=${statSync(file).mtimeMs}`;
  let namespace: { default?: unknown };
  try {
    namespace = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw parseFailed(file, undefined, undefined, (error as Error).message, error);
  }
  if (!('default' in namespace) || namespace.default === undefined) {
    throw invalidConfig([{ path: '', message: 'the module has no default export: `export default { jobs: { … } }`', file }], file);
  }
  const exported = namespace.default;
  return typeof exported === 'function' ? await (exported as () => unknown)() : exported;
}
