import type { FastifyInstance, RouteOptions } from 'fastify';

interface Operation {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  public: boolean;
}

/** Collects the scope's routes as they are added; `document()` is the OpenAPI 3 description of them. */
export function openApiCollector(app: FastifyInstance, title: string, version: string) {
  const operations: Operation[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      operations.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: (route.schema ?? {}) as Record<string, unknown>,
        public: (route.config as { public?: boolean } | undefined)?.public === true,
      });
    }
  });
  return {
    document() {
      const paths: Record<string, Record<string, unknown>> = {};
      for (const { method, url, schema, public: open } of operations) {
        const path = url.replace(/:(\w+)/g, '{$1}');
        const parameters = [
          ...Object.keys((schema.params as { properties?: object })?.properties ?? {}).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
          ...Object.entries((schema.querystring as { properties?: Record<string, object> })?.properties ?? {}).map(([name, value]) => ({ name, in: 'query', schema: value })),
        ];
        const responses = Object.fromEntries(
          Object.entries((schema.response as Record<string, object>) ?? { 200: {} }).map(([status, body]) => [
            status,
            { description: status, content: { 'application/json': { schema: body } } },
          ]),
        );
        paths[path] ??= {};
        paths[path][method] = {
          summary: schema.summary,
          parameters,
          ...(schema.body ? { requestBody: { content: { 'application/json': { schema: schema.body } } } } : {}),
          responses,
          security: open ? [] : [{ bearer: [] }],
        };
      }
      return {
        openapi: '3.0.3',
        info: { title, version },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        paths,
      };
    },
  };
}
