import { createRequire } from 'node:module';

import { bundled } from './bundled.js';

// yaml, pino and the config validators cost tens of ms to load, and every worker imports @pool/core: they are
// loaded on first use instead (all CommonJS, so `require` keeps the callers synchronous). The validators are
// compiled from the schemas at build time, so no ajv compiler is ever loaded.
const require = createRequire(import.meta.url);

/** The config validators compiled at build time (scripts/validators.mjs): no ajv compiler at run time. */
export const loadValidators = (): Record<'job' | 'file' | 'ecosystem', import('ajv').ValidateFunction> =>
  require(bundled ? '../config/validators.cjs' : './config/validators.cjs');
export const loadYaml = (): typeof import('yaml') => require('yaml');
export const loadPino = (): typeof import('pino') => require('pino');
