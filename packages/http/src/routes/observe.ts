import type { FastifyInstance } from 'fastify';
import type { Manager } from '@pool/core';
import { prometheusText } from '../metrics.js';
import { errors } from '../schemas.js';

const readinessSchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    jobs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          job: { type: 'string' },
          wanted: { type: 'integer' },
          ready: { type: 'integer' },
          waitingFor: { type: 'array', items: { type: 'string' }, description: 'Jobs it depends on that are not ready yet: it has not started.' },
        },
        required: ['job', 'wanted', 'ready'],
      },
    },
  },
  required: ['ready', 'jobs'],
} as const;

/** Health and metrics: `/healthz` and `/readyz` are public (Kubernetes probes), even with a token. */
export function observeRoutes(app: FastifyInstance, manager: Manager, lostLines?: () => Record<string, number>): void {
  app.get('/healthz', {
    config: { public: true },
    schema: { summary: 'Liveness: the server answers', response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
    handler: async () => ({ status: 'ok' }),
  });

  app.get('/readyz', {
    config: { public: true },
    schema: { summary: 'Readiness: every active job has its wanted processes ready (503 until then)', response: { 200: readinessSchema, 503: readinessSchema } },
    handler: async (_request, reply) => {
      const jobs = manager.jobs().map((name) => {
        const info = manager.info(name);
        const ready = info.processes.filter((process) => !process.commit && process.state === 'ready').length;
        return { job: name, wanted: info.active ? info.numprocesses : 0, ready, ...(info.waitingFor.length > 0 ? { waitingFor: info.waitingFor } : {}) };
      });
      const ready = manager.state === 'running' && jobs.every((job) => job.ready >= job.wanted);
      return reply.code(ready ? 200 : 503).send({ ready, jobs });
    },
  });

  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics per job', produces: ['text/plain'], response: { 200: { type: 'string' }, ...errors } },
    handler: async (_request, reply) => {
      const stats = await Promise.all(manager.jobs().map((name) => manager.stats(name)));
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(stats, Date.now(), lostLines?.()));
    },
  });
}
