import { poolHttp } from './plugin.js';

export { poolHttp, type PoolHttpOptions } from './plugin.js';
export { createPoolServer, type PoolServer, type PoolServerOptions } from './server.js';
export { prometheusText } from './metrics.js';
export type { LogRecordLike, LogSource } from './routes/streams.js';
export type { ErrorBody } from './errors.js';
export type { RedactEnv } from './redact.js';
export default poolHttp;
