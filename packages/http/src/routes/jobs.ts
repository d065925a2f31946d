import type { FastifyInstance } from 'fastify';
import { poolError, type JobConfig, type JobInfo, type Manager, type ScaleValue } from '@pool/core';
import { errors, jobParams, jobSchema, okSchema, serializeJob, signalBody, statsSchema } from '../schemas.js';
import { jobConfigBody } from '../validation.js';

type Redact = (config: Record<string, unknown>) => Record<string, unknown>;

type JobParams = { Params: { job: string } };

const sessionQuery = {
  type: 'object',
  properties: {
    session: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
    start: { type: 'boolean', description: 'Start its processes (default true).' },
    wait: { type: 'boolean', description: 'Answer once each first start has settled (default true); false answers at once.' },
  },
  additionalProperties: false,
} as const;

/** The job's session and name from `:job` ("web" is "default.web"). */
function split(job: string): { session: string; name: string } {
  const [session, name] = job.includes('.') ? job.split('.') : ['default', job];
  return { session: session!, name: name! };
}

const envQuery = {
  type: 'object',
  properties: { env: { type: 'boolean', description: 'Show env values in clear (they are `***` by default).' } },
  additionalProperties: false,
} as const;

type EnvQuery = { Querystring: { env?: boolean } };

export function jobRoutes(app: FastifyInstance, manager: Manager, redact: Redact, lostLines?: () => Record<string, number>): void {
  const shown = (request: { query: { env?: boolean } }): Redact => (request.query.env === true ? (config) => config : redact);
  /** A job as answered to a read, with the lines its log file lost when the server knows them. */
  const shownJob = (name: string, redactWith: Redact) => {
    const job = serializeJob(manager.info(name), redactWith);
    return lostLines ? { ...job, logLinesLost: lostLines()[job.name as string] ?? 0 } : job;
  };
  const serialize = (info: JobInfo) => serializeJob(info, redact);

  app.get<EnvQuery>('/jobs', {
    schema: { summary: 'Every job (env values hidden unless ?env=true)', querystring: envQuery, response: { 200: { type: 'array', items: jobSchema }, ...errors } },
    handler: async (request) => manager.jobs().map((name) => shownJob(name, shown(request))),
  });

  app.get<JobParams & EnvQuery>('/jobs/:job', {
    schema: { summary: 'One job (env values hidden unless ?env=true)', params: jobParams, querystring: envQuery, response: { 200: jobSchema, ...errors } },
    handler: async (request) => shownJob(request.params.job, shown(request)),
  });

  app.post<{ Body: JobConfig; Querystring: { session?: string; start?: boolean; wait?: boolean } }>('/jobs', {
    schema: { summary: 'Load a job', body: jobConfigBody, querystring: sessionQuery, response: { 201: jobSchema, ...errors } },
    handler: async (request, reply) => {
      const { session, start = true, wait = true } = request.query;
      const name = await manager.load(request.body, { ...(session ? { session } : {}), start: start && wait });
      if (start && !wait) manager.startJob(name).catch((error: unknown) => request.log.error({ err: error, job: name }, 'job start failed'));
      return reply.code(201).send(serialize(manager.info(name)));
    },
  });

  app.put<JobParams & { Body: JobConfig }>('/jobs/:job', {
    schema: { summary: 'Replace a job\'s config (its processes are replaced)', params: jobParams, body: jobConfigBody, response: { 200: jobSchema, ...errors } },
    handler: async (request) => {
      // The path names the job: a body that names another one must not replace that other job.
      const { session, name } = split(request.params.job);
      if (request.body.name !== undefined && request.body.name !== name) {
        throw poolError('POOL_INVALID_REQUEST', { detail: `the body names job "${request.body.name}" but the path names "${name}"` });
      }
      const updated = await manager.update({ ...request.body, name }, { session });
      return serialize(manager.info(updated));
    },
  });

  app.delete<JobParams>('/jobs/:job', {
    schema: { summary: 'Unload a job (its processes are stopped)', params: jobParams, response: { 200: okSchema, ...errors } },
    handler: async (request) => {
      await manager.unload(request.params.job);
      return { ok: true };
    },
  });

  const actions: Record<string, [string, (job: string) => Promise<unknown>]> = {
    start: ['Start a job', (job) => manager.startJob(job)],
    stop: ['Stop a job: its processes are stopped and not restarted', (job) => manager.stopJob(job)],
    // A stopped job (or one that gave up) has no process to replace: restarting it starts it, as PM2's does.
    restart: ['Restart a job\'s processes (a stopped job is started)', (job) => (manager.info(job).running ? manager.stopall(job) : manager.startJob(job))],
    reload: ['Reload a job: back to its configured count, every process restarted', (job) => manager.reload(job)],
    reset: ['Set a job\'s restart counters back to 0 (its processes are left as they are)', (job) => manager.resetCounters(job)],
  };
  for (const [action, [summary, run]] of Object.entries(actions)) {
    app.post<JobParams>(`/jobs/:job/${action}`, {
      schema: { summary, params: jobParams, response: { 200: jobSchema, ...errors } },
      handler: async (request) => {
        await run(request.params.job);
        return serialize(manager.info(request.params.job));
      },
    });
  }

  app.post<JobParams & { Body: { n: ScaleValue } }>('/jobs/:job/scale', {
    schema: {
      summary: 'Scale a job: n is a count, "+k", "-k" or "=k"',
      params: jobParams,
      body: { type: 'object', properties: { n: { type: ['integer', 'string'] } }, required: ['n'], additionalProperties: false },
      response: { 200: { type: 'object', properties: { numprocesses: { type: 'integer' } }, required: ['numprocesses'] }, ...errors },
    },
    handler: async (request) => ({ numprocesses: await manager.scale(request.params.job, request.body.n) }),
  });

  app.post<JobParams & { Body: { signal: string | number } }>('/jobs/:job/signal', {
    schema: { summary: 'Signal every process of a job', params: jobParams, body: signalBody, response: { 200: okSchema, ...errors } },
    handler: async (request) => {
      manager.killall(request.params.job, request.body.signal);
      return { ok: true };
    },
  });

  app.post<JobParams & { Body: { gracefulTimeout?: number | string; env?: Record<string, string> } }>('/jobs/:job/commit', {
    schema: {
      summary: 'Start a one-off process of a job (not kept alive, not counted by scaling)',
      params: jobParams,
      body: {
        type: 'object',
        properties: { gracefulTimeout: { type: ['integer', 'string'] }, env: { type: 'object', additionalProperties: { type: 'string' } } },
        additionalProperties: false,
      },
      response: { 201: { type: 'object', properties: { pid: { type: 'integer' } }, required: ['pid'] }, ...errors },
    },
    handler: async (request, reply) => reply.code(201).send({ pid: await manager.commit(request.params.job, request.body ?? {}) }),
  });

  app.get('/stats', {
    schema: { summary: 'CPU and memory of every job\'s processes, in one answer (`pool ps`)', response: { 200: { type: 'array', items: statsSchema }, ...errors } },
    handler: async () => {
      // A job unloaded while the others are read is left out, not an error.
      const answers = await Promise.allSettled(manager.jobs().map((name) => manager.stats(name)));
      return answers.flatMap((answer) => {
        if (answer.status === 'fulfilled') return [answer.value];
        if ((answer.reason as { code?: string }).code === 'POOL_UNKNOWN_JOB') return [];
        throw answer.reason;
      });
    },
  });

  app.get<JobParams>('/jobs/:job/stats', {
    schema: { summary: 'CPU and memory of a job\'s processes', params: jobParams, response: { 200: statsSchema, ...errors } },
    handler: async (request) => manager.stats(request.params.job),
  });

  app.get('/sessions', {
    schema: { summary: 'The sessions', response: { 200: { type: 'array', items: { type: 'string' } }, ...errors } },
    handler: async () => manager.sessions,
  });
}
