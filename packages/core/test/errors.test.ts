import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes, isPoolError, PoolError, poolError } from '@pool/core';
// @ts-expect-error: a plain ESM script without types
import { renderErrorsDoc } from '../scripts/errors-doc.mjs';

describe('the error registry', () => {
  it('is what docs/errors.md says (regenerate with `pnpm --dir packages/core docs:errors`)', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsDoc());
  });

  it('gives every code a POOL_ name, a message, a hint that says what to do, and an HTTP status', () => {
    for (const [code, definition] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^POOL_[A-Z_]+$/);
      // A message is a sentence, or (POOL_USAGE) the detail the parser gave: never empty.
      expect(definition.message.trim().length).toBeGreaterThan(0);
      expect(definition.hint.length).toBeGreaterThan(10);
      expect([400, 401, 403, 404, 409, 413, 500, 503]).toContain(definition.status);
    }
  });

  it('fills the message from the context and is recognised without instanceof', () => {
    const error = poolError('POOL_PID_FILE_LOCKED', { pidFile: '/run/pool.pid', pid: 42 });
    expect(error.message).toBe('The pid file /run/pool.pid names a running process (42)');
    expect(error).toBeInstanceOf(PoolError);
    expect(isPoolError(error)).toBe(true);
    expect(isPoolError(error, 'POOL_PID_FILE_LOCKED')).toBe(true);
    expect(isPoolError(error, 'POOL_STOPPED')).toBe(false);
    expect(isPoolError(new Error('plain'))).toBe(false);
    // A copy of the error from another copy of @pool/core: same marker, different class.
    const foreign = Object.assign(new Error('x'), { code: 'POOL_STOPPED', [Symbol.for('pool.error')]: true });
    expect(isPoolError(foreign, 'POOL_STOPPED')).toBe(true);
    expect(error.toJSON()).toMatchObject({ code: 'POOL_PID_FILE_LOCKED', pid: 42, hint: expect.stringContaining('stop it') });
  });
});

describe('the config file schema for editors', () => {
  it('is what the code validates with (regenerate with `pnpm --dir packages/core docs:schema`)', async () => {
    // @ts-expect-error: a plain ESM script without types
    const { renderConfigSchema, renderEcosystemSchema } = await import('../scripts/config-schema.mjs');
    expect(readFileSync(new URL('../schema/pool.config.schema.json', import.meta.url), 'utf8')).toBe(renderConfigSchema());
    expect(readFileSync(new URL('../schema/ecosystem.schema.json', import.meta.url), 'utf8')).toBe(renderEcosystemSchema());
  });
});
