import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { validateJobConfig } from '@pool/core';

/** Marks a body schema as "a job config": validated by @pool/core itself, with the path of each bad value. */
export const jobConfigBody = { $id: 'pool-job-config', type: 'object', description: 'A job config (see jobConfigSchema).' } as const;

/**
 * Fastify's default validator strips unknown keys and coerces types; a control API must reject them instead.
 * Job configs go through core's validation (the same schema config files use); other parts through a strict
 * ajv, coercing only what arrives as text (path parameters and the query string).
 */
export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ allErrors: true, strict: false });
  const fromText = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
  return ({ schema, httpPart }) => {
    if ((schema as { $id?: string }).$id === jobConfigBody.$id) {
      return (data: unknown) => {
        try {
          return { value: validateJobConfig(data, { source: 'request body' }) };
        } catch (error) {
          return { error: error as Error };
        }
      };
    }
    const ajv = httpPart === 'body' ? strict : fromText;
    const validate = ajv.compile(schema as object);
    return (data: unknown) => {
      if (validate(data)) return { value: data };
      const message = (validate.errors ?? []).map((problem) => `${httpPart}${problem.instancePath.replaceAll('/', '.')} ${problem.message}`).join('; ');
      return { error: Object.assign(new Error(message), { validation: validate.errors }) };
    };
  };
}
