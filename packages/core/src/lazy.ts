import { createRequire } from 'node:module';

// ajv, yaml and pino cost ~120 ms to import together, and every worker imports @pool/core: they are loaded
// on first use instead (all three are CommonJS, so `require` keeps the callers synchronous).
const require = createRequire(import.meta.url);

export const loadAjv = (): typeof import('ajv') => require('ajv');
export const loadYaml = (): typeof import('yaml') => require('yaml');
export const loadPino = (): typeof import('pino') => require('pino');
