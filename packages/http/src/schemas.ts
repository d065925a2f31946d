import type { JobInfo, ProcessInfo } from '@pool/core';
import { errorBodySchema } from './errors.js';

const nullableInteger = { type: ['integer', 'null'] } as const;
const failure = {
  type: ['object', 'null'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

export const processSchema = {
  type: 'object',
  properties: {
    job: { type: 'string' },
    id: { type: 'integer' },
    pid: nullableInteger,
    state: { type: 'string' },
    commit: { type: 'boolean' },
    uptime: { type: 'number' },
    restarts: { type: 'integer' },
    failures: { type: 'integer' },
    startedAt: nullableInteger,
    readyAt: nullableInteger,
    waitingFor: { type: 'array', items: { type: 'string' }, description: 'State waiting before its job starts: the dependencies not ready yet.' },
    lastExit: {
      type: ['object', 'null'],
      properties: {
        code: nullableInteger,
        signal: { type: ['string', 'null'] },
        reason: { type: 'string' },
        uptime: { type: 'number' },
        error: failure,
      },
    },
  },
  required: ['job', 'id', 'state', 'restarts'],
} as const;

export const processStatsSchema = {
  ...processSchema,
  properties: { ...processSchema.properties, cpu: { type: ['number', 'null'] }, rss: { type: ['integer', 'null'] } },
} as const;

export const jobSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    session: { type: 'string' },
    active: { type: 'boolean' },
    running: { type: 'boolean' },
    numprocesses: { type: 'integer' },
    restarts: { type: 'integer', description: 'Every restart of its processes since it was loaded (never goes down), or since POST /jobs/:job/reset.' },
    restartReasons: { type: 'object', additionalProperties: { type: 'integer' }, description: 'restarts by reason: crashed, timeout, liveness, memory, age, cron, watch, reload, …' },
    dependsOn: { type: 'array', items: { type: 'string' } },
    waitingFor: { type: 'array', items: { type: 'string' }, description: 'Dependencies not ready yet: the job waits for them before it starts.' },
    logLinesLost: { type: 'integer', description: 'Output lines that never reached the log file (a full disk, …); where the server knows (the daemon).' },
    priority: { type: 'integer' },
    processes: { type: 'array', items: processSchema },
    sockets: { type: 'object', additionalProperties: true },
    flapping: { type: 'object', properties: { round: { type: 'integer' }, paused: { type: 'boolean' } } },
    failure,
    config: { type: 'object', additionalProperties: true },
  },
  required: ['name', 'session', 'active', 'running', 'numprocesses', 'processes'],
} as const;

export const statsSchema = {
  type: 'object',
  properties: {
    job: { type: 'string' },
    cpu: { type: 'number' },
    rss: { type: 'integer' },
    restarts: { type: 'integer' },
    restartReasons: { type: 'object', additionalProperties: { type: 'integer' } },
    processes: { type: 'array', items: processStatsSchema },
  },
  required: ['job', 'cpu', 'rss', 'processes'],
} as const;

export const okSchema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } as const;

/** The error answers every route may give. */
export const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 413: errorBodySchema } as const;

export const jobParams = {
  type: 'object',
  properties: { job: { type: 'string', pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)?$' } },
  required: ['job'],
} as const;

export const pidParams = {
  type: 'object',
  properties: { pid: { type: 'integer', minimum: 1 } },
  required: ['pid'],
} as const;

export const signalBody = {
  type: 'object',
  properties: { signal: { type: ['string', 'integer'], minLength: 1 } },
  required: ['signal'],
  additionalProperties: false,
} as const;

const plainError = (error: { code: string; message: string } | undefined) => (error ? { code: error.code, message: error.message } : null);

/** PoolErrors inside records become `{ code, message }`. */
export function serializeProcess(info: ProcessInfo): Record<string, unknown> {
  return info.lastExit ? { ...info, lastExit: { ...info.lastExit, error: plainError(info.lastExit.error) } } : info as unknown as Record<string, unknown>;
}

/** A job as the API shows it; `redact` hides its config's env values (see redact.ts). */
export function serializeJob(info: JobInfo, redact: (config: Record<string, unknown>) => Record<string, unknown> = (config) => config): Record<string, unknown> {
  return { ...info, config: redact(info.config as unknown as Record<string, unknown>), processes: info.processes.map(serializeProcess), failure: plainError(info.failure) };
}
