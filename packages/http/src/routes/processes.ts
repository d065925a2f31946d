import type { FastifyInstance } from 'fastify';
import type { Manager } from '@pool/core';
import { errors, okSchema, pidParams, processSchema, serializeProcess, signalBody } from '../schemas.js';

type PidParams = { Params: { pid: number } };

export function processRoutes(app: FastifyInstance, manager: Manager): void {
  app.get('/processes', {
    schema: { summary: 'Every process of every job', response: { 200: { type: 'array', items: processSchema }, ...errors } },
    handler: async () => manager.list().map(serializeProcess),
  });

  app.get<PidParams>('/processes/:pid', {
    schema: { summary: 'One process', params: pidParams, response: { 200: processSchema, ...errors } },
    handler: async (request) => serializeProcess(manager.getProcess(request.params.pid)),
  });

  app.delete<PidParams>('/processes/:pid', {
    schema: { summary: 'Stop a process (it is not restarted)', params: pidParams, response: { 200: okSchema, ...errors } },
    handler: async (request) => {
      await manager.stopProcess(request.params.pid);
      return { ok: true };
    },
  });

  app.post<PidParams & { Body: { signal: string | number } }>('/processes/:pid/signal', {
    schema: { summary: 'Signal one process of the manager', params: pidParams, body: signalBody, response: { 200: okSchema, ...errors } },
    handler: async (request) => {
      // The Manager refuses a pid that is not one of its processes: nothing else is ever signalled.
      manager.kill(request.params.pid, request.body.signal);
      return { ok: true };
    },
  });

  app.post<PidParams & { Body: { lines: string | string[] } }>('/processes/:pid/stdin', {
    schema: {
      summary: 'Write lines to a process\'s stdin (its job needs redirectInput)',
      params: pidParams,
      body: {
        type: 'object',
        properties: { lines: { type: ['string', 'array'], items: { type: 'string' } } },
        required: ['lines'],
        additionalProperties: false,
      },
      response: { 200: okSchema, ...errors },
    },
    handler: async (request) => {
      await manager.send(request.params.pid, request.body.lines);
      return { ok: true };
    },
  });
}
